/** `plugins.settings.chat-stats.config`, checked at start; a bad value fails the start, naming the key. */
export interface StatsConfig {
  /** Lines starting with it are commands: they show the user is here but are not counted as lines. */
  prefix: string;
  /** How many `!top` lists. */
  topCount: number;
  /** How long chat lines may wait to be written, in ms; 0 writes each line as it comes. */
  flushMs: number;
}

export const DEFAULTS: StatsConfig = { prefix: '!', topCount: 5, flushMs: 1000 };

export function parseConfig(config: Record<string, unknown>): StatsConfig {
  const extra = Object.keys(config).find((k) => !(k in DEFAULTS));
  if (extra !== undefined)
    throw new Error(`chat-stats: unknown config key '${extra}' (known: ${Object.keys(DEFAULTS).join(', ')})`);
  const prefix = config.prefix ?? DEFAULTS.prefix;
  if (typeof prefix !== 'string' || prefix.length < 1 || prefix.length > 3 || /\s/.test(prefix))
    throw new Error(
      `chat-stats: config prefix must be 1 to 3 characters without spaces, not ${JSON.stringify(prefix)}`,
    );
  const topCount = config.topCount ?? DEFAULTS.topCount;
  if (typeof topCount !== 'number' || !Number.isInteger(topCount) || topCount < 1 || topCount > 10)
    throw new Error(
      `chat-stats: config topCount must be a whole number from 1 to 10, not ${JSON.stringify(topCount)}`,
    );
  const flushMs = config.flushMs ?? DEFAULTS.flushMs;
  if (typeof flushMs !== 'number' || !Number.isInteger(flushMs) || flushMs < 0 || flushMs > 60_000)
    throw new Error(
      `chat-stats: config flushMs must be a whole number of ms from 0 to 60000, not ${JSON.stringify(flushMs)}`,
    );
  return { prefix, topCount, flushMs };
}
