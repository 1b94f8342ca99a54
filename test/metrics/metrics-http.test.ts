import { expect } from 'chai';
import { createServer, type Server } from 'node:net';
import { PassThrough } from 'node:stream';
import { consoleSpec } from '../../app/child-specs.js';
import {
  apiMetricsSchema,
  apiPluginSchema,
  apiPluginsSchema,
  readyBodySchema,
} from '../../contract/messages/metrics.js';
import { encodeJson } from '../../contract/envelope.js';
import { subjects } from '../../contract/subjects.js';
import type { ChatMessage } from '../../contract/messages/chat.js';
import { describeTree, findNode } from '../../supervisors/describe-tree.js';
import { killChild } from '../../supervisors/kill-child.js';
import { findFreePort as freePort } from '../../process/free-port.js';
import { startMiniRosey } from '../support/mini-rosey.js';
import { client, eventually, tempDir, useNatsServer } from '../support/nats.js';
import { startNatsServer, type NatsServerHandle } from '../../actors/nats-server/nats-server-process.js';
import { get, httpPort, metricsChildren, sampleValue, scrape } from '../support/metrics-http.js';
import type { NatsConnection } from '../../contract/nats.js';

type Mini = Awaited<ReturnType<typeof startMiniRosey>>;

const line = (text: string): ChatMessage => ({
  platform: 'console',
  channel: 'console',
  user: 'alice',
  rank: 1,
  text,
  time: Date.now(),
});

