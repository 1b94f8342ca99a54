/**
 * How the plugin host tells a plugin process who it is and where the bus is. Environment variables,
 * because the process talks to Rosey only over NATS.
 */
import { isSampleRatio } from './trace-sampling.js';

export interface PluginEnv {
  name: string;
  version: string;
  generation: number;
  entry: string;
  natsUrl: string;
  natsToken?: string;
  natsUser?: string;
  natsPass?: string;
  /** The plugin's own reply inbox (its NATS user may subscribe to nothing else). */
  inboxPrefix?: string;
  config: Record<string, unknown>;
  /** Bound of its channel-event queue (`plugins.settings.<name>.eventQueue`). */
  eventQueue?: number;
  /** How long one event's handler may run before it is reported (`plugins.settings.<name>.eventTimeoutMs`). */
  eventTimeoutMs?: number;
  /** A reload will hand it the old generation's state: it handles no event before `restore`. */
  awaitRestore?: boolean;
  /** Where the process sends its spans (an OTLP/HTTP traces URL); absent: tracing off (docs/tracing.md). */
  otlpTracesUrl?: string;
  /** The share of new traces recorded, 0 to 1 (`telemetry.sampleRatio`); absent: all. */
  traceSampleRatio?: number;
}

export const ENV = {
  name: 'ROSEY_PLUGIN_NAME',
  version: 'ROSEY_PLUGIN_VERSION',
  generation: 'ROSEY_PLUGIN_GENERATION',
  entry: 'ROSEY_PLUGIN_ENTRY',
  natsUrl: 'ROSEY_NATS_URL',
  natsToken: 'ROSEY_NATS_TOKEN',
  natsUser: 'ROSEY_NATS_USER',
  natsPass: 'ROSEY_NATS_PASS',
  inboxPrefix: 'ROSEY_NATS_INBOX',
  config: 'ROSEY_PLUGIN_CONFIG',
  otlpTracesUrl: 'ROSEY_OTLP_TRACES_URL',
  traceSampleRatio: 'ROSEY_TRACE_SAMPLE_RATIO',
  eventQueue: 'ROSEY_PLUGIN_EVENT_QUEUE',
  eventTimeoutMs: 'ROSEY_PLUGIN_EVENT_TIMEOUT_MS',
  awaitRestore: 'ROSEY_PLUGIN_AWAIT_RESTORE',
} as const;

export function toEnv(env: PluginEnv): Record<string, string> {
  const out: Record<string, string> = {
    [ENV.name]: env.name,
    [ENV.version]: env.version,
    [ENV.generation]: String(env.generation),
    [ENV.entry]: env.entry,
    [ENV.natsUrl]: env.natsUrl,
    [ENV.config]: JSON.stringify(env.config),
  };
  if (env.natsToken) out[ENV.natsToken] = env.natsToken;
  if (env.natsUser) out[ENV.natsUser] = env.natsUser;
  if (env.natsPass) out[ENV.natsPass] = env.natsPass;
  if (env.inboxPrefix) out[ENV.inboxPrefix] = env.inboxPrefix;
  if (env.otlpTracesUrl) out[ENV.otlpTracesUrl] = env.otlpTracesUrl;
  if (env.traceSampleRatio !== undefined) out[ENV.traceSampleRatio] = String(env.traceSampleRatio);
  if (env.eventQueue !== undefined) out[ENV.eventQueue] = String(env.eventQueue);
  if (env.eventTimeoutMs !== undefined) out[ENV.eventTimeoutMs] = String(env.eventTimeoutMs);
  if (env.awaitRestore) out[ENV.awaitRestore] = '1';
  return out;
}

export function fromEnv(source: NodeJS.ProcessEnv): PluginEnv {
  const need = (key: string) => {
    const value = source[key];
    if (!value) throw new Error(`${key} is not set: plugin processes are started by Rosey's plugin host`);
    return value;
  };
  const generation = Number(need(ENV.generation));
  if (!Number.isInteger(generation) || generation < 1)
    throw new Error(`${ENV.generation} must be a positive integer`);
  const eventQueue = source[ENV.eventQueue] ? Number(source[ENV.eventQueue]) : undefined;
  if (eventQueue !== undefined && (!Number.isInteger(eventQueue) || eventQueue < 1))
    throw new Error(`${ENV.eventQueue} must be a positive integer`);
  const eventTimeoutMs = source[ENV.eventTimeoutMs] ? Number(source[ENV.eventTimeoutMs]) : undefined;
  if (eventTimeoutMs !== undefined && (!Number.isInteger(eventTimeoutMs) || eventTimeoutMs < 1))
    throw new Error(`${ENV.eventTimeoutMs} must be a positive integer`);
  const traceSampleRatio = source[ENV.traceSampleRatio] ? Number(source[ENV.traceSampleRatio]) : undefined;
  if (traceSampleRatio !== undefined && !isSampleRatio(traceSampleRatio))
    throw new Error(`${ENV.traceSampleRatio} must be a number from 0 to 1`);
  let config: Record<string, unknown> = {};
  if (source[ENV.config]) config = JSON.parse(source[ENV.config]!) as Record<string, unknown>;
  return {
    name: need(ENV.name),
    version: need(ENV.version),
    generation,
    entry: need(ENV.entry),
    natsUrl: need(ENV.natsUrl),
    natsToken: source[ENV.natsToken] || undefined,
    natsUser: source[ENV.natsUser] || undefined,
    natsPass: source[ENV.natsPass] || undefined,
    inboxPrefix: source[ENV.inboxPrefix] || undefined,
    config,
    otlpTracesUrl: source[ENV.otlpTracesUrl] || undefined,
    traceSampleRatio,
    eventQueue,
    eventTimeoutMs,
    awaitRestore: source[ENV.awaitRestore] === '1' || undefined,
  };
}
