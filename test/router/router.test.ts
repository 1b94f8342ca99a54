import { expect } from 'chai';
import type { NatsConnection } from '../../contract/nats.js';
import type { RouterInput } from '../../actors/router/router.machine.js';
import { decodeJson, encodeJson } from '../../contract/envelope.js';
import { request } from '../../contract/request.js';
import { parseTraceparent } from '../../contract/trace-context.js';
import { err, ok } from '../../contract/result.js';
import { subjects } from '../../contract/subjects.js';
import { findChild } from '../../supervisors/child-ref.js';
import type { RunningTree } from '../../supervisors/run-tree.js';
import { routerTree } from '../support/router-tree.js';
import { fakePlatform } from '../support/fake-platform.js';
import { fakePlugin } from '../support/fake-plugin.js';
import { client, eventually, useNatsServer } from '../support/nats.js';

describe('router (real nats-server)', () => {
  const nats = useNatsServer();
  let tree: RunningTree | undefined;
  let nc: NatsConnection;

  async function startRouter(overrides: Partial<RouterInput> = {}) {
    tree = await routerTree(nats.url, overrides);
  }

  const echo = () =>
    fakePlugin(
      nc,
      'echo',
      [
        { name: 'echo', usage: 'echo TEXT', description: 'Says it back' },
        { name: 'secret', minRank: 2 },
      ],
      (req) =>
        req.command === 'secret'
          ? ok({ text: 'the secret', private: true })
          : ok({ text: `echo: ${req.argText}` }),
    );

  /** Commands are registered once the router has seen the announcement. */
  const registered = async (name: string) =>
    eventually(async () => {
      const r = await request(nc, subjects.routerCommands, {}, { timeoutMs: 1000 });
      return r.ok && JSON.stringify(r.data).includes(`"name":"${name}"`);
    }, `command ${name} registered`);

  beforeEach(async () => {
    nc = await client(nats.url);
  });

  afterEach(async () => {
    await tree?.shutdown();
    tree = undefined;
    await nc.close();
  });

  it('dispatches a command to its plugin and replies in the channel, continuing the trace', async () => {
    await startRouter();
    const platform = await fakePlatform(nc);
    const plugin = await echo();
    await registered('echo');
    const correlationId = platform.say('!Echo hello   world', { user: 'bob', rank: 1, channel: 'room' });
    const reply = await platform.reply((r) => r.text.startsWith('echo'));
    expect(reply).to.deep.include({
      kind: 'chat',
      channel: 'room',
      text: 'echo: hello   world',
      correlationId,
    });
    expect(parseTraceparent(reply.traceparent)?.traceId).to.equal('ab'.repeat(16));
    expect(plugin.requests[0]!.request).to.deep.equal({
      command: 'echo',
      args: ['hello', 'world'],
      argText: 'hello   world',
      user: 'bob',
      rank: 1,
      channel: 'room',
      platform: 'test',
      private: false,
    });
  });

  it('answers a private message privately, and sends a reply privately when the plugin asks', async () => {
    await startRouter();
    const platform = await fakePlatform(nc);
    await echo();
    await registered('echo');
    platform.say('!echo psst', { pm: true, user: 'carol' });
    expect(await platform.reply((r) => r.text === 'echo: psst')).to.deep.include({ kind: 'pm', to: 'carol' });
    platform.say('!secret', { user: 'dave', rank: 3 });
    expect(await platform.reply((r) => r.text === 'the secret')).to.deep.include({ kind: 'pm', to: 'dave' });
  });

  it('replies to unknown commands, rank checks and !help; stays quiet on plain chat', async () => {
    await startRouter();
    const platform = await fakePlatform(nc);
    await echo();
    await registered('echo');
    platform.say('just chatting');
    platform.say('!');
    platform.say('!nope');
    await platform.reply((r) => r.text === 'Unknown command !nope — try !help.');
    platform.say('!secret', { rank: 0 });
    await platform.reply((r) => r.text === '!secret needs rank 2 (you have 0).');
    platform.say('!help');
    await platform.reply((r) => r.text === 'Commands: !echo — !help <command> for details.');
    platform.say('!help echo');
    await platform.reply((r) => r.text === '!echo TEXT — Says it back');
    expect(platform.replies).to.have.length(4);
  });

  it('never answers itself, the platform, or a line flagged as its own', async () => {
    await startRouter();
    const platform = await fakePlatform(nc);
    await echo();
    await registered('echo');
    platform.say('!echo 1', { user: 'Rosey' });
    platform.say('!echo 2', { user: 'rOsEy' });
    platform.say('!echo 3', { system: true, user: '[server]' });
    platform.say('!echo 4', { rank: 255 });
    platform.say('!echo 5', { self: true, user: 'other' });
    platform.say('!echo done');
    await platform.reply((r) => r.text === 'echo: done');
    expect(platform.replies.map((r) => r.text)).to.deep.equal(['echo: done']);
  });

  it('enforces per-user per-command cooldowns, warning once', async () => {
    await startRouter({ defaultCooldownMs: 60_000 });
    const platform = await fakePlatform(nc);
    await echo();
    await registered('echo');
    platform.say('!echo a', { user: 'erin' });
    await platform.reply((r) => r.text === 'echo: a');
    platform.say('!echo b', { user: 'erin' });
    await platform.reply((r) => r.text.startsWith('Slow down: !echo is available to you again in'));
    platform.say('!echo c', { user: 'erin' });
    platform.say('!echo d', { user: 'frank' });
    await platform.reply((r) => r.text === 'echo: d');
    expect(
      platform.replies.map((r) => r.text).filter((t) => t.includes('erin') || t.startsWith('echo: c')),
    ).to.deep.equal([]);
    expect(platform.replies).to.have.length(3);
  });

  // Issue 16: `rosey dev` dropped scripted lines to the cooldown; its console is exempt, a channel is not.
  it('never cools down a cooldown-free platform, and still warns once per window elsewhere', async () => {
    await startRouter({ defaultCooldownMs: 60_000, cooldownFreePlatforms: ['console'] });
    const terminal = await fakePlatform(nc, 'console');
    const channel = await fakePlatform(nc, 'test');
    await echo();
    await registered('echo');
    for (const text of ['a', 'b', 'c']) terminal.say(`!echo ${text}`, { platform: 'console' });
    await terminal.reply((r) => r.text === 'echo: c');
    expect(terminal.replies.map((r) => r.text).sort()).to.deep.equal(['echo: a', 'echo: b', 'echo: c']);
    for (const text of ['a', 'b', 'c']) channel.say(`!echo ${text}`);
    await channel.reply((r) => r.text.startsWith('Slow down: !echo'));
    channel.say('!echo d', { user: 'frank' });
    await channel.reply((r) => r.text === 'echo: d');
    expect(channel.replies.map((r) => r.text.replace(/\d+s/, 'Ns'))).to.have.members([
      'echo: a',
      'Slow down: !echo is available to you again in Ns.',
      'echo: d',
    ]);
  });

  it('gives a clear reply when the plugin times out, fails, answers garbage, or is not running', async () => {
    await startRouter();
    const platform = await fakePlatform(nc);
    await fakePlugin(nc, 'slow', [{ name: 'slow' }, { name: 'broken' }, { name: 'garbage' }], (req) => {
      if (req.command === 'broken') return err('PLUGIN_ERROR', 'database on fire');
      if (req.command === 'garbage') return ok({ text: 42 });
      return undefined;
    });
    await registered('garbage');
    platform.say('!slow');
    await platform.reply((r) => r.text === '!slow timed out: slow did not answer in time.');
    platform.say('!broken');
    await platform.reply((r) => r.text === '!broken failed: database on fire');
    platform.say('!garbage');
    await platform.reply((r) => r.text.startsWith('!garbage failed: text:'));
  });

  it("reports a timed-out command to the generation's host, and only a timeout", async () => {
    await startRouter();
    const platform = await fakePlatform(nc);
    const reports: unknown[] = [];
    nc.subscribe(subjects.commandTimeout('slow', 1), {
      callback: (_e, msg) => {
        const decoded = decodeJson(msg.data);
        reports.push(decoded.ok ? decoded.data : msg.subject);
      },
    });
    await fakePlugin(nc, 'slow', [{ name: 'slow' }, { name: 'broken' }], (req) =>
      req.command === 'broken' ? err('PLUGIN_ERROR', 'database on fire') : undefined,
    );
    await registered('broken');
    platform.say('!broken');
    await platform.reply((r) => r.text === '!broken failed: database on fire');
    platform.say('!slow');
    await platform.reply((r) => r.text === '!slow timed out: slow did not answer in time.');
    await eventually(() => reports.length > 0, 'the timeout report');
    expect(reports).to.deep.equal([{ plugin: 'slow', generation: 1, command: 'slow', timeoutMs: 300 }]);
  });

  it('replies "unavailable" when nobody serves the plugin subject any more', async () => {
    await startRouter();
    const platform = await fakePlatform(nc);
    const plugin = await fakePlugin(nc, 'gone', [{ name: 'gone' }], () => ok({ text: 'here' }));
    await registered('gone');
    plugin.stop();
    await nc.flush();
    platform.say('!gone');
    await platform.reply((r) => r.text === '!gone is unavailable right now (gone is not running).');
  });

  it('survives malformed messages on its subjects and keeps routing', async () => {
    await startRouter();
    const platform = await fakePlatform(nc);
    await echo();
    await registered('echo');
    nc.publish(subjects.message, new TextEncoder().encode('{"broken'));
    nc.publish(subjects.message, encodeJson({ platform: 'test', text: '!echo x' }));
    nc.publish(
      subjects.message,
      encodeJson({ platform: 'test', channel: 'm', user: 'u', rank: 'high', text: '!echo' }),
    );
    nc.publish(
      subjects.anyHostedReady.replace('*.*', 'evil.1'),
      encodeJson({ plugin: 'EVIL', commands: 'all' }),
    );
    for (const text of [
      '',
      '!',
      '!!!',
      '\u0000\u0001',
      '!echo ' + 'x'.repeat(5000),
      '!echo ' + 'a '.repeat(1000),
      '!echo 🎲 日本',
    ]) {
      platform.say(text);
    }
    await platform.reply((r) => r.text === 'echo: 🎲 日本');
    await platform.reply((r) => r.text === '!echo: too many arguments (max 100).');
    await platform.reply((r) => r.text === '!echo: that line is too long (max 2000 characters).');
    expect(tree!.actor.getSnapshot().context.records.router?.restarts).to.equal(0);
  });

  it('holds a plugin’s commands on request, and lets them go on release, or by themselves after maxMs', async () => {
    await startRouter();
    const plugin = await echo();
    await registered('echo');
    const platform = await fakePlatform(nc);
    const hold = (maxMs: number) =>
      request(nc, subjects.routerHold, { plugin: 'echo', maxMs }, { timeoutMs: 1000 });
    expect(await hold(60_000)).to.deep.equal({ ok: true, data: { plugin: 'echo', held: true } });
    expect(await hold(60_000)).to.deep.equal({
      ok: false,
      error: { code: 'BUSY', message: "echo's commands are already held" },
    });
    platform.say('!echo one');
    platform.say('!echo two');
    // Held: settle waits for them, and nothing reached the plugin. The router's own book says so
    // once it has taken all three (they come in order on one connection): both commands held,
    // settle waiting, and no request ever sent to a plugin (its request counter has not moved).
    const settle = request(nc, subjects.routerSettle, {}, { timeoutMs: 2000 });
    const book = () =>
      findChild(tree!.actor, ['router'])!.ref!.getSnapshot().context as {
        held: Record<string, unknown[]>;
        settleWaiters: string[];
        nextRequest: number;
      };
    await eventually(
      () => book().held.echo?.length === 2 && book().settleWaiters.length === 1,
      'both commands held and settle waiting',
    );
    expect(book().nextRequest).to.equal(1);
    expect(plugin.requests).to.have.length(0);
    expect(await request(nc, subjects.routerRelease, { plugin: 'echo' }, { timeoutMs: 1000 })).to.deep.equal(
      ok({}),
    );
    expect((await settle).ok).to.equal(true);
    expect(platform.replies.map((r) => r.text).sort()).to.deep.equal(['echo: one', 'echo: two']);

    await hold(300);
    platform.say('!echo three');
    await platform.reply((r) => r.text === 'echo: three', 'the held command, released after maxMs');
    expect(
      await request(nc, subjects.routerHold, { plugin: 'nope', maxMs: 10 }, { timeoutMs: 1000 }),
    ).to.deep.equal({ ok: false, error: { code: 'NOT_FOUND', message: 'no plugin nope' } });
  });

  it('settles only once every command in flight has its reply', async () => {
    await startRouter({ commandTimeoutMs: 2000 });
    const platform = await fakePlatform(nc);
    await fakePlugin(
      nc,
      'lazy',
      [{ name: 'lazy' }],
      () => new Promise((resolve) => setTimeout(() => resolve(ok({ text: 'finally' })), 200)),
    );
    await registered('lazy');
    platform.say('!lazy');
    const settled = await request(nc, subjects.routerSettle, {}, { timeoutMs: 5000 });
    expect(settled.ok).to.equal(true);
    expect(platform.replies.map((r) => r.text)).to.deep.equal(['finally']);
  });

  it('ignores an announcement whose subject is not the announced plugin own', async () => {
    await startRouter();
    const platform = await fakePlatform(nc);
    await echo();
    await registered('echo');
    // "evil" announces itself as echo, generation 9, on its own subject: echo keeps its commands.
    nc.publish(
      subjects.hostedReady('evil', 9),
      encodeJson({
        plugin: 'echo',
        generation: 9,
        version: '6.6.6',
        pid: 1,
        commands: [{ name: 'echo', usage: 'x' }],
      }),
    );
    nc.publish(
      subjects.pluginDown('evil', 1),
      encodeJson({ plugin: 'echo', generation: 1, reason: 'forged' }),
    );
    await nc.flush();
    platform.say('!echo still mine');
    await platform.reply((r) => r.text === 'echo: still mine');
    const listed = await request(nc, subjects.routerCommands, {}, { timeoutMs: 1000 });
    expect(JSON.stringify(listed)).to.include('"version":"0.0.1"').and.not.include('6.6.6');
  });

  it('asks plugins to announce again when it (re)starts', async () => {
    const seen: string[] = [];
    nc.subscribe(subjects.pluginsDiscover, {
      callback: () => {
        seen.push('discover');
      },
    });
    await nc.flush();
    await startRouter();
    await eventually(() => seen.length > 0, 'a discover request');
  });
});
