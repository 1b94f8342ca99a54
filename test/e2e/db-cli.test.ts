import { expect } from 'chai';
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { openDatabase } from '../../actors/database/open.js';
import type { DatabaseTarget } from '../../actors/database/target.js';
import { isAlive, ROSEY_BIN, runCli } from '../support/cli.js';
import { freshDatabase } from '../support/databases.js';
import { tempDir } from '../support/nats.js';

const SDK = pathToFileURL(join(ROSEY_BIN, '..', '..', 'dist', 'kernel', 'sdk', 'index.js')).href;

const NOTES_UP = `-- UP
CREATE TABLE notes__items (id INTEGER PRIMARY KEY, text TEXT NOT NULL);
-- UP: postgresql
CREATE TABLE notes__items (id SERIAL PRIMARY KEY, text TEXT NOT NULL);
-- DOWN
DROP TABLE notes__items;
`;
const TAG_UP = `-- UP
ALTER TABLE notes__items ADD COLUMN tag TEXT;
-- DOWN
ALTER TABLE notes__items DROP COLUMN tag;
`;

/** A working directory with rosey.yaml and a `notes` plugin that has one migration. */
function workspace(database?: DatabaseTarget): string {
  const cwd = tempDir('rosey-db-cli-');
  const plugin = join(cwd, 'plugins', 'notes');
  mkdirSync(join(plugin, 'migrations'), { recursive: true });
  writeFileSync(
    join(plugin, 'manifest.yaml'),
    'name: notes\nversion: 1.0.0\nentry: index.js\npermissions: [storage]\n',
  );
  writeFileSync(
    join(plugin, 'index.js'),
    `import { definePlugin } from ${JSON.stringify(SDK)};\n` +
      `export default definePlugin({ name: 'notes', commands: {} });\n`,
  );
  writeFileSync(join(plugin, 'migrations', '001_items.sql'), NOTES_UP);
  const url = database?.kind === 'postgresql' ? `database:\n  url: ${database.url}\n` : '';
  // Only `notes`: the built-in plugins' own migrations would be in every answer.
  writeFileSync(join(cwd, 'rosey.yaml'), `plugins:\n  builtin: false\n  paths: [./plugins]\n${url}`);
  return cwd;
}

const addTagMigration = (cwd: string) =>
  writeFileSync(join(cwd, 'plugins', 'notes', 'migrations', '002_tag.sql'), TAG_UP);

async function columns(target: DatabaseTarget, table: string): Promise<string[]> {
  const db = await openDatabase(target);
  try {
    if (!(await db.knex.schema.hasTable(table))) return [];
    return Object.keys(await db.knex(table).columnInfo()).sort();
  } finally {
    await db.close();
  }
}

async function rosey(cwd: string, ...args: string[]) {
  return runCli([...args, '-c', 'rosey.yaml'], { cwd });
}

interface StatusJson {
  plugin: string;
  currentVersion: number;
  pending: { name: string }[];
  problems: string[];
  history: { name: string; action: string; status: string; actor: string }[];
}

