import { expect } from 'chai';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { permissionViolation } from '../../actors/nats-server/permission-violation.js';
import { platformRequest } from '../../actors/action-gate/platform-request.js';
import { pluginPermissions } from '../../actors/nats-server/credentials.js';
import { parseActionSubject, resolveGrants } from '../../contract/capabilities.js';
import { loadPlugin } from '../../plugin-packages/manifest.js';
import { tempDir } from '../support/nats.js';

describe('capabilities', () => {
  it('grants what the manifest asks for, minus revocations, plus the operator’s additions', () => {
    expect(resolveGrants(['chat.send', 'storage'], {})).to.deep.equal({
      requested: ['chat.send', 'storage'],
      granted: ['chat.send', 'storage'],
      revoked: [],
      extra: [],
    });
    expect(
      resolveGrants(['chat.send', 'storage'], { revoke: ['storage'], grant: ['users.kick'] }),
    ).to.deep.equal({
      requested: ['chat.send', 'storage'],
      granted: ['chat.send', 'users.kick'],
      revoked: ['storage'],
      extra: ['users.kick'],
    });
    // Granting back what is revoked wins: the operator said both, the grant is the explicit one.
    expect(resolveGrants(['storage'], { revoke: ['storage'], grant: ['storage'] }).granted).to.deep.equal([
      'storage',
    ]);
  });

  it('gives a plugin NATS user only its lifecycle subjects and its granted capabilities', () => {
    expect(pluginPermissions('quotes', []).publish.allow).to.deep.equal(['rosey.plugins.quotes.>']);
    expect(pluginPermissions('quotes', ['storage', 'playlist.move']).publish.allow).to.deep.equal([
      'rosey.plugins.quotes.>',
      'rosey.db.kv.quotes.*',
      'rosey.db.row.quotes.*',
      'rosey.db.migrate.quotes.*',
      'rosey.db.audit.quotes.record',
      'rosey.actions.quotes.playlist.move',
      'rosey.actions.quotes.playlist.jump',
    ]);
  });

  it('reads who asked for what from an action subject, and nothing from other subjects', () => {
    expect(parseActionSubject('rosey.actions.trivia.chat.send')).to.deep.equal({
      plugin: 'trivia',
      action: 'chat.send',
    });
    expect(parseActionSubject('rosey.actions.trivia.users.ban')).to.equal(undefined);
    expect(parseActionSubject('rosey.db.kv.trivia.get')).to.equal(undefined);
  });

  it('turns a nats-server permission log line into a violation', () => {
    const line =
      '[1] 2026/11/22 10:26:10.474928 [ERR] 127.0.0.1:32772 - cid:4 - "v3.4.0:nats.js:plugin:kicker@1" - Publish Violation - User "plugin-kicker", Subject "rosey.actions.kicker.users.kick"';
    expect(permissionViolation(line, 5)).to.deep.equal({
      plugin: 'kicker',
      action: 'rosey.actions.kicker.users.kick',
      capability: 'users.kick',
      reason:
        "kicker was not granted 'users.kick': the NATS server refused to let it publish on rosey.actions.kicker.users.kick",
      source: 'nats',
      time: 5,
    });
    const storage = permissionViolation(
      '… - Publish Violation - User "plugin-memo", Subject "rosey.db.kv.memo.set"',
    );
    expect(storage?.capability).to.equal('storage');
    const other = permissionViolation(
      '… - Publish Violation - User "plugin-memo", Subject "rosey.db.kv.notes.get"',
    );
    expect(other?.reason).to.equal('the NATS server refused to let memo publish on rosey.db.kv.notes.get');
    // A refused event subscription, as nats-server 2.9 logs one in a queue group.
    const hearing = permissionViolation(
      '… - Subscription Violation - User "plugin-memo", Subject "rosey.events.user.join", Queue: "plugin.memo", SID 3',
    );
    expect(hearing?.capability).to.equal('events.users');
    expect(hearing?.reason).to.equal(
      "memo was not granted 'events.users': the NATS server refused to let it subscribe to rosey.events.user.join",
    );
    expect(permissionViolation('[INF] Server is ready')).to.equal(undefined);
    // Rosey's own user is not a plugin.
    expect(permissionViolation('… - Publish Violation - User "rosey", Subject "x"')).to.equal(undefined);
  });

  it('sends an action to the platform asked for, or to the first one', () => {
    expect(platformRequest('users.kick', { user: 'bob' }, ['cytube', 'console'])).to.deep.equal({
      ok: true,
      data: { subject: 'rosey.platform.cytube.send.kick', payload: { user: 'bob' } },
    });
    expect(
      platformRequest('playlist.jump', { uid: 3, platform: 'console' }, ['cytube', 'console']),
    ).to.deep.equal({
      ok: true,
      data: { subject: 'rosey.platform.console.send.playlist.jump', payload: { uid: 3 } },
    });
    // A read, not a send: the connector's view, which nothing on `send.>` answers.
    expect(platformRequest('channel.read', { channel: 'c' }, ['cytube'])).to.deep.equal({
      ok: true,
      data: { subject: 'rosey.platform.cytube.view', payload: { channel: 'c' } },
    });
    expect(platformRequest('chat.send', { text: 'x' }, [])).to.deep.equal({
      ok: false,
      error: { code: 'NOT_FOUND', message: 'Rosey runs no chat platform to carry this out' },
    });
  });

  it('refuses a manifest with an unknown permission, or migrations without storage', () => {
    const root = tempDir();
    const make = (name: string, manifest: string, migrations = false) => {
      const dir = join(root, name);
      mkdirSync(join(dir, migrations ? 'migrations' : '.'), { recursive: true });
      writeFileSync(join(dir, 'manifest.yaml'), manifest);
      writeFileSync(join(dir, 'index.js'), 'export default {}');
      return dir;
    };
    expect(() =>
      loadPlugin(make('a', 'name: a\nversion: 1.0.0\nentry: index.js\npermissions: [kick]\n')),
    ).to.throw(
      "unknown permission 'kick' (known: chat.send, chat.pm, playlist.add, playlist.delete, playlist.move, users.kick, users.afk, channel.read, storage, events.chat, events.users, events.media, net.http)",
    );
    expect(() => loadPlugin(make('b', 'name: b\nversion: 1.0.0\nentry: index.js\n', true))).to.throw(
      "the plugin has migrations but does not ask for the 'storage' permission",
    );
    expect(
      loadPlugin(make('c', 'name: c\nversion: 1.0.0\nentry: index.js\npermissions: [storage]\n', true))
        .manifest.permissions,
    ).to.deep.equal(['storage']);
  });
});
