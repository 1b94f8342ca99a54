import { z } from '../zod.js';
import { eventFiguresSchema } from './plugin-events.js';

/**
 * What the metrics actor answers (docs/metrics.md): the figures of one process,
 * `rosey.metrics.current` (the CLI), and the JSON of the HTTP API (`/api/metrics`, `/api/plugins`,
 * `/api/plugins/{name}`, `/ready`, `/health`).
 */

/** One process's figures at one sample. Optional fields: a plugin running an older SDK leaves them out. */
export const processFiguresSchema = z.looseObject({
  /** CPU time (user + system) over wall time since the previous sample, in % of one core. */
  cpuPercent: z.number().min(0).optional(),
  rss: z.number().min(0),
  heapUsed: z.number().min(0).optional(),
  /** Event-loop delay since the previous sample, milliseconds. */
  eventLoopP50Ms: z.number().min(0).optional(),
  eventLoopP99Ms: z.number().min(0).optional(),
  /** Handles and requests keeping the event loop alive (sockets, timers, files…) at the sample. */
  openHandles: z.number().int().min(0).optional(),
});
export type ProcessFigures = z.infer<typeof processFiguresSchema>;

/** One plugin as the metrics actor last saw it. */
export const pluginFiguresSchema = z.looseObject({
  name: z.string(),
  /** The supervisor's view of its host: running, restarting, failed, … */
  status: z.string(),
  generation: z.number().int().min(1).optional(),
  pid: z.number().optional(),
  restarts: z.number().int().min(0),
  reloads: z.number().int().min(0),
  /** The manifest's (or config's) memory limit, MB. */
  memoryLimitMb: z.number().optional(),
  /** Its last health reply's figures; absent when it has not answered one yet. */
  process: processFiguresSchema.optional(),
  /** Its channel-event queue, from the same reply (docs/plugin-sdk.md#events); absent: it handles none. */
  events: eventFiguresSchema.optional(),
});
export type PluginFigures = z.infer<typeof pluginFiguresSchema>;

const countsSchema = z.record(z.string(), z.number());

/** The counters since the metrics actor started (restarts and reloads: since Rosey started). */
export const countersSchema = z.looseObject({
  chatLines: z.number(),
  /** `plugin/command/outcome` → count. */
  commands: countsSchema,
  /** Platform → lines Rosey sent there (replies, cooldown notices, plugins' own lines; chat and pm). */
  replies: countsSchema,
  /** Error code → count. */
  errors: countsSchema,
  cooldownHits: z.number(),
  securityViolations: z.number(),
  /** `kv.get`, `row.insert`, … → count (answered by storage, whatever the outcome). */
  storageRequests: countsSchema,
  /** Error code → count, of storage requests answered with an error. */
  storageErrors: countsSchema,
  /** Actor path → restarts. */
  restarts: countsSchema,
  natsReconnects: z.number(),
  /** The main connection's messages and bytes, `in` and `out`. */
  natsMessages: countsSchema,
  natsBytes: countsSchema,
});
export type MetricsCounters = z.infer<typeof countersSchema>;

/** The figures of one process in `history`, in this order (docs/metrics.md). */
export const SERIES_FIELDS = [
  'cpuPercent',
  'rss',
  'heapUsed',
  'eventLoopP50Ms',
  'eventLoopP99Ms',
  'openHandles',
] as const;

const seriesSchema = z.array(z.number().nullable());

/**
 * One process's figures over the window: one array per figure, one entry per sample of
 * `history.at`, `null` where the process gave none (not running, or an older SDK).
 */
export const processSeriesSchema = z.looseObject(
  Object.fromEntries(SERIES_FIELDS.map((field) => [field, seriesSchema])) as Record<
    (typeof SERIES_FIELDS)[number],
    typeof seriesSchema
  >,
);
export type ProcessSeries = z.infer<typeof processSeriesSchema>;

const sameLength = (at: number[], series: ProcessSeries[]) =>
  series.every((s) => SERIES_FIELDS.every((field) => s[field].length === at.length));

/**
 * The window's samples as columns, oldest first: `at` holds the sample times, and each process's
 * series hold its figures at those times. Columns, not a list of samples, because this is what a
 * chart draws from, and an hour of ten plugins written sample by sample repeats every key 40,000
 * times (860 KiB, against under 300 KiB as columns).
 */
export const historySchema = z
  .looseObject({
    at: z.array(z.number()),
    main: processSeriesSchema,
    /** Plugin name → its series (every plugin with figures in one of the samples). */
    plugins: z.record(z.string(), processSeriesSchema),
  })
  .refine((h) => sameLength(h.at, [h.main, ...Object.values(h.plugins)]), {
    message: 'every series has one entry per sample time',
  });
export type History = z.infer<typeof historySchema>;

/** A connector as the metrics actor last saw it. */
export const connectorFiguresSchema = z.looseObject({
  name: z.string(),
  state: z.string(),
  /** Lines waiting to be sent (connectors that say). */
  queued: z.number().optional(),
});

/** `rosey.metrics.current` (req, `{}`) and the head of `GET /api/metrics`: the latest figures. */
export const currentMetricsSchema = z.looseObject({
  at: z.number(),
  intervalMs: z.number(),
  main: processFiguresSchema.extend({ pid: z.number() }),
  plugins: z.array(pluginFiguresSchema),
  connectors: z.array(connectorFiguresSchema),
  counters: countersSchema,
});
export type CurrentMetrics = z.infer<typeof currentMetricsSchema>;

/**
 * The query of `/api/metrics` and `/api/plugins/{name}`: `since` (ms since the epoch) keeps the
 * samples taken after it, for a chart that already has the older ones; `points` thins the samples
 * to that many, spread evenly from the oldest to the latest, for a chart of that many pixels.
 */
export const historyQuerySchema = z.object({
  since: z.coerce.number().int().min(0).optional(),
  points: z.coerce.number().int().min(1).max(100_000).optional(),
});
export type HistoryQueryParams = z.infer<typeof historyQuerySchema>;

/**
 * `GET /api/metrics[?since=<ms>][&points=<n>]`: the latest figures and the window's samples
 * (those after `since`, thinned to at most `points`).
 */
export const apiMetricsSchema = currentMetricsSchema.extend({
  windowMs: z.number(),
  history: historySchema,
});
export type ApiMetrics = z.infer<typeof apiMetricsSchema>;

/** `GET /api/plugins`. */
export const apiPluginsSchema = z.looseObject({ plugins: z.array(pluginFiguresSchema) });

/** `GET /api/plugins/{name}[?since=<ms>][&points=<n>]`: the plugin and its series in the window. */
export const apiPluginSchema = pluginFiguresSchema.extend({
  history: z
    .looseObject({ at: z.array(z.number()), process: processSeriesSchema })
    .refine((h) => sameLength(h.at, [h.process]), {
      message: 'every series has one entry per sample time',
    }),
});

/** `GET /health`: the process answers and its tree runs. */
export const healthBodySchema = z.looseObject({ status: z.enum(['ok', 'stopping']), uptimeMs: z.number() });

/** `GET /ready`: 200 with `ready: true`, or 503 with what is not ready. */
export const readyBodySchema = z.looseObject({
  ready: z.boolean(),
  checks: z.array(z.looseObject({ name: z.string(), ok: z.boolean(), detail: z.string().optional() })),
});
export type ReadyBody = z.infer<typeof readyBodySchema>;

/** Every HTTP error (401, 404, 405, 503 of the API): `{error: {code, message}}`. */
export const httpErrorBodySchema = z.looseObject({
  error: z.looseObject({ code: z.string(), message: z.string() }),
});
