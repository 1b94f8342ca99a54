import { expect } from 'chai';
import { fileURLToPath } from 'node:url';
import { connect, type NatsConnection } from '../../contract/nats.js';
import { startNatsServer, type NatsServerHandle } from '../../actors/nats-server/nats-server-process.js';
import {
  newPassword,
  pluginInboxPrefix,
  pluginPermissions,
  pluginUser,
  ROSEY_USER,
  type NatsUser,
} from '../../actors/nats-server/credentials.js';
import { openDatabase, type Database } from '../../actors/database/open.js';
import { decodeJson, encodeJson } from '../../contract/envelope.js';
import type { ErrorCode, Result } from '../../contract/result.js';
import { describeTree, type TreeNode } from '../../supervisors/describe-tree.js';
import { forEachDatabase } from '../support/databases.js';
import { tempDir } from '../support/nats.js';
import { startStorageKernel, type StorageKernel } from '../support/storage-kernel.js';

const PLUGIN = 'vault';
const VAULT_MIGRATIONS = fileURLToPath(new URL('../fixtures/migrations/vault', import.meta.url));
const MAX_SAFE = Number.MAX_SAFE_INTEGER;

/** A payload as the wire carries it: an object to encode, raw JSON text, or raw bytes. */
type Payload = { json: unknown } | { text: string } | { bytes: Uint8Array };

interface Case {
  title: string;
  /** After `rosey.db.`: `kv.vault.set`, `migrate.vault.apply`, … */
  subject: string;
  payload: Payload;
  code: ErrorCode;
  message?: RegExp;
}

const json = (value: unknown): Payload => ({ json: value });
const text = (value: string): Payload => ({ text: value });
const nested = (depth: number, open = '[', close = ']', inner = '1') =>
  `${open.repeat(depth)}${inner}${close.repeat(depth)}`;
/** `before` + a byte that is never UTF-8 + `after`. */
const badUtf8 = (before: string, after: string): Payload => {
  const encoder = new TextEncoder();
  return { bytes: new Uint8Array([...encoder.encode(before), 0xff, ...encoder.encode(after)]) };
};

const SUBJECTS = [
  'kv.vault.get',
  'kv.vault.set',
  'kv.vault.delete',
  'kv.vault.list',
  'kv.vault.incr',
  'row.vault.insert',
  'row.vault.select',
  'row.vault.search',
  'row.vault.update',
  'row.vault.delete',
  'row.vault.count',
  'audit.vault.record',
  'migrate.vault.apply',
  'migrate.vault.rollback',
  'migrate.vault.status',
];

/** What every subject must refuse, whatever it serves: the bus envelope's own rules, and shapes. */
const everySubject: Case[] = SUBJECTS.flatMap((subject) => [
  { title: 'not JSON', subject, payload: text('{"key":'), code: 'INVALID_JSON' },
  { title: 'bytes that are not UTF-8', subject, payload: badUtf8('{"key":"', '"}'), code: 'INVALID_JSON' },
  {
    title: 'nesting 20,000 deep',
    subject,
    payload: text(`{"key":"deep","value":${nested(20_000)}}`),
    code: 'VALIDATION_ERROR',
    message: /nested deeper than 64 levels/,
  },
  {
    title: 'a number beyond a double (1e400)',
    subject,
    payload: text('{"key":"k","value":1e400,"to_version":1e400}'),
    code: 'VALIDATION_ERROR',
    message: /out of range/,
  },
  {
    title: 'a lone surrogate',
    subject,
    payload: text('{"key":"s\\ud800","table":"things"}'),
    code: 'VALIDATION_ERROR',
    message: /lone surrogate/,
  },
  { title: 'a list, not an object', subject, payload: json([]), code: 'VALIDATION_ERROR' },
  { title: 'a string, not an object', subject, payload: json('key'), code: 'VALIDATION_ERROR' },
  { title: 'null', subject, payload: text('null'), code: 'VALIDATION_ERROR' },
  {
    title: 'a __proto__ key',
    subject,
    payload: text('{"__proto__":{"polluted":true},"key":"k","table":"things"}'),
    code: 'VALIDATION_ERROR',
  },
  {
    title: 'a constructor key',
    subject,
    payload: text('{"constructor":{"prototype":{"polluted":true}},"key":"k","table":"things"}'),
    code: 'VALIDATION_ERROR',
  },
  { title: 'a smuggled namespace', subject, payload: json({ namespace: 'other' }), code: 'VALIDATION_ERROR' },
]);

