/**
 * Per-user, per-command cooldowns. A user who repeats a command too soon is told once per
 * cooldown window; after that the bot stays quiet until the window ends (no echo wars).
 */
export interface CooldownEntry {
  until: number;
  warned: boolean;
}

export type Cooldowns = Record<string, CooldownEntry>;

export type CooldownCheck = { kind: 'ok' } | { kind: 'warn'; remainingMs: number } | { kind: 'silent' };

export function cooldownKey(platform: string, channel: string, user: string, command: string): string {
  return `${platform}\u0000${channel}\u0000${user.toLowerCase()}\u0000${command}`;
}

export function checkCooldown(cooldowns: Cooldowns, key: string, now: number): CooldownCheck {
  const entry = cooldowns[key];
  if (!entry || entry.until <= now) return { kind: 'ok' };
  return entry.warned ? { kind: 'silent' } : { kind: 'warn', remainingMs: entry.until - now };
}

export function startCooldown(cooldowns: Cooldowns, key: string, now: number, ms: number): Cooldowns {
  if (ms <= 0) return cooldowns;
  return { ...cooldowns, [key]: { until: now + ms, warned: false } };
}

export function markWarned(cooldowns: Cooldowns, key: string): Cooldowns {
  const entry = cooldowns[key];
  return entry ? { ...cooldowns, [key]: { ...entry, warned: true } } : cooldowns;
}

/** Drops expired entries so the table stays as small as the set of recently active users. */
export function pruneCooldowns(cooldowns: Cooldowns, now: number): Cooldowns {
  const kept: Cooldowns = {};
  for (const [key, entry] of Object.entries(cooldowns)) if (entry.until > now) kept[key] = entry;
  return kept;
}
