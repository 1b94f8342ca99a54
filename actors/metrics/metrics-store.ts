import { Counter, Gauge, Histogram, Registry } from './prom-client-parts.js';
import type {
  ApiMetrics,
  CurrentMetrics,
  MetricsCounters,
  PluginFigures,
  ProcessFigures,
} from '../../contract/messages/metrics.js';
import type { CommandOutcome, StorageOutcome } from '../tally/tally.js';
import { HistoryColumns, historyOf, selectSamples, type HistoryQuery, type Sample } from './history.js';
import { actorLabel, type ConnectorReading, type TreeReading } from './tree-reading.js';
import { RollingWindow } from './window.js';
import type { EventFigures } from '../../contract/messages/plugin-events.js';

/** The outcomes of a plugin's channel events, as `rosey_plugin_events` labels them. */
const EVENT_OUTCOMES = ['handled', 'dropped', 'failed', 'timedOut', 'invalid'] as const;

const MAIN = 'main';

/** Latency buckets of a chat command, seconds: a dice roll takes milliseconds, a timeout 5 s. */
const COMMAND_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Latency buckets of a storage request, seconds: SQLite answers in well under a millisecond. */
const STORAGE_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5];

const bump = (counts: Record<string, number>, key: string, by = 1) => {
  counts[key] = (counts[key] ?? 0) + by;
};

/**
 * Everything the metrics actor knows: the Prometheus registry (prom-client formats `/metrics`;
 * nothing here writes exposition text), the same counts as plain numbers for the JSON API and
 * `rosey metrics`, the latest figures, and the rolling window. One per run of the metrics actor:
 * a restarted actor starts a new store, losing only the counts it had observed on the bus (restarts
 * and reloads are read again from the supervision tree, which keeps them).
 */
export class MetricsStore {
  readonly registry = new Registry();
  readonly window: RollingWindow<Sample>;
  private readonly columns: HistoryColumns;
  private readonly startedAt = Date.now();

