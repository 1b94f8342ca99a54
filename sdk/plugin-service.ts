import type { Msg, NatsConnection, Subscription } from '@nats-io/transport-node';
import { restoreRequestSchema } from '../contract/messages/plugins.js';
import { decodeJson, encodeJson, incomingMeta, outgoingHeaders } from '../contract/envelope.js';
import { validate } from '../contract/validate.js';
import {
  commandInfoSchema,
  executeRequestSchema,
  type CommandInfo,
  type ExecuteReply,
  type PluginAnnouncement,
} from '../contract/messages/commands.js';
import type { Logger } from '../contract/log.js';
import { err, errorMessage, ok, type Result } from '../contract/result.js';
import { subjects } from '../contract/subjects.js';
import { processSampler } from '../contract/process-figures.js';
import type { CommandResult, PluginDefinition } from './define-plugin.js';
import type { PluginEnv } from '../contract/plugin-env.js';
import { PluginActions } from './plugin-actions.js';
import { StorageClient } from './storage-client.js';
import { ATTR, messagingAttributes, tracing, type Span } from '../contract/tracing.js';

export interface PluginService {
  /** Stop taking commands, let in-flight ones finish (at most `graceMs`), then run the plugin's stop hook. */
  stop(graceMs: number): Promise<void>;
  inFlight(): number;
}

/** The command list a plugin announces, checked against the same schema the router applies. */
export function describeCommands(plugin: PluginDefinition): CommandInfo[] {
  return Object.entries(plugin.commands).map(([name, def]) => {
    const checked = validate(commandInfoSchema, {
      name,
      usage: def.usage,
      description: def.description ?? '',
      minRank: def.minRank ?? 0,
      cooldownMs: def.cooldownMs,
      aliases: def.aliases ?? [],
    });
    if (!checked.ok) throw new Error(`command '${name}': ${checked.error.message}`);
    return checked.data;
  });
}

function toReply(result: CommandResult): ExecuteReply {
  if (result === undefined || result === null) return {};
  if (typeof result === 'string') return result.length > 0 ? { text: result } : {};
  return { text: result.text, private: result.private };
}

/** Why the plugin's own health check says it is unhealthy; undefined when it is healthy. */
async function pluginHealth(plugin: PluginDefinition): Promise<string | undefined> {
  if (!plugin.health) return undefined;
  try {
    return (await plugin.health()) === false ? 'the plugin reports itself unhealthy' : undefined;
  } catch (error) {
    return `health check failed: ${errorMessage(error)}`;
  }
}

/**
 * The NATS side of a plugin process: serves `rosey.commands.<name>.execute` and the generation's
 * health subject, and announces its commands on start and whenever the router asks.
 */
