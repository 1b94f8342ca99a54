import { expect } from 'chai';
import { HOSTILE_REPLY_SUBJECTS } from '../support/hostile-replies.js';
import { connect, type Msg, type NatsConnection } from '../../contract/nats.js';
import { z } from '../../contract/zod.js';
import { BusLink } from '../../actors/bus/bus-link.js';
import { startNatsServer, type NatsServerHandle } from '../../actors/nats-server/nats-server-process.js';
import {
  newPassword,
  pluginInboxPrefix,
  pluginPermissions,
  pluginUser,
  ROSEY_USER,
  type NatsUser,
} from '../../actors/nats-server/credentials.js';
import { decodeJson, encodeJson } from '../../contract/envelope.js';
import { quietLogger } from '../../contract/log.js';
import { securityViolationSchema, type SecurityViolation } from '../../contract/messages/actions.js';
import { request } from '../../contract/request.js';
import { subjects } from '../../contract/subjects.js';
import { startBridgeOwner } from '../support/bridge-owner.js';
import { eventually, tempDir } from '../support/nats.js';
import { startStorageKernel, type StorageKernel } from '../support/storage-kernel.js';

/**
 * Issue 15, defect 3: a plugin published on its own `rosey.db.kv.<self>.get` with the NATS reply
 * subject set to anything it liked, and storage, connected as Rosey's user, published its reply
 * there: around the server's publish permissions. Here a plugin connected with only its own
 * credentials tries that against every service family it may call; Rosey listens on each target
 * and must see nothing but the violation report.
 */
