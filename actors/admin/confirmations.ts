import type { DestructiveVerb } from '../../contract/messages/admin.js';

/** A destructive `!admin` command waiting for `!admin confirm <code>`. */
export interface PendingConfirmation {
  /** Whose it is (speakerKey): only they may confirm it. */
  owner: string;
  verb: DestructiveVerb;
  plugin: string;
  expiresAt: number;
  /** Confirmed already: kept until it would have expired, so a second use is told so. */
  used: boolean;
}

export type Confirmations = Readonly<Record<string, PendingConfirmation>>;

export type Redeemed =
  | { ok: true; pending: PendingConfirmation; state: Confirmations }
  | { ok: false; reason: string; state: Confirmations };

/** Codes past their time are forgotten (a used one too: the time it is remembered is bounded). */
export function prune(state: Confirmations, now: number): Confirmations {
  return Object.fromEntries(Object.entries(state).filter(([, p]) => p.expiresAt > now));
}

export function issue(
  state: Confirmations,
  code: string,
  pending: Omit<PendingConfirmation, 'used'>,
  now: number,
): Confirmations {
  return { ...prune(state, now), [code]: { ...pending, used: false } };
}

/**
 * `!admin confirm <code>` by `owner`: once, in time, by the one who asked. Another user's attempt
 * leaves the code to its owner; a stale code is "unknown" (it is forgotten once it expires).
 */
export function redeem(state: Confirmations, code: string, owner: string, now: number): Redeemed {
  const live = prune(state, now);
  const pending = Object.hasOwn(live, code) ? live[code] : undefined;
  if (!pending) return { ok: false, reason: 'unknown or expired code', state: live };
  if (pending.owner !== owner) return { ok: false, reason: "another user's code", state: live };
  if (pending.used) return { ok: false, reason: 'code already used', state: live };
  return { ok: true, pending, state: { ...live, [code]: { ...pending, used: true } } };
}
