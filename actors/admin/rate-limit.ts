/** Admin lines per user: at most `count` in any `windowMs` (config `admin.rateLimit`). */
export interface RateLimit {
  count: number;
  windowMs: number;
}

interface UserRate {
  /** When their recent lines came (within the window). */
  times: number[];
  /** Told they are refused, in this flood: the rest of it is dropped without a word. */
  told: boolean;
}

export type Rates = Readonly<Record<string, UserRate>>;

/** `ok`: go on; `refuse`: the first line over the limit (answered and audited); `drop`: the rest. */
export type RateVerdict = 'ok' | 'refuse' | 'drop';

export function checkRate(
  rates: Rates,
  key: string,
  now: number,
  limit: RateLimit,
): { verdict: RateVerdict; rates: Rates } {
  const kept: Record<string, UserRate> = {};
  // Everyone's old entries go: the table holds only users seen within the window.
  for (const [k, r] of Object.entries(rates)) {
    const times = r.times.filter((t) => now - t < limit.windowMs);
    if (times.length > 0) kept[k] = { times, told: r.told };
  }
  const mine = Object.hasOwn(kept, key) ? kept[key]! : { times: [], told: false };
  if (mine.times.length >= limit.count) {
    // A refused line counts too, so a flood that goes on stays refused until it stops for a window.
    const times = [...mine.times.slice(1), now];
    return { verdict: mine.told ? 'drop' : 'refuse', rates: { ...kept, [key]: { times, told: true } } };
  }
  return { verdict: 'ok', rates: { ...kept, [key]: { times: [...mine.times, now], told: false } } };
}
