import { z } from '../../contract/zod.js';
import { CAPABILITY_NAMES, isCapability } from '../../contract/capabilities.js';
import { NODE_NAME } from '../../contract/messages/cluster.js';
import { PLUGIN_NAME } from '../../contract/subjects.js';
import { DEFAULT_ROTATE } from '../logging/rotate-options.js';

/**
 * A capability name from the catalogue (as a plugin manifest's `permissions` checks it), defined
 * here rather than imported from plugin-packages/manifest.ts: that module brings semver and the
 * manifest schemas into every CLI command, `rosey status` included, which only needs the dataDir.
 */
const capabilityName = z.string().refine(isCapability, {
  error: (issue) => `unknown permission '${String(issue.input)}' (known: ${CAPABILITY_NAMES.join(', ')})`,
});

/** CyTube's rules for user and channel names. */
export const CYTUBE_NAME = /^[A-Za-z0-9_-]{1,20}$/;
const CYTUBE_NAME_RULE = '1-20 of a-z, A-Z, 0-9, - and _';
export const CYTUBE_CHANNEL = /^[A-Za-z0-9_-]{1,30}$/;

/** Default `http.port`. */
export const DEFAULT_HTTP_PORT = 9321;

/** Whether only this machine can reach `host`: 127.0.0.0/8, ::1, localhost. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127(?:\.\d{1,3}){3}$/.test(host);
}

const logLevel = z.enum(['debug', 'info', 'warn', 'error']);

export { NODE_NAME };
const NODE_NAME_RULE = '1-32 of a-z, 0-9, - and _, starting with a letter or digit';

/** A node's name when none is set: the host name, made a valid node name. */
export function defaultNodeName(hostname: string): string {
  const name = hostname
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, '-')
    .replace(/^[-_]+/, '')
    .slice(0, 32);
  return NODE_NAME.test(name) ? name : 'node';
}

/** Whether a `database.url` names PostgreSQL (as actors/database/target.ts reads it). */
const isPostgresUrl = (url: string | undefined) => url !== undefined && /^postgres(ql)?:\/\//i.test(url);

