import { backoffDelay, type BackoffOptions } from '../../supervisors/backoff.js';

/**
 * When the connector tries again, and why. Two kinds of failure are kept apart (issue 21):
 *
 * - the site does not answer `socketconfig` (down, restarting, a 5xx): an HTTP request that is
 *   cheap for a server that is down, probed about once a second, so the bot is back within about
 *   a second of the site answering again instead of after a backoff grown during the outage;
 * - a socket.io session that failed (could not connect, dropped, joined only partly): socket
 *   connects are what CyTube rate-limits per IP (5 quick ones, then 1 per 10 s), so these back off
 *   exponentially from `reconnect.minMs`, and only a stable session starts them over.
 *
 * A temporary refusal (CyTube's connection rate limit, its per-IP connection limit) waits at
 * least as long as the server needs to let the bot in again.
 */
export type RetryCause =
  | { kind: 'unreachable' }
  /** `serverGone`: the server went away under a session that was in the channel (a restart). */
  | { kind: 'session'; serverGone?: boolean }
  | { kind: 'refused-for-now'; atLeastMs: number };

/** The longest wait between two probes of a site that does not answer. */
export const DOWN_PROBE_MAX_MS = 1000;
/** CyTube lets one more socket connect per 10 s once an IP used its 5 quick ones. */
export const RATE_LIMIT_WAIT_MS = 10_000;
/** The per-IP connection limit frees as other connections close: not at once, and not for long. */
export const TOO_MANY_CONNECTIONS_WAIT_MS = 10_000;

export interface RetryCounts {
  /** Session failures since the last stable session. */
  attempts: number;
  /** Failed `socketconfig` probes in a row. */
  probes: number;
}

export interface RetryDecision extends RetryCounts {
  delayMs: number;
}

/** The next wait, and the counts after this failure. */
export function decideRetry(
  cause: RetryCause,
  counts: RetryCounts,
  reconnect: BackoffOptions,
  stable: boolean,
  random: () => number = Math.random,
): RetryDecision {
  if (cause.kind === 'unreachable') {
    const probes = counts.probes + 1;
    const maxMs = Math.min(reconnect.maxMs, Math.max(reconnect.minMs, DOWN_PROBE_MAX_MS));
    return {
      attempts: counts.attempts,
      probes,
      delayMs: backoffDelay(probes - 1, { ...reconnect, maxMs }, random),
    };
  }
  const attempts = (stable ? 0 : counts.attempts) + 1;
  const delayMs = backoffDelay(attempts - 1, reconnect, random);
  return {
    attempts,
    probes: 0,
    delayMs: cause.kind === 'refused-for-now' ? Math.max(delayMs, cause.atLeastMs) : delayMs,
  };
}

/**
 * The connection dropped under the bot (the server stopped or the network failed), as opposed to
 * the server closing it: a restart, not a reason to wait longer next time.
 */
export const serverWentAway = (reason: string) => /transport (close|error)|ping timeout/i.test(reason);

/** What a `socket.closed` reason says about trying again, when it is a temporary refusal. */
export function refusedForNow(reason: string): RetryCause | undefined {
  if (/rate limit exceeded/i.test(reason)) return { kind: 'refused-for-now', atLeastMs: RATE_LIMIT_WAIT_MS };
  return undefined;
}

/** A `kick` that is not about the bot: CyTube's per-IP connection limit (sent before disconnecting). */
export const isTemporaryKick = (reason: string) => /too many connections/i.test(reason);

/** A clock time for status lines: `12:00:21Z`. */
export const clockTime = (ms: number) => `${new Date(ms).toISOString().slice(11, 19)}Z`;

/** A server message as the start of a longer sentence: "…on this channel." → "…on this channel". */
export const clause = (text: string) => text.trim().replace(/[.!]+$/, '');
