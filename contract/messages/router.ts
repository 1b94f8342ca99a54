import { z } from '../zod.js';
import { PLUGIN_NAME } from '../subjects.js';

const plugin = z.string().regex(PLUGIN_NAME);
const generation = z.number().int().min(1);

/** `rosey.router.route` and `rosey.router.drain`: one generation of a plugin. */
export const routeRequestSchema = z.object({ plugin, generation });
/** `rosey.router.unpin` and `rosey.router.release`. */
export const pluginRequestSchema = z.object({ plugin });
/** `rosey.router.hold` */
export const holdRequestSchema = z.object({
  plugin,
  /** Released by themselves after this long. */
  maxMs: z.number().int().min(1).max(600_000),
});

/**
 * `rosey.control.plugin.installed` (plugin manager → router): a plugin is being started while Rosey
 * runs (`installed: true`), or was stopped for good (`false`): its commands are unknown again.
 */
export const installedChangeSchema = z.object({
  plugin,
  version: z.string().max(64),
  installed: z.boolean(),
});
export type InstalledChange = z.infer<typeof installedChangeSchema>;

/**
 * `rosey.host.<plugin>.<gen>.timeout` (router → the generation's host): a command got no answer
 * within `timeoutMs`. The host probes the process, and replaces it if the probe goes unanswered too.
 */
export const commandTimeoutSchema = z.object({
  plugin,
  generation,
  command: z.string().max(64),
  timeoutMs: z.number().int().min(1),
});
export type CommandTimeout = z.infer<typeof commandTimeoutSchema>;

/** Reply of `rosey.router.route`: commands now go to `generation`; `inFlight` still run on `previous`. */
export const routeReplySchema = z.looseObject({
  plugin: z.string(),
  generation: z.number(),
  previous: z.number().nullable(),
  inFlight: z.number().int().min(0),
});
/** Reply of `rosey.router.drain`: nothing is in flight to that generation any more. */
export const drainReplySchema = z.looseObject({ drained: z.literal(true) });
/** Reply of `rosey.router.hold`. */
export const holdReplySchema = z.looseObject({ plugin: z.string(), held: z.literal(true) });
/** Reply of `rosey.router.settle`: no command is in flight. */
export const settleReplySchema = z.looseObject({ inFlight: z.literal(0) });

/** Reply of `rosey.router.commands`: the command registry. */
export const routerCommandsReplySchema = z.looseObject({
  plugins: z.array(
    z.looseObject({
      plugin: z.string(),
      generation: z.number(),
      version: z.string(),
      available: z.boolean(),
      pinned: z.boolean(),
      standby: z.array(z.number()),
      commands: z.array(z.looseObject({ name: z.string(), usage: z.string(), minRank: z.number() })),
    }),
  ),
});
export type RouterCommandsReply = z.infer<typeof routerCommandsReplySchema>;
