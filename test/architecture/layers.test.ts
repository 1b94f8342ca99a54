import { expect } from 'chai';
import { spawn } from 'node:child_process';
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The layer rules bite: each case is a small legal tree of Rosey's folders plus one deliberate
 * violation, cruised by dependency-cruiser with the real rule file, package.json and tsconfig.json
 * (copied into a temp folder) and the arguments of `npm run lint:layers`. The legal tree alone has
 * no violation; each case has exactly the violation it adds, named by the rule that forbids it.
 */
const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const DEPCRUISE = join(REPO, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs');

/** The arguments `npm run lint:layers` gives depcruise. */
function lintLayersArgs(): string[] {
  const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as {
    scripts: Record<string, string>;
  };
  const [bin, ...args] = (pkg.scripts['lint:layers'] ?? '').trim().split(/\s+/);
  expect(bin, 'lint:layers runs depcruise').to.equal('depcruise');
  return args;
}

/** A tree that respects every rule: each layer imports what it may (npm packages and builtins too). */
const LEGAL: Record<string, string> = {
  'contract/envelope.ts': `import { z } from 'zod';\nimport { join } from 'node:path';\nexport const Envelope = z.object({ at: z.string() });\nexport const where = join('a', 'b');\n`,
  'contract/result.ts': `import type { Envelope } from './envelope.js';\nexport type Result = typeof Envelope;\nexport const OK = 'ok';\n`,
  'process/free-port.ts': `import { createServer } from 'node:net';\nexport const freePort = () => createServer();\n`,
  'supervisors/strategy.ts': `export const ONE_FOR_ONE = 'one_for_one';\n`,
  'supervisors/supervisor.machine.ts': `import { ONE_FOR_ONE } from './strategy.js';\nexport const supervisor = ONE_FOR_ONE;\n`,
  'plugin-packages/manifest.ts': `import { OK } from '../contract/result.js';\nimport { freePort } from '../process/free-port.js';\nexport const manifest = [OK, freePort];\n`,
  'sdk/define-plugin.ts': `import type { Result } from '../contract/result.js';\nexport const definePlugin = (r?: Result) => r;\n`,
  'sdk/index.ts': `export { definePlugin } from './define-plugin.js';\nexport { OK } from '../contract/result.js';\n`,
  'actors/database/open.ts': `import { OK } from '../../contract/result.js';\nexport const openDatabase = () => OK;\n`,
  'actors/storage/storage.machine.ts': [
    `import { OK } from '../../contract/result.js';`,
    `import { freePort } from '../../process/free-port.js';`,
    `import { manifest } from '../../plugin-packages/manifest.js';`,
    `import { supervisor } from '../../supervisors/supervisor.machine.js';`,
    `import { openDatabase } from '../database/open.js';`,
    `export const storage = [OK, freePort, manifest, supervisor, openDatabase];`,
    ``,
  ].join('\n'),
  'app/tree.ts': [
    `import { storage } from '../actors/storage/storage.machine.js';`,
    `import { supervisor } from '../supervisors/supervisor.machine.js';`,
    `import { manifest } from '../plugin-packages/manifest.js';`,
    `import { freePort } from '../process/free-port.js';`,
    `import type { Result } from '../contract/result.js';`,
    `export const tree = (r?: Result) => [storage, supervisor, manifest, freePort, r];`,
    ``,
  ].join('\n'),
  'cli/base-command.ts': `export class BaseCommand {}\n`,
  'cli/commands/start.ts': [
    `import { BaseCommand } from '../base-command.js';`,
    `import { tree } from '../../app/tree.js';`,
    `import { manifest } from '../../plugin-packages/manifest.js';`,
    `import { freePort } from '../../process/free-port.js';`,
    `import { OK } from '../../contract/result.js';`,
    `export default class Start extends BaseCommand { run = () => [tree, manifest, freePort, OK]; }`,
    ``,
  ].join('\n'),
  'sdk/testing/index.ts': [
    `import { definePlugin } from '../index.js';`,
    `import { tree } from '../../app/tree.js';`,
    `import { supervisor } from '../../supervisors/supervisor.machine.js';`,
    `import { manifest } from '../../plugin-packages/manifest.js';`,
    `import { freePort } from '../../process/free-port.js';`,
    `import { OK } from '../../contract/result.js';`,
    `export const testBot = () => [definePlugin, tree, supervisor, manifest, freePort, OK];`,
    ``,
  ].join('\n'),
  'plugins/dice/dice.ts': `import { randomInt } from 'node:crypto';\nexport const roll = () => randomInt(6);\n`,
  'plugins/dice/index.ts': `import { definePlugin } from 'rosey/sdk';\nimport { roll } from './dice.js';\nexport default definePlugin();\nexport { roll };\n`,
  'plugins/dice/test/dice.test.ts': [
    `import { testBot } from 'rosey/sdk/testing';`,
    `import type { OK } from 'rosey/sdk';`,
    `import { roll } from '../dice.js';`,
    `export const t: [unknown, unknown, typeof OK?] = [testBot, roll];`,
    ``,
  ].join('\n'),
  'test/support/helper.ts': [
    `import { storage } from '../../actors/storage/storage.machine.js';`,
    `import Start from '../../cli/commands/start.js';`,
    `import { testBot } from '../../sdk/testing/index.js';`,
    `export const helper = [storage, Start, testBot];`,
    ``,
  ].join('\n'),
  'test/app.test.ts': `import { tree } from '../app/tree.js';\nimport { helper } from './support/helper.js';\nexport const t = [tree, helper];\n`,
  'bench/run.ts': `import { helper } from '../test/support/helper.js';\nimport { openDatabase } from '../actors/database/open.js';\nexport const b = [helper, openDatabase];\n`,
};

interface Violation {
  rule: string;
  from: string;
  to: string;
}

interface Case {
  title: string;
  /** Files added to (or replacing files of) the legal tree. */
  files: Record<string, string>;
  rule: string;
  from: string;
  /** The resolved module imported; for a cycle, the next module in it. */
  to: string;
}

const CASES: Case[] = [
  {
    title: 'supervisors → actors',
    files: {
      'supervisors/child-spec.ts': `import { storage } from '../actors/storage/storage.machine.js';\nexport const s = storage;\n`,
    },
    rule: 'supervisors-standalone',
    from: 'supervisors/child-spec.ts',
    to: 'actors/storage/storage.machine.ts',
  },
  {
    title: 'supervisors → contract',
    files: {
      'supervisors/log.ts': `import type { Result } from '../contract/result.js';\nexport type L = Result;\n`,
    },
    rule: 'supervisors-standalone',
    from: 'supervisors/log.ts',
    to: 'contract/result.ts',
  },
  {
    title: 'contract → process (anything of Rosey)',
    files: {
      'contract/subjects.ts': `import { freePort } from '../process/free-port.js';\nexport const s = freePort;\n`,
    },
    rule: 'contract-imports-nothing',
    from: 'contract/subjects.ts',
    to: 'process/free-port.ts',
  },
  {
    title: 'process → contract',
    files: { 'process/exit.ts': `import { OK } from '../contract/result.js';\nexport const e = OK;\n` },
    rule: 'process-imports-nothing',
    from: 'process/exit.ts',
    to: 'contract/result.ts',
  },
  {
    title: 'plugin-packages → app',
    files: {
      'plugin-packages/install.ts': `import { tree } from '../app/tree.js';\nexport const i = tree;\n`,
    },
    rule: 'plugin-packages-below-actors',
    from: 'plugin-packages/install.ts',
    to: 'app/tree.ts',
  },
  {
    title: 'sdk → actors',
    files: {
      'sdk/storage-client.ts': `import { storage } from '../actors/storage/storage.machine.js';\nexport const c = storage;\n`,
    },
    rule: 'sdk-only-contract',
    from: 'sdk/storage-client.ts',
    to: 'actors/storage/storage.machine.ts',
  },
  {
    title: 'sdk → sdk/testing',
    files: { 'sdk/runner.ts': `import { testBot } from './testing/index.js';\nexport const r = testBot;\n` },
    rule: 'sdk-only-contract',
    from: 'sdk/runner.ts',
    to: 'sdk/testing/index.ts',
  },
  {
    title: 'actors → app',
    files: {
      'actors/control/control.machine.ts': `import { tree } from '../../app/tree.js';\nexport const c = tree;\n`,
    },
    rule: 'actors-below-app',
    from: 'actors/control/control.machine.ts',
    to: 'app/tree.ts',
  },
  {
    title: 'app → cli',
    files: {
      'app/foreground.ts': `import { BaseCommand } from '../cli/base-command.js';\nexport const f = BaseCommand;\n`,
    },
    rule: 'app-below-cli',
    from: 'app/foreground.ts',
    to: 'cli/base-command.ts',
  },
  {
    title: 'cli → actors',
    files: {
      'cli/commands/stop.ts': `import { openDatabase } from '../../actors/database/open.js';\nexport const s = openDatabase;\n`,
    },
    rule: 'cli-no-actor-internals',
    from: 'cli/commands/stop.ts',
    to: 'actors/database/open.ts',
  },
  {
    title: 'cli → supervisors, type-only',
    files: {
      'cli/format-status.ts': `import type { supervisor } from '../supervisors/supervisor.machine.js';\nexport type S = typeof supervisor;\n`,
    },
    rule: 'cli-no-actor-internals',
    from: 'cli/format-status.ts',
    to: 'supervisors/supervisor.machine.ts',
  },
  {
    title: 'sdk/testing → actors',
    files: {
      'sdk/testing/test-bot.ts': `import { storage } from '../../actors/storage/storage.machine.js';\nexport const t = storage;\n`,
    },
    rule: 'sdk-testing-no-actors',
    from: 'sdk/testing/test-bot.ts',
    to: 'actors/storage/storage.machine.ts',
  },
  {
    title: 'a plugin → ../../contract/',
    files: {
      'plugins/dice/format.ts': `import { OK } from '../../contract/result.js';\nexport const f = OK;\n`,
    },
    rule: 'plugins-only-sdk',
    from: 'plugins/dice/format.ts',
    to: 'contract/result.ts',
  },
  {
    title: 'a plugin → another plugin',
    files: {
      'plugins/trivia/game.ts': `export const roll = 4;\n`,
      'plugins/dice/steal.ts': `import { roll } from '../trivia/game.js';\nexport const s = roll;\n`,
    },
    rule: 'plugins-only-sdk',
    from: 'plugins/dice/steal.ts',
    to: 'plugins/trivia/game.ts',
  },
  {
    title: 'a plugin → rosey/sdk/testing outside its tests',
    files: {
      'plugins/dice/harness.ts': `import { testBot } from 'rosey/sdk/testing';\nexport const h = testBot;\n`,
    },
    rule: 'plugins-only-sdk',
    from: 'plugins/dice/harness.ts',
    to: 'sdk/testing/index.ts',
  },
  {
    title: 'a plugin → the SDK by a relative path',
    files: {
      'plugins/dice/relative.ts': `import { definePlugin } from '../../sdk/index.js';\nexport const r = definePlugin;\n`,
    },
    rule: 'plugins-sdk-by-name',
    from: 'plugins/dice/relative.ts',
    to: 'sdk/index.ts',
  },
  {
    title: "a plugin's test → actors",
    files: {
      'plugins/dice/test/internals.test.ts': `import { openDatabase } from '../../../actors/database/open.js';\nexport const i = openDatabase;\n`,
    },
    rule: 'plugin-tests-only-sdk-testing',
    from: 'plugins/dice/test/internals.test.ts',
    to: 'actors/database/open.ts',
  },
  {
    title: "a plugin's test → test/",
    files: {
      'plugins/dice/test/db.test.ts': `import { helper } from '../../../test/support/helper.js';\nexport const d = helper;\n`,
    },
    rule: 'not-to-test',
    from: 'plugins/dice/test/db.test.ts',
    to: 'test/support/helper.ts',
  },
  {
    title: 'app → bench/',
    files: { 'app/bench-hook.ts': `import { b } from '../bench/run.js';\nexport const h = b;\n` },
    rule: 'not-to-test',
    from: 'app/bench-hook.ts',
    to: 'bench/run.ts',
  },
  {
    title: 'a cycle (closed by a type-only import)',
    files: {
      'actors/router/registry.ts': `import type { Route } from './router.machine.js';\nexport const registry: Route[] = [];\n`,
      'actors/router/router.machine.ts': `import { registry } from './registry.js';\nexport type Route = string;\nexport const router = registry;\n`,
    },
    rule: 'no-circular',
    from: 'actors/router/registry.ts',
    to: 'actors/router/router.machine.ts',
  },
  {
    title: 'an import that does not resolve',
    files: { 'actors/storage/keys.ts': `import { nope } from './nope.js';\nexport const k = nope;\n` },
    rule: 'no-unresolvable',
    from: 'actors/storage/keys.ts',
    to: './nope.js',
  },
];

function writeTree(root: string, files: Record<string, string>): void {
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, name)), { recursive: true });
    writeFileSync(join(root, name), content);
  }
}

