/**
 * The configuration file as a backup keeps it: the operator's own file, with its secrets masked
 * unless asked to keep them. A secret is what the log redaction calls one (app/logging/redaction.ts):
 * a value under a secret-named key (`password`, `token`, `channelPassword`, …), and a credential
 * inside any text (the password of `database.url`).
 */
import { basename, extname } from 'node:path';
import { parseYaml, stringifyYaml } from '../../contract/yaml.js';
import { maskSecrets as mask } from '../config/masked-config.js';

/** The file's text with every secret replaced by `[Redacted]` (comments are not kept). */
export function maskedConfigText(file: string, text: string): string {
  const json = extname(file) === '.json';
  const raw: unknown = json ? JSON.parse(text) : parseYaml(text);
  const masked = mask(raw ?? {});
  return json ? `${JSON.stringify(masked, null, 2)}\n` : stringifyYaml(masked);
}

/** The file name a config is stored under in the archive. */
export const configEntryName = (file: string) => basename(file);

/** Parses an archived config for a comparison; undefined when it does not parse. */
export function parseConfigText(name: string, text: string): unknown {
  try {
    return extname(name) === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch {
    return undefined;
  }
}

/** Dotted key paths whose values differ between two configs (secret values compared masked). */
export function configDifferences(before: unknown, after: unknown): string[] {
  const flat = (value: unknown, prefix: string, out: Map<string, string>) => {
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      for (const [k, v] of Object.entries(value)) flat(v, prefix ? `${prefix}.${k}` : k, out);
    } else out.set(prefix, JSON.stringify(value));
    return out;
  };
  const a = flat(mask(before ?? {}), '', new Map());
  const b = flat(mask(after ?? {}), '', new Map());
  return [...new Set([...a.keys(), ...b.keys()])].filter((k) => a.get(k) !== b.get(k)).sort();
}
