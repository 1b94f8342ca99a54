import { z } from '../zod.js';
import { CAPABILITY_NAMES, type CapabilityName } from '../capabilities.js';
import { processFiguresSchema } from './metrics.js';
import { eventFiguresSchema } from './plugin-events.js';
import type { ErrorCode } from '../result.js';
import { PLUGIN_NAME } from '../subjects.js';

/**
 * The plugin manager's control plane (`rosey.control.plugin.<verb>`) and what one plugin generation
 * answers on its own lifecycle subjects (`rosey.plugins.<plugin>.<gen>.health|snapshot|restore`).
 */
const pluginName = z.string().regex(PLUGIN_NAME, 'a plugin name');

/** `info` and `stop`. */
export const pluginNameRequestSchema = z.object({ plugin: pluginName }).strict();
/** `reload`: from `dir` instead of the folder it runs from (an upgrade installed elsewhere). */
export const reloadRequestSchema = z
  .object({ plugin: pluginName, dir: z.string().min(1).optional() })
  .strict();
/** `start`: the plugin in this folder. */
export const startRequestSchema = z.object({ dir: z.string().min(1) }).strict();

/** One line of `rosey plugin list`. */
export const pluginRowSchema = z.looseObject({
  name: z.string(),
  /** The version serving (as its process announced it), else the manifest's. */
  version: z.string(),
  generation: z.number(),
  /** `running`, `starting`, `restarting`, `failed`, `stopped`, … (the host's, or its supervisor's). */
  state: z.string(),
  restarts: z.number(),
  pid: z.number().optional(),
  reloading: z.boolean(),
  dir: z.string(),
  lastExit: z.string().optional(),
});
export type PluginRow = z.infer<typeof pluginRowSchema>;

/** Reply of `list`. */
export const pluginListReplySchema = z.looseObject({ plugins: z.array(pluginRowSchema) });

const capabilities = z.array(z.enum(CAPABILITY_NAMES as [CapabilityName, ...CapabilityName[]]));

/** Reply of `info`: the row, the manifest's words, and the permissions (docs/permissions.md). */
export const pluginInfoReplySchema = pluginRowSchema.extend({
  manifestVersion: z.string(),
  description: z.string(),
  author: z.string().optional(),
  requested: capabilities,
  granted: capabilities,
  revoked: capabilities,
  extra: capabilities,
});
export type PluginInfoReply = z.infer<typeof pluginInfoReplySchema>;

const generationSchema = z.looseObject({ generation: z.number(), version: z.string() });
export type Generation = z.infer<typeof generationSchema>;

export const RELOAD_STAGES = [
  'granting',
  'handoff',
  'migrating',
  'starting',
  'checking',
  'switching',
  'grace',
] as const;
export type ReloadStage = (typeof RELOAD_STAGES)[number];

const reloadFields = {
  plugin: z.string(),
  from: generationSchema,
  to: generationSchema,
  /** From the start of the reload to the moment commands went to the new generation. */
  switchedAfterMs: z.number(),
  /** Commands the old generation still had when the switch happened. */
  drained: z.number(),
  drainTimedOut: z.boolean(),
  /** Blue's snapshot went to green's `restore`. */
  handedOver: z.boolean(),
  tookMs: z.number(),
};
type ReloadDone = z.infer<z.ZodObject<typeof reloadFields>>;

/**
 * Reply of `reload` (and of `start` for a plugin that was failed: `restarted`). A reload that did not
 * happen is an error reply whose message says why (describeReloadFailure).
 */
export const reloadReplySchema = z.looseObject({
  ...reloadFields,
  /** It was not running: started afresh rather than swapped. */
  restarted: z.boolean().optional(),
});
export type ReloadReply = z.infer<typeof reloadReplySchema>;

/** How a reload ended, as its workflow reports it to the plugin manager. */
export type ReloadOutcome =
  | ({ ok: true } & ReloadDone)
  | {
      ok: false;
      plugin: string;
      stage: ReloadStage;
      code: ErrorCode;
      reason: string;
      /** The new generation served for a while and was switched back from. */
      rolledBack: boolean;
      /** The generation serving after the failed reload. */
      serving: Generation;
    };

/** Reply of `start` and `stop` (a plugin turned on or off for good). */
export const pluginChangeReplySchema = z.looseObject({
  plugin: z.string(),
  op: z.enum(['start', 'stop', 'restart']),
  version: z.string().optional(),
});

/** Reply of `start`: a change, or a restart answered as a reload. */
export const pluginStartReplySchema = z.union([reloadReplySchema, pluginChangeReplySchema]);

/** Reply of `routes`: the routes pinned by running reloads (plugin → generation). */
export const routesReplySchema = z.looseObject({ routes: z.record(z.string(), z.number().int().min(1)) });

/** Reply of `rosey.plugins.<plugin>.<gen>.health` from a healthy generation (else `UNHEALTHY`). */
export const healthReplySchema = z.looseObject({
  status: z.literal('ok'),
  uptimeMs: z.number(),
  /** Commands it is running now. */
  inFlight: z.number().int().min(0),
  rss: z.number(),
  /** The process's figures for the metrics actor; optional, so an older plugin's reply still passes. */
  process: processFiguresSchema.optional(),
  /** Its channel-event queue (docs/plugin-sdk.md#events); absent when it handles no events. */
  events: eventFiguresSchema.optional(),
});

/** Reply of `restore`, and of the router's `release` and `unpin`: done, nothing to say. */
export const doneReplySchema = z.looseObject({});

/** Reply of `rosey.plugins.<plugin>.<gen>.snapshot`: the state for the next generation. */
export const snapshotReplySchema = z.looseObject({ state: z.unknown().optional() });
/** Request of `rosey.plugins.<plugin>.<gen>.restore`. */
export const restoreRequestSchema = z.looseObject({ state: z.unknown().optional() });