export async function startPluginService(options: {
  nc: NatsConnection;
  plugin: PluginDefinition;
  env: PluginEnv;
  log: Logger;
}): Promise<PluginService> {
  const { nc, plugin, env, log } = options;
  const commands = describeCommands(plugin);
  const startedAt = Date.now();
  const storage = new StorageClient(nc, env.name);
  const { kv, rows, migrations } = storage;
  const audit = async (action: string, target: string, detail?: Record<string, unknown>): Promise<void> => {
    await storage.audit(action, target, detail);
  };
  const actions = new PluginActions(nc, env.name);
  await plugin.start?.({
    actions,
    chat: actions.chat,
    playlist: actions.playlist,
    users: actions.users,
    name: env.name,
    version: env.version,
    generation: env.generation,
    config: env.config,
    log,
    kv,
    rows,
    migrations,
    audit,
  });

  const running = new Set<Promise<void>>();

  const execute = async (msg: Msg): Promise<void> => {
    const t = tracing();
    if (!t) return run(msg);
    // Tracing on: the command runs in a span, child of the router's, so its storage requests (and
    // its log lines) belong to the chat line's trace.
    const meta = incomingMeta(msg);
    // Assigned, not spread into a literal with more keys (slow on Node 20: contract/tracer.ts).
    const attributes = messagingAttributes('process', msg.subject, meta.correlationId);
    attributes[ATTR.plugin] = env.name;
    attributes[ATTR.generation] = env.generation;
    const span = t.start(`process ${msg.subject}`, { kind: 'server', parent: meta.traceparent, attributes });
    return t.run(span, () => run(msg, span));
  };

  const run = async (msg: Msg, span?: Span): Promise<void> => {
    const decoded = decodeJson(msg.data);
    const request = decoded.ok ? validate(executeRequestSchema, decoded.data) : decoded;
    if (span && request.ok) span.setAttribute(ATTR.command, request.data.command);
    let result: Result<ExecuteReply>;
    if (!request.ok) {
      result = request;
    } else if (!Object.hasOwn(plugin.commands, request.data.command)) {
      result = err('UNKNOWN_COMMAND', `${env.name} has no command '${request.data.command}'`);
    } else {
      try {
        const { user, platform, channel } = request.data;
        const here = actions.in({ platform, channel });
        const out = await plugin.commands[request.data.command]!.run({
          ...request.data,
          chat: here.chat,
          playlist: here.playlist,
          users: here.users,
          config: env.config,
          log,
          kv,
          rows,
          migrations,
          // Who ran the command goes last, so the plugin's detail cannot misattribute the record.
          audit: (action, target, detail) => audit(action, target, { ...detail, user, platform, channel }),
        });
        result = ok(toReply(out));
      } catch (error) {
        log.error(`command ${request.data.command} failed: ${errorMessage(error)}`, {
          correlation: incomingMeta(msg).correlationId,
        });
        result = err('PLUGIN_ERROR', errorMessage(error));
      }
    }
    const meta = incomingMeta(msg);
    if (span) {
      if (!result.ok) span.fail(result.error.code, result.error.message);
      span.end();
    }
    msg.respond(encodeJson(result), {
      headers: outgoingHeaders(
        span
          ? { correlationId: meta.correlationId, traceparent: meta.traceparent, parentSpan: span.traceparent }
          : meta,
      ).hdrs,
    });
  };

  const track = (msg: Msg) => {
    const job = execute(msg).catch((error: unknown) => log.error(`reply failed: ${errorMessage(error)}`));
    running.add(job);
    void job.finally(() => running.delete(job));
  };

  const announcement: PluginAnnouncement = {
    plugin: env.name,
    generation: env.generation,
    version: env.version,
    pid: process.pid,
    commands,
    handoff: {
      snapshot: typeof plugin.snapshot === 'function',
      restore: typeof plugin.restore === 'function',
    },
  };
  // A re-announcement continues the trace of the discover request that asked for it.
  const announce = (from?: Msg) =>
    nc.publish(subjects.pluginReady(env.name, env.generation), encodeJson(announcement), {
      headers: outgoingHeaders(from ? incomingMeta(from) : undefined).hdrs,
    });

  const intake: Subscription[] = [
    nc.subscribe(subjects.execute(env.name, env.generation), {
      callback: (e, msg) => (e ? undefined : track(msg)),
    }),
    nc.subscribe(subjects.pluginsDiscover, { callback: (e, msg) => (e ? undefined : announce(msg)) }),
  ];
  // Figures since the previous health reply, whoever asked (the host or the metrics actor).
  const figures = processSampler();
  const health = nc.subscribe(subjects.pluginHealth(env.name, env.generation), {
    callback: (e, msg) => {
      if (e) return;
      void pluginHealth(plugin).then((unhealthy) => {
        const result =
          unhealthy === undefined
            ? ok({
                status: 'ok',
                uptimeMs: Date.now() - startedAt,
                inFlight: running.size,
                rss: process.memoryUsage.rss(),
                process: figures.read(),
              })
            : err('UNHEALTHY', unhealthy);
        msg.respond(encodeJson(result), { headers: outgoingHeaders(incomingMeta(msg)).hdrs });
      });
    },
  });
  const answer = (msg: Msg, result: Result<unknown>) => {
    try {
      msg.respond(encodeJson(result), { headers: outgoingHeaders(incomingMeta(msg)).hdrs });
    } catch (error) {
      msg.respond(
        encodeJson(err('VALUE_TOO_LARGE', `the plugin's state cannot be sent: ${errorMessage(error)}`)),
      );
    }
  };
  const handoff: Subscription[] = [
    nc.subscribe(subjects.pluginSnapshot(env.name, env.generation), {
      callback: (e, msg) => {
        if (e) return;
        if (!plugin.snapshot) return answer(msg, err('NOT_SUPPORTED', `${env.name} has no snapshot()`));
        void (async () => plugin.snapshot!())().then(
          (state) => answer(msg, ok({ state: state ?? null })),
          (error: unknown) => answer(msg, err('PLUGIN_ERROR', `snapshot failed: ${errorMessage(error)}`)),
        );
      },
    }),
    nc.subscribe(subjects.pluginRestore(env.name, env.generation), {
      callback: (e, msg) => {
        if (e) return;
        if (!plugin.restore) return answer(msg, err('NOT_SUPPORTED', `${env.name} has no restore()`));
        const decoded = decodeJson(msg.data);
        const request = decoded.ok ? validate(restoreRequestSchema, decoded.data) : decoded;
        if (!request.ok) return answer(msg, request);
        const { state } = request.data;
        void (async () => plugin.restore!(state))().then(
          () => answer(msg, ok({})),
          (error: unknown) => answer(msg, err('PLUGIN_ERROR', `restore failed: ${errorMessage(error)}`)),
        );
      },
    }),
  ];
  await nc.flush();
  announce();

  return {
    inFlight: () => running.size,
    async stop(graceMs) {
      for (const sub of intake) sub.unsubscribe();
      await Promise.race([
        Promise.allSettled([...running]),
        new Promise((resolve) => setTimeout(resolve, graceMs).unref()),
      ]);
      await plugin.stop?.();
      health.unsubscribe();
      figures.stop();
      for (const sub of handoff) sub.unsubscribe();
    },
  };
}
