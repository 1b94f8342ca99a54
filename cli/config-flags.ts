import { existsSync } from 'node:fs';
import { Flags } from '@oclif/core';
import { ConfigError, loadConfig, type LoadedConfig } from '../app/config/load.js';
import { locateRosey, NotRunningError, type ControlTarget } from '../app/control-client.js';
import type { RoseyConfigInput } from '../app/config/schema.js';

/** Flags shared by commands that need to know where Rosey's data (and runtime file) lives. */
export const locationFlags = {
  config: Flags.string({
    char: 'c',
    description:
      'Configuration file (JSON or YAML). Default: $ROSEY_CONFIG, else ./rosey.yaml|.yml|.json if present, else built-in defaults.',
    helpValue: 'FILE',
  }),
  'data-dir': Flags.string({
    description:
      'Data directory (database, logs, runtime file). Default: dataDir from the config, else ./data.',
    helpValue: 'DIR',
  }),
};

export const natsFlags = {
  'nats-url': Flags.string({
    description: "Reach Rosey through this NATS server instead of the runtime file's.",
    env: 'NATS_URL',
    helpValue: 'URL',
  }),
};

/** Who you are in a terminal chat (`rosey dev`, `rosey chat`). */
export const chatUserFlags = {
  as: Flags.string({
    description: 'Your chat name. Default: platforms.console.user, else "you".',
    helpValue: 'NAME',
  }),
  rank: Flags.integer({
    description: 'Your rank: 0 guest, 1 registered, 2 moderator, 3 admin, 4+ owner. Default 1.',
    min: 0,
    max: 254,
    helpValue: 'N',
  }),
};

/** How long a command waits for the running Rosey's answer (`rosey status`, `rosey metrics`). */
export const answerTimeoutFlags = {
  timeout: Flags.integer({
    description: 'How long to wait for an answer, in ms.',
    default: 5000,
    min: 100,
  }),
};

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
