import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect, type NatsConnection } from '../../contract/nats.js';
import {
  actionGateSpec,
  busSpec,
  hasMigrations,
  migrationsDir,
  migratorSpec,
  natsServerSpec,
  pluginMigrationsSpec,
  routerSpec,
  storageSpec,
  newWiring,
} from '../../app/child-specs.js';
import { parseConfig } from '../../app/config/load.js';
import { embeddedNats } from '../../app/nats-access.js';
import { CAPABILITY_NAMES, isCapability, type CapabilityName } from '../../contract/capabilities.js';
import { decodeJson, encodeJson, outgoingHeaders } from '../../contract/envelope.js';
import { quietLogger, type LogFields, type Logger, type LogLevel } from '../../contract/log.js';
import { chatMessageSchema, type ChatMessage } from '../../contract/messages/chat.js';
import { routerCommandsReplySchema } from '../../contract/messages/router.js';
import {
  eventFiguresSchema,
  PLUGIN_EVENTS,
  type EventFigures,
  type PluginEventName,
  type PluginEventPayloads,
} from '../../contract/messages/plugin-events.js';
import { auditRecordSchema, type AuditRecord } from '../../contract/messages/storage.js';
import { request } from '../../contract/request.js';
import { errorMessage, ok } from '../../contract/result.js';
import { subjects } from '../../contract/subjects.js';
import { validate } from '../../contract/validate.js';
import { loadPlugin, type LoadedPlugin } from '../../plugin-packages/manifest.js';
import type { ChildSpec } from '../../supervisors/child-spec.js';
import { describeTree, findNode } from '../../supervisors/describe-tree.js';
import { runTree, type RunningTree } from '../../supervisors/run-tree.js';
import { commandsOf, isPlugin, type PluginDefinition } from '../define-plugin.js';
import { startPluginService, type PluginService } from '../plugin-service.js';
import { StorageClient } from '../storage-client.js';
import {
  emptyView,
  simulatePlatform,
  type Action,
  type PlatformAnswer,
  type Reply,
} from './test-platform.js';
import type { ChannelView } from '../../contract/messages/actions.js';
import type { Result } from '../../contract/result.js';

export type { Action, AuditRecord, ChannelView, Reply };

/** Where Rosey keeps the data: what its storage and migrator take (a SQLite file or a PostgreSQL URL). */
export type TestDatabase = Parameters<typeof storageSpec>[1];

export interface TestBotOptions {
  /**
   * The plugin's folder (`new URL('..', import.meta.url)` from a test in `<plugin>/test/`): its
   * manifest.yaml gives the name, version and permissions, its `migrations/` are applied first.
   */
  dir?: string | URL;
  /** The plugin's own configuration (`plugins.settings.<name>.config` in Rosey's config). */
  config?: Record<string, unknown>;
  /** Capabilities granted. Default: the manifest's `permissions` with `dir`, none without. */
  grant?: string[];
  /** Who speaks when `say` names nobody. Default `tester`. */
  user?: string;
  /** Their rank (0 guest, 1 registered, 2 moderator, 3 admin, 4+ owner). Default 1. */
  rank?: number;
  /** Command prefix. Default `!`. */
  prefix?: string;
  /** The bot's chat name (lines from it are never commands). Default `Rosey`. */
  botName?: string;
  /** Bound of the plugin's event queue (`plugins.settings.<name>.eventQueue`). Default 1000. */
  eventQueue?: number;
  /** One event handler's time before it is reported as still running (`plugins.settings.<name>.eventTimeoutMs`). Default 30 s. */
  eventTimeoutMs?: number;
  /** Router cooldown of commands that declare none. Default 0 (Rosey's default is 1000). */
  defaultCooldownMs?: number;
  /** How long the router waits for the plugin's answer. Default Rosey's (5000). */
  commandTimeoutMs?: number;
  /** Default: a fresh SQLite file, removed by `close()`. */
  database?: 'sqlite' | TestDatabase;
  /** Receives Rosey's and the plugin's log lines. Default: silent (`ROSEY_TEST_LOG=1` shows them). */
  log?: Logger;
  /** The nats-server binary. Default `nats-server` from PATH. */
  natsBinary?: string;
}

