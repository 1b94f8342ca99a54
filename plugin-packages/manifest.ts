import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, relative, resolve, sep } from 'node:path';
// semver's index loads all of it (~50 modules, part of every start of Rosey); this is one function.
import validSemver from 'semver/functions/valid.js';
import { parseYaml } from '../contract/yaml.js';
import { z } from '../contract/zod.js';
import { validate } from '../contract/validate.js';
import { errorMessage } from '../contract/result.js';
import { PLUGIN_NAME } from '../contract/subjects.js';
import { CAPABILITY_NAMES, isCapability } from '../contract/capabilities.js';

/** A capability name from the catalogue, with the list in the error. */
export const capabilityName = z.string().refine(isCapability, {
  error: (issue) => `unknown permission '${String(issue.input)}' (known: ${CAPABILITY_NAMES.join(', ')})`,
});

/**
 * The shape of a version as written (semver's parser also takes `v1.2.0` and surrounding spaces);
 * semver itself then refuses what it could not order (leading zeros, numbers past 2^53), so every
 * manifest version can be compared with an installed one.
 */
const SEMVER = /^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/;

export const manifestSchema = z
  .object({
    name: z
      .string()
      .regex(
        PLUGIN_NAME,
        "lower-case letters and digits in dash-separated words, starting with a letter (max 32); not admin (Rosey's own)",
      ),
    version: z
      .string()
      .regex(SEMVER, 'a semantic version like 1.2.0')
      .refine((version) => validSemver(version) !== null, 'a semantic version like 1.2.0'),
    description: z.string().max(300).default(''),
    author: z.string().max(100).optional(),
    /** Module that default-exports `definePlugin(...)`, relative to the plugin folder. */
    entry: z.string().min(1).default('index.ts'),
    /** Restart type of the plugin's process under its own supervisor. */
    restart: z.enum(['permanent', 'transient', 'temporary']).default('permanent'),
    /** V8 heap limit of the plugin process. */
    memoryMb: z.number().int().min(16).max(4096).default(128),
    supervision: z
      .object({
        /** Restarts allowed within `period` seconds before the plugin is marked failed. */
        intensity: z.number().int().min(0).max(100).default(5),
        period: z.number().positive().max(3600).default(30),
        backoff: z
          .object({
            minMs: z.number().int().min(0).default(50),
            maxMs: z.number().int().min(0).default(5000),
            randomFactor: z.number().min(0).max(1).default(0.2),
            /** Up this long, the plugin counts as healthy again and its backoff starts over. */
            resetAfterMs: z.number().int().min(0).default(10_000),
          })
          .strict()
          .prefault({}),
      })
      .strict()
      .prefault({}),
    /** Capabilities the plugin asks for (contract/capabilities.ts); anything else is denied. */
    permissions: z.array(capabilityName).default([]),
  })
  .strict();

export type Manifest = z.infer<typeof manifestSchema>;

export interface LoadedPlugin {
  manifest: Manifest;
  dir: string;
  /** Absolute path of the entry module (a `.ts` entry may run as its compiled `.js` twin). */
  entry: string;
}

export const MANIFEST_FILE = 'manifest.yaml';

/** Loads and checks one plugin folder. Errors are one line, naming the folder and the bad key. */
export function loadPlugin(dir: string): LoadedPlugin {
  const where = relative(process.cwd(), dir) || dir;
  const file = join(dir, MANIFEST_FILE);
  if (!existsSync(file)) throw new Error(`${where}: no ${MANIFEST_FILE}`);
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`${where}/${MANIFEST_FILE}: not valid YAML: ${errorMessage(error).split('\n')[0]}`);
  }
  const checked = validate(manifestSchema, raw ?? {});
  if (!checked.ok) throw new Error(`${where}/${MANIFEST_FILE}: ${checked.error.message}`);
  const manifest = checked.data;
  const root = resolve(dir);
  if (manifest.name !== basename(root)) {
    throw new Error(
      `${where}/${MANIFEST_FILE}: name '${manifest.name}' must match the folder name '${basename(root)}'`,
    );
  }
  const entry = resolve(root, manifest.entry);
  if (!entry.startsWith(root + sep))
    throw new Error(`${where}/${MANIFEST_FILE}: entry must stay inside the plugin folder`);
  const compiled = entry.replace(/\.ts$/, '.js');
  if (!existsSync(entry) && !existsSync(compiled)) {
    throw new Error(`${where}/${MANIFEST_FILE}: entry ${manifest.entry} does not exist`);
  }
  if (existsSync(join(root, 'migrations')) && !manifest.permissions.includes('storage'))
    throw new Error(
      `${where}/${MANIFEST_FILE}: the plugin has migrations but does not ask for the 'storage' permission`,
    );
  return { manifest, dir: root, entry };
}

export interface Discovery {
  plugins: LoadedPlugin[];
  /** One line per folder that could not be loaded. */
  problems: string[];
}

/**
 * Every plugin folder under `roots` (each root holds one folder per plugin). A broken folder is
 * reported and skipped; a name found twice keeps the first.
 */
export function discoverPlugins(roots: readonly string[]): Discovery {
  const plugins: LoadedPlugin[] = [];
  const problems: string[] = [];
  for (const root of roots) {
    if (!existsSync(root)) continue;
    for (const name of readdirSync(root).sort()) {
      const dir = join(root, name);
      if (name.startsWith('.') || name === 'node_modules' || !statSync(dir).isDirectory()) continue;
      try {
        const plugin = loadPlugin(dir);
        const earlier = plugins.find((p) => p.manifest.name === plugin.manifest.name);
        if (earlier) problems.push(`${dir}: plugin '${name}' is already loaded from ${earlier.dir}; ignored`);
        else plugins.push(plugin);
      } catch (error) {
        problems.push(errorMessage(error));
      }
    }
  }
  return { plugins, problems };
}
