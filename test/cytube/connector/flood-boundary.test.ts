/**
 * Issue 21, item 3: against a real CyTube, in 2 of 4 bursts of 30 replies (two users flooding) the
 * server dropped the bot's 21st line. CyTube times a line when it handles it; a burst queues at the
 * server, so the burst's last line is handled late and a 21st line sent the sustained interval after
 * *sending* the 20th reached the server too soon after it.
 *
 * Deterministic: a simulated clock drives the connector's own pacing (outbox.ts: takeDue and
 * acknowledge, the functions the machine calls with its `now`) against the fake server's limiter
 * (the protocol doc's burst 20, then 10/s), with a server that handles one message at a time.
 * Nothing here reads a wall clock: it counts what the server's limiter let through.
 */
import { expect } from 'chai';
import { DEFAULT_CHAT_FLOOD, USER_QUEUE_FLOOD } from '../../../actors/cytube/flood-limiter.js';
import {
  acknowledge,
  emptyOutbox,
  takeDue,
  type Limits,
  type Outbox,
} from '../../../actors/cytube/outbox.js';
import {
  DEFAULT_CHAT_FLOOD as SERVER_LIMIT,
  floodStep,
  initialFloodState,
  type FloodState,
} from '../../support/fake-cytube/flood-limiter.js';

interface Scenario {
  /** Server time to handle one message (and broadcast it). */
  costMs: number;
  /** One-way latency bot ↔ server. */
  latencyMs: number;
  /** Users flooding commands back to back, each asking for one reply per command. */
  users: number;
  commandsEach: number;
  /** Lines Rosey handed the connector all at once at the start (send.chat published in a loop). */
  preloaded?: number;
  /** How long the bot's n-th line takes to reach the server, when it varies (a loaded network or bot). */
  forwardMs?: (n: number) => number;
}

interface Outcome {
  delivered: number;
  dropped: number;
  /** Bot lines the server handled, with when: to check the limiter's boundary. */
  handled: number[];
}

type Msg = { from: 'user'; id: number } | { from: 'bot'; text: string };

const limits: Limits = { chat: [DEFAULT_CHAT_FLOOD], queue: USER_QUEUE_FLOOD };

/** Runs one flood, 1 ms per step, until every reply was delivered or given up. */
function simulate(s: Scenario): Outcome {
  const serverQueue: Array<{ at: number; msg: Msg }> = [];
  const toBot: Array<{ at: number; what: 'command' | 'echo' | 'cooldown'; text: string }> = [];
  let busyUntil = 0;
  let limiter: FloodState = initialFloodState();
  let outbox: Outbox = emptyOutbox();
  let seq = 0;
  let sent = 0;
  let lastArrival = 0;
  const out: Outcome = { delivered: 0, dropped: 0, handled: [] };
  const total = s.users * s.commandsEach + (s.preloaded ?? 0);
  for (let i = 0; i < (s.preloaded ?? 0); i++) toBot.push({ at: 0, what: 'command', text: `line ${i}` });
  for (let u = 0; u < s.users; u++)
    for (let i = 0; i < s.commandsEach; i++)
      serverQueue.push({ at: 0, msg: { from: 'user', id: u * 100 + i } });
  for (let t = 0; t < 60_000 && out.delivered + out.dropped < total * 3; t++) {
    // The server handles what has arrived, one message at a time, in arrival order.
    if (busyUntil <= t) {
      const i = serverQueue.findIndex((m) => m.at <= t);
      if (i >= 0) {
        const { msg } = serverQueue.splice(i, 1)[0]!;
        busyUntil = t + s.costMs;
        if (msg.from === 'user')
          toBot.push({ at: t + s.latencyMs, what: 'command', text: `reply ${msg.id}` });
        else {
          const r = floodStep(SERVER_LIMIT, limiter, t);
          limiter = r.state;
          if (r.allowed) out.handled.push(t);
          toBot.push({ at: t + s.latencyMs, what: r.allowed ? 'echo' : 'cooldown', text: msg.text });
        }
      }
    }
    // The bot takes in what reached it, then sends what its pacing allows now.
    for (let i = 0; i < toBot.length;) {
      const e = toBot[i]!;
      if (e.at > t) {
        i++;
        continue;
      }
      toBot.splice(i, 1);
      if (e.what === 'command') {
        seq++;
        outbox = {
          ...outbox,
          queue: [
            ...outbox.queue,
            {
              seq,
              kind: 'chat',
              event: 'chatMsg',
              payload: { msg: e.text },
              enqueuedAt: t,
              attempts: 0,
              label: e.text,
              text: e.text,
            },
          ],
        };
      } else if (e.what === 'echo') {
        out.delivered++;
        outbox = acknowledge(outbox, { kind: 'echo', text: e.text, pm: false }, limits, t).outbox;
      } else {
        out.dropped++;
        outbox = acknowledge(outbox, { kind: 'cooldown', ms: 100 }, limits, t).outbox;
      }
    }
    const taken = takeDue(outbox, limits, t);
    outbox = taken.outbox;
    for (const item of taken.due)
      serverQueue.push({
        // One connection keeps its order: a line never overtakes the one before it.
        at: (lastArrival = Math.max(lastArrival, t + (s.forwardMs?.(sent++) ?? s.latencyMs))),
        msg: { from: 'bot', text: item.text! },
      });
    if (out.delivered === total) break;
  }
  return out;
}