/** A temp repo: the real rule file, package.json, tsconfig.json and node_modules, and `files`. */
function fixture(parent: string, name: string, files: Record<string, string>): string {
  const root = join(parent, name);
  mkdirSync(root);
  for (const file of ['.dependency-cruiser.mjs', 'package.json', 'tsconfig.json']) {
    copyFileSync(join(REPO, file), join(root, file));
  }
  symlinkSync(join(REPO, 'node_modules'), join(root, 'node_modules'), 'dir');
  writeTree(root, files);
  return root;
}

function depcruise(
  cwd: string,
  args: string[],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [DEPCRUISE, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The violations of a cruise with the lint:layers arguments, from the json reporter. */
async function violations(cwd: string): Promise<Violation[]> {
  const { code, stdout, stderr } = await depcruise(cwd, [...lintLayersArgs(), '--output-type', 'json']);
  expect(code, stderr).to.equal(0);
  const result = JSON.parse(stdout) as {
    summary: { violations: { from: string; to: string; unresolvedTo?: string; rule: { name: string } }[] };
  };
  return result.summary.violations.map((v) => ({ rule: v.rule.name, from: v.from, to: v.to }));
}

/** Runs `jobs` two at a time (the cruises are CPU-bound; test machines are small). */
async function inPairs<T>(jobs: (() => Promise<T>)[]): Promise<T[]> {
  const results: T[] = new Array<T>(jobs.length);
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const i = next++;
      results[i] = await jobs[i]!();
    }
  };
  await Promise.all([worker(), worker()]);
  return results;
}