const things = (extra: Record<string, unknown>) => json({ table: 'things', ...extra });

/** Operation by operation: types, sizes, depth past the envelope, prototype keys, operators, ranges. */
const bySubject: Case[] = [
  // key-value
  { title: 'a number key', subject: 'kv.vault.get', payload: json({ key: 5 }), code: 'VALIDATION_ERROR' },
  { title: 'no value', subject: 'kv.vault.set', payload: json({ key: 'k' }), code: 'VALIDATION_ERROR' },
  {
    title: 'a string ttl',
    subject: 'kv.vault.set',
    payload: json({ key: 'k', value: 1, ttl: '60' }),
    code: 'VALIDATION_ERROR',
  },
  {
    title: 'a ttl past ten years',
    subject: 'kv.vault.set',
    payload: json({ key: 'k', value: 1, ttl: 1e12 }),
    code: 'VALIDATION_ERROR',
  },
  {
    title: 'a key of 256 characters',
    subject: 'kv.vault.set',
    payload: json({ key: 'k'.repeat(256), value: 1 }),
    code: 'VALIDATION_ERROR',
  },
  {
    title: 'a key with a control character',
    subject: 'kv.vault.set',
    payload: json({ key: 'a\u0007b', value: 1 }),
    code: 'VALIDATION_ERROR',
  },
  {
    title: 'a key with a lone surrogate',
    subject: 'kv.vault.set',
    payload: text('{"key":"s\\ud800","value":1}'),
    code: 'VALIDATION_ERROR',
    message: /lone surrogate/,
  },
  {
    title: 'a key with a byte that is not UTF-8',
    subject: 'kv.vault.set',
    payload: badUtf8('{"key":"s', '","value":1}'),
    code: 'INVALID_JSON',
  },
  {
    title: 'a value over 64 KiB',
    subject: 'kv.vault.set',
    payload: json({ key: 'k', value: 'x'.repeat(70_000) }),
    code: 'VALUE_TOO_LARGE',
  },
  {
    title: 'a value nested 40 deep (past storage’s 32, within the bus’s 64)',
    subject: 'kv.vault.set',
    payload: text(`{"key":"k","value":${nested(40)}}`),
    code: 'VALIDATION_ERROR',
    message: /^value: nested deeper than 32 levels$/,
  },
  {
    title: 'a value of 1e400',
    subject: 'kv.vault.set',
    payload: text('{"key":"k","value":{"n":1e400}}'),
    code: 'VALIDATION_ERROR',
  },
  {
    title: 'a string limit',
    subject: 'kv.vault.list',
    payload: json({ limit: 'all' }),
    code: 'VALIDATION_ERROR',
  },
  { title: 'limit 1001', subject: 'kv.vault.list', payload: json({ limit: 1001 }), code: 'VALIDATION_ERROR' },
  {
    title: 'a prefix with a lone surrogate',
    subject: 'kv.vault.list',
    payload: text('{"prefix":"\\udc00"}'),
    code: 'VALIDATION_ERROR',
  },
  {
    title: 'a string by',
    subject: 'kv.vault.incr',
    payload: json({ key: 'n', by: '1' }),
    code: 'VALIDATION_ERROR',
  },
  {
    title: 'by 1e400',
    subject: 'kv.vault.incr',
    payload: text('{"key":"n","by":1e400}'),
    code: 'VALIDATION_ERROR',
  },
  // rows
  {
    title: 'a number table',
    subject: 'row.vault.insert',
    payload: json({ table: 7, data: { name: 'x' } }),
    code: 'VALIDATION_ERROR',
  },
  {
    title: 'another plugin’s table',
    subject: 'row.vault.insert',
    payload: json({ table: 'notes__items', data: { name: 'x' } }),
    code: 'UNKNOWN_TABLE',
  },
  {
    title: 'a number for a text column',
    subject: 'row.vault.insert',
    payload: things({ data: { name: 5 } }),
    code: 'VALIDATION_ERROR',
  },
  {
    title: 'a __proto__ field',
    subject: 'row.vault.insert',
    payload: text('{"table":"things","data":{"name":"x","__proto__":{"polluted":true}}}'),
    code: 'UNKNOWN_FIELD',
  },
  {
    title: 'a constructor field',
    subject: 'row.vault.insert',
    payload: things({ data: { name: 'x', constructor: 1 } }),
    code: 'UNKNOWN_FIELD',
  },
  {
    title: 'a JSON column nested 20,000 deep',
    subject: 'row.vault.insert',
    payload: text(`{"table":"things","data":{"name":"deep","doc":${nested(20_000)}}}`),
    code: 'VALIDATION_ERROR',
  },
  {
    title: 'a JSON column nested 40 deep',
    subject: 'row.vault.insert',
    payload: text(`{"table":"things","data":{"name":"deep","doc":${nested(40)}}}`),
    code: 'VALIDATION_ERROR',
    message: /^data: doc: nested deeper than 32 levels$/,
  },
  {
    title: 'a JSON column holding 1e400',
    subject: 'row.vault.insert',
    payload: text('{"table":"things","data":{"name":"x","doc":[1e400]}}'),
    code: 'VALIDATION_ERROR',
  },
  {
    title: 'a number column of 1e400',
    subject: 'row.vault.insert',
    payload: text('{"table":"things","data":{"name":"x","amount":1e400}}'),
    code: 'VALIDATION_ERROR',
  },
  {
    title: 'an integer past 2^53 − 1',
    subject: 'row.vault.insert',
    payload: things({ data: { name: 'x', big: MAX_SAFE + 2 } }),
    code: 'VALIDATION_ERROR',
  },
  {
    title: 'a text value with a lone surrogate',
    subject: 'row.vault.insert',
    payload: text('{"table":"things","data":{"name":"\\ud800"}}'),
    code: 'VALIDATION_ERROR',
  },
  {
    title: '1,001 rows',
    subject: 'row.vault.insert',
    payload: things({ data: Array.from({ length: 1001 }, (_, i) => ({ name: `n${i}` })) }),
    code: 'VALIDATION_ERROR',
  },
  {
    title: 'a batch with one bad row',
    subject: 'row.vault.insert',
    payload: things({ data: [{ name: 'fine' }, { name: 'bad', big: 1.5 }] }),
    code: 'VALIDATION_ERROR',
  },
  {
    title: 'an object id',
    subject: 'row.vault.select',
    payload: things({ id: {} }),
    code: 'VALIDATION_ERROR',
  },
  {
    title: 'filters $and 5,000 deep',
    subject: 'row.vault.search',
    payload: text(`{"table":"things","filters":${nested(5000, '{"$and":[', ']}', '{"name":"x"}')}}`),
    code: 'VALIDATION_ERROR',
  },
  {
    title: 'filters $not 9 deep',
    subject: 'row.vault.search',
    payload: text(`{"table":"things","filters":${nested(9, '{"$not":', '}', '{"name":"x"}')}}`),
    code: 'VALIDATION_ERROR',
    message: /nested deeper than 8 levels/,
  },
  {
    title: 'an unknown field operator',
    subject: 'row.vault.search',
    payload: things({ filters: { name: { $regex: '.*' } } }),
    code: 'UNKNOWN_OPERATOR',
  },
  {
    title: 'an unknown logical operator',
    subject: 'row.vault.search',
    payload: things({ filters: { $where: 'true' } }),
    code: 'UNKNOWN_OPERATOR',
  },
  {
    title: 'an unknown aggregate',
    subject: 'row.vault.search',
    payload: things({ aggregates: { n: { $median: 'big' } } }),
    code: 'UNKNOWN_OPERATOR',
  },
  {
    title: 'a __proto__ alias',
    subject: 'row.vault.search',
    payload: text('{"table":"things","aggregates":{"__proto__":{"$count":"*"}}}'),
    code: 'VALIDATION_ERROR',
  },
  {
    title: 'a constructor filter field',
    subject: 'row.vault.search',
    payload: things({ filters: { constructor: 1 } }),
    code: 'UNKNOWN_FIELD',
  },
  {
    title: 'a fractional limit',
    subject: 'row.vault.search',
    payload: things({ limit: 1.5 }),
    code: 'VALIDATION_ERROR',
  },
  {
    title: '1,001 values in $in',
    subject: 'row.vault.search',
    payload: things({ filters: { big: { $in: Array.from({ length: 1001 }, (_, i) => i) } } }),
    code: 'VALIDATION_ERROR',
  },
  {
    title: 'a string $inc',
    subject: 'row.vault.update',
    payload: things({ filters: { id: 1 }, operations: { big: { $inc: '1' } } }),
    code: 'VALIDATION_ERROR',
  },
  {
    title: 'an unknown update operator',
    subject: 'row.vault.update',
    payload: things({ filters: { id: 1 }, operations: { big: { $pow: 2 } } }),
    code: 'UNKNOWN_OPERATOR',
  },
  {
    title: 'a __proto__ operation',
    subject: 'row.vault.update',
    payload: text('{"table":"things","filters":{"id":1},"operations":{"__proto__":{"$set":1}}}'),
    code: 'UNKNOWN_FIELD',
  },
  {
    title: 'no filters',
    subject: 'row.vault.update',
    payload: things({ operations: { big: 1 } }),
    code: 'VALIDATION_ERROR',
  },
  // Defect 4: the result of arithmetic leaving the column's range; the row stays as it was.
  {
    title: '$set 1e308 then $mul 1e308 (Infinity)',
    subject: 'row.vault.update',
    payload: things({ filters: { id: 1 }, operations: { amount: { $set: 1e308, $mul: 1e308 } } }),
    code: 'VALIDATION_ERROR',
  },
  {
    title: '$mul 1e308 of 1e308, returning the row',
    subject: 'row.vault.update',
    payload: things({ filters: { id: 1 }, operations: { amount: { $mul: 1e308 } }, returning: true }),
    code: 'VALIDATION_ERROR',
  },
  {
    title: '$inc past 2^53 − 1',
    subject: 'row.vault.update',
    payload: things({ filters: { id: 1 }, operations: { big: { $inc: MAX_SAFE } } }),
    code: 'VALIDATION_ERROR',
    message: /out of range/,
  },
  {
    title: '$dec past −(2^53 − 1), on every row',
    subject: 'row.vault.update',
    payload: things({ all: true, operations: { big: { $dec: MAX_SAFE } } }),
    code: 'VALIDATION_ERROR',
  },
  {
    title: 'a string filter id',
    subject: 'row.vault.delete',
    payload: things({ filters: { id: '1' } }),
    code: 'VALIDATION_ERROR',
  },
  {
    title: 'empty filters without all',
    subject: 'row.vault.delete',
    payload: things({ filters: {} }),
    code: 'VALIDATION_ERROR',
  },
  {
    title: 'a list of filters',
    subject: 'row.vault.count',
    payload: things({ filters: [] }),
    code: 'VALIDATION_ERROR',
  },
  // audit
  {
    title: 'a number action',
    subject: 'audit.vault.record',
    payload: json({ action: 5, target: 'x' }),
    code: 'VALIDATION_ERROR',
  },
  {
    title: 'a target with a line break',
    subject: 'audit.vault.record',
    payload: json({ action: 'a', target: 'x\ny' }),
    code: 'VALIDATION_ERROR',
  },
  {
    title: 'a detail over 8 KiB',
    subject: 'audit.vault.record',
    payload: json({ action: 'a', target: 'x', detail: { s: 'x'.repeat(9000) } }),
    code: 'VALIDATION_ERROR',
  },
  {
    title: 'a detail holding 1e400',
    subject: 'audit.vault.record',
    payload: text('{"action":"a","target":"x","detail":{"n":1e400}}'),
    code: 'VALIDATION_ERROR',
  },
  {
    title: 'a detail nested 40 deep',
    subject: 'audit.vault.record',
    payload: text(`{"action":"a","target":"x","detail":{"d":${nested(40)}}}`),
    code: 'VALIDATION_ERROR',
  },
  {
    title: 'a forged actor',
    subject: 'audit.vault.record',
    payload: json({ action: 'a', target: 'x', actor: 'rosey' }),
    code: 'VALIDATION_ERROR',
  },
  // migrations
  {
    title: 'a string to_version',
    subject: 'migrate.vault.apply',
    payload: json({ to_version: '1' }),
    code: 'VALIDATION_ERROR',
  },
  {
    title: 'a negative to_version',
    subject: 'migrate.vault.apply',
    payload: json({ to_version: -1 }),
    code: 'VALIDATION_ERROR',
  },
  {
    title: 'an actor with a line break',
    subject: 'migrate.vault.apply',
    payload: json({ actor: 'me\nmigration.apply by root' }),
    code: 'VALIDATION_ERROR',
  },
  {
    title: 'count 0',
    subject: 'migrate.vault.rollback',
    payload: json({ count: 0 }),
    code: 'VALIDATION_ERROR',
  },
  {
    title: 'to_version and count',
    subject: 'migrate.vault.rollback',
    payload: json({ to_version: 0, count: 1 }),
    code: 'VALIDATION_ERROR',
  },
  {
    title: 'a fractional count',
    subject: 'migrate.vault.rollback',
    payload: json({ count: 0.5 }),
    code: 'VALIDATION_ERROR',
  },
  {
    title: 'an unknown option',
    subject: 'migrate.vault.status',
    payload: json({ dry_run: true }),
    code: 'VALIDATION_ERROR',
  },
];