/** An event's payload without what the harness fills in (`platform`, `channel`, `time`). */
export type EmitFields<E extends PluginEventName> = E extends 'playlist'
  ? DistributiveOmit<PluginEventPayloads['playlist'], 'platform' | 'channel' | 'time'> &
      Partial<Pick<PluginEventPayloads['playlist'], 'time'>>
  : Omit<PluginEventPayloads[E], 'platform' | 'channel' | 'time'> &
      Partial<Pick<PluginEventPayloads[E], 'time'>>;
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/**
 * Publishes a channel event as a platform would, and resolves once the plugin has handled every
 * event it has, with the replies (chat lines, private messages) it sent meanwhile.
 */
export type Emit = { [E in PluginEventName]: (fields: EmitFields<E>) => Promise<Reply[]> };

export interface SayOptions {
  /** The user speaking. Default: the bot's `user` option. */
  as?: string;
  /** Their rank. Default: the bot's `rank` option. */
  rank?: number;
  /** Sent as a private message to the bot. */
  private?: boolean;
  /** Flags of the line: the bot's own (`self`), the platform's (`system`), a `/me` (`action`). */
  self?: boolean;
  system?: boolean;
  action?: boolean;
}

/** A line the plugin logged through `ctx.log`. */
export interface LogLine {
  level: LogLevel;
  msg: string;
  fields?: LogFields;
}

export interface TestBot {
  /** The plugin's name. */
  readonly name: string;
  /**
   * Says `text` in the channel (or privately) and resolves once Rosey has answered it: the
   * command's reply, the router's own (unknown command, rank, cooldown, failure), or nothing.
   * Returns the replies that line produced.
   */
  say(text: string, options?: SayOptions): Promise<Reply[]>;
  /**
   * Channel events as a platform publishes them (`bot.emit.join({ user: 'alice', rank: 1 })`),
   * to the plugin's `events` handlers; each resolves once the plugin has handled them.
   */
  readonly emit: Emit;
  /** What the plugin's event queue has done (handled, dropped, failed, …), once it has handled all it has. */
  eventFigures(): Promise<EventFigures>;
  /** Every reply since the start (or the last `clear()`), oldest first. */
  readonly replies: readonly Reply[];
  /** The most recent reply; throws when there is none (check `replies.length` for silence). */
  readonly lastReply: Reply;
  /** Everything else sent to the platform (kicks, playlist changes, …). */
  readonly actions: readonly Action[];
  /**
   * How the platform answers the plugin's actions from now on: `answer(kind, data)` with `kind`
   * as in `actions` (`playlist.add`, `kick`, …) gives the connector's result, e.g.
   * `err('FORBIDDEN', …)` for a channel permission the bot lacks, or `ok({ uid: 7 })`. `undefined`
   * goes back to success with `{}`.
   */
  platformAnswers(answer: PlatformAnswer | undefined): void;
  /**
   * The channel `ctx.channelView()` sees (capability `channel.read`): edit it freely
   * (`bot.channel.playlist.push(…)`); it starts empty, with the bot in it at rank 1.
   */
  channel: ChannelView;
  /** What the plugin logged. */
  readonly logs: readonly LogLine[];
  /**
   * What the plugin recorded with `ctx.audit`, oldest first, as published on
   * `rosey.audit.<plugin>.<action>`: `{id, at, actor, action, target, detail}`, `action` with the
   * plugin's name in front (`quotes.quote.deleted`). In by the time the `say` that caused it resolves.
   */
  readonly audits: readonly AuditRecord[];
  /** Forgets replies, actions, logs and audits. */
  clear(): void;
  /** The plugin's key-value store and tables, as Rosey sees them: for seeding and assertions. */
  readonly kv: StorageClient['kv'];
  readonly rows: StorageClient['rows'];
  readonly migrations: StorageClient['migrations'];
  /** Rosey's own NATS connection (all permissions), e.g. to publish channel events. */
  readonly nc: NatsConnection;
  /** The bot's private nats-server. */
  readonly server: { readonly url: string; readonly pid: number };
  /**
   * A storage outage: Rosey's supervisor terminates the storage service, so the plugin's storage
   * calls find nobody listening (`NO_RESPONDERS`). Resolves once storage no longer answers.
   */
  stopStorage(): Promise<void>;
  /** Ends the outage: the supervisor starts storage again. Resolves once it answers. */
  startStorage(): Promise<void>;
  /** Stops the plugin, Rosey and the nats-server, and removes the temporary files. Idempotent. */
  close(): Promise<void>;
}

