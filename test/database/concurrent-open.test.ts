import { expect } from 'chai';
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { openDatabase } from '../../actors/database/open.js';
import { CORE_MIGRATIONS } from '../../actors/database/core-migrations/index.js';
import type { DatabaseTarget } from '../../actors/database/target.js';
import type { OpenOrder, OpenReply } from '../fixtures/open-and-migrate.js';
import { forEachDatabase, freshDatabase, type DatabaseKind } from '../support/databases.js';
import { FIXTURE_MIGRATIONS } from '../support/storage-kernel.js';

const CHILD = fileURLToPath(new URL('../fixtures/open-and-migrate.js', import.meta.url));
const PROCESSES = 3;
const ROUNDS = 20;
const PLUGIN = 'notes';
const PLUGIN_DIR = `${FIXTURE_MIGRATIONS}notes`;
const PLUGIN_VERSIONS = [1, 2];

/** One opener process, and what it said on stderr (for a failure's message). */
interface Opener {
  child: ChildProcess;
  stderr: string[];
  next(): Promise<OpenReply>;
}

function startOpener(): Promise<Opener> {
  const child = fork(CHILD, [], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
  const stderr: string[] = [];
  child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk.toString()));
  const waiting: Array<(reply: OpenReply) => void> = [];
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => {
      const error = `opener exited (${code}): ${stderr.join('')}`;
      // A process that died answers its round (and the start) with why, rather than never.
      for (const answer of waiting.splice(0)) answer({ ok: false, error });
      reject(new Error(error));
    });
    child.on('message', (message: OpenReply | { ready: true }) => {
      if ('ready' in message) resolve({ child, stderr, next: () => new Promise((r) => waiting.push(r)) });
      else waiting.shift()?.(message);
    });
  });
}

/** Each core migration and each plugin migration, with how many times it is recorded as applied. */
async function recorded(target: DatabaseTarget) {
  const db = await openDatabase(target, { applyCoreMigrations: false });
  try {
    const core = (await db
      .knex('rosey_core_migrations')
      .select('name')
      .count({ n: '*' })
      .groupBy('name')
      .orderBy('name')) as Array<{ name: string; n: number | string }>;
    const plugin = (await db
      .knex('rosey_plugin_migrations')
      .select('version', 'status')
      .count({ n: '*' })
      .where({ plugin: PLUGIN })
      .groupBy('version', 'status')
      .orderBy('version')) as Array<{ version: number; status: string; n: number | string }>;
    return {
      core: core.map((r) => `${r.name} ×${Number(r.n)}`),
      plugin: plugin.map((r) => `${r.version} ${r.status} ×${Number(r.n)}`),
    };
  } finally {
    await db.close();
  }
}

/**
 * An empty database for the next round: a new SQLite file; on PostgreSQL the same database with its
 * schema dropped and made again, as empty as a new one and much quicker than CREATE DATABASE.
 */
async function emptyDatabase(
  kind: DatabaseKind,
  previous: DatabaseTarget | undefined,
): Promise<DatabaseTarget> {
  if (kind === 'sqlite' || !previous) return freshDatabase(kind);
  const db = await openDatabase(previous, { applyCoreMigrations: false });
  try {
    await db.knex.raw('DROP SCHEMA public CASCADE; CREATE SCHEMA public');
  } finally {
    await db.close();
  }
  return previous;
}

// Issue 28: two `rosey start` on one empty PostgreSQL both ran the core migrations and the second
// failed to create the tables (8 of 19 rounds), because nothing serialised the core migrator.
forEachDatabase('database: processes opening an empty database at once', (kind) => {
  const openers: Opener[] = [];
  before(async function () {
    this.timeout(60_000);
    openers.push(...(await Promise.all(Array.from({ length: PROCESSES }, startOpener))));
  });
  after(() => {
    for (const { child } of openers.splice(0)) {
      child.removeAllListeners('exit');
      if (child.connected) child.disconnect();
    }
  });

  it(`${PROCESSES} processes, ${ROUNDS} rounds: all open, each core and plugin migration recorded once`, async function () {
    this.timeout(120_000);
    const failures: string[] = [];
    let target: DatabaseTarget | undefined;
    for (let round = 1; round <= ROUNDS; round++) {
      target = await emptyDatabase(kind, target);
      const order: OpenOrder = { target, plugin: PLUGIN, dir: PLUGIN_DIR };
      const replies = openers.map((o) => o.next());
      // Sent back to back: the processes open the same empty database at the same moment.
      for (const { child } of openers) child.send(order);
      for (const reply of await Promise.all(replies)) {
        if (!reply.ok) failures.push(`round ${round}: ${reply.error}`);
      }
      const records = await recorded(target).catch((error: Error) => error);
      if (records instanceof Error) {
        failures.push(`round ${round}: cannot read what was recorded: ${records.message}`);
        continue;
      }
      const { core, plugin } = records;
      const once = CORE_MIGRATIONS.map((m) => `${m.name} ×1`);
      if (core.join() !== once.join())
        failures.push(`round ${round}: core migrations recorded ${core.join(', ')}`);
      const applied = PLUGIN_VERSIONS.map((v) => `${v} applied ×1`);
      if (plugin.join() !== applied.join())
        failures.push(`round ${round}: plugin migrations recorded ${plugin.join(', ')}`);
    }
    const rounds = new Set(failures.map((f) => f.split(':')[0])).size;
    expect(
      failures.length,
      `${rounds} of ${ROUNDS} rounds failed:\n${failures.slice(0, 5).join('\n')}`,
    ).to.equal(0);
  });
});
