/**
 * The CyTube suite. Starts a real Rosey (`rosey start`, its own nats-server, the dice plugin in its
 * own process) whose CyTube connector joins a fake CyTube (test/support/fake-cytube/) served from
 * this process, where alice, a scripted socket.io client, chats in the same channel. Measures:
 *   1. inbound: alice's line → the normalised `rosey.events.message` received here, next to the
 *      socket.io hop alone (alice's own echo) and a bare NATS request/reply;
 *   2. one `send.chat` line at a time → alice; then the round trip: alice's `!roll 1d6` → the bot's
 *      reply in alice's chat; both spaced so that the bot's flood limiter never engages;
 *   3. outbound: many `send.chat` lines published at once → received by alice, paced by the
 *      connector's mirror of CyTube's flood limiter (default, then the channel's antiflood): the
 *      burst, the sustained rate against the server's limit, and the `cooldown`s the server sent
 *      (each one a line the server dropped);
 *   4. recovery (issue 21): the fake CyTube goes down for a while and comes back; the time from
 *      its port answering again to the bot being in the channel (target: 2 s);
 *   5. startup (issue 21): `rosey start` → the bot in the channel, a fresh Rosey each time
 *      (target: 3 s on a quiet machine; the load average is printed with it).
 */
import { fork } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join as joinPath } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { NatsConnection } from '../contract/nats.js';
import { decodeJson, encodeJson } from '../contract/envelope.js';
import { request } from '../contract/request.js';
import { subjects } from '../contract/subjects.js';
import { fakeClient, type FakeClient } from '../test/support/fake-cytube/client.js';
import {
  CYTUBE_CONNECT_RATE,
  CYTUBE_IP_CONNECTION_LIMIT,
  startFakeCytube,
  type FakeCytube,
} from '../test/support/fake-cytube/index.js';
import { findNode } from '../supervisors/describe-tree.js';
import { launchRosey, now, ratioLine, sequential, sleep, type RoseyUnderTest } from './harness.js';
import type { SuiteOptions } from './runtime.js';
import { latencyLine, summarize } from './stats.js';

const RESPONDER = fileURLToPath(new URL('./responder.js', import.meta.url));
const ACCOUNTS = { alice: 'alicepass', testbot: 'botpass123' };
const CHANNELS = { testchan: { ranks: { alice: 5, testbot: 1 } } };
const CHANNEL = 'testchan';
const BOT = 'testbot';
/** CyTube's default chat limit (every user): burst 20, then 10/s; 2 s of quiet refills the burst. */
const SERVER_LIMIT = { burst: 20, sustained: 10 };
const ANTIFLOOD = { burst: 4, sustained: 1, cooldown: 4 };
/** With CyTube's per-IP socket limits on: a connector that hammered a restarting server would be refused. */
const SERVER = {
  accounts: ACCOUNTS,
  channels: CHANNELS,
  connectRate: CYTUBE_CONNECT_RATE,
  ipConnectionLimit: CYTUBE_IP_CONNECTION_LIMIT,
};

interface Chat {
  username: string;
  msg: string;
}

interface ConnectorState {
  state: string;
  options: Record<string, unknown>;
  queued: number;
  counters: Record<string, number>;
}

async function connectorState(nc: NatsConnection): Promise<ConnectorState | undefined> {
  const result = await request(nc, subjects.platformState('cytube'), {}, { timeoutMs: 2000 });
  return result.ok ? (result.data as ConnectorState) : undefined;
}