describe('metrics actor and HTTP endpoint (real nats-server, real plugin processes)', function () {
  this.timeout(60_000);
  const nats = useNatsServer();
  let mini: Mini | undefined;
  let nc: NatsConnection | undefined;

  afterEach(async () => {
    await nc?.close();
    nc = undefined;
    await mini?.tree.shutdown();
    mini = undefined;
  });

  async function start(config: Parameters<typeof metricsChildren>[0] = {}) {
    const m = metricsChildren(config, ['echo']);
    // The console connector: what counts the replies sent to it (it prints them).
    const output = new PassThrough().resume();
    const terminal = { input: new PassThrough(), output, interactive: false, stopOnEof: false };
    mini = await startMiniRosey({
      url: nats.url,
      plugins: ['echo'],
      connectors: [...m.children, (_link, wiring) => consoleSpec(wiring, m.config, terminal)],
    });
    const port = await eventually(() => httpPort(mini!.tree.actor), 'the HTTP port in the tree');
    return { ...m, port };
  }

  /** Connects the test's client (closed after the test) and collects what Rosey says to the console. */
  async function repliesToConsole(): Promise<{ conn: NatsConnection; replies: string[] }> {
    const conn = await client(nats.url);
    nc = conn;
    const replies: string[] = [];
    conn.subscribe(subjects.sendChat('console'), {
      callback: (_e, msg) => {
        replies.push((msg.json() as { text: string }).text);
      },
    });
    await conn.flush();
    return { conn, replies };
  }

  /** Waits for a sample taken after this call: what the tree says now is in the figures then. */
  async function nextSample(m: {
    metrics: { store?: { window: { latest(): { at: number } | undefined } } };
  }) {
    const before = m.metrics.store?.window.latest()?.at ?? 0;
    await eventually(() => (m.metrics.store?.window.latest()?.at ?? 0) > before, 'the next sample');
  }

  it('exposes counters that move when a command runs, parsed back as Prometheus text', async () => {
    const m = await start();
    const { conn, replies } = await repliesToConsole();
    const before = await scrape(m.port);
    expect(
      sampleValue(before, 'rosey_commands_total', { plugin: 'echo', command: 'echo', outcome: 'ok' }),
    ).to.equal(undefined);
    conn.publish(subjects.message, encodeJson(line('!echo hi')));
    await eventually(() => replies.includes('echo: hi'), 'the reply');
    const after = await eventually(async () => {
      const families = await scrape(m.port);
      return sampleValue(families, 'rosey_commands_total', {
        plugin: 'echo',
        command: 'echo',
        outcome: 'ok',
      }) === 1
        ? families
        : undefined;
    }, 'rosey_commands_total for echo');
    expect(sampleValue(after, 'rosey_chat_lines_total', { platform: 'console' })).to.equal(1);
    // The reply went out on rosey.platform.console.send.chat: counted by the console, which printed it.
    expect(sampleValue(after, 'rosey_replies_total', { platform: 'console', kind: 'chat' })).to.equal(1);
    const histogram = after.find((f) => f.name === 'rosey_command_duration_seconds');
    expect(histogram?.type).to.equal('HISTOGRAM');
    // The parser folds a histogram's series into one set of buckets (prom2json's shape, which keeps
    // no labels): with one command run there is one series, and its +Inf bucket counts it.
    expect(histogram?.metrics[0]?.buckets?.['+Inf']).to.equal('1');
    // An unknown command never reaches a plugin: no command counted, the chat line is.
    conn.publish(subjects.message, encodeJson(line('!nosuch')));
    await eventually(
      async () => sampleValue(await scrape(m.port), 'rosey_chat_lines_total') === 2,
      'two lines',
    );

    await nextSample(m);
    const families = await scrape(m.port);
    expect(sampleValue(families, 'rosey_process_resident_memory_bytes', { process: 'main' })).to.be.above(0);
    // The plugin's own figures, from its health reply.
    await eventually(
      async () =>
        (sampleValue(await scrape(m.port), 'rosey_process_resident_memory_bytes', { process: 'echo' }) ?? 0) >
        0,
      "echo's RSS from its health reply",
    );
    expect(sampleValue(families, 'rosey_plugin_up', { plugin: 'echo' })).to.equal(1);
    expect(sampleValue(families, 'rosey_plugin_memory_limit_bytes', { plugin: 'echo' })).to.equal(
      64 * 1024 * 1024,
    );
    expect(sampleValue(families, 'rosey_nats_messages_total', { direction: 'in' })).to.be.above(0);
    expect(families.every((f) => f.name.startsWith('rosey_'))).to.equal(true);
  });

  it('counts a command that timed out as an error, by its code', async () => {
    const m = await start();
    nc = await client(nats.url);
    // The mini-Rosey's router gives a plugin 1 s; echo's `hang` blocks its process for longer.
    nc.publish(subjects.message, encodeJson(line('!hang 2500')));
    const families = await eventually(async () => {
      const scraped = await scrape(m.port);
      return sampleValue(scraped, 'rosey_errors_total', { code: 'TIMEOUT' }) === 1 ? scraped : undefined;
    }, 'the timeout counted');
    expect(
      sampleValue(families, 'rosey_commands_total', { plugin: 'echo', command: 'hang', outcome: 'error' }),
    ).to.equal(1);
  });

  it('shows a kill -9 of a plugin process as a restart by the next sample', async () => {
    const m = await start();
    const pid = await eventually(
      () => findNode(describeTree(mini!.tree.actor), 'echo@1')?.info?.pid as number | undefined,
      "echo's pid",
    );
    expect(
      sampleValue(await scrape(m.port), 'rosey_actor_restarts_total', { actor: 'plugins/echo/echo' }),
    ).to.equal(undefined);
    process.kill(pid, 'SIGKILL');
    // The event: the supervisor has restarted the host. From then on, one sample must show it.
    await eventually(
      () => (findNode(describeTree(mini!.tree.actor), 'echo@1')?.restarts ?? 0) >= 1,
      'the restart',
    );
    await nextSample(m);
    const families = await scrape(m.port);
    expect(sampleValue(families, 'rosey_actor_restarts_total', { actor: 'plugins/echo/echo' })).to.equal(1);
    const api = apiPluginSchema.parse(JSON.parse((await get(m.port, '/api/plugins/echo')).text));
    expect(api.restarts).to.equal(1);
  });

  it('answers the JSON API in the shapes of the contract, 404 and 405 as JSON', async () => {
    const m = await start();
    await nextSample(m);
    await eventually(() => m.metrics.store?.pluginRows()[0]?.process, "echo's figures");
    await nextSample(m);
    const metrics = apiMetricsSchema.parse(JSON.parse((await get(m.port, '/api/metrics')).text));
    expect(metrics.history.at.length).to.be.at.least(2);
    expect(metrics.history.main.rss.every((rss) => rss !== null && rss > 0)).to.equal(true);
    expect(metrics.history.main.openHandles.at(-1)).to.be.above(0);
    expect(metrics.history.plugins['echo']?.rss.at(-1)).to.be.above(0);
    const latest = metrics.history.at.at(-1)!;
    const since = apiMetricsSchema.parse(
      JSON.parse((await get(m.port, `/api/metrics?since=${latest - 1}&points=5`)).text),
    );
    expect(since.history.at).to.deep.equal([latest]);
    for (const query of ['since=yesterday', 'points=0', 'points=1.5']) {
      const bad = await get(m.port, `/api/metrics?${query}`);
      expect(bad.status, query).to.equal(400);
      expect(JSON.parse(bad.text), query).to.have.nested.property('error.code', 'BAD_REQUEST');
    }
    expect(metrics.main.pid).to.equal(process.pid);
    // The same NATS traffic as /metrics counts, in the JSON counters too.
    expect(metrics.counters.natsMessages['in']).to.be.above(0);
    expect(metrics.counters.natsBytes['out']).to.be.above(0);
    expect(metrics.plugins.map((p) => p.name)).to.deep.equal(['echo']);
    const plugins = apiPluginsSchema.parse(JSON.parse((await get(m.port, '/api/plugins')).text));
    expect(plugins.plugins[0]).to.include({ name: 'echo', status: 'running', generation: 1 });
    const echo = apiPluginSchema.parse(JSON.parse((await get(m.port, '/api/plugins/echo')).text));
    expect(echo.history.process.rss.some((rss) => rss !== null && rss > 0)).to.equal(true);
    expect(echo.history.process.openHandles.at(-1)).to.be.above(0);
    expect(echo.process?.rss).to.be.above(0);

    // Malformed %-escapes in the name: refused as such, not a 500 from a throwing decoder.
    const malformed = await get(m.port, '/api/plugins/%E0%A4%A');
    expect(malformed.status).to.equal(400);
    expect(JSON.parse(malformed.text)).to.have.nested.property('error.code', 'BAD_REQUEST');
    const missing = await get(m.port, '/api/plugins/nope');
    expect(missing.status).to.equal(404);
    expect(JSON.parse(missing.text)).to.have.nested.property('error.code', 'NOT_FOUND');
    const unknown = await get(m.port, '/nowhere');
    expect(unknown.status).to.equal(404);
    expect(unknown.type).to.match(/^application\/json/);
    const post = await get(m.port, '/metrics', { method: 'POST' });
    expect(post.status).to.equal(405);
    expect(post.headers.get('allow')).to.equal('GET');
    expect(JSON.parse(post.text)).to.have.nested.property('error.code', 'METHOD_NOT_ALLOWED');
    const health = await get(m.port, '/health');
    expect(health.status).to.equal(200);
    const ready = await get(m.port, '/ready');
    expect(ready.status).to.equal(200);
    expect(readyBodySchema.parse(JSON.parse(ready.text)).ready).to.equal(true);
  });

  it('wants the bearer token when one is set: 401 without it or with another', async () => {
    const token = 'a-token-of-sixteen-chars';
    const m = await start({ http: { enabled: true, port: 0, token } });
    for (const authorization of [
      undefined,
      'Bearer wrong-token-of-sixteen',
      `Basic ${token}`,
      `Bearer ${token}x`,
    ]) {
      const res = await get(m.port, '/metrics', authorization ? { headers: { authorization } } : {});
      expect(res.status, String(authorization)).to.equal(401);
      expect(res.headers.get('www-authenticate')).to.match(/^Bearer/);
      expect(JSON.parse(res.text)).to.have.nested.property('error.code', 'UNAUTHORIZED');
    }
    const res = await get(m.port, '/ready', { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).to.equal(200);
  });

  it('a restarted HTTP actor listens on the same port again: the old server did not keep it', async () => {
    const fixed = await freePort();
    const m = await start({ http: { enabled: true, port: fixed } });
    expect(m.port).to.equal(fixed);
    const keepAlive = await get(fixed, '/health');
    expect(keepAlive.status).to.equal(200);
    const killed = killChild(mini!.tree.actor, ['http'], 'test: restart the HTTP actor');
    expect(killed.ok).to.equal(true);
    await eventually(
      () => (findNode(describeTree(mini!.tree.actor), 'http')?.restarts ?? 0) === 1,
      'the restart',
    );
    await eventually(
      () => findNode(describeTree(mini!.tree.actor), 'http')?.status === 'running',
      'the HTTP actor running again',
    );
    expect(httpPort(mini!.tree.actor)).to.equal(fixed);
    expect((await get(fixed, '/health')).status).to.equal(200);
  });

  it('a metrics restart keeps the restarts the tree holds and loses only its own counts', async () => {
    const m = await start();
    nc = await client(nats.url);
    nc.publish(subjects.message, encodeJson(line('!echo one')));
    await eventually(
      async () => sampleValue(await scrape(m.port), 'rosey_chat_lines_total') === 1,
      'one line',
    );
    const first = m.metrics.store;
    expect(killChild(mini!.tree.actor, ['metrics'], 'test').ok).to.equal(true);
    await eventually(() => m.metrics.store && m.metrics.store !== first, 'a new store');
    await nextSample(m);
    // The mini-Rosey's tree is rest_for_one: the HTTP actor after it was restarted too, on a new port.
    const port = await eventually(
      () =>
        findNode(describeTree(mini!.tree.actor), 'http')?.status === 'running' && httpPort(mini!.tree.actor),
      'the HTTP actor running again',
    );
    const families = await scrape(port);
    expect(sampleValue(families, 'rosey_chat_lines_total')).to.equal(undefined);
    expect(sampleValue(families, 'rosey_actor_restarts_total', { actor: 'metrics' })).to.equal(1);
    // The stopped run's listener went with it: one listener, and a new line is counted once, by the
    // new store only.
    expect(mini!.tally.attached).to.equal(1);
    nc.publish(subjects.message, encodeJson(line('!echo two')));
    await eventually(async () => sampleValue(await scrape(port), 'rosey_chat_lines_total') === 1, 'the line');
    expect(first?.current().counters.chatLines).to.equal(1);
  });

  it('a count that throws fails the metrics actor, which is restarted; the router answers on', async () => {
    const m = await start();
    const { conn, replies } = await repliesToConsole();
    const first = await eventually(() => m.metrics.store, 'the store');
    // Fault injection: the store's next count throws, as a bug in it would.
    first.chatLine = () => {
      throw new Error('count broke');
    };
    conn.publish(subjects.message, encodeJson(line('!echo still')));
    await eventually(() => replies.includes('echo: still'), 'the reply');
    await eventually(() => m.metrics.store && m.metrics.store !== first, 'a new store');
    const port = await eventually(
      () =>
        findNode(describeTree(mini!.tree.actor), 'http')?.status === 'running' && httpPort(mini!.tree.actor),
      'the HTTP actor running again',
    );
    expect(sampleValue(await scrape(port), 'rosey_actor_restarts_total', { actor: 'metrics' })).to.equal(1);
    expect(mini!.tally.attached).to.equal(1);
  });
});

describe('HTTP endpoint: port in use', function () {
  this.timeout(30_000);
  const nats = useNatsServer();
  let holder: Server | undefined;

  after(() => holder?.close());

  it('does not start, and says which port and which key', async () => {
    const port = await freePort();
    holder = createServer();
    await new Promise<void>((resolve) => holder!.listen(port, '127.0.0.1', resolve));
    const m = metricsChildren({ http: { enabled: true, port } });
    const started = startMiniRosey({ url: nats.url, plugins: [], connectors: m.children });
    const error = await started.then(
      async (mini) => {
        await mini.tree.shutdown();
        return undefined;
      },
      (e: unknown) => e as Error,
    );
    expect(error?.message).to.include(`port ${port} on 127.0.0.1 is already in use`);
    expect(error?.message).to.include('http.port');
  });
});

describe('HTTP endpoint: /ready follows the bus', function () {
  this.timeout(60_000);
  let server: NatsServerHandle | undefined;
  let mini: Mini | undefined;

  after(async () => {
    await mini?.tree.shutdown();
    await server?.stop(2000);
  });

  it('answers 503 naming the bus while the NATS server is down, and 200 once it is back', async () => {
    const dir = tempDir('rosey-nats-');
    server = await startNatsServer({ dir });
    const { port: natsPort, url } = server;
    const m = metricsChildren({}, []);
    mini = await startMiniRosey({ url, plugins: [], connectors: m.children });
    const port = await eventually(() => httpPort(mini!.tree.actor), 'the HTTP port');
    expect((await get(port, '/ready')).status).to.equal(200);

    await server.stop(2000);
    const down = await eventually(async () => {
      const res = await get(port, '/ready');
      return res.status === 503 ? readyBodySchema.parse(JSON.parse(res.text)) : undefined;
    }, '/ready 503');
    expect(down.ready).to.equal(false);
    expect(down.checks.find((c) => c.name === 'bus')).to.include({ ok: false });
    expect(down.checks.find((c) => c.name === 'storage')).to.include({ ok: true });
    // Alive all along: /health is about the process, not its dependencies.
    expect((await get(port, '/health')).status).to.equal(200);

    server = await startNatsServer({ dir, port: natsPort });
    await eventually(async () => (await get(port, '/ready')).status === 200, '/ready 200 again', 20_000);
  });
});