  private readonly chatLines = new Counter({
    name: 'rosey_chat_lines_total',
    help: 'Chat lines heard, by platform.',
    labelNames: ['platform'] as const,
    registers: [this.registry],
  });
  private readonly commands = new Counter({
    name: 'rosey_commands_total',
    help: 'Command lines the router dealt with, by plugin, command and outcome (ok, error, cooldown).',
    labelNames: ['plugin', 'command', 'outcome'] as const,
    registers: [this.registry],
  });
  private readonly commandSeconds = new Histogram({
    name: 'rosey_command_duration_seconds',
    help: 'From the router sending a command to its plugin to the answer (or the timeout).',
    labelNames: ['plugin', 'command'] as const,
    buckets: COMMAND_BUCKETS,
    registers: [this.registry],
  });
  private readonly replies = new Counter({
    name: 'rosey_replies_total',
    help: "Lines Rosey sent to a platform (command replies, cooldown notices, plugins' own lines), by platform and kind (chat, pm).",
    labelNames: ['platform', 'kind'] as const,
    registers: [this.registry],
  });
  private readonly errors = new Counter({
    name: 'rosey_errors_total',
    help: 'Commands that ended in an error, by error code.',
    labelNames: ['code'] as const,
    registers: [this.registry],
  });
  private readonly cooldowns = new Counter({
    name: 'rosey_cooldown_hits_total',
    help: 'Commands not sent because the user was cooling down.',
    labelNames: ['plugin', 'command'] as const,
    registers: [this.registry],
  });
  private readonly violations = new Counter({
    name: 'rosey_security_violations_total',
    help: 'What a plugin tried and was refused, by plugin and by who refused it.',
    labelNames: ['plugin', 'source'] as const,
    registers: [this.registry],
  });
  private readonly storage = new Counter({
    name: 'rosey_storage_requests_total',
    help: 'Requests storage answered, by plugin, operation (kv.get, row.insert, …) and outcome (ok, error).',
    labelNames: ['plugin', 'op', 'outcome'] as const,
    registers: [this.registry],
  });
  private readonly storageSeconds = new Histogram({
    name: 'rosey_storage_request_duration_seconds',
    help: 'From a storage request reaching the storage actor to its reply (its queue and the database).',
    labelNames: ['op'] as const,
    buckets: STORAGE_BUCKETS,
    registers: [this.registry],
  });
  private readonly restarts = new Counter({
    name: 'rosey_actor_restarts_total',
    help: 'Restarts of each actor by its supervisor (a plugin host is named without its generation).',
    labelNames: ['actor'] as const,
    registers: [this.registry],
  });
  private readonly reloads = new Counter({
    name: 'rosey_plugin_reloads_total',
    help: 'New generations of a plugin (blue-green reloads, and starts of a failed plugin).',
    labelNames: ['plugin'] as const,
    registers: [this.registry],
  });
  private readonly pluginUp = new Gauge({
    name: 'rosey_plugin_up',
    help: 'Whether the plugin has a running process (1) or not (0).',
    labelNames: ['plugin'] as const,
    registers: [this.registry],
  });
  private readonly pluginFailed = new Gauge({
    name: 'rosey_plugin_failed',
    help: 'Whether the plugin gave up after too many crashes (1): it stays down until started again.',
    labelNames: ['plugin'] as const,
    registers: [this.registry],
  });
  private readonly events = new Gauge({
    name: 'rosey_plugin_events',
    help: "Channel events of a plugin's serving generation since it started, by outcome (handled, dropped: queue full, failed: the handler threw, timedOut: its handler was still running after eventTimeoutMs, and is also counted as handled or failed once it ends, invalid).",
    labelNames: ['plugin', 'outcome'] as const,
    registers: [this.registry],
  });
  private readonly eventQueue = new Gauge({
    name: 'rosey_plugin_event_queue',
    help: 'Channel events waiting for a plugin’s handlers.',
    labelNames: ['plugin'] as const,
    registers: [this.registry],
  });
  private readonly memoryLimit = new Gauge({
    name: 'rosey_plugin_memory_limit_bytes',
    help: "A plugin process's memory limit (its manifest's memoryMb, or the config's).",
    labelNames: ['plugin'] as const,
    registers: [this.registry],
  });
  private readonly cpu = new Gauge({
    name: 'rosey_process_cpu_percent',
    help: 'CPU time over wall time since the previous sample, % of one core; process is main or a plugin.',
    labelNames: ['process'] as const,
    registers: [this.registry],
  });
  private readonly rss = new Gauge({
    name: 'rosey_process_resident_memory_bytes',
    help: 'Resident set size of the process.',
    labelNames: ['process'] as const,
    registers: [this.registry],
  });
  private readonly heap = new Gauge({
    name: 'rosey_process_heap_used_bytes',
    help: 'V8 heap in use in the process.',
    labelNames: ['process'] as const,
    registers: [this.registry],
  });
  private readonly loopDelay = new Gauge({
    name: 'rosey_process_event_loop_delay_seconds',
    help: 'Event-loop delay since the previous sample, at the quantile.',
    labelNames: ['process', 'quantile'] as const,
    registers: [this.registry],
  });
  private readonly handles = new Gauge({
    name: 'rosey_process_open_handles',
    help: 'Handles and requests keeping the event loop alive at the sample (sockets, timers, files, …).',
    labelNames: ['process'] as const,
    registers: [this.registry],
  });
  private readonly natsMessages = new Counter({
    name: 'rosey_nats_messages_total',
    help: "Messages over the main process's NATS connection, by direction (in, out).",
    labelNames: ['direction'] as const,
    registers: [this.registry],
  });
  private readonly natsBytes = new Counter({
    name: 'rosey_nats_bytes_total',
    help: "Bytes over the main process's NATS connection, by direction (in, out).",
    labelNames: ['direction'] as const,
    registers: [this.registry],
  });
  private readonly natsReconnects = new Counter({
    name: 'rosey_nats_reconnects_total',
    help: "Reconnects of the main process's NATS connection.",
    registers: [this.registry],
  });
  private readonly connectorUp = new Gauge({
    name: 'rosey_connector_up',
    help: "Whether the connector serves (1: CyTube in its channel, the console running; 0 on a cluster's standby).",
    labelNames: ['connector'] as const,
    registers: [this.registry],
  });
  private readonly connectorState = new Gauge({
    name: 'rosey_connector_state',
    help: "1 for the connector's current state (ready, backing-off, halted, …).",
    labelNames: ['connector', 'state'] as const,
    registers: [this.registry],
  });
  private readonly connectorQueue = new Gauge({
    name: 'rosey_connector_queue_depth',
    help: 'Lines and playlist changes waiting to be sent by the connector.',
    labelNames: ['connector'] as const,
    registers: [this.registry],
  });

