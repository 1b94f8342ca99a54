import { expect } from 'chai';
import type { NatsConnection } from '../../contract/nats.js';
import { describeTree, findNode } from '../../supervisors/describe-tree.js';
import { isAlive } from '../support/cli.js';
import { captureLogger } from '../support/capture-logger.js';
import { fakePlatform } from '../support/fake-platform.js';
import { startMiniRosey } from '../support/mini-rosey.js';
import { client, eventually, useNatsServer } from '../support/nats.js';

type Mini = Awaited<ReturnType<typeof startMiniRosey>>;

const hostOf = (mini: Mini, plugin: string) => findNode(describeTree(mini.tree.actor), `${plugin}@1`);

describe('plugin processes under supervision (real nats-server, real OS processes)', function () {
  this.timeout(60_000);
  const nats = useNatsServer();
  let nc: NatsConnection;
  let mini: Mini | undefined;

  beforeEach(async () => {
    nc = await client(nats.url);
  });

  afterEach(async () => {
    await mini?.tree.shutdown();
    mini = undefined;
    await nc.close();
  });

  it('runs a plugin in its own process and routes its commands to it', async () => {
    mini = await startMiniRosey({ url: nats.url, plugins: ['echo'] });
    const platform = await fakePlatform(nc);
    platform.say('!pid');
    const reply = await platform.reply((r) => r.text.startsWith('pid '));
    const pid = Number(reply.text.slice(4));
    expect(pid).to.not.equal(process.pid);
    expect(hostOf(mini, 'echo')?.info).to.include({ pid, generation: 1, version: '0.1.0' });
  });

  it('puts a correlation id and a traceparent on every message it sends', async () => {
    const seen: Array<{ subject: string; reply?: string; corr?: string; trace?: string }> = [];
    const watcher = await client(nats.url);
    watcher.subscribe('>', {
      callback: (_e, msg) => {
        seen.push({
          subject: msg.subject,
          reply: msg.reply,
          corr: msg.headers?.get('Rosey-Correlation-Id'),
          trace: msg.headers?.get('traceparent'),
        });
      },
    });
    await watcher.flush();
    mini = await startMiniRosey({ url: nats.url, plugins: ['echo'], host: { healthIntervalMs: 100 } });
    const platform = await fakePlatform(nc);
    platform.say('!echo traced');
    await platform.reply((r) => r.text === 'echo: traced');
    const kinds = [
      'rosey.plugins.discover',
      'rosey.plugins.echo.1.ready',
      'rosey.commands.echo.1.execute',
      'rosey.plugins.echo.1.health',
      'rosey.platform.test.send.chat',
      '_INBOX',
    ];
    const subjectsSeen = () => new Set(seen.map((m) => m.subject.replace(/^_INBOX\..*/, '_INBOX')));
    // Watch until every kind has gone by, the plugin's answer to a health check included.
    const healthAnswered = () =>
      seen.some((m) => m.subject.endsWith('.health') && seen.some((r) => r.subject === m.reply));
    await eventually(
      () => kinds.every((k) => subjectsSeen().has(k)) && healthAnswered(),
      'every kind of message, and an answer to a health check',
    );
    await watcher.close();
    for (const expected of kinds) {
      expect(subjectsSeen(), expected).to.include(expected);
    }
    const bare = seen.filter(
      (m) => !m.corr || !/^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/.test(m.trace ?? ''),
    );
    expect(bare, JSON.stringify(bare.slice(0, 3))).to.deep.equal([]);
  });

  it('brings a plugin killed with SIGKILL back, and it answers again', async () => {
    mini = await startMiniRosey({ url: nats.url, plugins: ['echo'] });
    const platform = await fakePlatform(nc);
    const first = hostOf(mini, 'echo')!.info!.pid as number;
    process.kill(first, 'SIGKILL');
    const second = await eventually(() => {
      const node = hostOf(mini!, 'echo');
      return node?.status === 'running' && node.info?.pid !== first ? (node.info!.pid as number) : undefined;
    }, 'a new echo process');
    expect(hostOf(mini, 'echo')!.restarts).to.equal(1);
    expect(hostOf(mini, 'echo')!.lastExit).to.match(/killed by SIGKILL/);
    platform.say('!pid');
    await platform.reply((r) => r.text === `pid ${second}`);
    expect(isAlive(first)).to.equal(false);
  });

  it('restarts a plugin that crashes on its own (uncaught error), answering the command first', async () => {
    mini = await startMiniRosey({ url: nats.url, plugins: ['echo'] });
    const platform = await fakePlatform(nc);
    platform.say('!crash');
    await platform.reply((r) => r.text === 'crashing');
    await eventually(
      () => hostOf(mini!, 'echo')?.restarts === 1 && hostOf(mini!, 'echo')?.status === 'running',
      'restart',
    );
    expect(hostOf(mini, 'echo')!.lastExit).to.match(
      /exit code 1: uncaught error: Error: crashing on purpose/,
    );
    platform.say('!echo back');
    await platform.reply((r) => r.text === 'echo: back');
  });

  it('marks a plugin failed after a crash loop beyond its intensity; the rest keeps running', async () => {
    mini = await startMiniRosey({ url: nats.url, plugins: ['echo'] });
    const platform = await fakePlatform(nc);
    // intensity 3 in 30 s (manifest): the 4th crash gives up.
    for (let crash = 1; crash <= 4; crash++) {
      const node = await eventually(() => {
        const n = hostOf(mini!, 'echo');
        return n?.status === 'running' ? n : undefined;
      }, `echo running before crash ${crash}`);
      process.kill(node.info!.pid as number, 'SIGKILL');
      if (crash < 4) await eventually(() => hostOf(mini!, 'echo')?.restarts === crash, `restart ${crash}`);
    }
    await eventually(() => mini!.plugins().records.echo?.status === 'failed', 'echo marked failed');
    // OTP: a supervisor that gives up exits `shutdown`; why it gave up is kept beside it for status.
    const lastExit = mini.plugins().records.echo?.lastExit;
    expect(lastExit?.reason).to.equal('shutdown');
    expect(lastExit?.failure).to.include('max restart intensity');
    expect(mini.tree.actor.getSnapshot().value).to.equal('running');
    platform.say('!echo anyone');
    await platform.reply((r) => r.text === '!echo is unavailable right now (echo is not running).');
  });

  it('reports a plugin that throws at start in one line and starts the others', async () => {
    const logger = captureLogger();
    mini = await startMiniRosey({
      url: nats.url,
      plugins: ['fails-at-start', 'not-a-plugin', 'echo'],
      logger,
    });
    const records = mini.plugins().records;
    expect(records['fails-at-start']?.status).to.equal('failed');
    expect(records['not-a-plugin']?.status).to.equal('failed');
    expect(records.echo?.status).to.equal('running');
    const errors = logger.lines.filter((l) => l.level === 'error').map((l) => l.msg);
    expect(errors.some((m) => m.includes('start failed: database unreachable'))).to.equal(true);
    expect(errors.some((m) => m.includes('must `export default definePlugin({ ... })`'))).to.equal(true);
    const failure = errors.find((m) => m.startsWith('fails-at-start failed to start'));
    expect(failure).to.match(/exit code 1: start failed: database unreachable/);
  });

  it("relays a plugin's stdout, stderr and log lines to Rosey's log under the plugin's name", async () => {
    const logger = captureLogger();
    mini = await startMiniRosey({
      url: nats.url,
      plugins: ['echo'],
      logger,
      config: { plugins: { settings: { echo: { config: { greeting: 'hi' } } } } },
    });
    const platform = await fakePlatform(nc);
    platform.say('!say', { user: 'gina' });
    await platform.reply((r) => r.text === 'said');
    await eventually(() => logger.lines.some((l) => l.msg === 'structured info line'), 'log lines');
    const fromPlugin = logger.lines.filter((l) => l.tag === 'rosey/plugin:echo');
    expect(fromPlugin.find((l) => l.msg === 'stdout line from gina')?.level).to.equal('info');
    expect(fromPlugin.find((l) => l.msg === 'stderr line from gina')?.level).to.equal('warn');
    // ctx.log's fields survive the trip through the plugin's stderr; the host's logger adds the
    // plugin's name and generation.
    expect(fromPlugin.find((l) => l.msg === 'structured info line')).to.deep.include({
      level: 'info',
      fields: { user: 'gina', n: 1 },
      bindings: { plugin: 'echo', generation: 1 },
    });
    expect(fromPlugin.some((l) => l.msg.includes('config greeting=hi'))).to.equal(true);
  });

  it('lets in-flight commands finish during a graceful stop', async () => {
    const logger = captureLogger();
    mini = await startMiniRosey({ url: nats.url, plugins: ['echo'], logger });
    const platform = await fakePlatform(nc);
    const pid = hostOf(mini, 'echo')!.info!.pid as number;
    platform.say('!slow 400');
    // The plugin logs as it starts the command: the stop begins with the command in flight.
    await eventually(
      () => logger.lines.some((l) => l.tag === 'rosey/plugin:echo' && l.msg === 'slow: answering in 400 ms'),
      'the plugin running !slow',
    );
    const output = await mini.tree.shutdown();
    mini = undefined;
    expect(output.exit).to.equal('shutdown');
    expect(platform.replies.map((r) => r.text)).to.include('slow done');
    expect(isAlive(pid)).to.equal(false);
  });

  it('replaces a plugin that stops answering health checks', async () => {
    mini = await startMiniRosey({
      url: nats.url,
      plugins: ['echo'],
      host: { healthIntervalMs: 100, healthTimeoutMs: 100, maxMissedHealth: 2 },
    });
    const platform = await fakePlatform(nc);
    const first = hostOf(mini, 'echo')!.info!.pid as number;
    platform.say('!hang 5000');
    await eventually(
      () => hostOf(mini!, 'echo')?.restarts === 1 && hostOf(mini!, 'echo')?.status === 'running',
      'replacement',
      10_000,
    );
    expect(hostOf(mini, 'echo')!.lastExit).to.match(/stopped answering health checks/);
    expect(isAlive(first)).to.equal(false);
  });

  it('restarts a plugin that runs out of memory (heap limit from its manifest)', async () => {
    mini = await startMiniRosey({
      url: nats.url,
      plugins: ['echo'],
      config: { plugins: { settings: { echo: { memoryMb: 32 } } } },
    });
    const platform = await fakePlatform(nc);
    platform.say('!hog');
    await eventually(
      () => hostOf(mini!, 'echo')?.restarts === 1 && hostOf(mini!, 'echo')?.status === 'running',
      'restart after OOM',
      20_000,
    );
    expect(hostOf(mini, 'echo')!.lastExit).to.match(/SIGABRT|SIGTRAP|exit code/);
    await platform.reply((r) => r.text.includes('!hog'), 'a reply for the lost command', 5000);
  });
});