const PLATFORM = 'test';
const CHANNEL = 'test';
const GENERATION = 1;
const PLUGIN_STOP_GRACE_MS = 3000;
const READY_TIMEOUT_MS = 10_000;

/** The plugin's log: every line kept for the test, and passed on to `options.log`. */
function recordingLogger(lines: () => LogLine[], forward: Logger): Logger {
  const at =
    (level: LogLevel) =>
    (msg: string, fields?: LogFields): void => {
      lines().push(fields === undefined ? { level, msg } : { level, msg, fields });
      forward[level](msg, fields);
    };
  return {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: (tag, bindings) => recordingLogger(lines, forward.child(tag, bindings)),
  };
}

function pluginOf(value: unknown): PluginDefinition {
  if (isPlugin(value)) return value;
  // `import * as plugin from '../index.js'` works too.
  const fallback = (value as { default?: unknown } | null | undefined)?.default;
  if (isPlugin(fallback)) return fallback;
  throw new Error(
    'testBot: the first argument must be the plugin, the default export of its module (`export default definePlugin({ ... })`)',
  );
}

function grantsOf(name: string, requested: readonly string[]): CapabilityName[] {
  for (const grant of requested) {
    if (!isCapability(grant))
      throw new Error(
        `testBot(${name}): unknown permission '${grant}' in grant (known: ${CAPABILITY_NAMES.join(', ')})`,
      );
  }
  return [...new Set(requested as CapabilityName[])].sort();
}

/**
 * Runs a plugin against a real Rosey for its tests: a private nats-server with Rosey's user and the
 * plugin's (limited to the plugin's granted capabilities, as in production), Rosey's bus, storage
 * (a fresh SQLite file), migrator and router under a supervisor, the plugin's migrations, and the
 * plugin itself, in this process on its own NATS connection. A simulated platform `test` carries
 * chat lines in and records what comes back. Always `close()` it (in `after`/`afterEach`).
 */
