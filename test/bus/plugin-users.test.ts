import { expect } from 'chai';
import { connect } from '../../contract/nats.js';
import { startNatsServer, type NatsServerHandle } from '../../actors/nats-server/nats-server-process.js';
import { newPassword, pluginInboxPrefix, ROSEY_USER } from '../../actors/nats-server/credentials.js';
import { PluginUsers } from '../../actors/nats-server/plugin-users.js';
import { request } from '../../contract/request.js';
import { errorMessage } from '../../contract/result.js';
import { tempDir } from '../support/nats.js';

/**
 * Plugins installed, upgraded and removed while Rosey runs: their NATS users change on the running
 * embedded server (a configuration reload), with every other connection kept.
 */
describe('plugin NATS users on a running nats-server', function () {
  this.timeout(30_000);
  let server: NatsServerHandle | undefined;
  afterEach(async () => {
    await server?.stop(2000);
    server = undefined;
  });

  const as = (user: { user: string; password: string }) =>
    connect({
      servers: server!.url,
      user: user.user,
      pass: user.password,
      inboxPrefix: pluginInboxPrefix(user.user.replace(/^plugin-/, '')),
      maxReconnectAttempts: 0,
    });

  it('adds a user, changes its permissions, and takes it away, while Rosey stays connected', async () => {
    const users = new PluginUsers({ user: ROSEY_USER, password: newPassword() });
    server = await startNatsServer({ dir: tempDir(), users: users.all() });
    users.attach((list) => server!.reload(list));
    const rosey = await as(users.rosey);

    // Unknown to the server until granted and applied.
    const missing = await as({ user: 'plugin-late', password: 'x' }).catch((e: unknown) => errorMessage(e));
    expect(missing).to.match(/Authorization Violation/i);
    expect(users.grant('late', [])).to.equal(true);
    await users.apply();
    const late = await as(users.get('late')!);
    const refused = await request(late, 'rosey.db.kv.late.get', { key: 'k' }, { timeoutMs: 1000 });
    expect(refused.ok === false && refused.error.code).to.equal('FORBIDDEN');

    // New permissions reach the connection that is already open.
    expect(users.grant('late', ['storage'])).to.equal(true);
    expect(users.grant('late', ['storage'])).to.equal(false);
    await users.apply();
    rosey.subscribe('rosey.db.kv.late.get', {
      callback: (_e, msg) => {
        msg.respond('{"ok":true,"data":1}');
      },
    });
    await rosey.flush();
    expect(await request(late, 'rosey.db.kv.late.get', { key: 'k' }, { timeoutMs: 2000 })).to.deep.equal({
      ok: true,
      data: 1,
    });

    // Taken away: the server closes its connection, and it cannot come back.
    const closed = late.closed();
    expect(users.revoke('late')).to.equal(true);
    await users.apply();
    await closed;
    const again = await as({ user: 'plugin-late', password: 'x' }).catch((e: unknown) => errorMessage(e));
    expect(again).to.match(/Authorization Violation/i);
    expect(rosey.isClosed()).to.equal(false);
    await rosey.close();
  });

  it('runs one reload at a time, and tries a failed one again', async () => {
    const users = new PluginUsers({ user: ROSEY_USER, password: newPassword() });
    server = await startNatsServer({ dir: tempDir(), users: users.all() });
    users.grant('one', []);
    await users.apply().catch((e: unknown) => expect(errorMessage(e)).to.match(/not running/));
    users.attach((list) => server!.reload(list));
    users.grant('two', []);
    // Concurrent applies share the server's one configuration file: each must see its reload through.
    await Promise.all([users.apply(), users.apply(), users.apply()]);
    for (const name of ['one', 'two']) await (await as(users.get(name)!)).close();
  });
});
