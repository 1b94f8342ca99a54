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
import { decodeJson, encodeJson } from '../../contract/envelope.js';
import { request } from '../../contract/request.js';
import type { SecurityViolation } from '../../contract/messages/actions.js';
import type { RoseyConfigInput } from '../../app/config/schema.js';
import { ok } from '../../contract/result.js';
import { subjects } from '../../contract/subjects.js';
import { fakePlatform } from '../support/fake-platform.js';
import { startMiniRosey } from '../support/mini-rosey.js';
import { eventually, tempDir } from '../support/nats.js';

type Mini = Awaited<ReturnType<typeof startMiniRosey>>;

/** Serves the `test` platform's kick subject the way a connector does, and records every kick. */
async function kickTarget(nc: NatsConnection) {
  const kicks: unknown[] = [];
  nc.subscribe(subjects.sendKick('test'), {
    callback: (_e, msg) => {
      const decoded = decodeJson(msg.data);
      kicks.push(decoded.ok ? decoded.data : undefined);
      msg.respond(encodeJson(ok({ kicked: true })));
    },
  });
  await nc.flush();
  return kicks;
}

async function violations(nc: NatsConnection) {
  const seen: SecurityViolation[] = [];
  nc.subscribe(subjects.securityViolation, {
    callback: (_e, msg) => {
      const decoded = decodeJson(msg.data);
      if (decoded.ok) seen.push(decoded.data as SecurityViolation);
    },
  });
  await nc.flush();
  return seen;
}

/**
 * Capabilities, enforced outside the plugin by both layers: the NATS server (the plugin's own user
 * may publish only granted actions) and the action gate (which checks again, for a plugin without
 * its own user). The plugin is a real process using the SDK's `ctx.users.kick`.
 */