export async function testBot(pluginModule: unknown, options: TestBotOptions = {}): Promise<TestBot> {
  const plugin = pluginOf(pluginModule);
  const name = plugin.name;

  let loaded: LoadedPlugin | undefined;
  if (options.dir !== undefined) {
    const dir = options.dir instanceof URL ? fileURLToPath(options.dir) : resolve(options.dir);
    loaded = loadPlugin(dir);
    if (loaded.manifest.name !== name)
      throw new Error(
        `testBot: ${join(loaded.dir, 'manifest.yaml')} names the plugin '${loaded.manifest.name}' but its code says '${name}'`,
      );
  }
  const granted = grantsOf(name, options.grant ?? loaded?.manifest.permissions ?? []);
  const config = parseConfig(
    {
      bot: { name: options.botName ?? 'Rosey', commandPrefix: options.prefix ?? '!' },
      router: {
        defaultCooldownMs: options.defaultCooldownMs ?? 0,
        ...(options.commandTimeoutMs === undefined ? {} : { commandTimeoutMs: options.commandTimeoutMs }),
      },
    },
    'testBot options',
  );
  const defaults = { user: options.user ?? 'tester', rank: options.rank ?? 1 };
  const logger = options.log ?? quietLogger;

  // Everything started so far, stopped in reverse order by close() or by a failed start.
  const stops: Array<{ what: string; stop: () => Promise<unknown> | void }> = [];
  const stopAll = async (): Promise<void> => {
    const problems: string[] = [];
    for (const { what, stop } of stops.reverse()) {
      try {
        await stop();
      } catch (error) {
        problems.push(`${what}: ${errorMessage(error)}`);
      }
    }
    stops.length = 0;
    if (problems.length > 0) throw new Error(`testBot(${name}): unclean close: ${problems.join('; ')}`);
  };

  let replies: Reply[] = [];
  let actions: Action[] = [];
  let logs: LogLine[] = [];
  let audits: AuditRecord[] = [];
  const collectors = new Set<Reply[]>();

  const tmp = mkdtempSync(join(tmpdir(), `rosey-testbot-${name}-`));
  stops.push({ what: 'temporary files', stop: () => rmSync(tmp, { recursive: true, force: true }) });
  try {
    // As in Rosey: an embedded nats-server with Rosey's user and the plugin's, limited to its grants.
    const { nats, pluginNats } = await embeddedNats([[name, granted]], options.natsBinary ?? 'nats-server');
    const embedded = nats.embedded!;
    const wiring = newWiring(logger);
    const database: TestDatabase =
      options.database === undefined || options.database === 'sqlite'
        ? { kind: 'sqlite', file: join(tmp, 'rosey.db') }
        : options.database;
    const migrations = loaded && hasMigrations(loaded) ? migrationsDir(loaded) : undefined;
    const storageChild = storageSpec(wiring, database);
    // Rosey's own child specs (app/child-specs.ts), in the order of its infra, data and services branches.
    const children: ChildSpec[] = [
      natsServerSpec(wiring, {
        port: embedded.port,
        binary: embedded.binary,
        users: embedded.users,
        dir: tmp,
      }),
      busSpec(wiring, nats, `rosey-test-${name}`),
      storageChild,
      migratorSpec(wiring, database, { migrationDirs: new Map(migrations ? [[name, migrations]] : []) }),
      routerSpec(wiring, config),
      // The plugin's own actions (ctx.chat.send, ctx.users.kick, …) pass the same gate as in Rosey.
      actionGateSpec(wiring, [PLATFORM]),
      // Pending migrations go in before the plugin starts, as in Rosey's plugin supervisor.
      ...(migrations ? [pluginMigrationsSpec(wiring, name)] : []),
    ];
    let tree: RunningTree;
    try {
      tree = await runTree({ name: 'test-bot', strategy: 'rest_for_one', logger, children });
    } catch (error) {
      throw new Error(`testBot(${name}): Rosey did not start: ${errorMessage(error)}`, { cause: error });
    }
    stops.push({ what: 'Rosey', stop: () => tree.shutdown() });

    const nc = await connect({
      servers: nats.url,
      user: nats.user,
      pass: nats.pass,
      name: `test-platform:${name}`,
      noAsyncTraces: true,
    });
    stops.push({ what: "Rosey's test connection", stop: () => nc.close() });
    let answer: PlatformAnswer | undefined;
    let channel = emptyView(PLATFORM, CHANNEL, config.bot.name);
    await simulatePlatform(
      nc,
      PLATFORM,
      {
        reply: (reply) => {
          replies.push(reply);
          for (const collected of collectors) collected.push(reply);
        },
        action: (action) => actions.push(action),
      },
      (kind, data): Result<unknown> => (answer ? answer(kind, data) : { ok: true, data: {} }),
      () => channel,
    );
    // Storage publishes each record before it answers the plugin, on Rosey's connection, so a record
    // is here before the command's reply and the router's settle answer (subscribed before start).
    nc.subscribe(subjects.auditEvents(name), {
      callback: (error, msg) => {
        if (error) return;
        const decoded = decodeJson(msg.data);
        const record = decoded.ok ? validate(auditRecordSchema, decoded.data) : decoded;
        if (record.ok) audits.push(record.data);
        else logger.warn(`testBot(${name}): not an audit record on ${msg.subject}: ${record.error.message}`);
      },
    });

    // The gate asks the plugin manager for the plugin's grants; here the harness is the manager.
    nc.subscribe(subjects.pluginControl('info'), {
      callback: (_e, msg) => {
        msg.respond(encodeJson(ok({ name, granted })));
      },
    });
    // The router routes on announcements a plugin host vouches for; here the harness is the host.
    nc.subscribe(subjects.pluginReady(name, GENERATION), {
      callback: (_e, msg) => {
        nc.publish(subjects.hostedReady(name, GENERATION), msg.data, { headers: msg.headers });
      },
    });
    await nc.flush();

    const own = pluginNats(name);
    const pluginNc = await connect({
      servers: own.endpoint.url,
      user: own.endpoint.user,
      pass: own.endpoint.pass,
      inboxPrefix: own.inboxPrefix,
      name: `plugin:${name}@${GENERATION}`,
      noAsyncTraces: true,
    });
    stops.push({ what: "the plugin's connection", stop: () => pluginNc.close() });

    let service: PluginService;
    try {
      service = await startPluginService({
        nc: pluginNc,
        plugin,
        env: {
          name,
          version: loaded?.manifest.version ?? '0.0.0',
          generation: GENERATION,
          entry: loaded?.entry ?? '(in process)',
          natsUrl: own.endpoint.url,
          natsUser: own.endpoint.user,
          natsPass: own.endpoint.pass,
          inboxPrefix: own.inboxPrefix,
          config: options.config ?? {},
          eventQueue: options.eventQueue,
          eventTimeoutMs: options.eventTimeoutMs,
        },
        log: recordingLogger(() => logs, logger.child(`plugin:${name}`)),
      });
    } catch (error) {
      throw new Error(`testBot(${name}): the plugin failed to start: ${errorMessage(error)}`, {
        cause: error,
      });
    }
    stops.push({ what: 'the plugin', stop: () => service.stop(PLUGIN_STOP_GRACE_MS) });

    await routerKnows(nc, plugin, name, options.config ?? {});

    const storage = new StorageClient(nc, name);
    let closing: Promise<void> | undefined;

    /** Resolves once the plugin has handled every event published before (same connection, in order). */
    const eventsSettled = async (): Promise<EventFigures> => {
      const settled = await request(
        nc,
        subjects.pluginEvents(name, GENERATION),
        { op: 'settle' },
        { timeoutMs: config.router.commandTimeoutMs + 10_000, reply: eventFiguresSchema },
      );
      if (!settled.ok)
        throw new Error(`testBot(${name}): the plugin did not settle its events: ${settled.error.message}`);
      await nc.flush();
      return settled.data;
    };
    const handlesEvents = Object.keys(plugin.events ?? {}).length > 0;
    /** Runs `send`, then waits for the router and the plugin's events; returns the replies meanwhile. */
    const collect = async (send: () => Promise<void>): Promise<Reply[]> => {
      if (closing) throw new Error(`testBot(${name}): used after close()`);
      const collected: Reply[] = [];
      collectors.add(collected);
      try {
        await send();
        if (handlesEvents) await eventsSettled();
        return collected;
      } finally {
        collectors.delete(collected);
      }
    };
    const emit = Object.fromEntries(
      (Object.keys(PLUGIN_EVENTS) as PluginEventName[]).map((event) => [
        event,
        (fields: Record<string, unknown>) =>
          collect(async () => {
            const { kind, ...rest } = fields as { kind?: string };
            const source =
              PLUGIN_EVENTS[event].sources.find((s) => s.kind === kind) ?? PLUGIN_EVENTS[event].sources[0]!;
            const payload = validate(source.schema, {
              platform: PLATFORM,
              channel: CHANNEL,
              time: Date.now(),
              ...rest,
            });
            if (!payload.ok)
              throw new Error(`testBot(${name}): not a '${event}' event: ${payload.error.message}`);
            nc.publish(source.subject, encodeJson(payload.data), { headers: outgoingHeaders().hdrs });
            await nc.flush();
          }),
      ]),
    ) as unknown as Emit;

    return {
      name,
      emit,
      eventFigures: eventsSettled,
      async say(text, sayOptions = {}) {
        if (closing) throw new Error(`testBot(${name}): say() after close()`);
        const message = validate(chatMessageSchema, {
          platform: PLATFORM,
          channel: CHANNEL,
          user: sayOptions.as ?? defaults.user,
          rank: sayOptions.rank ?? defaults.rank,
          text,
          time: Date.now(),
          ...(sayOptions.self ? { self: true } : {}),
          ...(sayOptions.system ? { system: true } : {}),
          ...(sayOptions.action ? { action: true } : {}),
        } satisfies ChatMessage);
        if (!message.ok) throw new Error(`testBot(${name}): not a chat line: ${message.error.message}`);
        return collect(async () => {
          nc.publish(sayOptions.private ? subjects.pm : subjects.message, encodeJson(message.data), {
            headers: outgoingHeaders().hdrs,
          });
          // The router takes the line before this request (same connection, in order) and answers
          // once no command is in flight, after it has sent their replies.
          const settled = await request(
            nc,
            subjects.routerSettle,
            {},
            { timeoutMs: config.router.commandTimeoutMs + 10_000 },
          );
          if (!settled.ok)
            throw new Error(
              `testBot(${name}): no answer to ${JSON.stringify(text)}: ${settled.error.message}`,
            );
          await nc.flush();
        });
      },
      get replies() {
        return replies;
      },
      get lastReply() {
        const last = replies.at(-1);
        if (!last) throw new Error(`testBot(${name}): no reply yet`);
        return last;
      },
      get actions() {
        return actions;
      },
      platformAnswers(given) {
        answer = given;
      },
      get channel() {
        return channel;
      },
      set channel(view) {
        channel = view;
      },
      get logs() {
        return logs;
      },
      get audits() {
        return audits;
      },
      clear() {
        replies = [];
        actions = [];
        logs = [];
        audits = [];
      },
      kv: storage.kv,
      rows: storage.rows,
      migrations: storage.migrations,
      nc,
      server: { url: nats.url, pid: natsServerPid(tree) },
      async stopStorage() {
        tree.actor.send({ type: 'supervisor.terminate_child', id: 'storage' });
        await storageAnswers(nc, name, false);
      },
      async startStorage() {
        // A terminated static child is forgotten and started anew (OTP restart_child).
        tree.actor.send({ type: 'supervisor.delete_child', id: 'storage' });
        tree.actor.send({ type: 'supervisor.start_child', spec: storageChild });
        await storageAnswers(nc, name, true);
      },
      close() {
        closing ??= stopAll();
        return closing;
      },
    };
  } catch (error) {
    await stopAll().catch(() => undefined);
    throw error;
  }
}

