import { Flags } from '@oclif/core';

// Finding the configuration and the running Rosey needs no oclif: the fast path uses it too.
export { configFile, configFor, targetFor } from './config-target.js';

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
