import { expect } from 'chai';
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
import { encodeJson } from '../../contract/envelope.js';
import { request } from '../../contract/request.js';
import { describeTree, findNode } from '../../supervisors/describe-tree.js';
import { fakePlatform } from '../support/fake-platform.js';
import { startMiniRosey } from '../support/mini-rosey.js';
import { eventually, tempDir } from '../support/nats.js';
import { startStorageKernel, type StorageKernel } from '../support/storage-kernel.js';

/**
 * Isolation for real: the embedded server's per-plugin users (actors/nats-server/credentials.ts) are what a
 * plugin process connects with. Here a "plugin" connects with exactly those credentials and tries
 * everything a hostile plugin could: other plugins' subjects, forged payloads, snooping on replies,
 * the control plane. The server refuses; nothing of another plugin's data is read or changed.
 */
describe('plugin isolation (per-plugin NATS users on a real nats-server)', function () {
  this.timeout(60_000);
  let server: NatsServerHandle;
  let kernel: StorageKernel;
  const users: Record<string, NatsUser> = {};
  const rosey: NatsUser = { user: ROSEY_USER, password: newPassword() };

  const asPlugin = async (plugin: string): Promise<NatsConnection> =>
    connect({
      servers: server.url,
      user: users[plugin]!.user,
      pass: users[plugin]!.password,
      inboxPrefix: pluginInboxPrefix(plugin),
      noAsyncTraces: true,
    });

  before(async () => {
    for (const plugin of ['notes', 'trivia']) {
      users[plugin] = {
        user: pluginUser(plugin),
        password: newPassword(),
        permissions: pluginPermissions(plugin, ['storage']),
      };
    }
    server = await startNatsServer({ dir: tempDir(), users: [rosey, ...Object.values(users)] });
    kernel = await startStorageKernel(server.url, 'sqlite', undefined, {
      user: rosey.user,
      pass: rosey.password,
    });
    expect((await kernel.call('migrate.notes.apply', {})).ok).to.equal(true);
    // trivia keeps a secret
    const trivia = await asPlugin('trivia');
    expect(
      await request(trivia, 'rosey.db.kv.trivia.set', { key: 'answer', value: 42 }, { timeoutMs: 5000 }),
    ).to.deep.include({ ok: true });
    await trivia.close();
  });

  after(async () => {
    await kernel.stop();
    await server.stop(2000);
  });

  it('lets a plugin use its own storage', async () => {
    const notes = await asPlugin('notes');
    try {
      expect(
        await request(notes, 'rosey.db.kv.notes.set', { key: 'mine', value: 1 }, { timeoutMs: 5000 }),
      ).to.deep.include({ ok: true });
      expect(
        await request(notes, 'rosey.db.row.notes.count', { table: 'items' }, { timeoutMs: 5000 }),
      ).to.deep.equal({
        ok: true,
        data: { count: 0 },
      });
      expect(await request(notes, 'rosey.db.migrate.notes.status', {}, { timeoutMs: 5000 })).to.deep.include({
        ok: true,
      });
    } finally {
      await notes.close();
    }
  });

  it("cannot read, write or migrate another plugin's data, whatever subject or payload it sends", async () => {
    const notes = await asPlugin('notes');
    const violations: string[] = [];
    void (async () => {
      for await (const s of notes.status()) if (s.type === 'error') violations.push(s.error.message);
    })();
    try {
      const attempts = [
        ['rosey.db.kv.trivia.get', { key: 'answer' }],
        ['rosey.db.kv.trivia.set', { key: 'answer', value: 0 }],
        ['rosey.db.kv.trivia.delete', { key: 'answer' }],
        ['rosey.db.row.trivia.search', { table: 'questions' }],
        ['rosey.db.migrate.trivia.rollback', { to_version: 0 }],
        ['rosey.db.kv.trivia', { key: 'answer' }],
        ['rosey.db.kv.*.get', { key: 'answer' }],
        ['rosey.control.stop', {}],
        ['rosey.plugins.trivia.1.ready', { plugin: 'trivia' }],
      ] as const;
      for (const [subject, payload] of attempts) {
        const result = await request(notes, subject, payload, { timeoutMs: 500 });
        expect(result.ok, subject).to.equal(false);
      }
      // A namespace smuggled into the payload of its own subject is refused, not obeyed.
      const forged = await request(
        notes,
        'rosey.db.kv.notes.get',
        { key: 'answer', namespace: 'trivia' },
        { timeoutMs: 5000 },
      );
      expect(forged).to.have.nested.property('error.code', 'VALIDATION_ERROR');
      expect(
        await request(notes, 'rosey.db.kv.notes.get', { key: 'answer' }, { timeoutMs: 5000 }),
      ).to.deep.equal({
        ok: true,
        data: { exists: false },
      });
      await eventually(
        () =>
          violations.some((v) => /Permissions Violation for Publish to "rosey\.db\.kv\.trivia\.get"/.test(v)),
        'the server to say no',
      );
    } finally {
      await notes.close();
    }
    // trivia's secret is untouched, and Rosey is still there
    expect(await kernel.call('kv.trivia.get', { key: 'answer' })).to.deep.include({
      ok: true,
      data: { exists: true, value: 42, expiresAt: null },
    });
    expect(kernel.tree.actor.getSnapshot().value).to.equal('running');
  });

  it("cannot listen to other plugins' requests or to Rosey's replies", async () => {
    const notes = await asPlugin('notes');
    const overheard: string[] = [];
    const errors: string[] = [];
    for (const subject of ['_INBOX.>', 'rosey.db.>', 'rosey.db.kv.trivia.get', '_INBOX_trivia.>', '>']) {
      notes.subscribe(subject, {
        callback: (error, msg) => {
          if (error) errors.push(`${subject}: ${error.message}`);
          else overheard.push(msg.subject);
        },
      });
    }
    try {
      await notes.flush();
      const trivia = await asPlugin('trivia');
      expect(
        await request(trivia, 'rosey.db.kv.trivia.get', { key: 'answer' }, { timeoutMs: 5000 }),
      ).to.have.nested.property('data.value', 42);
      await trivia.close();
      await eventually(() => errors.length >= 5, 'every subscription refused');
      expect(overheard).to.deep.equal([]);
    } finally {
      await notes.close();
    }
  });

  it('a plugin can answer a request it received, and only that', async () => {
    const notes = await asPlugin('notes');
    const rosey = kernel.nc;
    const violations: string[] = [];
    void (async () => {
      for await (const s of notes.status()) if (s.type === 'error') violations.push(s.error.message);
    })();
    try {
      notes.subscribe('rosey.commands.notes.1.execute', {
        callback: (_e, msg) => {
          msg.respond(encodeJson({ ok: true, data: { text: 'pong' } }));
        },
      });
      await notes.flush();
      expect(await request(rosey, 'rosey.commands.notes.1.execute', {}, { timeoutMs: 5000 })).to.deep.equal({
        ok: true,
        data: { text: 'pong' },
      });
      // It cannot publish into someone else's inbox it was never asked through.
      notes.publish('_INBOX.some-reply', encodeJson({ ok: true, data: 'forged' }));
      await notes.flush();
      await eventually(
        () => violations.some((v) => /Permissions Violation for Publish to "_INBOX\.some-reply"/.test(v)),
        'the forged reply to be refused',
      );
    } finally {
      await notes.close();
    }
  });
});