describe('architecture: the layer rules (.dependency-cruiser.mjs)', function () {
  this.timeout(300_000);
  let parent = '';
  const found = new Map<string, Violation[]>();

  before(async () => {
    parent = mkdtempSync(join(tmpdir(), 'rosey-layers-'));
    const trees: [string, Record<string, string>][] = [
      ['legal', LEGAL],
      ...CASES.map((c, i): [string, Record<string, string>] => [`case-${i}`, { ...LEGAL, ...c.files }]),
    ];
    const results = await inPairs(
      trees.map(
        ([name, files]) =>
          () =>
            violations(fixture(parent, name, files)),
      ),
    );
    trees.forEach(([name], i) => found.set(name, results[i]!));
  });

  after(() => {
    if (parent) rmSync(parent, { recursive: true, force: true });
  });

  it('a tree that keeps to the layers has no violation', () => {
    expect(found.get('legal')).to.deep.equal([]);
  });

  CASES.forEach((c, i) => {
    it(`${c.title}: ${c.rule}`, () => {
      const got = found.get(`case-${i}`)!;
      expect(got.length, JSON.stringify(got)).to.be.at.least(1);
      // Only the added violation, named by its rule (a cycle is reported once per module in it).
      for (const v of got) expect(v.rule, JSON.stringify(got)).to.equal(c.rule);
      expect(got, JSON.stringify(got)).to.deep.include({ rule: c.rule, from: c.from, to: c.to });
    });
  });

  it('`npm run lint:layers` fails on a violation and names the rule, the file and the import', async () => {
    const root = fixture(parent, 'lint-output', {
      ...LEGAL,
      ...CASES.find((c) => c.rule === 'cli-no-actor-internals')!.files,
    });
    const { code, stdout } = await depcruise(root, lintLayersArgs());
    expect(code, stdout).to.not.equal(0);
    expect(stdout).to.match(
      /error cli-no-actor-internals: cli\/commands\/stop\.ts → actors\/database\/open\.ts/,
    );
  });
});
