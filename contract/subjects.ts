/**
 * Every NATS subject Rosey uses, built in one place. The catalogue with payloads is
 * docs/subjects.md; keep the two in step.
 */
export const subjects = {
  /** Normalised chat message from any platform (pub). */
  message: 'rosey.events.message',
  /** Normalised private message (pub). */
  pm: 'rosey.events.pm',
  /** Outbound chat line for a platform's channel (pub). */
  sendChat: (platform: string) => `rosey.platform.${platform}.send.chat`,
  /** Outbound private message (pub). */
  sendPm: (platform: string) => `rosey.platform.${platform}.send.pm`,
  /** Channel happenings in the platform-agnostic shape of contract/messages/channel-events.ts (pub). */
  channelEvent: (
    kind:
      | 'user.list'
      | 'user.join'
      | 'user.leave'
      | 'user.rank'
      | 'user.afk'
      | 'media.change'
      | `playlist.${'add' | 'delete' | 'move' | 'reset'}`,
  ) => `rosey.events.${kind}`,
  /** Every event a platform's server sent, as it came (pub). */
  platformRaw: (platform: string, event: string) => `rosey.platform.${platform}.${event}`,
  /** Playlist changes through a platform's connector (req). */
  sendPlaylist: (platform: string, op: 'add' | 'delete' | 'move' | 'jump') =>
    `rosey.platform.${platform}.send.playlist.${op}`,
  /** A connector's view of its channel: users, playlist, options, counters (req). */
  platformState: (platform: string) => `rosey.platform.${platform}.state`,
  /**
   * The channel as a plugin may see it (req, from the action gate for `channel.read`): users,
   * playlist, what plays; nothing of the connector's own (options, permissions, counters).
   */
  platformView: (platform: string) => `rosey.platform.${platform}.view`,
  /** The connector is in its channel for a new session, with the history replayed to it (pub). */
  platformJoined: (platform: string) => `rosey.platform.${platform}.joined`,
  anyPlatformJoined: 'rosey.platform.*.joined',
  /** A halted or waiting connector tries again now (req). */
  platformRejoin: (platform: string) => `rosey.platform.${platform}.rejoin`,
  /**
   * Commands of one generation of a plugin (req). Each generation has its own subject, so during a
   * blue-green reload the router decides which one answers: never both, never neither.
   */
  execute: (plugin: string, generation: number) => `rosey.commands.${plugin}.${generation}.execute`,
  /** A plugin generation announces itself and its commands (pub). */
  pluginReady: (plugin: string, generation: number) => `rosey.plugins.${plugin}.${generation}.ready`,
  /** Wildcard for every plugin's announcement. */
  anyPluginReady: 'rosey.plugins.*.*.ready',
  /**
   * A plugin generation's announcement, vouched for by its plugin host (pub, Rosey only): the host
   * started that generation and the announcement came from its process. The router routes on these
   * alone, since a plugin's own user may publish any `rosey.plugins.<self>.<gen>.ready`, even for a
   * generation that was never started.
   */
  hostedReady: (plugin: string, generation: number) => `rosey.host.${plugin}.${generation}.ready`,
  anyHostedReady: 'rosey.host.*.*.ready',
  /** A command sent to this plugin generation timed out (pub, by the router): its host probes it. */
  commandTimeout: (plugin: string, generation: number) => `rosey.host.${plugin}.${generation}.timeout`,
  /** A plugin generation's process has gone (pub, by its host). */
  pluginDown: (plugin: string, generation: number) => `rosey.plugins.${plugin}.${generation}.down`,
  anyPluginDown: 'rosey.plugins.*.*.down',
  /** Liveness check of one plugin generation (req). */
  pluginHealth: (plugin: string, generation: number) => `rosey.plugins.${plugin}.${generation}.health`,
  /** A reload asks the old generation for its state (req): `{}` → `{state}`. */
  pluginSnapshot: (plugin: string, generation: number) => `rosey.plugins.${plugin}.${generation}.snapshot`,
  /** … and gives it to the new one before commands go there (req): `{state}` → `{}`. */
  pluginRestore: (plugin: string, generation: number) => `rosey.plugins.${plugin}.${generation}.restore`,
  /** A plugin generation's event intake (req): settle (all handled) or resume after a hand-off. */
  pluginEvents: (plugin: string, generation: number) => `rosey.plugins.${plugin}.${generation}.events`,
  /** A plugin was installed (being started) or removed while Rosey runs (pub, by the plugin manager). */
  pluginInstalled: 'rosey.control.plugin.installed',
  /** Asks every running plugin to announce itself again (pub), e.g. after the router restarted. */
  pluginsDiscover: 'rosey.plugins.discover',
  /** Replies once no command is in flight (req); `rosey dev` uses it before exiting on EOF. */
  routerSettle: 'rosey.router.settle',
  /**
   * A command line the router answered, just before its answer (pub, only on a node of a cluster):
   * contract/messages/handover.ts `handledLineSchema`.
   */
  routerHandled: 'rosey.router.handled',
  /** The metrics actor's latest figures (req): `rosey metrics`, `rosey status`. */
  metricsCurrent: 'rosey.metrics.current',
  /** The command registry (req). */
  routerCommands: 'rosey.router.commands',
  /** Route a plugin's commands to one of its generations and pin them there (req). */
  routerRoute: 'rosey.router.route',
  /** Replies once no command is in flight to one plugin generation (req). */
  routerDrain: 'rosey.router.drain',
  /** Hold a plugin's new commands (queued, not dispatched) until its route switches or is released (req). */
  routerHold: 'rosey.router.hold',
  /** Send a plugin's held commands to its current route (req): a reload that did not switch. */
  routerRelease: 'rosey.router.release',
  /** A plugin's route follows its newest generation again (req). */
  routerUnpin: 'rosey.router.unpin',
  /** A plugin's key-value store and rows (req): `op` is get/set/… or insert/select/…. */
  kv: (plugin: string, op: string) => `rosey.db.kv.${plugin}.${op}`,
  row: (plugin: string, op: string) => `rosey.db.row.${plugin}.${op}`,
  /** A plugin records an audit event in Rosey's audit log (req): `{action, target, detail?}` → `{id, at}`. */
  audit: (plugin: string) => `rosey.db.audit.${plugin}.record`,
  /** A recorded audit event (pub, by storage): `action` is the plugin's, without its name in front. */
  auditEvent: (plugin: string, action: string) => `rosey.audit.${plugin}.${action}`,
  /** Wildcard for one plugin's audit events. */
  auditEvents: (plugin: string) => `rosey.audit.${plugin}.>`,
  /** A plugin's migrations (req): apply, rollback, status. */
  migrate: (plugin: string, op: 'apply' | 'rollback' | 'status') => `rosey.db.migrate.${plugin}.${op}`,
  /** A plugin's tables changed (pub, by the migrator): caches of their schema are stale. */
  schemaChanged: (plugin: string) => `rosey.db.schema.${plugin}.changed`,
  anySchemaChanged: 'rosey.db.schema.*.changed',
  /**
   * Something a plugin does on its own (req): `chat.send`, `chat.pm`, `playlist.<op>`, `users.kick`,
   * or reads (`channel.read`).
   * The plugin's NATS user may publish only the actions it was granted; the action gate checks again
   * and forwards to the platform's connector.
   */
  action: (plugin: string, action: string) => `rosey.actions.${plugin}.${action}`,
  anyAction: 'rosey.actions.*.>',
  /** A denied plugin action (pub): `{plugin, action, reason, source}`. */
  securityViolation: 'rosey.security.violation',
  /** The bot's own AFK status (req): `{channel?, afk?}` (absent: toggle) → `{afk}`. */
  sendAfk: (platform: string) => `rosey.platform.${platform}.send.afk`,
  /** Kick a user through a platform's connector (req). */
  sendKick: (platform: string) => `rosey.platform.${platform}.send.kick`,
  /** Control plane for the CLI (req). */
  control: (verb: 'status' | 'stop' | 'ping' | 'kill' | 'restart') => `rosey.control.${verb}`,
  /** Plugin management for the CLI (req): list, info, reload, and the routes pinned by reloads. */
  pluginControl: (verb: 'list' | 'info' | 'reload' | 'restart' | 'start' | 'stop' | 'routes') =>
    `rosey.control.plugin.${verb}`,
  /**
   * Inspection of the tree (contract/messages/inspect.ts), for Rosey's own clients only: what one
   * actor does (pub, only while a watch lease holds; `path` is the actor path with `/` as `.`).
   */
  inspect: (path: string) => `rosey.inspect.tree.${path.replaceAll('/', '.')}`,
  /** Every actor's inspection messages (`rosey.inspect.>` also takes the requests below). */
  anyInspect: 'rosey.inspect.tree.>',
  /** Inspection requests (req): take or renew a watch lease, list the actors, one's history or chart. */
  inspectRequest: (verb: 'watch' | 'actors' | 'history' | 'machine') => `rosey.inspect.${verb}`,
  /**
   * Several nodes (docs/guides/SCALING.md). `rosey.cluster.>` is the only family that goes over the
   * operator's NATS cluster; everything else stays on each node's own embedded server.
   * A node's heartbeat (pub, cluster): contract/messages/cluster.ts `nodeHeartbeatSchema`.
   */
  clusterHeartbeat: (node: string) => `rosey.cluster.node.${node}.heartbeat`,
  anyClusterHeartbeat: 'rosey.cluster.node.*.heartbeat',
  /** Every node answers with what it runs (req, cluster; scatter-gather: many answers per request). */
  clusterInfo: 'rosey.cluster.info',
  /** One node reloads a plugin (req, cluster): a step of a rolling reload. */
  clusterNodeReload: (node: string) => `rosey.cluster.node.${node}.plugin.reload`,
  /**
   * A node's records of the lines it answered in its channel (pub, cluster): the node that takes the
   * channel over next answers or refuses what they leave open (contract/messages/handover.ts).
   */
  clusterHandover: (node: string) => `rosey.cluster.handover.${node}`,
  anyClusterHandover: 'rosey.cluster.handover.*',
  /** Every node answers with the handover records it knows (req, cluster; scatter-gather). */
  clusterHandoverSync: 'rosey.cluster.sync.handover',
  /** What the node-local CLI asks its own node about the cluster (req, node-local). */
  clusterControl: (verb: 'status' | 'reload') => `rosey.control.cluster.${verb}`,
} as const;