describe('reply subjects a plugin names (real nats-server, plugin on its own credentials)', function () {
  this.timeout(60_000);
  let server: NatsServerHandle;
  let kernel: StorageKernel;
  /** Rosey's own connection, listening where a misdirected reply would land. */
  let rosey: NatsConnection;
  let plugin: NatsConnection;
  const roseyUser: NatsUser = { user: ROSEY_USER, password: newPassword() };
  const pluginUsers: NatsUser[] = ['notes', 'quote-db'].map((name) => ({
    user: pluginUser(name),
    password: newPassword(),
    permissions: pluginPermissions(name, ['storage', 'chat.send']),
  }));
  const landed: Array<{ subject: string; data: unknown }> = [];
  const violations: SecurityViolation[] = [];

  const HOSTILE_REPLIES = [
    ...HOSTILE_REPLY_SUBJECTS,
    // Another plugin's inbox: quote-db would read what storage answers notes.
    `${pluginInboxPrefix('quote-db')}.stolen.1`,
  ];

  const record = (msg: Msg) => {
    const decoded = decodeJson(msg.data);
    const data = decoded.ok ? decoded.data : msg.string();
    const violation = securityViolationSchema.safeParse(data);
    if (msg.subject === subjects.securityViolation && violation.success) violations.push(violation.data);
    else landed.push({ subject: msg.subject, data });
  };

  /** Publishes a request on the plugin's own subject with `reply` as its reply subject. */
  const misdirect = (subject: string, payload: unknown, reply: string) =>
    plugin.publish(subject, encodeJson(payload), { reply });

  const reported = (reply: string) =>
    eventually(
      () => violations.find((v) => v.action === reply && v.source === 'bus'),
      `the violation report for ${reply}`,
    );

  /**
   * After a report, proves nothing else arrived: a later request through the same service is
   * answered, and Rosey's connection has then received everything the server routed to it before.
   */
  const settle = async () => {
    expect(
      await request(plugin, subjects.kv('notes', 'get'), { key: 'x' }, { timeoutMs: 5000 }),
    ).to.deep.equal({
      ok: true,
      data: { exists: false },
    });
    await rosey.flush();
  };

  before(async () => {
    server = await startNatsServer({ dir: tempDir(), users: [roseyUser, ...pluginUsers] });
    kernel = await startStorageKernel(server.url, 'sqlite', undefined, {
      user: roseyUser.user,
      pass: roseyUser.password,
    });
    expect((await kernel.call('migrate.notes.apply', {})).ok).to.equal(true);
    rosey = await connect({ servers: server.url, user: roseyUser.user, pass: roseyUser.password });
    for (const subject of HOSTILE_REPLIES) rosey.subscribe(subject, { callback: (_e, msg) => record(msg) });
    await rosey.flush();
    plugin = await connect({
      servers: server.url,
      user: pluginUsers[0]!.user,
      pass: pluginUsers[0]!.password,
      inboxPrefix: pluginInboxPrefix('notes'),
      noAsyncTraces: true,
    });
  });

  after(async () => {
    await plugin?.close();
    await rosey?.close();
    await kernel?.stop();
    await server?.stop(2000);
  });

  beforeEach(() => {
    landed.length = 0;
    violations.length = 0;
  });

  it('storage answers on none of the subjects of the issue, nor in another plugin’s inbox', async () => {
    for (const reply of HOSTILE_REPLIES) misdirect(subjects.kv('notes', 'get'), { key: 'x' }, reply);
    for (const reply of HOSTILE_REPLIES) {
      expect(await reported(reply)).to.deep.include({ plugin: 'notes', source: 'bus' });
    }
    await settle();
    expect(landed).to.deep.equal([]);
    expect(violations).to.have.length(HOSTILE_REPLIES.length);
  });

  it('neither do rows, migrations, audit records, nor the answer to an invalid payload', async () => {
    const attempts: Array<[string, unknown]> = [
      [subjects.row('notes', 'count'), { table: 'items' }],
      [subjects.migrate('notes', 'status'), {}],
      [subjects.audit('notes'), { action: 'note.read', target: 'x' }],
      [subjects.kv('notes', 'set'), { key: 'x', value: 1 }],
      [subjects.kv('notes', 'get'), { nokey: true }],
    ];
    for (const [subject, payload] of attempts) misdirect(subject, payload, 'rosey.control.stop');
    await eventually(() => violations.length === attempts.length, 'a report for each request');
    await settle();
    expect(landed).to.deep.equal([]);
    // The set was dropped, not carried out with its answer withheld.
    expect(
      await request(plugin, subjects.kv('notes', 'get'), { key: 'x' }, { timeoutMs: 5000 }),
    ).to.deep.equal({
      ok: true,
      data: { exists: false },
    });
  });

  it("still answers a plugin in its own inbox, and Rosey's own clients in theirs", async () => {
    expect(
      await request(plugin, subjects.kv('notes', 'set'), { key: 'mine', value: 1 }, { timeoutMs: 5000 }),
    ).to.have.property('ok', true);
    expect(await kernel.call('kv.notes.get', { key: 'mine' })).to.deep.include({ ok: true });
    expect(violations).to.deep.equal([]);
  });

  it('holds for every service on the bridge: a plugin action aimed at Rosey’s control plane', async () => {
    const link = new BusLink();
    link.set(rosey);
    // Like the action gate: `rosey.actions.*.>`, which the plugin may publish with chat.send.
    const gate = startBridgeOwner({
      link,
      logger: quietLogger,
      services: [{ subject: subjects.anyAction, event: 'action', schema: z.object({ text: z.string() }) }],
    });
    try {
      await gate.bound();
      misdirect(subjects.action('notes', 'chat.send'), { text: 'hi' }, 'rosey.control.stop');
      misdirect(subjects.action('notes', 'chat.send'), { text: 42 }, subjects.sendChat('console'));
      await reported('rosey.control.stop');
      await reported(subjects.sendChat('console'));
      // The request that would reach the gate's owner (a valid payload) never did.
      expect(gate.events.filter((e) => e.type === 'action')).to.deep.equal([]);
      await rosey.flush();
      expect(landed).to.deep.equal([]);
    } finally {
      gate.stop();
    }
  });
});
