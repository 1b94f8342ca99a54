import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, extname, isAbsolute, resolve } from 'node:path';
import { parseYaml } from '../../contract/yaml.js';
import type { z } from '../../contract/zod.js';
import { errorMessage } from '../../contract/result.js';
import { configSchema, type RoseyConfig, type RoseyConfigInput } from './schema.js';

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** A validated configuration, with paths made absolute. */
export interface LoadedConfig {
  config: RoseyConfig;
  /** The file it came from, if any. */
  file?: string;
  /** Folder relative paths in the file are resolved against (the file's folder, else cwd). */
  baseDir: string;
  dataDir: string;
}

/**
 * Environment variables that override the file: NATS_URL, DATABASE_URL, and CYTUBE_USERNAME,
 * CYTUBE_PASSWORD, CYTUBE_CHANNEL_PASSWORD for a configured CyTube channel (ROSEY_CONFIG picks the file).
 */
export function applyEnv(raw: Record<string, unknown>, env: NodeJS.ProcessEnv): Record<string, unknown> {
  const out = { ...raw };
  if (env.NATS_URL) out.nats = { ...(raw.nats as object | undefined), url: env.NATS_URL };
  if (env.DATABASE_URL) out.database = { ...(raw.database as object | undefined), url: env.DATABASE_URL };
  // CyTube credentials stay out of the file if you like; they apply only where a channel is configured.
  const platforms = raw.platforms as Record<string, unknown> | undefined;
  const cytube = platforms?.cytube;
  if (typeof cytube === 'object' && cytube !== null) {
    const fromEnv = {
      ...(env.CYTUBE_USERNAME ? { username: env.CYTUBE_USERNAME } : {}),
      ...(env.CYTUBE_PASSWORD ? { password: env.CYTUBE_PASSWORD } : {}),
      ...(env.CYTUBE_CHANNEL_PASSWORD ? { channelPassword: env.CYTUBE_CHANNEL_PASSWORD } : {}),
    };
    out.platforms = { ...platforms, cytube: { ...cytube, ...fromEnv } };
  }
  return out;
}

/** A configuration file's mapping; a missing, unreadable or malformed file is a ConfigError. */
export function readConfigFile(file: string): Record<string, unknown> {
  if (!existsSync(file)) throw new ConfigError(`config file not found: ${file}`);
  // A bare EISDIR or EACCES would not say which file or what was wanted.
  if (statSync(file).isDirectory())
    throw new ConfigError(`config file ${file} is a directory; expected a YAML or JSON file`);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(`cannot read config file ${file}: ${errorMessage(error)}`);
  }
  let raw: unknown;
  try {
    raw = extname(file) === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    throw new ConfigError(
      `${file}: not valid ${extname(file) === '.json' ? 'JSON' : 'YAML'}: ${errorMessage(error).split('\n')[0]}`,
    );
  }
  if (raw === null || raw === undefined) return {};
  if (typeof raw !== 'object' || Array.isArray(raw))
    throw new ConfigError(`${file}: the top level must be a mapping`);
  return raw as Record<string, unknown>;
}

/** Every problem of a configuration, each naming its key (`router.commandTimeoutMs: …`). */
export function configProblems(raw: RoseyConfigInput | Record<string, unknown>): string[] {
  const parsed = configSchema.safeParse(raw);
  return parsed.success ? [] : parsed.error.issues.map(describeIssue);
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const path = issue.path.map(String).join('.');
  if (issue.code === 'unrecognized_keys') {
    const keys = issue.keys.map((k) => (path ? `${path}.${k}` : k));
    return `${keys[0]}: unknown key${keys.length > 1 ? `s ${keys.join(', ')}` : ''}`;
  }
  return `${path ? `${path}: ` : ''}${issue.message}`;
}

/** Checks a configuration; the error names the first bad key (`router.commandTimeoutMs: …`). */
export function parseConfig(raw: RoseyConfigInput | Record<string, unknown>, where = 'config'): RoseyConfig {
  const parsed = configSchema.safeParse(raw);
  if (parsed.success) return parsed.data;
  throw new ConfigError(`${where}: ${describeIssue(parsed.error.issues[0]!)}`);
}

/** Where a configuration comes from, for `loadConfig` and `readConfigInput`. */
export interface ConfigSource {
  file?: string;
  env?: NodeJS.ProcessEnv;
  overrides?: RoseyConfigInput;
  cwd?: string;
}

/**
 * The configuration as Rosey would see it before validation: `file` (or ROSEY_CONFIG) when given,
 * else nothing; then environment overrides; then `overrides` from the command line.
 */
export function readConfigInput(options: ConfigSource): { raw: Record<string, unknown>; file?: string } {
  const env = options.env ?? process.env;
  // An empty variable (`ROSEY_CONFIG= rosey …`) is unset, as a shell user means it, not the cwd.
  const named = options.file ?? (env.ROSEY_CONFIG || undefined);
  const file = named ? resolve(options.cwd ?? process.cwd(), named) : undefined;
  const fromFile = file ? readConfigFile(file) : {};
  const raw = deepMerge(applyEnv(fromFile, env), (options.overrides ?? {}) as Record<string, unknown>);
  return { raw, file };
}

/** Loads the configuration (`readConfigInput`), then validates it. */
export function loadConfig(options: ConfigSource): LoadedConfig {
  const cwd = options.cwd ?? process.cwd();
  const { raw, file } = readConfigInput(options);
  const config = parseConfig(raw, file ?? 'config');
  const baseDir = file ? dirname(file) : cwd;
  return { config, file, baseDir, dataDir: resolveDataDir(config.dataDir, baseDir) };
}

/** `dataDir` as configured, made absolute against the config file's folder (`baseDir`). */
export function resolveDataDir(dataDir: string, baseDir: string): string {
  return isAbsolute(dataDir) ? dataDir : resolve(baseDir, dataDir);
}

function deepMerge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    if (value === undefined) continue;
    const current = out[key];
    out[key] = isPlainObject(value) && isPlainObject(current) ? deepMerge(current, value) : value;
  }
  return out;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
