import type { Msg, NatsConnection, Subscription } from '../contract/nats.js';
import { restoreRequestSchema } from '../contract/messages/plugins.js';
import {
  DEFAULT_EVENT_QUEUE,
  DEFAULT_EVENT_TIMEOUT_MS,
  eventsRequestSchema,
} from '../contract/messages/plugin-events.js';
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
import { describeRelease, releaseMemoryWhenQuiet } from '../contract/idle-memory.js';
import { commandsOf, type CommandResult, type PluginDefinition } from './define-plugin.js';
import { EventIntake } from './event-intake.js';
import type { PluginEnv } from '../contract/plugin-env.js';
import { PluginActions } from './plugin-actions.js';
import { StorageClient } from './storage-client.js';
import { ATTR, messagingAttributes, tracing, type Span } from '../contract/tracing.js';

export interface PluginService {
  /** Stop taking commands, let in-flight ones finish (at most `graceMs`), then run the plugin's stop hook. */
  stop(graceMs: number): Promise<void>;
  inFlight(): number;
  /** Its channel events (docs/plugin-sdk.md#events). */
  events: EventIntake;
}

/** How long a generation started for a hand-off waits for its `restore` before handling events anyway. */
const AWAIT_RESTORE_MS = 60_000;

/** The command list a plugin announces, checked against the same schema the router applies. */
export function describeCommands(plugin: PluginDefinition, config: Record<string, unknown>): CommandInfo[] {
  return Object.entries(commandsOf(plugin, config)).map(([name, def]) => {
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
  // Made once, from the configuration the process got, before `start` (so announced as they run).
  const definitions = commandsOf(plugin, env.config);
  const commands = describeCommands({ commands: definitions, name: plugin.name }, env.config);
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
    channelView: actions.channelView,
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

  const events = new EventIntake({
    nc,
    plugin: env.name,
    handlers: plugin.events ?? {},
    log,
    limit: env.eventQueue ?? DEFAULT_EVENT_QUEUE,
    timeoutMs: env.eventTimeoutMs ?? DEFAULT_EVENT_TIMEOUT_MS,
    // A reload hands this generation the old one's state: no event may see the state before it.
    held: env.awaitRestore === true && typeof plugin.restore === 'function',
    context: (event, payload) => {
      const { platform, channel } = payload as { platform: string; channel: string };
      const here = actions.in({ platform, channel });
      return {
        event,
        config: env.config,
        log,
        kv,
        rows,
        migrations,
        audit,
        chat: here.chat,
        playlist: here.playlist,
        users: here.users,
        channelView: here.channelView,
      };
    },
  });
  // A generation that waits for a restore that never comes (its reload gave up on the hand-off yet
  // kept it, or it was restarted with the same environment) does not hold its events for ever.
  const holdTimer = setTimeout(() => {
    if (!events.figures().held) return;
    log.warn(`no restore within ${AWAIT_RESTORE_MS} ms: handling events without the old state`);
    events.release();
  }, AWAIT_RESTORE_MS).unref();

  const running = new Set<Promise<void>>();
  /** A reload took this generation's snapshot: a `resume` means the reload did not go through. */
  let snapshotTaken = false;

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
    } else if (!Object.hasOwn(definitions, request.data.command)) {
      result = err('UNKNOWN_COMMAND', `${env.name} has no command '${request.data.command}'`);
    } else {
      try {
        const { user, platform, channel } = request.data;
        const here = actions.in({ platform, channel });
        // Commands reach a new generation only after the switch: a hand-off has happened by now.
        events.release();
        const out = await definitions[request.data.command]!.run({
          ...request.data,
          chat: here.chat,
          playlist: here.playlist,
          users: here.users,
          channelView: here.channelView,
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
                ...(events.names.length > 0 ? { events: events.figures() } : {}),
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
        // The next generation hears the events from now on (and holds them until its restore): the
        // snapshot includes every event this one handled.
        void (async () => {
          await events.pause();
          snapshotTaken = true;
          return plugin.snapshot!();
        })().then(
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
          () => {
            clearTimeout(holdTimer);
            events.release();
            answer(msg, ok({}));
          },
          (error: unknown) => answer(msg, err('PLUGIN_ERROR', `restore failed: ${errorMessage(error)}`)),
        );
      },
    }),
    nc.subscribe(subjects.pluginEvents(env.name, env.generation), {
      callback: (e, msg) => {
        if (e) return;
        const decoded = decodeJson(msg.data);
        const request = decoded.ok ? validate(eventsRequestSchema, decoded.data) : decoded;
        if (!request.ok) return answer(msg, request);
        if (request.data.op === 'resume') {
          events.listen();
          if (!snapshotTaken) return answer(msg, ok(events.figures()));
          snapshotTaken = false;
          void (async () => plugin.resume?.())()
            .catch((error: unknown) => log.error(`resume failed: ${errorMessage(error)}`))
            .then(() => answer(msg, ok(events.figures())));
          return;
        }
        // `release`: a hand-off failed, and this generation will be stopped: it stops hearing events
        // (the old generation hears them again) and handles what it held, with no grace period to
        // cut it short (docs/plugin-sdk.md#events).
        if (request.data.op === 'release') {
          events.release();
          void events.pause().then(() => answer(msg, ok(events.figures())));
          return;
        }
        void events.idle().then(() => answer(msg, ok(events.figures())));
      },
    }),
  ];
  // Subscribed before it announces: a reload stops the old generation only after this one is ready,
  // so some generation always hears each event.
  events.listen();
  await nc.flush();
  announce();
  // What a busy spell left committed goes back once the plugin is quiet (contract/idle-memory.ts).
  const memory = releaseMemoryWhenQuiet({
    released: (report) => log.debug(describeRelease(report)),
    failed: (message) => log.warn(message),
  });

  return {
    inFlight: () => running.size,
    events,
    async stop(graceMs) {
      for (const sub of intake) sub.unsubscribe();
      clearTimeout(holdTimer);
      await Promise.race([
        Promise.allSettled([...running, events.stop(graceMs)]),
        new Promise((resolve) => setTimeout(resolve, graceMs).unref()),
      ]);
      memory.stop();
      await plugin.stop?.();
      health.unsubscribe();
      figures.stop();
      for (const sub of handoff) sub.unsubscribe();
    },
  };
}