function restartCounts(node: TreeNode, into: Record<string, number> = {}): Record<string, number> {
  into[node.id] = node.restarts;
  for (const child of node.children ?? []) restartCounts(child, into);
  return into;
}

/**
 * A hostile plugin, connected with nothing but its own NATS credentials, sends every storage and
 * migration subject payloads of the wrong type and size, too deep, with prototype keys, numbers
 * beyond a double, text that is not Unicode, unknown operators and arithmetic past a column's
 * range (issue 15). Each must get its structured error, write nothing, and restart nothing: before
 * the fix a deep payload crashed storage (a restart, and SHUTTING_DOWN for the caller), 1e400 was
 * stored as null, and $mul/$inc stored Infinity or numbers past ±(2^53 − 1).
 */
forEachDatabase('hostile payloads from a plugin', (kind) => {
  let server: NatsServerHandle;
  let kernel: StorageKernel;
  let plugin: NatsConnection;
  let db: Database;

  before(async () => {
    const rosey: NatsUser = { user: ROSEY_USER, password: newPassword() };
    const vault: NatsUser = {
      user: pluginUser(PLUGIN),
      password: newPassword(),
      permissions: pluginPermissions(PLUGIN, ['storage']),
    };
    server = await startNatsServer({ dir: tempDir(), users: [rosey, vault] });
    kernel = await startStorageKernel(
      server.url,
      kind,
      { [PLUGIN]: VAULT_MIGRATIONS },
      { user: rosey.user, pass: rosey.password },
    );
    expect(await kernel.call(`migrate.${PLUGIN}.apply`, {})).to.have.property('ok', true);
    // What a refused request must leave alone: a row at the edge of each range, a key, a record.
    expect(
      await kernel.call(`row.${PLUGIN}.insert`, {
        table: 'things',
        data: [
          { name: 'edge', big: MAX_SAFE, amount: 1e308, doc: { a: [1] } },
          { name: 'low', big: -MAX_SAFE, amount: -1e308 },
        ],
      }),
    ).to.deep.equal({ ok: true, data: { ids: [1, 2] } });
    expect(await kernel.call(`kv.${PLUGIN}.set`, { key: 'kept', value: { n: 1 } })).to.have.property(
      'ok',
      true,
    );
    expect(
      await kernel.call(`audit.${PLUGIN}.record`, { action: 'seeded', target: 'things' }),
    ).to.have.property('ok', true);
    plugin = await connect({
      servers: server.url,
      user: vault.user,
      pass: vault.password,
      inboxPrefix: pluginInboxPrefix(PLUGIN),
      noAsyncTraces: true,
    });
    db = await openDatabase(kernel.database, { applyCoreMigrations: false });
  });

  after(async () => {
    await plugin?.close();
    await db?.close();
    await kernel?.stop();
    await server?.stop(2000);
  });

  /** Everything a request of this plugin could have changed. */
  const written = async () => ({
    kv: (await db
      .knex('rosey_kv')
      .where({ namespace: PLUGIN })
      .select('key', 'value', 'expires_at')
      .orderBy('key')) as unknown[],
    things: (await db.knex('vault__things').select('*').orderBy('id')) as unknown[],
    audit: (await db.knex('rosey_audit').count({ n: '*' }))[0],
    migrations: await kernel.call(`migrate.${PLUGIN}.status`, {}),
  });

  const send = async (subject: string, payload: Payload): Promise<Result<unknown>> => {
    const data =
      'bytes' in payload
        ? payload.bytes
        : 'text' in payload
          ? new TextEncoder().encode(payload.text)
          : encodeJson(payload.json);
    const reply = await plugin.request(`rosey.db.${subject}`, data, { timeout: 10_000 });
    const decoded = decodeJson(reply.data);
    expect(decoded.ok, `the reply to ${subject} decodes`).to.equal(true);
    return decoded.ok ? (decoded.data as Result<unknown>) : decoded;
  };

  for (const c of [...everySubject, ...bySubject]) {
    it(`${c.subject}: ${c.title} → ${c.code}`, async () => {
      const before = await written();
      const restarts = restartCounts(describeTree(kernel.tree.actor));
      const result = await send(c.subject, c.payload);
      expect(result.ok, JSON.stringify(result)).to.equal(false);
      if (!result.ok) {
        expect(result.error.code, result.error.message).to.equal(c.code);
        if (c.message) expect(result.error.message).to.match(c.message);
      }
      expect(await written(), 'nothing written').to.deep.equal(before);
      expect(restartCounts(describeTree(kernel.tree.actor)), 'nothing restarted').to.deep.equal(restarts);
      expect(({} as Record<string, unknown>).polluted, 'Object.prototype untouched').to.equal(undefined);
    });
  }

  it('still serves the plugin, and arithmetic within range still applies', async () => {
    expect(
      await send('row.vault.update', things({ filters: { id: 1 }, operations: { big: { $dec: 1 } } })),
    ).to.deep.equal({ ok: true, data: { updated: 1 } });
    expect(
      await send(
        'row.vault.update',
        things({
          filters: { id: 1 },
          operations: { big: { $inc: 1 }, amount: { $mul: 0.5 } },
          returning: true,
        }),
      ),
    ).to.nested.include({
      ok: true,
      'data.updated': 1,
      'data.rows[0].big': MAX_SAFE,
      'data.rows[0].amount': 5e307,
    });
    expect(
      await send('kv.vault.set', json({ key: 'ключ🎲', value: { deep: JSON.parse(nested(31)) as unknown } })),
    ).to.have.property('ok', true);
    // A __proto__ key inside a value is data: stored and read back as it was, polluting nothing.
    expect(
      await send('kv.vault.set', text('{"key":"proto","value":{"__proto__":{"polluted":true}}}')),
    ).to.have.property('ok', true);
    const proto = await send('kv.vault.get', json({ key: 'proto' }));
    expect(JSON.stringify(proto)).to.equal(
      '{"ok":true,"data":{"exists":true,"value":{"__proto__":{"polluted":true}},"expiresAt":null}}',
    );
    expect(({} as Record<string, unknown>).polluted).to.equal(undefined);
    expect(await send('kv.vault.get', json({ key: 'ключ🎲' }))).to.nested.include({
      ok: true,
      'data.exists': true,
    });
  });
});