  private readonly counts: MetricsCounters = {
    chatLines: 0,
    commands: {},
    replies: {},
    errors: {},
    cooldownHits: 0,
    securityViolations: 0,
    storageRequests: {},
    storageErrors: {},
    restarts: {},
    natsReconnects: 0,
    natsMessages: { in: 0, out: 0 },
    natsBytes: { in: 0, out: 0 },
  };
  /** Restarts last read per full path (generation included), to add only what is new. */
  private readonly seenRestarts = new Map<string, number>();
  private readonly seenGenerations = new Map<string, number>();
  private readonly reloadCounts: Record<string, number> = {};
  private readonly pluginFigures = new Map<string, ProcessFigures>();
  private readonly pluginEvents = new Map<string, EventFigures>();
  private lastNats: {
    connection: number;
    inMsgs: number;
    outMsgs: number;
    inBytes: number;
    outBytes: number;
  } = { connection: 0, inMsgs: 0, outMsgs: 0, inBytes: 0, outBytes: 0 };
  private main: ProcessFigures = { rss: 0 };
  private at = 0;
  private plugins: TreeReading['plugins'] = [];
  private connectors: Array<ConnectorReading & { queued?: number }> = [];
  private queued = new Map<string, number>();
  private historyText: string | undefined;

  constructor(
    readonly intervalMs: number,
    readonly windowMs: number,
    private readonly memoryLimitMb: (plugin: string) => number | undefined = () => undefined,
  ) {
    this.window = new RollingWindow<Sample>(Math.max(1, Math.ceil(windowMs / intervalMs)));
    this.columns = new HistoryColumns(this.window.capacity);
  }

  chatLine(platform: string): void {
    this.chatLines.inc({ platform });
    this.counts.chatLines += 1;
  }

  command(o: CommandOutcome): void {
    this.commands.inc({ plugin: o.plugin, command: o.command, outcome: o.outcome });
    bump(this.counts.commands, `${o.plugin}/${o.command}/${o.outcome}`);
    if (o.seconds !== undefined)
      this.commandSeconds.observe({ plugin: o.plugin, command: o.command }, o.seconds);
    if (o.outcome === 'cooldown') {
      this.cooldowns.inc({ plugin: o.plugin, command: o.command });
      this.counts.cooldownHits += 1;
    }
    if (o.outcome === 'error') {
      const code = o.code ?? 'INTERNAL';
      this.errors.inc({ code });
      bump(this.counts.errors, code);
    }
  }

  /** A line Rosey sent to a platform's chat or as a private message. */
  sent(platform: string, kind: 'chat' | 'pm'): void {
    this.replies.inc({ platform, kind });
    bump(this.counts.replies, platform);
  }

  violation(plugin: string, source: string): void {
    this.violations.inc({ plugin, source });
    this.counts.securityViolations += 1;
  }