describe('plugin capabilities (real nats-server, real plugin process)', function () {
  this.timeout(60_000);
  let server: NatsServerHandle | undefined;
  let mini: Mini | undefined;
  let nc: NatsConnection | undefined;
  const rosey: NatsUser = { user: ROSEY_USER, password: newPassword() };

  afterEach(async () => {
    await mini?.tree.shutdown();
    await nc?.close();
    await server?.stop(2000);
    mini = undefined;
    nc = undefined;
    server = undefined;
  });

  /** Rosey with the kicker plugin; `ownUser`: the plugin connects as its own NATS user, with these grants. */
  async function start(options: {
    ownUser?: Parameters<typeof pluginPermissions>[1];
    config?: RoseyConfigInput;
  }) {
    const users: NatsUser[] = [rosey];
    const kicker: NatsUser = {
      user: pluginUser('kicker'),
      password: newPassword(),
      permissions: pluginPermissions('kicker', options.ownUser ?? []),
    };
    if (options.ownUser) users.push(kicker);
    server = await startNatsServer({ dir: tempDir(), users });
    const nats = { url: server.url, user: rosey.user, pass: rosey.password };
    nc = await connect({ servers: server.url, user: rosey.user, pass: rosey.password });
    const kicks = await kickTarget(nc);
    const seen = await violations(nc);
    mini = await startMiniRosey({
      url: server.url,
      nats,
      plugins: ['kicker'],
      reload: {},
      actionPlatforms: ['test'],
      config: options.config,
      pluginNats: options.ownUser
        ? () => ({
            endpoint: { url: server!.url, user: kicker.user, pass: kicker.password },
            inboxPrefix: pluginInboxPrefix('kicker'),
          })
        : () => ({ endpoint: nats }),
    });
    const platform = await fakePlatform(nc);
    return { kicks, seen, platform };
  }

  it('the NATS server refuses a kick the plugin was not granted; the plugin gets FORBIDDEN and nothing is kicked', async () => {
    const { kicks, platform } = await start({ ownUser: ['chat.send'] });
    platform.say('!kick bob');
    const reply = await platform.reply((r) => r.text.startsWith('refused'));
    expect(reply.text).to.equal(
      "refused: FORBIDDEN: kicker may not users.kick: 'users.kick' is not granted (add it to permissions in manifest.yaml; the operator may also have revoked it)",
    );
    // A granted action still goes through, on the command's platform and channel.
    platform.say('!announce hello all');
    await platform.reply((r) => r.text === 'hello all');
    expect(kicks).to.deep.equal([]);
  });

  it('with users.kick granted by the operator, the kick reaches the platform through the gate', async () => {
    const { kicks, platform, seen } = await start({
      ownUser: ['chat.send', 'users.kick'],
      config: { plugins: { settings: { kicker: { permissions: { grant: ['users.kick'] } } } } },
    });
    platform.say('!kick bob');
    const reply = await platform.reply((r) => r.text.startsWith('done'));
    expect(reply.text).to.equal('done: {"kicked":true}');
    expect(kicks).to.deep.equal([{ channel: 'main', user: 'bob', reason: 'test' }]);
    expect(seen).to.deep.equal([]);
  });

  it('the gate refuses what slips past NATS (a plugin on Rosey’s own user) and publishes the violation', async () => {
    const { kicks, platform, seen } = await start({});
    platform.say('!kick bob');
    const reply = await platform.reply((r) => r.text.startsWith('refused'));
    expect(reply.text).to.equal("refused: FORBIDDEN: kicker was not granted 'users.kick'");
    await eventually(() => seen.length === 1, 'the violation event');
    expect(seen[0]).to.deep.include({
      plugin: 'kicker',
      action: 'users.kick',
      capability: 'users.kick',
      reason: "kicker was not granted 'users.kick'",
      source: 'gate',
    });
    expect(kicks).to.deep.equal([]);
  });

  it('the operator can revoke a requested capability', async () => {
    const { platform, seen } = await start({
      config: { plugins: { settings: { kicker: { permissions: { revoke: ['chat.send'] } } } } },
    });
    platform.say('!announce hi');
    const reply = await platform.reply((r) => r.text.startsWith('refused'));
    expect(reply.text).to.equal("refused: FORBIDDEN: kicker was not granted 'chat.send'");
    await eventually(() => seen.some((v) => v.capability === 'chat.send'), 'the violation event');
  });

  it('the manager tells requested, granted and revoked capabilities apart', async () => {
    await start({
      config: {
        plugins: { settings: { kicker: { permissions: { grant: ['users.kick'], revoke: ['chat.send'] } } } },
      },
    });
    const info = await request(nc, subjects.pluginControl('info'), { plugin: 'kicker' }, { timeoutMs: 5000 });
    expect(info.ok && info.data).to.deep.include({
      name: 'kicker',
      requested: ['chat.send'],
      granted: ['users.kick'],
      revoked: ['chat.send'],
      extra: ['users.kick'],
    });
    const unknown = await request(
      nc,
      subjects.pluginControl('info'),
      { plugin: 'nope' },
      { timeoutMs: 5000 },
    );
    expect(unknown).to.deep.equal({
      ok: false,
      error: { code: 'NOT_FOUND', message: 'no plugin named nope (loaded: kicker)' },
    });
  });

  it('answers a malformed action or one for an unknown platform with a structured error', async () => {
    await start({
      config: { plugins: { settings: { kicker: { permissions: { grant: ['users.kick'] } } } } },
    });
    const bad = await request(nc, subjects.action('kicker', 'users.kick'), { user: '' }, { timeoutMs: 5000 });
    expect(bad.ok).to.equal(false);
    expect(!bad.ok && bad.error.code).to.equal('VALIDATION_ERROR');
    const elsewhere = await request(
      nc,
      subjects.action('kicker', 'users.kick'),
      { user: 'bob', platform: 'irc' },
      { timeoutMs: 5000 },
    );
    expect(elsewhere).to.deep.equal({
      ok: false,
      error: { code: 'NOT_FOUND', message: "no platform 'irc' (running: test)" },
    });
  });
});
