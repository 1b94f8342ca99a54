import { createReadStream, existsSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { createInterface } from 'node:readline';
import type { LoadedConfig } from '../config/load.js';

/** The log file's path (`<dataDir>/logs/rosey.log`, a link to the file being written), or none. */
export function logFilePath(loaded: LoadedConfig): string | undefined {
  const { file } = loaded.config.log;
  return file ? join(loaded.dataDir, file) : undefined;
}

/**
 * Every file of the log at `path`, oldest first: `rosey.old.log` (a log from before rotation), then
 * pino-roll's `rosey.<date>.<n>.log` in date and number order. The link itself is not listed.
 */
export function logFiles(path: string): string[] {
  const dir = dirname(path);
  if (!existsSync(dir)) return [];
  const ext = extname(path);
  const stem = basename(path, ext);
  const numbered = new RegExp(
    `^${escape(stem)}\\.(?:(\\d{4}-\\d{2}-\\d{2}(?:-\\d{2})?)\\.)?(\\d+)${escape(ext)}$`,
  );
  const rolled = readdirSync(dir)
    .map((name) => ({ name, m: numbered.exec(name) }))
    .filter((f): f is { name: string; m: RegExpExecArray } => f.m !== null)
    .sort((a, b) => (a.m[1] ?? '').localeCompare(b.m[1] ?? '') || Number(a.m[2]) - Number(b.m[2]))
    .map((f) => join(dir, f.name));
  const old = join(dir, `${stem}.old${ext}`);
  return [...(existsSync(old) ? [old] : []), ...rolled];
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;
export type LevelName = (typeof LEVELS)[number];

/** Which lines `rosey logs` prints. */
export interface LogFilter {
  /** An actor (`router`), a plugin (`dice`) or a supervisor, as the line names it. */
  name?: string;
  /** This level and above. */
  level?: LevelName;
  /** Lines at or after this time (ms since the epoch). */
  since?: number;
}

/** A log line's fields, when it is one of Rosey's JSON lines. */
export type LogLine = Record<string, unknown> & { level?: unknown; time?: unknown; msg?: unknown };

export function parseLine(text: string): LogLine | undefined {
  if (!text.startsWith('{')) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as LogLine)
      : undefined;
  } catch {
    return undefined;
  }
}

/** Whether `line` passes `filter`. A plugin's lines say `actor: plugin:<name>` and `plugin: <name>`. */
export function matches(line: LogLine, filter: LogFilter): boolean {
  if (filter.level !== undefined) {
    const at = LEVELS.indexOf(line.level as LevelName);
    if (at < LEVELS.indexOf(filter.level)) return false;
  }
  if (filter.since !== undefined) {
    const time = typeof line.time === 'string' ? Date.parse(line.time) : Number.NaN;
    if (!(time >= filter.since)) return false;
  }
  if (filter.name !== undefined) {
    const { name } = filter;
    if (
      ![line.actor, line.plugin, line.supervisor].some((v) => v === name) &&
      line.actor !== `plugin:${name}`
    )
      return false;
  }
  return true;
}

/** The lines of `file` that pass `filter`, in order, as written. */
export async function readMatching(file: string, filter: LogFilter): Promise<string[]> {
  const out: string[] = [];
  const lines = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  for await (const text of lines) {
    const line = parseLine(text);
    if (line && matches(line, filter)) out.push(text);
  }
  return out;
}

/**
 * The last `limit` lines passing `filter` across the files of the log (all of them when no limit),
 * reading the newest files first and stopping once it has enough; files last written before
 * `filter.since` are not opened.
 */
export async function recentLines(path: string, filter: LogFilter, limit?: number): Promise<string[]> {
  const files = logFiles(path).filter(
    (f) => filter.since === undefined || statSync(f).mtimeMs >= filter.since,
  );
  let found: string[] = [];
  for (const file of files.reverse()) {
    found = [...(await readMatching(file, filter)), ...found];
    if (limit !== undefined && found.length >= limit) break;
  }
  // slice(-0) would keep everything.
  return limit === undefined ? found : limit === 0 ? [] : found.slice(-limit);
}

/** `10m`, `2h`, `1d`, `30s`, or a date (`2026-12-06T12:00:00Z`): the time it names, in ms. */
export function parseSince(text: string, now = Date.now()): number | undefined {
  const relative = /^(\d+)\s*(s|m|h|d)$/.exec(text.trim());
  if (relative) {
    const unit = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[relative[2] as 's' | 'm' | 'h' | 'd'];
    return now - Number(relative[1]) * unit;
  }
  // Only ISO dates: Date.parse takes a bare `5` for a day in 2001.
  if (!/^\d{4}-\d{2}-\d{2}/.test(text.trim())) return undefined;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : at;
}
