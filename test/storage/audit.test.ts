import { expect } from 'chai';
import { connect, type Msg, type NatsConnection } from '../../contract/nats.js';
import { startNatsServer, type NatsServerHandle } from '../../actors/nats-server/nats-server-process.js';
import {
  newPassword,
  pluginInboxPrefix,
  pluginPermissions,
  pluginUser,
  ROSEY_USER,
  type NatsUser,
} from '../../actors/nats-server/credentials.js';
import { decodeJson } from '../../contract/envelope.js';
import { request } from '../../contract/request.js';
import { openDatabase, type Database } from '../../actors/database/open.js';
import type { Result } from '../../contract/result.js';
import { subjects } from '../../contract/subjects.js';
import { forEachDatabase } from '../support/databases.js';
import { eventually, tempDir, useNatsServer } from '../support/nats.js';
import { startStorageKernel, type StorageKernel } from '../support/storage-kernel.js';

interface AuditRow {
  id: number | string;
  at: number | string;
  actor: string;
  action: string;
  target: string;
  detail: string;
}

const PLUGIN = 'quote-db';

/** Plugins' audit records: `rosey.db.audit.<plugin>.record` → a row of rosey_audit and an event. */
forEachDatabase('storage: audit records', (kind) => {
  const nats = useNatsServer();
  let kernel: StorageKernel;
  let db: Database;
  const events: Msg[] = [];

  const record = (payload: unknown, plugin = PLUGIN): Promise<Result<unknown>> =>
    kernel.call(`audit.${plugin}.record`, payload);
  const rowsOf = async (actor: string): Promise<AuditRow[]> =>
    (await db.knex('rosey_audit').where({ actor }).orderBy('id')) as AuditRow[];

  before(async () => {
    kernel = await startStorageKernel(nats.url, kind, {});
    db = await openDatabase(kernel.database, { applyCoreMigrations: false });
    kernel.nc.subscribe('rosey.audit.>', {
      callback: (error, msg) => {
        if (!error) events.push(msg);
      },
    });
    await kernel.nc.flush();
  });
  after(async () => {
    await db?.close();
    await kernel?.stop();
  });
  beforeEach(() => {
    events.length = 0;
  });

  it('records the plugin of the subject as the actor, with its name in front of the action', async () => {
    const before = Date.now();
    const result = await record({ action: 'quote.deleted', target: 'quote 42', detail: { by: 'bob', n: 1 } });
    expect(result.ok, JSON.stringify(result)).to.equal(true);
    const { id, at } = (result as { data: { id: number; at: number } }).data;
    expect(Object.keys((result as { data: object }).data)).to.deep.equal(['id', 'at']);
    expect(id).to.be.a('number');
    expect(at).to.be.within(before, Date.now());

    const rows = await rowsOf(`plugin:${PLUGIN}`);
    expect(rows).to.have.length(1);
    const row = rows[0]!;
    expect({ ...row, id: Number(row.id), at: Number(row.at) }).to.deep.equal({
      id,
      at,
      actor: 'plugin:quote-db',
      action: 'quote-db.quote.deleted',
      target: 'quote 42',
      detail: '{"by":"bob","n":1}',
    });
  });

  it('publishes the record on rosey.audit.<plugin>.<action> before it answers', async () => {
    const result = await record({ action: 'quote.added', target: 'quote 7', detail: { text: 'hi' } });
    expect(result.ok, JSON.stringify(result)).to.equal(true);
    const { id, at } = (result as { data: { id: number; at: number } }).data;
    // No waiting: the event left storage ahead of the reply, on the same connection.
    expect(events.map((m) => m.subject)).to.deep.equal(['rosey.audit.quote-db.quote.added']);
    expect(decodeJson(events[0]!.data)).to.deep.equal({
      ok: true,
      data: {
        id,
        at,
        actor: 'plugin:quote-db',
        action: 'quote-db.quote.added',
        target: 'quote 7',
        detail: { text: 'hi' },
      },
    });
  });

  it('stores an absent detail as {}', async () => {
    const result = await record({ action: 'purge', target: 'all' }, 'trivia');
    expect(result.ok, JSON.stringify(result)).to.equal(true);
    const rows = await rowsOf('plugin:trivia');
    expect(rows.map((r) => [r.action, r.detail])).to.deep.equal([['trivia.purge', '{}']]);
    expect(events.map((m) => m.subject)).to.deep.equal([subjects.auditEvent('trivia', 'purge')]);
    expect(decodeJson(events[0]!.data)).to.have.nested.property('data.detail').that.deep.equals({});
  });

  it('takes an action of exactly 64 characters with the plugin name, a target of 255 and 8 KiB of detail', async () => {
    const action = `a${'.b'.repeat(27)}`; // 55 characters; `quote-db.` makes 64
    const detail = { s: 'x'.repeat(8192 - '{"s":""}'.length) };
    const result = await record({ action, target: 't'.repeat(255), detail });
    expect(result.ok, JSON.stringify(result).slice(0, 300)).to.equal(true);
    const last = (await rowsOf(`plugin:${PLUGIN}`)).at(-1)!;
    expect(last.action).to.equal(`quote-db.${action}`);
    expect(last.action).to.have.length(64);
    expect(Buffer.byteLength(last.detail)).to.equal(8192);
  });

  it('refuses bad payloads field by field, and writes nothing for them', async () => {
    const countBefore = (await rowsOf(`plugin:${PLUGIN}`)).length;
    const target = 'quote 1';
    const cases: Array<[unknown, RegExp]> = [
      [{ target }, /^action: /],
      [{ action: '', target }, /^action: must not be empty$/],
      [{ action: 42, target }, /^action: .*expected string/],
      [{ action: 'Quote.deleted', target }, /^action: lower-case letters/],
      [{ action: '1st', target }, /^action: lower-case letters/],
      [{ action: 'quote..deleted', target }, /^action: lower-case letters/],
      [{ action: 'quote.', target }, /^action: lower-case letters/],
      [{ action: 'quote deleted', target }, /^action: lower-case letters/],
      [{ action: 'quote.*', target }, /^action: lower-case letters/],
      [{ action: 'q'.repeat(65), target }, /^action: longer than 64 characters$/],
      [
        { action: 'q'.repeat(56), target },
        /^action: quote-db\.q{56} \(with the plugin's name in front\) is longer than 64 characters$/,
      ],
      [{ action: 'quote.deleted' }, /^target: /],
      [{ action: 'quote.deleted', target: '' }, /^target: must not be empty$/],
      [{ action: 'quote.deleted', target: 42 }, /^target: .*expected string/],
      [{ action: 'quote.deleted', target: 't'.repeat(256) }, /^target: longer than 255 characters$/],
      [{ action: 'quote.deleted', target: 'a\nb' }, /^target: must not contain control characters$/],
      [{ action: 'quote.deleted', target, detail: [1] }, /^detail: .*expected record/],
      [{ action: 'quote.deleted', target, detail: null }, /^detail: .*expected record/],
      [{ action: 'quote.deleted', target, detail: 'text' }, /^detail: .*expected record/],
      // Bytes of UTF-8 count, not characters: 4,098 of them are 8,204 bytes with the JSON around.
      [
        { action: 'quote.deleted', target, detail: { s: 'é'.repeat(4098) } },
        /^detail: more than 8192 bytes of JSON$/,
      ],
      [
        { action: 'quote.deleted', target, detail: { s: 'x'.repeat(9000) } },
        /^detail: more than 8192 bytes of JSON$/,
      ],
      // Who did it comes from the subject alone.
      [{ action: 'quote.deleted', target, actor: 'plugin:trivia' }, /Unrecognized key: "actor"/],
      [{ action: 'quote.deleted', target, namespace: 'trivia' }, /Unrecognized key: "namespace"/],
      ['quote.deleted', /expected object/],
    ];
    for (const [payload, message] of cases) {
      const result = await record(payload);
      const shown = `${JSON.stringify(payload).slice(0, 80)}: ${JSON.stringify(result)}`;
      expect(result.ok, shown).to.equal(false);
      if (!result.ok) {
        expect(result.error.code, shown).to.equal('VALIDATION_ERROR');
        expect(result.error.message, shown).to.match(message);
      }
    }
    expect(await rowsOf(`plugin:${PLUGIN}`)).to.have.length(countBefore);
    expect(await rowsOf('plugin:trivia')).to.have.length(1, 'only the record of the previous test');
    expect(events).to.deep.equal([]);
  });

  it('answers an unknown audit operation and a subject that names no plugin with VALIDATION_ERROR', async () => {
    const unknown = await kernel.call(`audit.${PLUGIN}.delete`, { id: 1 });
    expect(unknown).to.deep.equal({
      ok: false,
      error: { code: 'VALIDATION_ERROR', message: 'unknown audit operation delete (use record)' },
    });
    const noPlugin = await kernel.call('audit.QUOTES.record', { action: 'x', target: 'y' });
    expect(noPlugin).to.deep.equal({
      ok: false,
      error: { code: 'VALIDATION_ERROR', message: 'not a plugin namespace: QUOTES' },
    });
  });
});

/**
 * The `storage` capability covers the audit subject, and only the plugin's own: checked by a real
 * nats-server with the plugins' own users, as Rosey's embedded server runs them.
 */
describe('storage: audit records and NATS permissions', function () {
  this.timeout(60_000);
  let server: NatsServerHandle;
  let kernel: StorageKernel;
  const rosey: NatsUser = { user: ROSEY_USER, password: newPassword() };
  const users: Record<string, NatsUser> = {
    notes: {
      user: pluginUser('notes'),
      password: newPassword(),
      permissions: pluginPermissions('notes', ['storage']),
    },
    dice: { user: pluginUser('dice'), password: newPassword(), permissions: pluginPermissions('dice', []) },
  };
  const connections: NatsConnection[] = [];

  const asPlugin = async (plugin: string) => {
    const nc = await connect({
      servers: server.url,
      user: users[plugin]!.user,
      pass: users[plugin]!.password,
      inboxPrefix: pluginInboxPrefix(plugin),
      noAsyncTraces: true,
    });
    connections.push(nc);
    const refusals: string[] = [];
    void (async () => {
      for await (const s of nc.status()) if (s.type === 'error') refusals.push(s.error.message);
    })();
    return { nc, refusals };
  };

  before(async () => {
    server = await startNatsServer({ dir: tempDir(), users: [rosey, ...Object.values(users)] });
    kernel = await startStorageKernel(server.url, 'sqlite', {}, { user: rosey.user, pass: rosey.password });
  });
  after(async () => {
    for (const nc of connections) await nc.close();
    await kernel?.stop();
    await server?.stop(2000);
  });

  const refusedOn = (subject: string) =>
    new RegExp(`Permissions Violation for Publish to "${subject.replace(/\./g, '\\.')}"`);

  it('lets a plugin with storage record on its own subject, and not on another plugin’s', async () => {
    const { nc, refusals } = await asPlugin('notes');
    const payload = { action: 'note.deleted', target: 'note 1' };
    expect(await request(nc, subjects.audit('notes'), payload, { timeoutMs: 5000 })).to.have.property(
      'ok',
      true,
    );
    const forged = await request(nc, subjects.audit('trivia'), payload, { timeoutMs: 500 });
    expect(forged.ok).to.equal(false);
    await eventually(() => refusals.some((r) => refusedOn(subjects.audit('trivia')).test(r)), 'the refusal');
  });

  it('refuses the audit subject to a plugin without storage', async () => {
    const { nc, refusals } = await asPlugin('dice');
    const result = await request(
      nc,
      subjects.audit('dice'),
      { action: 'roll', target: 'x' },
      { timeoutMs: 500 },
    );
    expect(result.ok).to.equal(false);
    await eventually(() => refusals.some((r) => refusedOn(subjects.audit('dice')).test(r)), 'the refusal');
    const db = await openDatabase(kernel.database, { applyCoreMigrations: false });
    try {
      const rows = (await db.knex('rosey_audit').select('actor')) as Array<{ actor: string }>;
      expect(rows.map((r) => r.actor)).to.deep.equal(['plugin:notes']);
    } finally {
      await db.close();
    }
  });
});
