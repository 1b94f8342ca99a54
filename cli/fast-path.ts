import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { commandLine, oneLine, type CommandIo } from './command-io.js';

/**
 * Hot commands run without oclif. Loading oclif (its command, flag, help and config modules, ~70
 * files) is about a quarter of a cold `rosey status`, and part of every start of Rosey, which runs
 * in the process of `rosey dev` or `rosey start`. Only plain invocations take this path:
 * the command's body is the one the oclif command runs (no second implementation), its flags are
 * read from oclif.manifest.json, and anything the fast path is not sure to read exactly as oclif
 * would (--help, a flag it does not take, a flag set from the environment, a repeated flag, an
 * argument) goes to oclif instead, so help and errors stay oclif's.
 */

/** A flag as oclif.manifest.json describes it. */
interface ManifestFlag {
  type: 'boolean' | 'option';
  char?: string;
  env?: string;
  default?: unknown;
}

interface Manifest {
  commands: Record<string, { flags?: Record<string, ManifestFlag> } | undefined>;
}

type FlagValue = string | boolean | number;

/** The flags of a fast invocation: given ones, then the manifest's defaults. */
export class FastFlags {
  constructor(private readonly values: ReadonlyMap<string, FlagValue>) {}

  get(name: string): FlagValue | undefined {
    return this.values.get(name);
  }

  string(name: string): string | undefined {
    const value = this.values.get(name);
    return typeof value === 'string' ? value : undefined;
  }

  boolean(name: string): boolean | undefined {
    const value = this.values.get(name);
    return typeof value === 'boolean' ? value : undefined;
  }

  /** A number flag the fast path does not take from the command line: its manifest default. */
  number(name: string): number {
    const value = this.values.get(name);
    if (typeof value !== 'number') throw new Error(`flag --${name} has no numeric default in the manifest`);
    return value;
  }
}

interface FastCommand {
  /**
   * The flags taken from the command line. Only boolean flags and string flags whose value oclif
   * passes through as typed (no integer parsing, no choice list) belong here: the manifest cannot
   * say which flags oclif parses.
   */
  flags: readonly string[];
  /** A command that exits once it has printed: nothing it parses is parsed twice. */
  oneShot?: boolean;
  /** Loads the command's body, the one its oclif command runs. */
  load(): Promise<(flags: FastFlags, io: CommandIo) => Promise<void>>;
}

const FAST: Record<string, FastCommand> = {
  status: {
    flags: ['json', 'config', 'data-dir', 'nats-url'],
    oneShot: true,
    load: async () => {
      const { showStatus } = await import('./show-status.js');
      return (flags, io) =>
        showStatus(
          {
            json: flags.boolean('json'),
            config: flags.string('config'),
            'data-dir': flags.string('data-dir'),
            'nats-url': flags.string('nats-url'),
            timeout: flags.number('timeout'),
          },
          io,
        );
    },
  },
  // Rosey itself runs in the process of `rosey dev` and `rosey start`: without oclif it starts
  // sooner and holds less memory for as long as it runs.
  dev: {
    flags: ['as', 'config', 'data-dir', 'cooldowns', 'verbose', 'watch'],
    load: async () => {
      const { runDev } = await import('./run-dev.js');
      return (flags, io) =>
        runDev(
          {
            as: flags.string('as'),
            config: flags.string('config'),
            'data-dir': flags.string('data-dir'),
            cooldowns: flags.boolean('cooldowns'),
            verbose: flags.boolean('verbose'),
            watch: flags.boolean('watch'),
          },
          io,
        );
    },
  },
  start: {
    flags: ['config', 'data-dir', 'detach', 'pidfile'],
    load: async () => {
      const { runStart } = await import('./run-start.js');
      return (flags, io) =>
        runStart(
          {
            config: flags.string('config'),
            'data-dir': flags.string('data-dir'),
            detach: flags.boolean('detach'),
            'ready-timeout': flags.number('ready-timeout'),
            pidfile: flags.string('pidfile'),
          },
          io,
        );
    },
  },
};

/** The ids of the commands that have a fast path. */
export const FAST_COMMANDS: readonly string[] = Object.keys(FAST);