/** Polls the plugin's storage (a key-value read) until it answers (`up`) or finds nobody listening. */
async function storageAnswers(nc: NatsConnection, plugin: string, up: boolean): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    const probe = await request(nc, subjects.kv(plugin, 'get'), { key: 'testbot.probe' }, { timeoutMs: 500 });
    if (up ? probe.ok : !probe.ok && probe.error.code === 'NO_RESPONDERS') return;
    if (Date.now() > deadline)
      throw new Error(
        `testBot(${plugin}): storage is still ${up ? 'down' : 'up'} after ${READY_TIMEOUT_MS} ms`,
      );
    await new Promise((done) => setTimeout(done, 50));
  }
}

/** Resolves once the router routes the plugin's commands to it; says which names it refused. */
async function routerKnows(
  nc: NatsConnection,
  plugin: PluginDefinition,
  name: string,
  config: Record<string, unknown>,
): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let last = 'no answer';
  for (;;) {
    const listed = await request(
      nc,
      subjects.routerCommands,
      {},
      { timeoutMs: 2000, reply: routerCommandsReplySchema },
    );
    if (listed.ok) {
      const { plugins } = listed.data;
      const entry = plugins.find((p) => p.plugin === name && p.generation === GENERATION);
      if (entry) {
        const routed = new Set(entry.commands.map((c) => c.name));
        const refused = Object.keys(commandsOf(plugin, config)).filter((c) => !routed.has(c));
        if (refused.length > 0)
          throw new Error(
            `testBot(${name}): the router refused command names that are taken (built in: help): ${refused.join(', ')}`,
          );
        return;
      }
      last = 'the plugin is not listed yet';
    } else {
      last = listed.error.message;
    }
    if (Date.now() > deadline)
      throw new Error(`testBot(${name}): the router did not learn the plugin's commands: ${last}`);
    await new Promise((done) => setTimeout(done, 20));
  }
}

/** The pid of the tree's nats-server, as it reported it when ready. */
function natsServerPid(tree: RunningTree): number {
  const pid = findNode(describeTree(tree.actor), 'nats-server')?.info?.pid;
  if (typeof pid !== 'number') throw new Error('testBot: the nats-server did not report its pid');
  return pid;
}