/**
 * Rosey's own namespace among the plugins' ones: `!admin` records its audit events as
 * `rosey.db.audit.admin.record` → `rosey.audit.admin.<action>`, so no plugin may take the name (a
 * plugin called `admin` could otherwise write records that pass for an operator's).
 */
export const ADMIN_NAMESPACE = 'admin';

/** Plugin names double as subject tokens and folder names; `admin` is Rosey's (ADMIN_NAMESPACE). */
export const PLUGIN_NAME = /^(?=.{1,32}$)(?!admin$)[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;

/**
 * Replies to Rosey's own clients (the app, the CLI, testBot) come under this prefix: the NATS
 * client's default, which no plugin's user may subscribe to (plugins have `_INBOX_<name>`).
 */
export const ROSEY_INBOX_PREFIX = '_INBOX';

/** Replies to a plugin's requests come under this prefix; only that plugin's user may subscribe to it. */
export const pluginInboxPrefix = (plugin: string) => `_INBOX_${plugin}`;

/**
 * The subject families a plugin's NATS user may publish on, with the plugin's name as their token:
 * its lifecycle subjects and those of every capability (contract/capabilities.ts). A subject outside
 * them cannot come from an isolated plugin at all.
 */
const PLUGIN_SUBJECT = /^rosey\.(?:plugins|actions|db\.(?:kv|row|migrate|audit))\.([^.]+)\./;

/** The plugin whose own subject this is (one its user may publish on), if any. */
export function pluginOfSubject(subject: string): string | undefined {
  const plugin = PLUGIN_SUBJECT.exec(subject)?.[1];
  return plugin !== undefined && PLUGIN_NAME.test(plugin) ? plugin : undefined;
}