  storageRequest(o: StorageOutcome): void {
    this.storage.inc({ plugin: o.plugin, op: o.op, outcome: o.outcome });
    this.storageSeconds.observe({ op: o.op }, o.seconds);
    bump(this.counts.storageRequests, o.op);
    if (o.outcome === 'error') bump(this.counts.storageErrors, o.code ?? 'INTERNAL');
  }

  reconnected(): void {
    this.natsReconnects.inc();
    this.counts.natsReconnects += 1;
  }

  /** What the tree says now: restarts and reloads (added as they grow), plugins, connectors. */
  tree(reading: TreeReading): void {
    for (const { path, restarts } of reading.restarts) {
      const before = this.seenRestarts.get(path) ?? 0;
      // A record that went and came back (a plugin started again) counts from 0 again.
      const added = restarts >= before ? restarts - before : restarts;
      this.seenRestarts.set(path, restarts);
      if (added === 0) continue;
      const actor = actorLabel(path);
      this.restarts.inc({ actor }, added);
      bump(this.counts.restarts, actor, added);
    }
    for (const plugin of reading.plugins) {
      if (plugin.generation === undefined) continue;
      // Generation 1 is the first start; every later one is a reload (or a start after a failure).
      const before = this.seenGenerations.get(plugin.name) ?? 1;
      if (plugin.generation > before) {
        this.reloads.inc({ plugin: plugin.name }, plugin.generation - before);
        bump(this.reloadCounts, plugin.name, plugin.generation - before);
      }
      this.seenGenerations.set(plugin.name, Math.max(before, plugin.generation));
    }
    this.plugins = reading.plugins;
    this.pluginUp.reset();
    this.pluginFailed.reset();
    this.memoryLimit.reset();
    for (const plugin of reading.plugins) {
      this.pluginUp.set({ plugin: plugin.name }, plugin.status === 'running' ? 1 : 0);
      this.pluginFailed.set({ plugin: plugin.name }, plugin.status === 'failed' ? 1 : 0);
      const limit = this.memoryLimitMb(plugin.name);
      if (limit !== undefined) this.memoryLimit.set({ plugin: plugin.name }, limit * 1024 * 1024);
      if (plugin.status !== 'running') {
        this.pluginFigures.delete(plugin.name);
        if (this.pluginEvents.delete(plugin.name)) {
          for (const outcome of EVENT_OUTCOMES) this.events.remove({ plugin: plugin.name, outcome });
          this.eventQueue.remove({ plugin: plugin.name });
        }
      }
    }
    this.connectors = reading.connectors.map((c) =>
      this.queued.has(c.name) ? { ...c, queued: this.queued.get(c.name) } : c,
    );
    this.connectorUp.reset();
    this.connectorState.reset();
    for (const c of this.connectors) {
      this.connectorUp.set({ connector: c.name }, c.up ? 1 : 0);
      this.connectorState.set({ connector: c.name, state: c.state }, 1);
      if (c.queued !== undefined) this.connectorQueue.set({ connector: c.name }, c.queued);
    }
  }

  /** A connector's own account of its outbound queue (CyTube's state reply). */
  connectorQueued(name: string, queued: number): void {
    this.queued.set(name, queued);
    this.connectorQueue.set({ connector: name }, queued);
  }

  /** A plugin's figures from its health reply. */
  plugin(name: string, figures: ProcessFigures, events?: EventFigures): void {
    this.pluginFigures.set(name, figures);
    this.processGauges(name, figures);
    if (!events) return;
    this.pluginEvents.set(name, events);
    for (const outcome of EVENT_OUTCOMES) this.events.set({ plugin: name, outcome }, events[outcome]);
    this.eventQueue.set({ plugin: name }, events.queued);
  }

