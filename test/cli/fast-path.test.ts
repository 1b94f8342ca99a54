import { Parser, type Command } from '@oclif/core';
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FAST_COMMANDS, fastFlagNames, parseFast } from '../../cli/fast-path.js';

const root = new URL('../../../', import.meta.url).pathname;
const manifest = JSON.parse(readFileSync(join(root, 'oclif.manifest.json'), 'utf8')) as {
  commands: Record<
    string,
    { flags?: Record<string, { type: 'boolean' | 'option' }>; relativePath: string[] }
  >;
};

/** The oclif command class of `id`, loaded from where the manifest says it is. */
async function commandClass(id: string): Promise<Command.Class> {
  const mod = (await import(join(root, ...manifest.commands[id]!.relativePath))) as {
    default: Command.Class;
  };
  return mod.default;
}

/** What oclif's own parser makes of `argv` for command `id`: every declared flag. */
async function oclifFlags(id: string, argv: string[]): Promise<Record<string, unknown>> {
  const command = await commandClass(id);
  const { flags } = await Parser.parse(argv, { flags: command.flags, args: command.args, strict: true });
  return flags;
}

// bin/run.js runs `rosey status`, `dev` and `start` without oclif when their arguments are plain
// (cli/fast-path.ts). A fast path that read a flag differently from oclif would make one command
// behave two ways.
describe('the CLI fast path', () => {
  const natsUrl = process.env.NATS_URL;
  beforeEach(() => delete process.env.NATS_URL);
  afterEach(() => {
    if (natsUrl !== undefined) process.env.NATS_URL = natsUrl;
  });

  it('reads plain invocations exactly as oclif does, defaults included', async () => {
    const invocations: Array<[string, string[]]> = [
      ['status', []],
      ['status', ['--json']],
      ['status', ['-c', 'rosey.yaml']],
      [
        'status',
        ['--config=conf/rosey.yml', '--data-dir', 'state', '--nats-url', 'nats://127.0.0.1:4222', '--json'],
      ],
      ['status', ['--data-dir=/var/lib/rosey', '-c', 'a b.json']],
      ['dev', []],
      ['dev', ['--as', 'alice', '-v', '-w', '--cooldowns', '-c', 'dev.yaml', '--data-dir', 'd']],
      ['start', []],
      ['start', ['-c', 'rosey.yaml', '-d']],
      ['start', ['--config', '/etc/rosey.yaml', '--pidfile', 'state/rosey.pid', '--data-dir', 'state']],
    ];
    for (const [id, argv] of invocations) {
      const label = [id, ...argv].join(' ');
      const fast = parseFast([id, ...argv], manifest, {});
      expect(fast, label).to.not.equal(undefined);
      expect(fast!.id).to.equal(id);
      const oclif = await oclifFlags(id, argv);
      const names = Object.keys(manifest.commands[id]!.flags!);
      expect(names.length, id).to.be.greaterThan(3);
      for (const name of names) expect(fast!.flags.get(name), `${label}: --${name}`).to.equal(oclif[name]);
    }
  });

  it('leaves to oclif whatever it does not read exactly as oclif would', () => {
    const declined = [
      [],
      ['stop'],
      ['plugin', 'list'],
      ['status', '--help'],
      ['status', '-h'],
      ['status', '--timeout', '100'], // an integer flag: oclif parses and checks it
      ['status', 'now'],
      ['status', '--bogus'],
      ['status', '-c'],
      ['status', '-crosey.yaml'],
      ['status', '-c=rosey.yaml'],
      ['status', '--json', '--json'],
      ['status', '-c', 'a.yaml', '--config', 'b.yaml'],
      ['status', '--', '--json'],
      ['status', '--json=yes'],
      ['status', '--config', '--json'],
      ['dev', '-vw'], // grouped short flags
      ['dev', '--rank', '3'], // an integer flag
      ['start', '--ready-timeout', '5000'],
    ];
    for (const argv of declined) expect(parseFast(argv, manifest, {}), argv.join(' ')).to.equal(undefined);
    // --nats-url falls back on $NATS_URL in oclif: with it set, oclif runs the command.
    expect(parseFast(['status'], manifest, { NATS_URL: 'nats://127.0.0.1:4222' })).to.equal(undefined);
    expect(parseFast(['status'], { commands: {} }, {})).to.equal(undefined);
  });

  it('takes from the command line only flags oclif passes through as typed', async () => {
    expect(FAST_COMMANDS).to.include.members(['status', 'dev', 'start']);
    for (const id of FAST_COMMANDS) {
      for (const name of fastFlagNames(id)) {
        const type = manifest.commands[id]?.flags?.[name]?.type;
        expect(type, `${id} --${name}`).to.be.oneOf(['boolean', 'option']);
        // An integer flag (or one with a choice list or its own parse) would not come back as typed.
        const typed = 'x:y/1 2';
        const flags = await oclifFlags(id, type === 'boolean' ? [`--${name}`] : [`--${name}`, typed]);
        expect(flags[name], `${id} --${name}`).to.equal(type === 'boolean' ? true : typed);
      }
    }
  });
});