describe('rosey db (migrations from the command line)', function () {
  this.timeout(90_000);

  describe('with Rosey stopped: straight on the SQLite file', () => {
    let cwd: string;
    let target: DatabaseTarget;
    before(() => {
      cwd = workspace();
      target = { kind: 'sqlite', file: join(cwd, 'data', 'rosey.db') };
    });

    it('status lists every plugin and what is pending, changing nothing', async () => {
      const { code, stdout, stderr } = await rosey(cwd, 'db', 'status');
      expect(code, stderr).to.equal(0);
      expect(stdout).to.match(/^Plugin migrations \(via SQLite .*rosey\.db\):/);
      expect(stdout).to.match(/notes +version 0 of 1 {2}pending: 001_items\.sql/);
      expect(await columns(target, 'notes__items')).to.deep.equal([]);
    });

    it('migrate --dry-run rehearses and keeps nothing', async () => {
      const { code, stdout, stderr } = await rosey(cwd, 'db', 'migrate', '--dry-run');
      expect(code, stderr).to.equal(0);
      expect(stdout.trim()).to.equal('notes: would apply 001_items.sql');
      expect(await columns(target, 'notes__items')).to.deep.equal([]);
    });

    it('migrate applies what is pending, up to --to, and records who did it', async () => {
      addTagMigration(cwd);
      const first = await rosey(cwd, 'db', 'migrate', '--plugin', 'notes', '--to', '1');
      expect(first.code, first.stderr).to.equal(0);
      expect(first.stdout).to.match(/^notes: applied 001_items\.sql \(\d+ ms\)\n$/);
      expect(await columns(target, 'notes__items')).to.deep.equal(['id', 'text']);

      const rest = await rosey(cwd, 'db', 'migrate');
      expect(rest.code, rest.stderr).to.equal(0);
      expect(rest.stdout).to.match(/^notes: applied 002_tag\.sql/);
      expect(await columns(target, 'notes__items')).to.deep.equal(['id', 'tag', 'text']);

      const again = await rosey(cwd, 'db', 'migrate');
      expect(again.stdout.trim()).to.equal('notes: up to date (version 2)');

      const status = await rosey(cwd, 'db', 'status', '--plugin', 'notes', '--json');
      const [notes] = JSON.parse(status.stdout) as StatusJson[];
      expect(notes!.currentVersion).to.equal(2);
      expect(notes!.history.map((h) => `${h.action} ${h.name} ${h.status}`)).to.deep.equal([
        'apply 002_tag.sql applied',
        'apply 001_items.sql applied',
      ]);
      for (const h of notes!.history) expect(h.actor).to.match(/^cli:\S+$/);
      expect(notes!.history[0]!.actor).to.not.equal('cli:unknown');
    });

    it('rollback asks first, refuses without a terminal, and undoes one step with --yes', async () => {
      const refused = await rosey(cwd, 'db', 'rollback');
      expect(refused.code).to.equal(1);
      expect(refused.stderr).to.equal(
        'rosey db rollback: refusing to roll back without --yes (no terminal to ask on)\n',
      );
      expect(await columns(target, 'notes__items')).to.include('tag');

      const planned = await rosey(cwd, 'db', 'rollback', '--to', '0', '--dry-run');
      expect(planned.stdout.trim().split('\n')).to.deep.equal([
        'notes: warning: 002_tag.sql: statement 1: DROP COLUMN tag deletes the column and its data',
        'notes: warning: 001_items.sql: statement 1: DROP TABLE notes__items deletes the table and every row in it',
        'notes: would roll back 002_tag.sql',
        'notes: would roll back 001_items.sql',
      ]);

      const done = await rosey(cwd, 'db', 'rollback', '--yes');
      expect(done.code, done.stderr).to.equal(0);
      expect(done.stdout).to.match(
        /^notes: warning: 002_tag\.sql: .*DROP COLUMN tag.*\nnotes: rolled back 002_tag\.sql \(\d+ ms\)\nnotes: now at version 1\n$/,
      );
      expect(await columns(target, 'notes__items')).to.deep.equal(['id', 'text']);
    });

    it('a changed applied migration is a problem: status and migrate exit 1 and say which file', async () => {
      appendFileSync(join(cwd, 'plugins', 'notes', 'migrations', '001_items.sql'), '-- edited\n');
      const status = await rosey(cwd, 'db', 'status');
      expect(status.code).to.equal(1);
      expect(status.stdout).to.match(/problem: .*001_items\.sql/);
      expect(status.stderr.trim().split('\n')).to.have.length(1);
      expect(status.stderr).to.match(/^rosey db status: notes: .*001_items\.sql/);
      const migrate = await rosey(cwd, 'db', 'migrate');
      expect(migrate.code).to.equal(1);
      expect(migrate.stderr).to.match(/^rosey db migrate: notes: .*001_items\.sql.*\n$/);
      expect(await columns(target, 'notes__items')).to.deep.equal(['id', 'text']);
    });

    it('mistakes are one-line errors with exit 1', async () => {
      const cases: [string[], RegExp][] = [
        [['db', 'migrate', '--plugin', 'nope'], /^rosey db migrate: no plugin nope \(known: notes\)$/],
        [['db', 'migrate', '--to', '1'], /^rosey db migrate: --to needs --plugin$/],
        [['db', 'status', '--plugin', 'nope'], /^rosey db status: no plugin nope/],
      ];
      for (const [args, expected] of cases) {
        const { code, stderr } = await rosey(cwd, ...args);
        expect(code, args.join(' ')).to.equal(1);
        expect(stderr.trim(), args.join(' ')).to.match(expected);
      }
      const fresh = workspace();
      const beyond = await rosey(fresh, 'db', 'migrate', '--plugin', 'notes', '--to', '7');
      expect(beyond.code).to.equal(1);
      expect(beyond.stderr.trim()).to.equal(
        'rosey db migrate: notes: there is no migration 7 (the latest is 1)',
      );
      const bothBounds = await rosey(fresh, 'db', 'rollback', '--steps', '1', '--to', '0');
      expect(bothBounds.code).to.not.equal(0);
      expect(bothBounds.stderr.trim().split('\n')).to.have.length(1);
    });
  });

  describe('with Rosey stopped: straight on PostgreSQL', () => {
    it('migrates and rolls back on the database the configuration names', async () => {
      const target = await freshDatabase('postgresql');
      const cwd = workspace(target);
      const status = await rosey(cwd, 'db', 'status');
      expect(status.stdout).to.match(/^Plugin migrations \(via PostgreSQL /);
      const migrate = await rosey(cwd, 'db', 'migrate');
      expect(migrate.code, migrate.stderr).to.equal(0);
      expect(await columns(target, 'notes__items')).to.deep.equal(['id', 'text']);
      const rollback = await rosey(cwd, 'db', 'rollback', '-y');
      expect(rollback.code, rollback.stderr).to.equal(0);
      expect(await columns(target, 'notes__items')).to.deep.equal([]);
    });
  });

  describe('with Rosey running: through its migrator over NATS', () => {
    let pid = 0;
    after(() => {
      if (pid && isAlive(pid)) process.kill(pid, 'SIGTERM');
    });

    it('sees the migrations applied at start, applies a new one, rolls it back', async () => {
      const cwd = workspace();
      const target: DatabaseTarget = { kind: 'sqlite', file: join(cwd, 'data', 'rosey.db') };
      const launched = await rosey(cwd, 'start', '--detach');
      expect(launched.code, launched.stderr).to.equal(0);
      pid = Number(/pid (\d+)/.exec(launched.stdout)![1]);

      // The plugin's migrations ran before it started.
      const status = await rosey(cwd, 'db', 'status');
      expect(status.code, status.stderr).to.equal(0);
      expect(status.stdout).to.match(new RegExp(`via the running Rosey, pid ${pid}\\)`));
      expect(status.stdout).to.match(/notes +version 1 of 1 {2}up to date/);

      addTagMigration(cwd);
      const migrate = await rosey(cwd, 'db', 'migrate');
      expect(migrate.code, migrate.stderr).to.equal(0);
      expect(migrate.stdout).to.match(/^notes: applied 002_tag\.sql/);
      expect(await columns(target, 'notes__items')).to.deep.equal(['id', 'tag', 'text']);

      const rollback = await rosey(cwd, 'db', 'rollback', '--yes');
      expect(rollback.code, rollback.stderr).to.equal(0);
      expect(await columns(target, 'notes__items')).to.deep.equal(['id', 'text']);

      const stopped = await rosey(cwd, 'stop');
      expect(stopped.code, stopped.stderr).to.equal(0);
      expect(isAlive(pid)).to.equal(false);
    });
  });
});