  /** One tick: the main process's figures and the NATS counts; the sample goes into the window. */
  sample(at: number, main: ProcessFigures, nats?: typeof this.lastNats): void {
    this.at = at;
    this.main = main;
    this.processGauges(MAIN, main);
    if (nats) {
      const base = nats.connection === this.lastNats.connection ? this.lastNats : undefined;
      const grew = (key: 'inMsgs' | 'outMsgs' | 'inBytes' | 'outBytes') =>
        Math.max(0, nats[key] - (base?.[key] ?? 0));
      for (const direction of ['in', 'out'] as const) {
        const messages = grew(`${direction}Msgs`);
        const bytes = grew(`${direction}Bytes`);
        this.natsMessages.inc({ direction }, messages);
        this.natsBytes.inc({ direction }, bytes);
        bump(this.counts.natsMessages, direction, messages);
        bump(this.counts.natsBytes, direction, bytes);
      }
      this.lastNats = { ...nats };
    }
    const sample = { at, main, plugins: new Map(this.pluginFigures) };
    this.window.push(sample);
    this.columns.push(sample);
    this.historyText = undefined;
  }

  private processGauges(name: string, f: ProcessFigures): void {
    const labels = { process: name };
    this.rss.set(labels, f.rss);
    if (f.cpuPercent !== undefined) this.cpu.set(labels, f.cpuPercent);
    if (f.heapUsed !== undefined) this.heap.set(labels, f.heapUsed);
    if (f.openHandles !== undefined) this.handles.set(labels, f.openHandles);
    if (f.eventLoopP50Ms !== undefined)
      this.loopDelay.set({ ...labels, quantile: '0.5' }, f.eventLoopP50Ms / 1000);
    if (f.eventLoopP99Ms !== undefined)
      this.loopDelay.set({ ...labels, quantile: '0.99' }, f.eventLoopP99Ms / 1000);
  }

  pluginRows(): PluginFigures[] {
    return this.plugins.map((p) => {
      const limit = this.memoryLimitMb(p.name);
      const figures = this.pluginFigures.get(p.name);
      const events = this.pluginEvents.get(p.name);
      let restarts = 0;
      for (const [actor, n] of Object.entries(this.counts.restarts))
        if (actor.startsWith(`plugins/${p.name}/`)) restarts += n;
      return {
        ...p,
        restarts,
        reloads: this.reloadCounts[p.name] ?? 0,
        ...(limit !== undefined ? { memoryLimitMb: limit } : {}),
        ...(figures ? { process: figures } : {}),
        ...(events ? { events } : {}),
      };
    });
  }

  current(pid = process.pid): CurrentMetrics {
    return {
      at: this.at || this.startedAt,
      intervalMs: this.intervalMs,
      main: { ...this.main, pid },
      plugins: this.pluginRows(),
      connectors: this.connectors.map((c) => ({ ...c })),
      counters: structuredClone(this.counts),
    };
  }

  /**
   * `GET /api/metrics` as JSON text: the current figures, spliced in front of the window's
   * history. The whole window's history (the bulk of the body) is joined from its columns once
   * per sample, on the first request after it, and reused until the next.
   */
  apiMetricsText(query: HistoryQuery = {}): string {
    const whole = query.since === undefined && query.points === undefined;
    const history = whole ? (this.historyText ??= this.columns.text()) : this.columns.text(query);
    const head = JSON.stringify({ ...this.current(), windowMs: this.windowMs });
    return `${head.slice(0, -1)},"history":${history}}`;
  }

  withHistory(query: HistoryQuery = {}): ApiMetrics {
    return {
      ...this.current(),
      windowMs: this.windowMs,
      history: historyOf(selectSamples(this.window.toArray(), query)),
    };
  }

  /** `GET /api/plugins/{name}` as JSON text; undefined when there is no such plugin. */
  apiPluginText(name: string, query: HistoryQuery = {}): string | undefined {
    const row = this.pluginRows().find((p) => p.name === name);
    if (!row) return undefined;
    const history = this.columns.pluginText(name, query);
    return `${JSON.stringify(row).slice(0, -1)},"history":${history}}`;
  }

  /** The Prometheus text exposition, as prom-client writes it. */
  exposition(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
