import { existsSync } from 'node:fs';
import { ConfigError, loadConfig, type LoadedConfig } from '../app/config/load.js';
import { locateRosey, NotRunningError, type ControlTarget } from '../app/control-client.js';
import type { RoseyConfigInput } from '../app/config/schema.js';

const DEFAULT_FILES = ['rosey.yaml', 'rosey.yml', 'rosey.json'];

/**
 * The configuration file a command uses: --config, else $ROSEY_CONFIG, else one in the current
 * folder. Every command finds it the same way, so `rosey status` looks where `rosey start` ran.
 */
export function configFile(flags: { config?: string }, discover = true): string | undefined {
  const found = discover ? DEFAULT_FILES.find((f) => existsSync(f)) : undefined;
  return flags.config ?? (process.env.ROSEY_CONFIG || undefined) ?? found;
}

/** Loads the configuration for a command; a bad file is a one-line error. */
export function configFor(
  flags: { config?: string; 'data-dir'?: string },
  overrides: RoseyConfigInput = {},
  fail: (message: string) => never,
  options: { discover?: boolean } = {},
): LoadedConfig {
  try {
    return loadConfig({
      file: configFile(flags, options.discover),
      overrides: flags['data-dir'] ? { ...overrides, dataDir: flags['data-dir'] } : overrides,
    });
  } catch (error) {
    if (error instanceof ConfigError) fail(error.message);
    throw error;
  }
}

/** Where the running Rosey is (runtime file or --nats-url); not running is a one-line failure. */
export function targetFor(
  flags: { config?: string; 'data-dir'?: string; 'nats-url'?: string },
  fail: (message: string) => never,
): ControlTarget {
  const { dataDir } = configFor(flags, {}, fail);
  try {
    return locateRosey({ dataDir, natsUrl: flags['nats-url'] });
  } catch (error) {
    if (error instanceof NotRunningError) fail(error.message);
    throw error;
  }
}