/** Polls the connector's state until `where` holds. */
async function connectorUntil(
  nc: NatsConnection,
  what: string,
  where: (s: ConnectorState) => boolean,
  timeoutMs = 15_000,
): Promise<ConnectorState> {
  const end = now() + timeoutMs;
  for (;;) {
    const s = await connectorState(nc);
    if (s && where(s)) return s;
    if (now() > end) throw new Error(`cytube bench: timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}

/** Resolves with performance.now() when `predicate` first holds for a chatMsg alice receives. */
function chatWatcher(client: FakeClient) {
  const waiting: Array<{ match: (c: Chat) => boolean; resolve: (t: number) => void }> = [];
  client.socket.on('chatMsg', (c: Chat) => {
    const t = now();
    const i = waiting.findIndex((w) => w.match(c));
    if (i >= 0) waiting.splice(i, 1)[0]!.resolve(t);
  });
  return (match: (c: Chat) => boolean, what: string, timeoutMs = 5000): Promise<number> =>
    new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => {
        const at = waiting.findIndex((w) => w.resolve === done);
        if (at >= 0) waiting.splice(at, 1);
        reject(new Error(`cytube bench: no ${what} within ${timeoutMs} ms`));
      }, timeoutMs);
      const done = (t: number) => {
        clearTimeout(timer);
        resolve(t);
      };
      waiting.push({ match, resolve: done });
    });
}

/** Resolves with performance.now() when the normalised message with this text arrives on NATS. */
function busWatcher(nc: NatsConnection) {
  const waiting = new Map<string, (t: number) => void>();
  nc.subscribe(subjects.message, {
    callback: (_e, msg) => {
      const t = now();
      const decoded = decodeJson(msg.data);
      if (!decoded.ok) return;
      const m = decoded.data as { platform?: string; text?: string };
      const resolve = m.platform === 'cytube' && m.text !== undefined ? waiting.get(m.text) : undefined;
      if (!resolve) return;
      waiting.delete(m.text!);
      resolve(t);
    },
  });
  return (text: string, timeoutMs = 5000): Promise<number> =>
    new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => {
        waiting.delete(text);
        reject(new Error(`cytube bench: "${text}" never reached ${subjects.message} (${timeoutMs} ms)`));
      }, timeoutMs);
      waiting.set(text, (t) => {
        clearTimeout(timer);
        resolve(t);
      });
    });
}

/**
 * When the bot was in the channel, on this process's clock: CyTube had sent its socket both a
 * successful `login` and the `userlist` (the connector's two conditions), after log entry `from`.
 */
async function botInChannel(cytube: FakeCytube, from: number, timeoutMs = 30_000): Promise<number> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const entries = cytube.log.slice(from).filter((e) => e.dir === 'in');
    const login = entries.find(
      (e) =>
        e.event === 'login' &&
        (e.data as { success?: boolean; name?: string }).success === true &&
        (e.data as { name?: string }).name?.toLowerCase() === BOT,
    );
    const list = login && entries.find((e) => e.event === 'userlist' && e.socketId === login.socketId);
    if (login && list) return Math.max(login.t, list.t);
    if (Date.now() > end)
      throw new Error(`cytube bench: the bot was not in the channel within ${timeoutMs} ms`);
    await sleep(10);
  }
}

const load = () => {
  const [one, five] = loadavg();
  return `load average ${one!.toFixed(2)} (1 min), ${five!.toFixed(2)} (5 min) on ${cpus().length} cores`;
};

const row = (label: string, value: string) => console.log(`  ${label.padEnd(42)} ${value}`);
const rate = (n: number, ms: number) => (ms > 0 ? (1000 * n) / ms : NaN);

export async function cytubeSuite({ quick, nodeArgs }: SuiteOptions): Promise<void> {
  const inboundN = quick ? 60 : 250;
  const roundTripN = quick ? 50 : 200;
  const outboundN = quick ? 100 : 300;
  const antifloodN = quick ? 10 : 20;
  const warmupMs = quick ? 5000 : 10_000;
  console.log('== CyTube: the connector against a fake CyTube ==\n');

  const problems: string[] = [];
  const clients: FakeClient[] = [];
  let cytube: FakeCytube | undefined;
  let rosey: RoseyUnderTest | undefined;
  let responder: ReturnType<typeof fork> | undefined;
  let nextAddress = 10;
  const join = async (name: string, password?: string) => {
    const c = await fakeClient(cytube!.baseUrl, CHANNEL, {
      name,
      password,
      localAddress: `127.0.88.${nextAddress++}`,
    });
    clients.push(c);
    return c;
  };

  try {
    cytube = await startFakeCytube(SERVER);
    const alice = await join('alice', ACCOUNTS.alice);
    const spawnedAt = now();
    rosey = await launchRosey({
      dir: mkdtempSync(joinPath(tmpdir(), 'rosey-bench-')),
      config: [
        'log:',
        '  stderrLevel: error',
        'router:',
        '  defaultCooldownMs: 0',
        'platforms:',
        '  cytube:',
        `    server: ${cytube.baseUrl}`,
        `    channel: ${CHANNEL}`,
        `    username: ${BOT}`,
        `    password: ${ACCOUNTS.testbot}`,
      ],
      nodeArgs,
      ready: (tree) =>
        findNode(tree, 'dice@1')?.status === 'running' && findNode(tree, 'cytube')?.status === 'running',
    });
    const nc = rosey.nc;
    await connectorUntil(nc, 'the connector to be ready', (s) => s.state === 'ready');
    const joinedMs = now() - spawnedAt;
    const sayToAlice = chatWatcher(alice);
    const onBus = busWatcher(nc);
    await nc.flush();
    responder = fork(RESPONDER, [rosey.natsUrl, rosey.user ?? '', rosey.pass ?? '', 'bench.raw'], {
      stdio: 'inherit',
    });
    await new Promise((r) => responder!.once('message', r));
    const raw = () => nc.request('bench.raw', encodeJson({ ping: true }), { timeout: 2000 });

    // Warm-up: Rosey's hot paths (connector in and out, router, dice) need ~10 s of JIT on 2 cores.
    // alice and two guests chat at ~9 lines/s each (under their own flood limit), every fourth of
    // alice's lines a !roll, and the bot is asked to say a line 4 times a second.
    const warmers = [alice, await join('warmer1'), await join('warmer2')];
    const warmEnd = now() + warmupMs;
    let w = 0;
    while (now() < warmEnd) {
      for (const [i, c] of warmers.entries())
        c.say(i === 0 && w % 4 === 0 ? '!roll 1d6' : `warm-up ${i} ${w}`);
      if (w % 2 === 0)
        nc.publish(subjects.sendChat('cytube'), encodeJson({ channel: CHANNEL, text: `warm-up out ${w}` }));
      w++;
      await sleep(115);
    }
    for (const c of warmers.slice(1)) await c.close();
    await connectorUntil(nc, 'the warm-up lines to be sent', (s) => s.queued === 0);
    await sleep(2500); // quiet: every flood limiter back to a full burst
    console.log(
      `Warm-up: ${(warmupMs / 1000).toFixed(0)} s of chat (${w * 3} lines in, ${Math.ceil(w / 4)} of them !roll, ${Math.ceil(w / 2)} out)\n`,
    );

    // 1. Inbound.
    console.log(`Inbound, one line at a time (${inboundN} lines, 120 ms apart)`);
    const base = await sequential('  bare NATS request/reply (baseline)', quick ? 500 : 2000, raw);
    const echo: number[] = [];
    const inbound: number[] = [];
    for (let i = 0; i < inboundN; i++) {
      const text = `bench in ${i}`;
      const echoed = sayToAlice((c) => c.username === 'alice' && c.msg === text, `echo of "${text}"`);
      const published = onBus(text);
      const t = now();
      alice.say(text);
      const [e, p] = await Promise.all([echoed, published]);
      echo.push(e - t);
      inbound.push(p - t);
      await sleep(t + 120 - now());
    }
    const echoS = summarize(echo);
    const inboundS = summarize(inbound);
    console.log(latencyLine('  alice → her own echo (socket.io hop alone)', echoS));
    console.log(latencyLine('  alice → rosey.events.message on NATS', inboundS));
    console.log(ratioLine(inboundS, echoS, 'ratio to the echo'));
    console.log(ratioLine(inboundS, base, 'ratio to bare NATS'));
    console.log(
      `  over the echo: p50 +${(inboundS.p50 - echoS.p50).toFixed(3)} ms (connector, NATS publish, delivery here)\n`,
    );

    // 2. Outbound alone, then the round trip.
    console.log(`Outbound, one line at a time (${roundTripN}, 150 ms apart)`);
    const one: number[] = [];
    for (let i = 0; i < roundTripN; i++) {
      const text = `bench one ${i}`;
      const received = sayToAlice((c) => c.username === BOT && c.msg === text, `"${text}"`);
      const t = now();
      nc.publish(subjects.sendChat('cytube'), encodeJson({ channel: CHANNEL, text }));
      one.push((await received) - t);
      await sleep(t + 150 - now());
    }
    const oneS = summarize(one);
    console.log(latencyLine('  send.chat on NATS → alice', oneS));
    console.log(ratioLine(oneS, echoS, 'ratio to the echo'));
    console.log('');

    console.log(
      `Round trip, one command at a time (${roundTripN}, ≥ 150 ms apart: the bot's flood limiter never engages)`,
    );
    const before = (await connectorState(nc))!.counters;
    const trips: number[] = [];
    for (let i = 0; i < roundTripN; i++) {
      const replied = sayToAlice(
        (c) => c.username === BOT && /^alice rolled 1d6: \d = \d$/.test(c.msg),
        'reply to !roll 1d6',
        10_000,
      );
      const t = now();
      alice.say('!roll 1d6');
      trips.push((await replied) - t);
      await sleep(t + 150 - now());
    }
    const tripS = summarize(trips);
    console.log(latencyLine('  alice !roll 1d6 → the bot’s reply to alice', tripS));
    console.log(ratioLine(tripS, echoS, 'ratio to the echo'));
    console.log(
      `  inbound + outbound alone: p50 ${(inboundS.p50 + oneS.p50).toFixed(3)} ms (each with a NATS hop to or from here)`,
    );
    const after = (await connectorState(nc))!.counters;
    const deferred = (after.deferred ?? 0) - (before.deferred ?? 0);
    row('replies that waited for the flood limiter', `${deferred}`);
    console.log('');
    if (deferred !== 0) problems.push(`${deferred} round-trip replies waited for the flood limiter`);

    // 3. Outbound throughput at the server's default limit, then under the channel's antiflood.
    const outbound = async (n: number, tag: string, burst: number, limit: number) => {
      await sleep(2500); // a fresh burst
      const logFrom = cytube!.log.length;
      const c0 = (await connectorState(nc))!.counters;
      const times: number[] = [];
      const order: number[] = [];
      const prefix = `bench ${tag} `;
      let allIn: () => void = () => undefined;
      const listener = (c: Chat) => {
        if (c.username !== BOT || !c.msg.startsWith(prefix)) return;
        times.push(now());
        order.push(Number(c.msg.slice(prefix.length)));
        if (times.length >= n) allIn();
      };
      alice.socket.on('chatMsg', listener);
      const t0 = now();
      for (let i = 0; i < n; i++)
        nc.publish(subjects.sendChat('cytube'), encodeJson({ channel: CHANNEL, text: `${prefix}${i}` }));
      await nc.flush();
      // Expected: (n - burst) / limit seconds; give up well after that.
      const giveUpMs = 1000 * ((n - burst) / limit) * 1.3 + 10_000;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, giveUpMs);
        allIn = () => {
          clearTimeout(timer);
          resolve();
        };
        if (times.length >= n) allIn();
      });
      await sleep(300); // anything late, and the last cooldowns
      alice.socket.off('chatMsg', listener);
      const cooldowns = cytube!.log
        .slice(logFrom)
        .filter((e) => e.dir === 'in' && e.event === 'cooldown' && e.user?.toLowerCase() === BOT).length;
      const c1 = (await connectorState(nc))!.counters;
      const d = (k: string) => (c1[k] ?? 0) - (c0[k] ?? 0);
      const inOrder = order.every((v, i) => v === i);
      const firstBurst = times[burst - 1];
      const last = times[n - 1];
      const sustained =
        firstBurst !== undefined && last !== undefined ? rate(n - burst, last - firstBurst) : NaN;
      row(
        `the burst: first ${burst} received after`,
        `${firstBurst !== undefined ? (firstBurst - t0).toFixed(0) : '—'} ms`,
      );
      row(
        `sustained, lines ${burst + 1}..${n}`,
        `${sustained.toFixed(2)} msg/s = ${((100 * sustained) / limit).toFixed(1)}% of ${limit} msg/s`,
      );
      row(`all ${n} received after`, `${last !== undefined ? ((last - t0) / 1000).toFixed(2) : '—'} s`);
      row('lines alice received', `${times.length} of ${n}${inOrder ? ', in order' : ', OUT OF ORDER'}`);
      row('cooldowns the server sent the bot', `${cooldowns}`);
      row(
        'connector counters',
        `sent ${d('sent')}, deferred ${d('deferred')}, serverDrops ${d('serverDrops')}, resent ${d('resent')}, dropped ${d('dropped')}`,
      );
      if (times.length !== n) problems.push(`${tag}: alice received ${times.length} of ${n} lines`);
      if (!inOrder) problems.push(`${tag}: lines arrived out of order`);
      if (cooldowns !== 0) problems.push(`${tag}: the server sent the bot ${cooldowns} cooldowns`);
    };

    console.log(
      `Outbound, ${outboundN} send.chat lines published at once (server default: burst 20, then 10 msg/s)`,
    );
    await outbound(outboundN, 'out', SERVER_LIMIT.burst, SERVER_LIMIT.sustained);
    console.log('');

    cytube.channel(CHANNEL).setOptions({ chat_antiflood: true, chat_antiflood_params: ANTIFLOOD });
    await connectorUntil(nc, 'the connector to see chat_antiflood', (s) => s.options.chat_antiflood === true);
    console.log(
      `Outbound under the channel's antiflood (burst ${ANTIFLOOD.burst}, then ${ANTIFLOOD.sustained} msg/s), ${antifloodN} lines at once`,
    );
    await outbound(antifloodN, 'antiflood', ANTIFLOOD.burst, ANTIFLOOD.sustained);
    console.log('');

    // 4. Recovery after a server restart (issue 21: ready 9.6 s after the server's HTTP came back).
    const outages = quick ? 3 : 6;
    const downMs = quick ? 4000 : 9000;
    console.log(
      `Recovery: the CyTube server down ${downMs / 1000} s, then back (${outages} times; target: in the channel within 2 s of it answering)`,
    );
    for (const c of clients.splice(0)) await c.close();
    const recovery: number[] = [];
    for (let i = 0; i < outages; i++) {
      await cytube.stop();
      await sleep(downMs);
      const from = cytube.log.length;
      await cytube.restart();
      const answering = Date.now();
      recovery.push((await botInChannel(cytube, from)) - answering);
      await connectorUntil(nc, 'the connector to be ready again', (s) => s.state === 'ready');
    }
    const recoveryS = summarize(recovery);
    console.log(latencyLine('  server answering again → bot in the channel', recoveryS));
    row('machine', load());
    console.log('');
    if (recoveryS.p50 > 2000) problems.push(`recovery p50 ${recoveryS.p50.toFixed(0)} ms > 2 s`);

    console.log('Footprint');
    row('spawn → every child of the tree running', `${rosey.startupMs.toFixed(0)} ms`);
    row('spawn → connector logged in and joined', `${joinedMs.toFixed(0)} ms`);
    console.log('');
  } finally {
    responder?.kill();
    for (const c of clients.splice(0)) await c.close().catch(() => undefined);
    await rosey?.stop();
    await cytube?.stop();
  }
  // 5. `rosey start` → in the channel, a fresh Rosey (and a fresh fake) each time.
  const starts = quick ? 2 : 5;
  console.log(
    `Startup: rosey start → the bot in the channel (${starts} fresh starts; target: 3 s on a quiet machine)`,
  );
  const startup: number[] = [];
  for (let i = 0; i < starts; i++) {
    const fake = await startFakeCytube(SERVER);
    let started: RoseyUnderTest | undefined;
    try {
      const spawned = Date.now();
      const inChannel = botInChannel(fake, 0, 60_000);
      started = await launchRosey({
        dir: mkdtempSync(joinPath(tmpdir(), 'rosey-bench-start-')),
        config: [
          'log:',
          '  stderrLevel: error',
          'platforms:',
          '  cytube:',
          `    server: ${fake.baseUrl}`,
          `    channel: ${CHANNEL}`,
          `    username: ${BOT}`,
          `    password: ${ACCOUNTS.testbot}`,
        ],
        nodeArgs,
        ready: (tree) => findNode(tree, 'cytube')?.status === 'running',
      });
      startup.push((await inChannel) - spawned);
    } finally {
      await started?.stop();
      await fake.stop();
    }
  }
  const startupS = summarize(startup);
  console.log(latencyLine('  rosey start → bot in the channel', startupS));
  row('machine', load());
  console.log('');

  if (problems.length > 0) {
    console.error(`cytube: BROKEN — ${problems.join('; ')}`);
    process.exitCode = 1;
  }
}
