/** The markov plugin's configuration (`plugins.settings.markov.config`), checked at start. */
export interface MarkovConfig {
  /** Lines kept (and learned from) per channel; the oldest are forgotten beyond it. */
  maxLines: number;
  /** Chance (0–1) of answering a line that mentions the bot; 0: never. */
  replyChance: number;
  /** At most one such answer per channel in this many seconds. */
  replyCooldownSeconds: number;
  /** `!markov` cooldown per user, seconds. */
  cooldownSeconds: number;
  /** Names that count as a mention, besides the bot's own (learned from its lines in the chat). */
  names: string[];
  /** Lines starting with one of these are commands, never learned. */
  commandPrefixes: string[];
}

const KNOWN = [
  'maxLines',
  'replyChance',
  'replyCooldownSeconds',
  'cooldownSeconds',
  'names',
  'commandPrefixes',
];

function number(
  config: Record<string, unknown>,
  key: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const value = config[key] ?? fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max)
    throw new Error(
      `markov: config ${key} must be a number from ${min} to ${max}, not ${JSON.stringify(value)}`,
    );
  return value;
}

function words(config: Record<string, unknown>, key: string, fallback: string[]): string[] {
  const value = config[key] ?? fallback;
  if (
    !Array.isArray(value) ||
    !value.every((v) => typeof v === 'string' && v.trim() !== '' && v.length <= 40)
  )
    throw new Error(`markov: config ${key} must be a list of words`);
  return value.map((v: string) => v.trim());
}

/** Reads the configuration; throws naming the bad key. */
export function parseConfig(config: Record<string, unknown>): MarkovConfig {
  const unknown = Object.keys(config).filter((k) => !KNOWN.includes(k));
  if (unknown.length > 0)
    throw new Error(`markov: unknown config key '${unknown[0]}' (known: ${KNOWN.join(', ')})`);
  return {
    maxLines: Math.floor(number(config, 'maxLines', 5000, 10, 200_000)),
    replyChance: number(config, 'replyChance', 0, 0, 1),
    replyCooldownSeconds: number(config, 'replyCooldownSeconds', 60, 0, 86_400),
    cooldownSeconds: number(config, 'cooldownSeconds', 5, 0, 3600),
    names: words(config, 'names', []),
    commandPrefixes: words(config, 'commandPrefixes', ['!']),
  };
}