describe('plugin storage through the SDK (a real plugin process)', function () {
  this.timeout(60_000);
  let server: NatsServerHandle;
  let mini: Awaited<ReturnType<typeof startMiniRosey>> | undefined;

  after(async () => {
    await mini?.tree.shutdown();
    await server?.stop(2000);
  });

  it('keeps a plugin whose migration fails stopped, with the reason, and starts the others', async () => {
    server = await startNatsServer({ dir: tempDir() });
    const failing = await startMiniRosey({ url: server.url, plugins: ['badmig', 'echo'] });
    try {
      const records = failing.plugins().records;
      expect(records.badmig?.status).to.equal('failed');
      expect(JSON.stringify(records.badmig?.lastExit?.reason)).to.match(
        /failed to start migrations: 001_bad\.sql failed \(apply\): statement 2: .*nope/,
      );
      expect(records.echo?.status).to.equal('running');
    } finally {
      await failing.tree.shutdown();
      await server.stop(2000);
    }
  });

  it('applies its migrations before it starts, then stores and finds rows as its own NATS user', async () => {
    const rosey: NatsUser = { user: ROSEY_USER, password: newPassword() };
    const memo: NatsUser = {
      user: pluginUser('memo'),
      password: newPassword(),
      permissions: pluginPermissions('memo', ['storage']),
    };
    server = await startNatsServer({ dir: tempDir(), users: [rosey, memo] });
    const nats = { url: server.url, user: rosey.user, pass: rosey.password };
    mini = await startMiniRosey({
      url: server.url,
      nats,
      plugins: ['memo'],
      pluginNats: () => ({
        endpoint: { url: server.url, user: memo.user, pass: memo.password },
        inboxPrefix: pluginInboxPrefix('memo'),
      }),
    });
    const tree = describeTree(mini.tree.actor);
    expect(findNode(tree, 'memo')?.children?.map((c) => c.id)).to.deep.equal(['migrations', 'memo@1']);
    expect(findNode(tree, 'migrations')?.info).to.deep.equal({ schemaVersion: 1 });

    const nc = await connect({ servers: server.url, user: rosey.user, pass: rosey.password });
    try {
      const platform = await fakePlatform(nc);
      platform.say('!remember buy 100% milk', { user: 'ann' });
      await platform.reply((r) => r.text === 'noted #1 (1 so far)');
      platform.say('!remember call bob', { user: 'ann' });
      await platform.reply((r) => r.text === 'noted #2 (2 so far)');
      platform.say('!recall 100%');
      await platform.reply((r) => r.text === '#1 buy 100% milk');
      platform.say('!oops');
      await platform.reply((r) => r.text === 'storage said UNKNOWN_TABLE');
      platform.say('!schema');
      await platform.reply((r) => r.text === 'version 1');
    } finally {
      await nc.close();
    }
  });
});