describe('cytube: pacing at the burst → sustained boundary (issue 21)', () => {
  const scenarios: Scenario[] = [];
  for (const costMs of [1, 2, 4, 8])
    for (const latencyMs of [1, 5, 20, 60]) scenarios.push({ costMs, latencyMs, users: 2, commandsEach: 15 });

  for (const s of scenarios)
    it(`a flood of ${s.users}×${s.commandsEach} commands: every reply delivered, none dropped (server ${s.costMs} ms per message, latency ${s.latencyMs} ms)`, () => {
      const r = simulate(s);
      expect(r.dropped, 'lines the server dropped').to.equal(0);
      expect(r.delivered).to.equal(s.users * s.commandsEach);
      // The 21st line and every later one came at least the sustained interval after the one before.
      const gaps = r.handled
        .slice(SERVER_LIMIT.burst)
        .map((t, i) => t - r.handled[SERVER_LIMIT.burst - 1 + i]!);
      expect(Math.min(...gaps)).to.be.at.least(1000 / SERVER_LIMIT.sustained);
    });

  // The bot has a long reply at once while the server is slow: the burst's last line is handled
  // after the sustained interval has passed on the bot's clock, so only waiting for its echo helps.
  for (const costMs of [8, 12])
    for (const latencyMs of [1, 20, 60])
      it(`40 lines at once, server ${costMs} ms per message, latency ${latencyMs} ms: none dropped`, () => {
        const r = simulate({ costMs, latencyMs, users: 0, commandsEach: 0, preloaded: 40 });
        expect(r.dropped, 'lines the server dropped').to.equal(0);
        expect(r.delivered).to.equal(40);
      });

  // A line whose echo takes longer than the interval (it was slow to reach the server) and a next
  // line that is quick: counted from the sending, the next line would go at the echo, a few ms
  // after the server handled the slow one.
  it('40 lines at once, every other line 120 ms late to the server: none dropped', () => {
    const r = simulate({
      costMs: 1,
      latencyMs: 5,
      users: 0,
      commandsEach: 0,
      preloaded: 40,
      forwardMs: (n) => (n % 2 === 0 ? 120 : 5),
    });
    expect(r.dropped, 'lines the server dropped').to.equal(0);
    expect(r.delivered).to.equal(40);
  });

  it('still uses the burst: the first 20 replies go out as their commands arrive', () => {
    const r = simulate({ costMs: 1, latencyMs: 1, users: 2, commandsEach: 15 });
    // The 20 burst lines are handled while the commands are still being answered (no pacing gap).
    const burst = r.handled.slice(0, SERVER_LIMIT.burst);
    expect(burst.at(-1)! - burst[0]!).to.be.below(1000 / SERVER_LIMIT.sustained);
  });
});