/** The flags each fast command takes from the command line, for the test that checks them against oclif. */
export function fastFlagNames(id: string): readonly string[] {
  return FAST[id]?.flags ?? [];
}

/**
 * The command and flags of `argv` when the fast path can run it exactly as oclif would; otherwise
 * undefined, and oclif runs it.
 */
export function parseFast(
  argv: readonly string[],
  manifest: Manifest,
  env: NodeJS.ProcessEnv = process.env,
): { id: string; flags: FastFlags } | undefined {
  const [id, ...rest] = argv;
  const fast = id === undefined ? undefined : FAST[id];
  const declared = id === undefined ? undefined : manifest.commands[id]?.flags;
  if (!fast || !declared) return undefined;
  // A flag oclif would read from the environment: its rules for that are oclif's to apply.
  if (Object.values(declared).some((flag) => flag.env !== undefined && env[flag.env] !== undefined))
    return undefined;
  const options: Record<string, { type: 'boolean' | 'string'; short?: string }> = {};
  for (const name of fast.flags) {
    const flag = declared[name];
    if (!flag) return undefined;
    options[name] = {
      type: flag.type === 'boolean' ? 'boolean' : 'string',
      ...(flag.char ? { short: flag.char } : {}),
    };
  }
  let tokens;
  try {
    ({ tokens } = parseArgs({
      args: [...rest],
      options,
      strict: true,
      allowPositionals: false,
      tokens: true,
    }));
  } catch {
    return undefined; // an unknown flag (--help among them), an argument, a missing value
  }
  const values = new Map<string, FlagValue>();
  for (const token of tokens) {
    // `--`, `-cFILE`, `-c=FILE` and `-vw`: spellings whose reading by oclif the fast path does not copy.
    if (token.kind !== 'option') return undefined;
    if (values.has(token.name)) return undefined;
    if (token.rawName.length === 2 && rest[token.index] !== token.rawName) return undefined;
    values.set(token.name, token.value ?? true);
  }
  for (const [name, flag] of Object.entries(declared)) {
    const fallback = flag.default;
    if (values.has(name) || fallback === undefined) continue;
    if (typeof fallback !== 'string' && typeof fallback !== 'number' && typeof fallback !== 'boolean')
      return undefined;
    values.set(name, fallback);
  }
  return { id: id!, flags: new FastFlags(values) };
}

/** Exits the fast path with a code once the command's `finally` blocks have run, as oclif's ExitError does. */
class FastExit extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}

function readManifest(): Manifest | undefined {
  try {
    return JSON.parse(
      readFileSync(new URL('../../oclif.manifest.json', import.meta.url), 'utf8'),
    ) as Manifest;
  } catch {
    return undefined; // not built yet: oclif finds the commands itself
  }
}

/**
 * Runs `argv` on the fast path if it can (true), printing and exiting as the oclif command would;
 * false when oclif must run it.
 */
export async function runFast(argv: readonly string[]): Promise<boolean> {
  const manifest = readManifest();
  const parsed = manifest && parseFast(argv, manifest);
  if (!parsed) return false;
  const prefix = commandLine(parsed.id);
  const io: CommandIo = {
    // What oclif's `this.log` writes (console.log of one string).
    log: (text) => process.stdout.write(`${text}\n`),
    fail: (message) => {
      process.stderr.write(`${prefix}: ${message}\n`);
      throw new FastExit(1);
    },
  };
  // As oclif's Command module does: output piped into `head` may close early.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
  });
  try {
    const fast = FAST[parsed.id]!;
    // zod compiles a parser for each object schema the first time it parses with it: worth it in
    // Rosey's process, not in one that parses its config and one reply (−15 ms of CPU for status).
    if (fast.oneShot) (await import('../contract/zod.js')).config({ jitless: true });
    const body = await fast.load();
    await body(parsed.flags, io);
  } catch (error) {
    if (error instanceof FastExit) process.exit(error.code);
    // What RoseyCommand.catch prints for an error the command did not expect, with its exit code.
    process.stderr.write(`${prefix}: ${oneLine(error instanceof Error ? error.message : String(error))}\n`);
    process.exit(2);
  }
  return true;
}
