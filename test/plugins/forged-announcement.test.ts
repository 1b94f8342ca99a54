import { expect } from 'chai';
import { connect, type NatsConnection } from '../../contract/nats.js';
import {
  newPassword,
  pluginInboxPrefix,
  pluginPermissions,
  pluginUser,
  ROSEY_USER,
  type NatsUser,
} from '../../actors/nats-server/credentials.js';
import { startNatsServer, type NatsServerHandle } from '../../actors/nats-server/nats-server-process.js';
import { decodeJson, encodeJson } from '../../contract/envelope.js';
import { securityViolationSchema, type SecurityViolation } from '../../contract/messages/actions.js';
import type { PluginAnnouncement } from '../../contract/messages/commands.js';
import { routerCommandsReplySchema } from '../../contract/messages/router.js';
import { request } from '../../contract/request.js';
import { ok } from '../../contract/result.js';
import { subjects } from '../../contract/subjects.js';
import { captureLogger } from '../support/capture-logger.js';
import { fakePlatform } from '../support/fake-platform.js';
import { startMiniRosey } from '../support/mini-rosey.js';
import { eventually, tempDir } from '../support/nats.js';

/**
 * Issue 15, defect 9: a plugin may publish on `rosey.plugins.<self>.>`, so it could announce a
 * generation that was never started (`rosey.plugins.echo.7.ready`), and the router sent its commands
 * there, to whoever listened on `rosey.commands.echo.7.execute`. The router now routes only on
 * announcements a plugin host vouches for; the forgery is reported as a security violation.
 */
describe('a forged announcement for a generation Rosey never started (real nats-server, plugin users)', function () {
  this.timeout(60_000);
  let server: NatsServerHandle | undefined;
  let mini: Awaited<ReturnType<typeof startMiniRosey>> | undefined;
  const connections: NatsConnection[] = [];

  afterEach(async () => {
    await mini?.tree.shutdown();
    mini = undefined;
    for (const nc of connections.splice(0)) await nc.close();
    await server?.stop(2000);
    server = undefined;
  });

  it('is not routed to: commands stay with the real generation, and the forgery is reported', async () => {
    const rosey: NatsUser = { user: ROSEY_USER, password: newPassword() };
    const echo: NatsUser = {
      user: pluginUser('echo'),
      password: newPassword(),
      permissions: pluginPermissions('echo', []),
    };
    server = await startNatsServer({ dir: tempDir(), users: [rosey, echo] });
    const nats = { url: server.url, user: rosey.user, pass: rosey.password };
    const nc = await connect({ servers: server.url, user: rosey.user, pass: rosey.password });
    connections.push(nc);
    const violations: SecurityViolation[] = [];
    nc.subscribe(subjects.securityViolation, {
      callback: (_e, msg) => {
        const decoded = decodeJson(msg.data);
        if (decoded.ok) violations.push(securityViolationSchema.parse(decoded.data));
      },
    });
    await nc.flush();
    const logger = captureLogger();
    mini = await startMiniRosey({
      url: server.url,
      nats,
      plugins: ['echo'],
      logger,
      reload: {},
      pluginNats: () => ({
        endpoint: { url: server!.url, user: echo.user, pass: echo.password },
        inboxPrefix: pluginInboxPrefix('echo'),
      }),
    });
    const platform = await fakePlatform(nc);
    platform.say('!echo before');
    await platform.reply((r) => r.text === 'echo: before');

    // The plugin, with its own credentials, serves generation 7's commands and announces it.
    const forger = await connect({
      servers: server.url,
      user: echo.user,
      pass: echo.password,
      inboxPrefix: pluginInboxPrefix('echo'),
    });
    connections.push(forger);
    const stolen: unknown[] = [];
    forger.subscribe(subjects.execute('echo', 7), {
      callback: (_e, msg) => {
        stolen.push(msg.subject);
        msg.respond(encodeJson(ok({ text: 'forged' })));
      },
    });
    const forged: PluginAnnouncement = {
      plugin: 'echo',
      generation: 7,
      version: '6.6.6',
      pid: process.pid,
      commands: [{ name: 'echo', usage: 'echo', description: '', minRank: 0, aliases: [] }],
    };
    forger.publish(subjects.pluginReady('echo', 7), encodeJson(forged));
    await forger.flush();

    await eventually(() => violations.length > 0, 'the violation report');
    expect(violations).to.have.length(1);
    expect(violations[0]).to.deep.include({
      plugin: 'echo',
      action: 'rosey.plugins.echo.7.ready',
      source: 'plugin-manager',
      reason:
        'echo announced generation 7, which Rosey did not start: ignored, its commands stay where they were',
    });
    expect(logger.lines.some((l) => l.level === 'warn' && l.msg === violations[0]!.reason)).to.equal(true);

    platform.say('!echo after');
    await platform.reply((r) => r.text === 'echo: after');
    expect(stolen).to.deep.equal([]);
    const commands = await request(nc, subjects.routerCommands, {}, { timeoutMs: 5000 });
    expect(commands.ok).to.equal(true);
    const echoRoute = routerCommandsReplySchema
      .parse(commands.ok ? commands.data : undefined)
      .plugins.find((p) => p.plugin === 'echo');
    expect(echoRoute).to.deep.include({ generation: 1, version: '0.1.0', standby: [] });
  });
});
