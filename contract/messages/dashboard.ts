import { z } from '../zod.js';
import { actorPathSchema, chartNodeSchema, inspectMessageSchema, inspectedActorSchema } from './inspect.js';
import { treeNodeSchema } from './control.js';
import { currentMetricsSchema } from './metrics.js';
import { securityViolationSchema } from './actions.js';
import { auditRecordSchema } from './storage.js';
import { PLUGIN_NAME } from '../subjects.js';

/**
 * The dashboard's WebSocket (docs/dashboard.md): what a page sends (`dashboardRequestSchema`) and
 * what the server pushes (`dashboardPushSchema`). Plain JSON, the page reads it as it is; every
 * request is checked here before the hub acts on it, and answered `{type: 'error', error}` when it
 * does not fit.
 */

/** The subprotocol a page asks for; the token, when `http.token` is set, rides in a second one. */
export const DASHBOARD_PROTOCOL = 'rosey.dashboard.v1';
/** `rosey.token.<base64url of http.token>`: a browser cannot set `Authorization` on a WebSocket. */
export const DASHBOARD_TOKEN_PROTOCOL_PREFIX = 'rosey.token.';

const pluginName = z.string().regex(PLUGIN_NAME, 'a plugin name');

/** A page's requests: an actor's chart (with its kept transitions), or an action on a plugin. */
export const dashboardRequestSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('chart'), actor: actorPathSchema }).strict(),
  z
    .object({
      type: z.enum(['reload', 'restart']),
      plugin: pluginName,
      /** The page's own id for the request, echoed in the result. */
      id: z.string().min(1).max(64),
    })
    .strict(),
]);
export type DashboardRequest = z.infer<typeof dashboardRequestSchema>;

/** One line of Rosey's log as the page shows it (the log file's JSON line, already redacted). */
export const logLineSchema = z.looseObject({
  time: z.union([z.number(), z.string()]).optional(),
  level: z.union([z.number(), z.string()]).optional(),
  msg: z.string().optional(),
});

/** An action taken from a page, as the dashboard records it. */
export const dashboardAuditSchema = z.object({
  at: z.number(),
  /** `dashboard` for actions taken on a page; a plugin's records keep theirs (`plugin:<name>`). */
  actor: z.string(),
  action: z.string(),
  target: z.string(),
  outcome: z.enum(['ok', 'error']).optional(),
  detail: z.string().optional(),
});

const errorBody = z.object({ code: z.string(), message: z.string() });

/** Everything the server pushes. */
export const dashboardPushSchema = z.discriminatedUnion('type', [
  /** First message on a new socket: what this dashboard can do, and the recent lists. */
  z.object({
    type: z.literal('hello'),
    version: z.string(),
    actions: z.boolean(),
    violations: z.array(securityViolationSchema),
    audit: z.array(z.union([auditRecordSchema, dashboardAuditSchema])),
    log: z.array(z.string()),
  }),
  /**
   * The tree now: the supervisors' view (status, restarts, uptime, pids), every actor with its
   * state, and the metrics actor's figures (absent while it restarts). Sent when it changed.
   */
  z.object({
    type: z.literal('tree'),
    at: z.number(),
    tree: treeNodeSchema.optional(),
    actors: z.array(inspectedActorSchema),
    metrics: currentMetricsSchema.optional(),
  }),
  /** One inspection message, as the inspect actor published it (redacted there). */
  z.object({ type: z.literal('inspect'), message: inspectMessageSchema }),
  z.object({
    type: z.literal('chart'),
    actor: actorPathSchema,
    /** The chart drawn by the same code as `rosey inspect --chart`, its `<style>` left to the page. */
    svg: z.string(),
    root: chartNodeSchema,
    active: z.array(z.string()),
    state: z.string().optional(),
    /** The actor's kept transitions, oldest first, for scrubbing back. */
    history: z.array(inspectMessageSchema),
  }),
  z.object({ type: z.literal('violation'), violation: securityViolationSchema }),
  z.object({ type: z.literal('audit'), record: z.union([auditRecordSchema, dashboardAuditSchema]) }),
  z.object({ type: z.literal('log'), lines: z.array(z.string()) }),
  z.object({
    type: z.literal('action'),
    id: z.string(),
    ok: z.boolean(),
    message: z.string(),
  }),
  z.object({ type: z.literal('error'), error: errorBody }),
]);
export type DashboardPush = z.infer<typeof dashboardPushSchema>;