/** Rosey's configuration file (JSON or YAML). Every key is optional; see docs/configuration.md. */
export const configSchema = z
  .object({
    bot: z
      .object({
        /** The bot's chat name: replies print as `<name>: text`, and its own lines are ignored. */
        name: z.string().min(1).max(40).default('Rosey'),
        /** Characters that start a command. */
        commandPrefix: z.string().min(1).max(3).default('!'),
      })
      .strict()
      .prefault({}),
    /**
     * Chat names that may use `!admin` (docs/guides/ADMIN_COMMANDS.md), compared without case; on
     * CyTube only with at least `admin.minRank`.
     */
    admins: z.array(z.string().min(1).max(40)).default([]),
    /** The channel's owner: an admin too. */
    owner: z.string().min(1).max(40).optional(),
    /** `!admin`: who counts as logged in, and how many admin lines a user may send. */
    admin: z
      .object({
        /**
         * The lowest platform rank an admin's name must come with (CyTube: 0 guest, 1 registered,
         * 2 moderator …). 1: a guest who takes an admin's name gets nowhere.
         */
        minRank: z.number().int().min(1).max(254).default(1),
        /** At most `count` admin lines per user in any `windowMs`; beyond, refused (once) and audited. */
        rateLimit: z
          .object({
            count: z.number().int().min(1).max(100).default(5),
            windowMs: z.number().int().min(1000).max(3_600_000).default(30_000),
          })
          .strict()
          .prefault({}),
      })
      .strict()
      .prefault({}),
    /** Where Rosey keeps its database, logs and runtime file. Relative to the config file's folder. */
    dataDir: z.string().min(1).default('data'),
    log: z
      .object({
        /** Level written to the log file. */
        level: logLevel.default('info'),
        /** Log file (JSON lines), relative to dataDir: a link to the file being written. Empty: no file. */
        file: z.string().default('logs/rosey.log'),
        /** Level also written to stderr (`silent` for none). */
        stderrLevel: z.union([logLevel, z.literal('silent')]).default('warn'),
        /** How lines look on stderr: `text` (readable, coloured on a terminal) or `json` (as in the file). */
        format: z.enum(['text', 'json']).default('text'),
        /** When the log file is rolled over to a new one, and how many old ones are kept. */
        rotate: z
          .object({
            size: z
              .string()
              .regex(/^[1-9]\d*[kmg]$/i, 'a number and k, m or g, e.g. 10m')
              .default(DEFAULT_ROTATE.size),
            frequency: z.enum(['daily', 'hourly', 'never']).default(DEFAULT_ROTATE.frequency),
            keep: z.number().int().min(1).max(1000).default(DEFAULT_ROTATE.keep),
          })
          .strict()
          .prefault({}),
      })
      .strict()
      .prefault({}),
    nats: z
      .object({
        /** An existing NATS server. Without it Rosey starts and supervises its own on 127.0.0.1. */
        url: z.string().url().optional(),
        /** Credentials for `url`, if the server wants them: a token, or a user and password. */
        token: z.string().optional(),
        user: z.string().optional(),
        password: z.string().optional(),
        /**
         * With an external server: each plugin's own user (set up with the permissions in
         * docs/nats.md). Without an entry a plugin connects as Rosey, and is not isolated.
         */
        plugins: z
          .record(
            z.string().regex(PLUGIN_NAME),
            z.object({ user: z.string(), password: z.string() }).strict(),
          )
          .default({}),
        /** The embedded server's binary. */
        binary: z.string().default('nats-server'),
      })
      .strict()
      .prefault({}),
    database: z
      .object({
        url: z.string().optional(),
      })
      .strict()
      .prefault({}),
    /**
     * This Rosey as one node of several (docs/guides/SCALING.md); `rosey start --node NAME` sets it
     * too. With `cluster.urls` and no name, the machine's host name is the node's.
     */
    node: z
      .object({
        name: z.string().regex(NODE_NAME, NODE_NAME_RULE).optional(),
      })
      .strict()
      .prefault({}),
    /** The operator's NATS cluster the nodes meet on (docs/guides/SCALING.md). */
    cluster: z
      .object({
        /** Seeds of the cluster (`nats://host:port`); the client fails over between them by itself. */
        urls: z.array(z.string().url()).min(1).optional(),
        /** Credentials for the cluster, if it wants them: a token, or a user and password. */
        token: z.string().optional(),
        user: z.string().optional(),
        password: z.string().optional(),
        /** How often a node announces itself; a node not heard for 3 of these is listed as silent. */
        heartbeatMs: z.number().int().min(100).max(60_000).default(1000),
        /** How long `rosey status --cluster` waits for the nodes' answers. */
        statusTimeoutMs: z.number().int().min(100).max(60_000).default(2000),
      })
      .strict()
      .prefault({}),
    router: z
      .object({
        /** A plugin that has not answered a command by then gets a "timed out" reply. */
        commandTimeoutMs: z.number().int().min(100).max(120_000).default(5000),
        /** Per-user cooldown for commands that do not declare one. */
        defaultCooldownMs: z.number().int().min(0).max(3_600_000).default(1000),
        /**
         * How long a command of an installed plugin that is not serving yet (Rosey starting, the
         * plugin restarting or being reloaded) waits for it before the user is told it is starting.
         */
        startWaitMs: z.number().int().min(0).max(60_000).default(5000),
        /** How many such commands may wait at once; beyond that they are told at once. */
        startQueueMax: z.number().int().min(0).max(100_000).default(1000),
      })
      .strict()
      .prefault({}),
    plugins: z
      .object({
        /** Folders holding plugin folders, in addition to the built-in ones. Relative to the config file. */
        paths: z.array(z.string()).default([]),
        /** Load the plugins that ship with Rosey. */
        builtin: z.boolean().default(true),
        /** Built-in plugins that are off unless named here (markov: it keeps what the channel says). */
        enable: z.array(z.string().regex(PLUGIN_NAME)).default([]),
        /** Plugins not to start. */
        disabled: z.array(z.string().regex(PLUGIN_NAME)).default([]),
        /** Per-plugin settings: `config` is passed to the plugin; the rest override its manifest. */
        settings: z
          .record(
            z.string().regex(PLUGIN_NAME),
            z
              .object({
                memoryMb: z.number().int().min(16).max(4096).optional(),
                intensity: z.number().int().min(0).max(100).optional(),
                period: z.number().positive().max(3600).optional(),
                config: z.record(z.string(), z.unknown()).default({}),
                /** Channel events waiting for the plugin's handlers at most; beyond, dropped and counted. */
                eventQueue: z.number().int().min(1).max(1_000_000).optional(),
                /**
                 * How long one event's handler may run before the plugin logs and counts it as still
                 * running (default 30 s): a handler that hangs holds every later event.
                 */
                eventTimeoutMs: z.number().int().min(100).max(3_600_000).optional(),
                /** Capabilities the operator adds to, or takes from, what the manifest asks for. */
                permissions: z
                  .object({
                    grant: z.array(capabilityName).default([]),
                    revoke: z.array(capabilityName).default([]),
                  })
                  .strict()
                  .prefault({}),
              })
              .strict(),
          )
          .default({}),
        /** Blue-green reloads (`rosey plugin reload`). */
        reload: z
          .object({
            /** Health checks of the new generation before the switch, each with its timeout. */
            healthAttempts: z.number().int().min(1).max(20).default(3),
            healthTimeoutMs: z.number().int().min(100).max(60_000).default(2000),
            /** How long the old generation may take to finish the commands it already has. */
            drainTimeoutMs: z.number().int().min(0).max(600_000).default(30_000),
            /** The old generation stays ready this long after the switch, to roll back to. */
            graceMs: z.number().int().min(0).max(600_000).default(5000),
          })
          .strict()
          .prefault({}),
      })
      .strict()
      .prefault({}),
    /** OpenTelemetry traces (docs/tracing.md). Off unless an endpoint is set here or in the environment. */
    telemetry: z
      .object({
        /** An OTLP/HTTP collector's base URL (spans go to `<url>/v1/traces`); else OTEL_EXPORTER_OTLP_ENDPOINT. */
        otlpEndpoint: z.string().url().optional(),
        /**
         * The share of chat lines (new traces) traced, 0 to 1; else OTEL_TRACES_SAMPLER(_ARG), else 1.
         * A trace is recorded whole or not at all, in every process (docs/tracing.md#sampling).
         */
        sampleRatio: z.number().min(0).max(1).optional(),
      })
      .strict()
      .prefault({}),
    platforms: z
      .object({
        /** The terminal chat of `rosey dev`. */
        console: z
          .object({
            /** Who you are in the terminal chat. */
            user: z.string().min(1).max(40).default('you'),
            /** Your rank there (CyTube scale: 0 guest … 3 admin, 4+ owner). */
            rank: z.number().int().min(0).max(254).default(1),
            /**
             * Per-user command cooldowns in the terminal chat. Off by default: the one person (or
             * script) typing there wants an answer to every line (`rosey dev --cooldowns`).
             */
            cooldowns: z.boolean().default(false),
          })
          .strict()
          .prefault({}),
        /** A CyTube channel to join (docs/cytube.md). Absent: no CyTube connector. */
        cytube: z
          .object({
            /** The CyTube site, e.g. https://cytu.be; the socket server is found from it. */
            server: z.string().url().default('https://cytu.be'),
            channel: z
              .string()
              .regex(CYTUBE_CHANNEL, 'a CyTube channel name: 1-30 of a-z, A-Z, 0-9, - and _'),
            channelPassword: z.string().min(1).optional(),
            /** The bot's CyTube name. Default: bot.name. */
            username: z.string().regex(CYTUBE_NAME, CYTUBE_NAME_RULE).optional(),
            /** The account's password; without one the bot joins as a guest. */
            password: z.string().min(1).optional(),
            /** The server's max-chat-message-length (320 on a stock CyTube). */
            maxMessageLength: z.number().int().min(20).max(10_000).default(320),
            /** Longer replies are cut after this many lines. */
            maxReplyParts: z.number().int().min(1).max(10).default(4),
            reconnect: z
              .object({
                minMs: z.number().int().min(100).max(600_000).default(1000),
                maxMs: z.number().int().min(100).max(3_600_000).default(60_000),
              })
              .strict()
              .prefault({}),
          })
          .strict()
          .optional(),
      })
      .strict()
      .prefault({}),
    /** The metrics actor (docs/metrics.md). */
    metrics: z
      .object({
        /** How often it samples the processes and the supervision tree. */
        intervalMs: z.number().int().min(100).max(300_000).default(5000),
        /** How much history it keeps in memory for `/api/metrics` (a rolling window). */
        windowMs: z.number().int().min(1000).max(86_400_000).default(3_600_000),
      })
      .strict()
      .prefault({}),
    /** Scheduled backups, as `rosey db backup` makes them (docs/cli.md#rosey-db-backup). */
    backup: z
      .object({
        /** How often, e.g. `6h` or `1d` (m, h or d); absent: no scheduled backups. */
        every: z
          .string()
          .regex(/^[1-9]\d*[mhd]$/, 'a number and m, h or d, e.g. 6h')
          .optional(),
        /** How many scheduled backups are kept in `<dataDir>/backups/`; older ones are deleted. */
        keep: z.number().int().min(1).max(1000).default(7),
      })
      .strict()
      .prefault({}),
    /** The HTTP endpoint: `/metrics`, `/health`, `/ready`, `/api/*` (docs/metrics.md). */
    http: z
      .object({
        /** Off by default: a fixed port would make two Roseys on one machine refuse to start. */
        enabled: z.boolean().default(false),
        host: z.string().min(1).default('127.0.0.1'),
        /** 0: any free port (`rosey status` shows the one it got). */
        port: z.number().int().min(0).max(65_535).default(DEFAULT_HTTP_PORT),
        /** Required as `Authorization: Bearer <token>` on every request when set. */
        token: z.string().min(16, 'at least 16 characters').optional(),
        /** The dashboard at `/dashboard` and its WebSocket (docs/dashboard.md), with the endpoint. */
        dashboard: z.boolean().default(true),
      })
      .strict()
      .prefault({}),
  })
  .strict()
  .superRefine((config, ctx) => {
    const { http } = config;
    if (http.enabled && !isLoopback(http.host) && http.token === undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['http', 'token'],
        message: `http.host ${http.host} is reachable from other machines: set http.token (anyone who reaches the port would read Rosey's metrics otherwise), or bind to 127.0.0.1`,
      });
    const { node, cluster } = config;
    if ((node.name !== undefined || cluster.urls !== undefined) && !isPostgresUrl(config.database.url))
      ctx.addIssue({
        code: 'custom',
        path: node.name !== undefined ? ['node', 'name'] : ['database', 'url'],
        message: `${node.name !== undefined ? `node ${node.name}` : 'a node of a cluster'} shares its database with the other nodes: set database.url to PostgreSQL (postgres://…); SQLite cannot be shared`,
      });
    if (node.name !== undefined && cluster.urls === undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['cluster', 'urls'],
        message: `node ${node.name} needs the NATS cluster the nodes meet on: set cluster.urls`,
      });
    const cytube = config.platforms.cytube;
    if (cytube && cytube.username === undefined && !CYTUBE_NAME.test(config.bot.name))
      ctx.addIssue({
        code: 'custom',
        path: ['platforms', 'cytube', 'username'],
        message: `bot.name "${config.bot.name}" is not a valid CyTube name (${CYTUBE_NAME_RULE}): set platforms.cytube.username`,
      });
  });

export type RoseyConfig = z.infer<typeof configSchema>;
export type RoseyConfigInput = z.input<typeof configSchema>;
