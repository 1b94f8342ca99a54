import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from '../contract/zod.js';
import { PLUGIN_NAME } from '../contract/subjects.js';

/**
 * Which plugins the operator turned off with `rosey plugin disable` (on top of the configuration's
 * `plugins.disabled`): kept in the data directory, so the CLI never rewrites the operator's config.
 */
export const SWITCHES_FILE = 'plugins.json';

const switchesSchema = z.object({ disabled: z.array(z.string().regex(PLUGIN_NAME)).default([]) }).strict();

/** Where `rosey plugin install` puts plugins: `<dataDir>/plugins`, scanned before every other folder. */
export const installedPluginsDir = (dataDir: string) => join(dataDir, 'plugins');

export function readDisabled(dataDir: string): string[] {
  const file = join(dataDir, SWITCHES_FILE);
  if (!existsSync(file)) return [];
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    throw new Error(`${file} is not valid JSON: fix it or remove it (it only lists disabled plugins)`);
  }
  const checked = switchesSchema.safeParse(raw);
  if (!checked.success) throw new Error(`${file}: expected {"disabled": ["plugin-name", …]}`);
  return checked.data.disabled;
}

/** Turns a plugin on or off for the next start; returns whether anything changed. */
export function setDisabled(dataDir: string, plugin: string, disabled: boolean): boolean {
  const current = readDisabled(dataDir);
  const next = disabled ? [...new Set([...current, plugin])].sort() : current.filter((p) => p !== plugin);
  if (next.length === current.length) return false;
  mkdirSync(dataDir, { recursive: true });
  const file = join(dataDir, SWITCHES_FILE);
  // Written aside and renamed: a crash mid-write never leaves half a file.
  writeFileSync(`${file}.tmp`, JSON.stringify({ disabled: next }, null, 2) + '\n');
  renameSync(`${file}.tmp`, file);
  return true;
}
