import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { tempDir } from '../support/nats.js';

const bodies = ['run-start.js', 'run-dev.js'].map((f) =>
  fileURLToPath(new URL(`../../cli/${f}`, import.meta.url)),
);

// What a start of Rosey loads before its tree starts is part of every start (issue 16: spawn of
// `rosey dev` → every plugin answering, target 1.5 s). These were loaded and not needed there.
describe('modules a start of Rosey loads', () => {
  it('has neither oclif, nor all of semver, nor the backup writer, nor elkjs, nor ws, nor the files of bundled packages', () => {
    const script = `
      import { createRequire } from 'node:module';
      for (const body of ${JSON.stringify(bodies)}) await import(body);
      console.log(JSON.stringify(Object.keys(createRequire(import.meta.url).cache)));`;
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(run.status, run.stderr).to.equal(0);
    const loaded = JSON.parse(run.stdout) as string[];
    expect(
      loaded.filter((m) => m.includes('/node_modules/pino/')),
      'the check sees CommonJS modules',
    ).to.not.be.empty;
    // `rosey dev` and `rosey start` run without oclif (cli/fast-path.ts).
    expect(loaded.filter((m) => m.includes('/@oclif/'))).to.deep.equal([]);
    // The plugin manifest checks one version with semver's `valid` (its own module, not the index).
    expect(loaded.filter((m) => /\/semver\/index\.js$/.test(m))).to.deep.equal([]);
    expect(loaded.filter((m) => /\/semver\/functions\/valid\.js$/.test(m))).to.have.length(1);
    // The backup scheduler loads the writer (tar-stream, the database reading) when a backup is due.
    expect(loaded.filter((m) => m.includes('/node_modules/tar-stream/'))).to.deep.equal([]);
    // The dashboard lays its charts out with elkjs, loaded with the first chart it draws.
    expect(loaded.filter((m) => m.includes('/node_modules/elkjs/'))).to.deep.equal([]);
    // The dashboard's WebSocket server loads ws when a dashboard exists (HTTP is off by default).
    expect(loaded.filter((m) => m.includes('/node_modules/ws/'))).to.deep.equal([]);
    // Readable stderr lines load pino-pretty with the first one.
    expect(loaded.filter((m) => m.includes('/node_modules/pino-pretty/'))).to.deep.equal([]);
    // Packages of many CommonJS files come as one module each (scripts/bundle-vendor.mjs): the NATS
    // client, yaml, knex with lodash, pino-roll with five functions of date-fns.
    for (const bundled of ['@nats-io', 'yaml', 'knex', 'lodash', 'date-fns'])
      expect(loaded.filter((m) => m.includes(`/node_modules/${bundled}/`))).to.deep.equal([]);
  });

  // zod is 95 ES modules (64 of them locales); the build puts it in one (scripts/bundle-vendor.mjs),
  // a cold `rosey status` 0.33 → 0.23 s. Any `import 'zod'` left outside contract/zod.ts loads them
  // all again (as `cli/fast-path.ts` did), and would configure another zod than the one Rosey uses.
  // The same for the NATS client (46 files, ~5 MB in every process) and contract/nats.ts, where a
  // second copy would also fail the client's own `instanceof` checks on what the other made.
  it("loads none of zod's or the NATS client's own files, only their bundles: a start, the SDK a plugin runs, the CLI's fast path", () => {
    const dir = tempDir('rosey-esm-loads-');
    writeFileSync(
      join(dir, 'hooks.mjs'),
      `export async function load(url, context, next) { if (/\\/node_modules\\/(zod|@nats-io)\\//.test(url)) process.stderr.write('VENDOR ' + url + '\\n'); return next(url, context); }`,
    );
    writeFileSync(
      join(dir, 'register.mjs'),
      `import { register } from 'node:module'; register(${JSON.stringify(pathToFileURL(join(dir, 'hooks.mjs')).href)});`,
    );
    const modules = [
      ...bodies,
      fileURLToPath(new URL('../../sdk/index.js', import.meta.url)),
      fileURLToPath(new URL('../../cli/fast-path.js', import.meta.url)),
      fileURLToPath(new URL('../../cli/show-status.js', import.meta.url)),
    ];
    const hook = pathToFileURL(join(dir, 'register.mjs')).href;
    const vendorFiles = (stderr: string) => stderr.split('\n').filter((l) => l.startsWith('VENDOR '));
    const script = `for (const m of ${JSON.stringify(modules)}) await import(m); console.log('loaded');`;
    const run = spawnSync(process.execPath, ['--import', hook, '--input-type=module', '-e', script], {
      encoding: 'utf8',
    });
    expect(run.status, run.stderr).to.equal(0);
    expect(run.stdout.trim()).to.equal('loaded');
    expect(vendorFiles(run.stderr)).to.deep.equal([]);
    // A cold `rosey status` all the way through (here: nothing running, so it says so).
    const rosey = fileURLToPath(new URL('../../../bin/run.js', import.meta.url));
    const status = spawnSync(process.execPath, ['--import', hook, rosey, 'status', '--data-dir', dir], {
      encoding: 'utf8',
    });
    expect(status.stderr).to.contain('Rosey is not running');
    expect(vendorFiles(status.stderr)).to.deep.equal([]);
  });

  // Node 22 and 24 load undici (their fetch and WebSocket) for an ES import of `node:http`: its
  // ES module reads every export, `WebSocket` among them, ~60 ms of CPU. The HTTP actor's module,
  // imported by every start with HTTP on or off, took `createServer` that way.
  it('imports no `node:http` as an ES module, so Node 22 and 24 do not load undici in a start', () => {
    const dir = tempDir('rosey-esm-http-');
    writeFileSync(
      join(dir, 'hooks.mjs'),
      `export async function load(url, context, next) { if (url === 'node:http' || url === 'node:https') process.stderr.write('ESM ' + url + '\\n'); return next(url, context); }`,
    );
    writeFileSync(
      join(dir, 'register.mjs'),
      `import { register } from 'node:module'; register(${JSON.stringify(pathToFileURL(join(dir, 'hooks.mjs')).href)});`,
    );
    const script = `
      for (const m of ${JSON.stringify(bodies)}) await import(m);
      console.log(JSON.stringify(process.moduleLoadList.filter((m) => /undici/.test(m))));`;
    const run = spawnSync(
      process.execPath,
      ['--import', pathToFileURL(join(dir, 'register.mjs')).href, '--input-type=module', '-e', script],
      { encoding: 'utf8' },
    );
    expect(run.status, run.stderr).to.equal(0);
    expect(run.stderr.split('\n').filter((l) => l.startsWith('ESM '))).to.deep.equal([]);
    // What the ES import cost on Node 22 and 24 (on Node 20 `node:http` has no such getter).
    expect(JSON.parse(run.stdout)).to.deep.equal([]);
  });

  it('loads pino-pretty with the first readable line on stderr, which it formats', () => {
    const stderr = fileURLToPath(new URL('../../app/logging/stderr.js', import.meta.url));
    const script = `
      import { createRequire } from 'node:module';
      const { stderrDestination } = await import(${JSON.stringify(stderr)});
      const loaded = () => Object.keys(createRequire(import.meta.url).cache).some((m) => m.includes('/node_modules/pino-pretty/'));
      const lines = [];
      const destination = stderrDestination('text', { write: (text) => lines.push(text) });
      const before = loaded();
      destination.write(JSON.stringify({ level: 40, time: 0, actor: 'router', msg: 'slow down' }) + '\\n');
      console.log(JSON.stringify({ before, after: loaded(), lines }));`;
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(run.status, run.stderr).to.equal(0);
    const { before, after, lines } = JSON.parse(run.stdout) as {
      before: boolean;
      after: boolean;
      lines: string[];
    };
    expect([before, after]).to.deep.equal([false, true]);
    expect(lines).to.have.length(1);
    expect(lines[0]).to.match(/^\[\d\d:\d\d:\d\d\.\d{3}\] WARN: \[router\] slow down\n$/);
  });
});
