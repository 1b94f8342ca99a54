/** `plugins.settings.quote-db.config`, checked at start; a bad value fails the start, naming the key. */
import { DEFAULT_MAX_LENGTH } from './format.js';

/** Adds per clock hour; null means no limit. */
export interface RateLimits {
  user: number | null;
  moderator: number | null;
  admin: number | null;
}

export interface QuoteConfig {
  rateLimits: RateLimits;
  /** Lowest rank that may add, vote and tag (0 guests, 1 registered). Reading is open to all. */
  writeRank: number;
  maxReplyLength: number;
  countCacheSeconds: number;
}

export const DEFAULTS: QuoteConfig = {
  rateLimits: { user: 10, moderator: 50, admin: null },
  writeRank: 1,
  maxReplyLength: DEFAULT_MAX_LENGTH,
  countCacheSeconds: 60,
};

function wholeNumber(value: unknown, key: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max)
    throw new Error(
      `quote-db: config ${key} must be a whole number from ${min} to ${max}, not ${JSON.stringify(value)}`,
    );
  return value;
}

function unknownKeys(value: Record<string, unknown>, known: string[], where: string): void {
  const extra = Object.keys(value).find((k) => !known.includes(k));
  if (extra !== undefined)
    throw new Error(`quote-db: unknown config key '${where}${extra}' (known: ${known.join(', ')})`);
}

export function parseConfig(config: Record<string, unknown>): QuoteConfig {
  unknownKeys(config, Object.keys(DEFAULTS), '');
  const limits = config.rateLimits ?? {};
  if (typeof limits !== 'object' || limits === null || Array.isArray(limits))
    throw new Error('quote-db: config rateLimits must be a mapping of user, moderator and admin');
  const given = limits as Record<string, unknown>;
  unknownKeys(given, ['user', 'moderator', 'admin'], 'rateLimits.');
  const limit = (role: keyof RateLimits) => {
    const value = role in given ? given[role] : DEFAULTS.rateLimits[role];
    return value === null ? null : wholeNumber(value, `rateLimits.${role}`, 0, 100_000);
  };
  return {
    rateLimits: { user: limit('user'), moderator: limit('moderator'), admin: limit('admin') },
    writeRank: wholeNumber(config.writeRank ?? DEFAULTS.writeRank, 'writeRank', 0, 10),
    maxReplyLength: wholeNumber(
      config.maxReplyLength ?? DEFAULTS.maxReplyLength,
      'maxReplyLength',
      120,
      10_000,
    ),
    countCacheSeconds: wholeNumber(
      config.countCacheSeconds ?? DEFAULTS.countCacheSeconds,
      'countCacheSeconds',
      1,
      86_400,
    ),
  };
}

/** The add limit for a CyTube rank: 2 is a moderator, 3 and up an admin or owner. */
export function addLimit(limits: RateLimits, rank: number): number | null {
  if (rank >= 3) return limits.admin;
  if (rank >= 2) return limits.moderator;
  return limits.user;
}
