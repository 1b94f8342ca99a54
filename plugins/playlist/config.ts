/** The plugin's settings (`plugins.settings.playlist.config`), checked once at start. */
export interface PlaylistConfig {
  /** Items a user may have waiting in the playlist at once (queued through `!add`). */
  quota: number;
  /** Users of this rank or above have no quota (moderators, by default). */
  quotaExemptRank: number;
  /** Share of the users present (not AFK, the bot aside) whose `!skip` skips the item. */
  skipRatio: number;
  /** … and never fewer votes than this. */
  skipMinVotes: number;
  /** Queue items as temporary (removed once played), as CyTube does for most users. */
  temp: boolean;
  /** Played items `!history` keeps per channel, at most. */
  historySize: number;
  /** Per-user cooldown of `!add`. */
  addCooldownMs: number;
}

export const DEFAULTS: PlaylistConfig = {
  quota: 3,
  quotaExemptRank: 2,
  skipRatio: 0.5,
  skipMinVotes: 2,
  temp: true,
  historySize: 100,
  addCooldownMs: 3000,
};

const whole = (v: unknown, min: number, max: number) =>
  typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;

/** Reads `ctx.config`; throws one line for the operator naming the bad key. */
export function readConfig(config: Record<string, unknown>): PlaylistConfig {
  const known = new Set(Object.keys(DEFAULTS));
  for (const key of Object.keys(config))
    if (!known.has(key))
      throw new Error(`playlist: unknown setting '${key}' (known: ${[...known].join(', ')})`);
  const c = { ...DEFAULTS, ...config } as Record<keyof PlaylistConfig, unknown>;
  if (!whole(c.quota, 1, 100)) throw new Error('playlist: quota must be a whole number from 1 to 100');
  if (!whole(c.quotaExemptRank, 0, 10))
    throw new Error('playlist: quotaExemptRank must be a whole number from 0 to 10');
  if (typeof c.skipRatio !== 'number' || !(c.skipRatio > 0 && c.skipRatio <= 1))
    throw new Error('playlist: skipRatio must be a number above 0 and at most 1');
  if (!whole(c.skipMinVotes, 1, 1000))
    throw new Error('playlist: skipMinVotes must be a whole number from 1 to 1000');
  if (typeof c.temp !== 'boolean') throw new Error('playlist: temp must be true or false');
  if (!whole(c.historySize, 1, 10_000))
    throw new Error('playlist: historySize must be a whole number from 1 to 10000');
  if (!whole(c.addCooldownMs, 0, 3_600_000))
    throw new Error('playlist: addCooldownMs must be a whole number of ms from 0 to 3600000');
  return c as PlaylistConfig;
}
