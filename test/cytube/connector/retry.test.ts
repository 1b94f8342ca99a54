/**
 * Issue 21: when the connector tries again. A site that does not answer is probed about once a
 * second (the bot was back 9.6 s after a restarted server answered, its backoff grown to 8.9 s);
 * socket failures keep their exponential backoff (CyTube limits socket connects per IP); a
 * temporary refusal waits as long as the server needs.
 */
import { expect } from 'chai';
import { statusReason } from '../../../actors/cytube/cytube.machine.js';
import { initialContext } from '../../../actors/cytube/context.js';
import {
  clause,
  clockTime,
  decideRetry,
  DOWN_PROBE_MAX_MS,
  RATE_LIMIT_WAIT_MS,
  refusedForNow,
  serverWentAway,
  type RetryCounts,
} from '../../../actors/cytube/retry.js';
import { BusLink } from '../../../actors/bus/bus-link.js';
import { quietLogger } from '../../../contract/log.js';

const reconnect = { minMs: 200, maxMs: 60_000, randomFactor: 0.3 };
const none = () => 0;
const most = () => 1;

/** The waits of `n` failures in a row of one kind, from `counts`. */
function waits(kind: 'unreachable' | 'session', n: number, counts: RetryCounts = { attempts: 0, probes: 0 }) {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const d = decideRetry({ kind }, counts, reconnect, false, none);
    out.push(d.delayMs);
    counts = d;
  }
  return { out, counts };
}

describe('cytube: when to try again (issue 21)', () => {
  it('a site that does not answer is probed about once a second, however long it is down', () => {
    expect(waits('unreachable', 8).out).to.deep.equal([200, 400, 800, 1000, 1000, 1000, 1000, 1000]);
    const jittered = decideRetry(
      { kind: 'unreachable' },
      { attempts: 0, probes: 20 },
      reconnect,
      false,
      most,
    );
    expect(jittered.delayMs).to.equal(DOWN_PROBE_MAX_MS * 1.3);
  });

  it('probes never go below a configured minimum, nor above a configured maximum', () => {
    const slow = { minMs: 5000, maxMs: 60_000, randomFactor: 0 };
    expect(decideRetry({ kind: 'unreachable' }, { attempts: 0, probes: 3 }, slow, false).delayMs).to.equal(
      5000,
    );
    const tight = { minMs: 100, maxMs: 300, randomFactor: 0 };
    expect(decideRetry({ kind: 'unreachable' }, { attempts: 0, probes: 9 }, tight, false).delayMs).to.equal(
      300,
    );
  });

  it('probes leave the session count alone; a session failure starts the probes over', () => {
    const probed = decideRetry({ kind: 'unreachable' }, { attempts: 3, probes: 2 }, reconnect, false, none);
    expect([probed.attempts, probed.probes]).to.deep.equal([3, 3]);
    const failed = decideRetry({ kind: 'session' }, { attempts: 3, probes: 2 }, reconnect, false, none);
    expect([failed.attempts, failed.probes, failed.delayMs]).to.deep.equal([4, 0, 1600]);
  });

  it('failed sessions back off exponentially (socket connects are rate-limited per IP); a stable one starts over', () => {
    expect(waits('session', 5).out).to.deep.equal([200, 400, 800, 1600, 3200]);
    const after = decideRetry({ kind: 'session' }, { attempts: 5, probes: 0 }, reconnect, true, none);
    expect([after.attempts, after.delayMs]).to.deep.equal([1, 200]);
  });

  it('a temporary refusal waits at least what the server needs, more if the backoff is longer', () => {
    const cause = { kind: 'refused-for-now', atLeastMs: RATE_LIMIT_WAIT_MS } as const;
    expect(decideRetry(cause, { attempts: 0, probes: 0 }, reconnect, false, none).delayMs).to.equal(10_000);
    expect(decideRetry(cause, { attempts: 7, probes: 0 }, reconnect, false, none).delayMs).to.equal(25_600);
  });

  it("knows CyTube's connection rate limit from the socket's reason; nothing else", () => {
    expect(refusedForNow('cannot connect to http://x: Rate limit exceeded')).to.deep.equal({
      kind: 'refused-for-now',
      atLeastMs: RATE_LIMIT_WAIT_MS,
    });
    expect(refusedForNow('transport close')).to.equal(undefined);
  });

  it('a dropped connection is the server going away; the server closing it is not', () => {
    expect(['transport close', 'transport error', 'ping timeout'].map(serverWentAway)).to.deep.equal([
      true,
      true,
      true,
    ]);
    expect(serverWentAway('io server disconnect')).to.equal(false);
  });

  it('words: a server sentence inside ours loses its full stop; times are UTC clock times', () => {
    expect(clause('That name is already in use on this channel.')).to.equal(
      'That name is already in use on this channel',
    );
    expect(clause(" You're banned! ")).to.equal("You're banned");
    expect(clause('no stop')).to.equal('no stop');
    expect(clockTime(Date.UTC(2026, 0, 2, 3, 4, 5, 678))).to.equal('03:04:05Z');
  });
});

describe('cytube: why the connector is not in the channel, and until when (issue 21)', () => {
  const base = initialContext({
    link: new BusLink(),
    logger: quietLogger,
    server: 'https://cytube.test',
    channel: 'lobby',
    username: 'RoseyBot',
    maxMessageLength: 320,
    maxReplyParts: 4,
    reconnect,
  });
  const at = Date.UTC(2026, 0, 2, 3, 4, 5);

  it('halted: the halt; ready: nothing', () => {
    expect(statusReason({ ...base, phase: 'halted', halt: 'kicked', lastError: 'x' })).to.equal('kicked');
    expect(statusReason({ ...base, phase: 'ready', lastError: 'old' })).to.equal(undefined);
  });

  it('backing off: what happened and when it tries again', () => {
    expect(
      statusReason({
        ...base,
        phase: 'backing-off',
        lastError: 'disconnected: transport close',
        retryAt: at,
      }),
    ).to.equal('disconnected: transport close; trying again at 03:04:05Z');
    expect(statusReason({ ...base, phase: 'backing-off', retryAt: at })).to.equal(
      'connection lost; trying again at 03:04:05Z',
    );
  });

  it('joining while waiting to log in again: why and until when', () => {
    const waiting = { reason: 'That name is already in use on this channel.', until: at };
    expect(statusReason({ ...base, phase: 'joining', loginWait: waiting })).to.equal(
      'That name is already in use on this channel; logging in again at 03:04:05Z',
    );
    // Otherwise what went wrong last, if anything.
    expect(statusReason({ ...base, phase: 'joining', lastError: 'earlier' })).to.equal('earlier');
    expect(statusReason({ ...base, phase: 'connecting', loginWait: waiting })).to.equal(undefined);
  });
});
