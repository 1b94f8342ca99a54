import { z } from '../zod.js';

/**
 * Inspection of the running tree (docs/subjects.md#inspection): what the inspect actor publishes on
 * `rosey.inspect.<actor path>` while someone holds a watch lease, and what it answers on
 * `rosey.inspect.watch|actors|history|machine`. The CLI (`rosey inspect`) and the dashboard read the
 * same messages, so everything here is plain JSON a browser can take as it is.
 */

/**
 * An actor's path: the ids of the actors from the root down, joined by `/`, without the restart
 * count a supervisor adds to a child's id (`rosey/services/router`, `rosey/plugins/dice/host`): the
 * same path across restarts, so its history continues. Each id is one subject token.
 */
export const actorPathSchema = z
  .string()
  .min(1)
  .max(512)
  .regex(/^[A-Za-z0-9_@-]+(?:\/[A-Za-z0-9_@-]+)*$/, 'an actor path is ids joined by /');

/** Redacted, size-capped JSON: a context or an event as inspection shows it. */
export const inspectSummarySchema = z.unknown();

/** An event as inspection shows it: its type and a redacted summary of the rest. */
export const inspectedEventSchema = z.object({
  type: z.string().max(512),
  /** The event without `type`, redacted and capped; absent when nothing else is in it. */
  data: inspectSummarySchema.optional(),
});
export type InspectedEvent = z.infer<typeof inspectedEventSchema>;

/**
 * One thing an actor did, in the order they happened (`seq` grows for the whole tree):
 * - `started`: the actor was started;
 * - `event`: it received `event` (from `source`, when an actor sent it);
 * - `snapshot`: it took `event` and is now in `state`, with `status` and a summary of its `context`
 *   (published only, and only when it changed since the actor's last message: absent, it is the
 *   last one sent); `transition` when the state changed (from `from`, absent for the first);
 * - `stopped`: it ended (`status`: stopped, done or error).
 */
export const inspectMessageSchema = z.object({
  seq: z.number().int().min(0),
  /** Epoch milliseconds. */
  at: z.number(),
  actor: actorPathSchema,
  kind: z.enum(['started', 'event', 'snapshot', 'stopped']),
  event: inspectedEventSchema.optional(),
  source: actorPathSchema.optional(),
  /** The state value in words: `connected.up`, `a.x,b.y` for parallel regions. */
  state: z.string().max(2048).optional(),
  /** The state value as XState has it (a string, or an object for nested and parallel states). */
  value: z.unknown().optional(),
  from: z.string().max(2048).optional(),
  /** A snapshot whose state differs from the one before (`from`), or the first seen of the actor. */
  transition: z.boolean().optional(),
  status: z.enum(['active', 'done', 'error', 'stopped']).optional(),
  context: inspectSummarySchema.optional(),
});
export type InspectMessage = z.infer<typeof inspectMessageSchema>;

/**
 * How much a lease asks for: `all` (the default) every message; `transitions` only what changes an
 * actor's state (`started`, `stopped`, and `snapshot`s with `transition`), each as a history entry
 * is (no context, the event by its type alone), which spares the tree the summaries of every event
 * and context while only such watchers hold leases. The most any lease asks for is published.
 */
export const watchDetailSchema = z.enum(['all', 'transitions']);
export type WatchDetail = z.infer<typeof watchDetailSchema>;

/**
 * `rosey.inspect.watch`: take or renew a lease (`watcher` is the caller's own id, any string), or
 * give it back (`release`). Messages are published while at least one lease holds; a watcher renews
 * well within `leaseMs` (a third of it is safe), with the same `detail` (a renewal may change it).
 */
export const watchRequestSchema = z.object({
  watcher: z.string().min(1).max(128),
  release: z.boolean().optional(),
  detail: watchDetailSchema.optional(),
});
export const watchReplySchema = z.object({
  leaseMs: z.number().int().min(1),
  /** Leases held now, this one included. */
  watchers: z.number().int().min(0),
  /** What is published now: the most any lease held asks for; absent when none holds. */
  detail: watchDetailSchema.optional(),
});
export type WatchReply = z.infer<typeof watchReplySchema>;

/** One actor of the tree now. */
export const inspectedActorSchema = z.object({
  actor: actorPathSchema,
  /** Its id in its parent (the last part of the path). */
  id: z.string(),
  /** `machine` for a state machine (it has a chart), else what XState calls it (callback, promise, …). */
  kind: z.enum(['machine', 'other']),
  status: z.enum(['active', 'done', 'error', 'stopped']),
  state: z.string().max(2048).optional(),
});
export type InspectedActor = z.infer<typeof inspectedActorSchema>;

/** `rosey.inspect.actors`: `{}` → every actor of the tree, depth first. */
export const actorsReplySchema = z.object({ actors: z.array(inspectedActorSchema) });

/** `rosey.inspect.history` and `rosey.inspect.machine`: about one actor. */
export const actorRequestSchema = z.object({ actor: actorPathSchema });

/**
 * `rosey.inspect.history`: the last transitions (state changes, starts and stops) kept for the actor,
 * oldest first; a restarted actor's history goes on under the same path. `capacity`: how many are
 * kept for one actor.
 */
export const historyReplySchema = z.object({
  actor: actorPathSchema,
  capacity: z.number().int().min(1),
  entries: z.array(inspectMessageSchema),
});

/** A transition of a chart: the event that takes it, the guard it needs, where it goes. */
export const chartTransitionSchema = z.object({
  event: z.string(),
  /** Node ids; empty for a transition that stays (actions only). */
  targets: z.array(z.string()),
  guard: z.string().optional(),
});
export type ChartTransition = z.infer<typeof chartTransitionSchema>;

/** A state node of a chart, with its own nodes nested. `id` is unique in the chart (`router.routing`). */
export interface ChartNode {
  id: string;
  key: string;
  type: 'atomic' | 'compound' | 'parallel' | 'final' | 'history';
  /** Key of the initial child of a compound node. */
  initial?: string;
  transitions: ChartTransition[];
  states: ChartNode[];
}
export const chartNodeSchema: z.ZodType<ChartNode> = z.lazy(() =>
  z.object({
    id: z.string(),
    key: z.string(),
    type: z.enum(['atomic', 'compound', 'parallel', 'final', 'history']),
    initial: z.string().optional(),
    transitions: z.array(chartTransitionSchema),
    states: z.array(chartNodeSchema),
  }),
);

/**
 * `rosey.inspect.machine`: the actor's machine as a chart (nested and parallel states, transitions
 * with their events and guards) and the ids of the nodes it is in now (every active node, outermost
 * first). An actor that is not a state machine is `NOT_FOUND`.
 */
export const machineReplySchema = z.object({
  actor: actorPathSchema,
  root: chartNodeSchema,
  active: z.array(z.string()),
  state: z.string().optional(),
});
export type MachineReply = z.infer<typeof machineReplySchema>;
