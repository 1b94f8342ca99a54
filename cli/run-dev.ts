import { runForeground } from '../app/foreground.js';
import type { CommandIo } from './command-io.js';
import { configFor } from './config-target.js';

/** The flags of `rosey dev` (cli/commands/dev.ts declares them for oclif). */
export interface DevFlags {
  as?: string;
  rank?: number;
  config?: string;
  'data-dir'?: string;
  cooldowns?: boolean;
  verbose?: boolean;
  watch?: boolean;
}

/**
 * `rosey dev`: the whole tree in this process, chatting in the terminal; exits with its code. Run
 * by the oclif command and, without oclif, by the fast path (cli/fast-path.ts).
 */
export async function runDev(flags: DevFlags, io: CommandIo): Promise<void> {
  const loaded = configFor(
    flags,
    {
      platforms: {
        console: { user: flags.as, rank: flags.rank, ...(flags.cooldowns ? { cooldowns: true } : {}) },
      },
    },
    io.fail,
    // A ./rosey.yaml is a deployment's: dev must not join its NATS server or database.
    { discover: false },
  );
  const interactive = Boolean(process.stdin.isTTY && process.stdout.isTTY);
  const code = await runForeground({
    loaded,
    label: 'rosey dev',
    stderrLevel: flags.verbose ? 'debug' : undefined,
    console: { input: process.stdin, output: process.stdout, interactive, stopOnEof: true },
    watch: flags.watch,
  });
  process.exit(code);
}
