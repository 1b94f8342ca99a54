/**
 * Entry point of a plugin process (forked by the plugin host). Loads the plugin module, connects to
 * NATS, serves its commands, and exits: 0 after a graceful SIGTERM, 1 on a failed start or an
 * uncaught error (the supervisor restarts it), at once when Rosey itself is gone.
 */
import { createRequire, register } from 'node:module';
import { dirname } from 'node:path';
import { pathToFileURL } from 'node:url';
import { connect } from '../contract/nats.js';
import { errorMessage } from '../contract/result.js';
import { isPlugin } from './define-plugin.js';
import { describeLoadError } from './load-error.js';
import { fromEnv } from '../contract/plugin-env.js';
import { startPluginService } from './plugin-service.js';
import { processLogger } from './process-logger.js';
import { ATTR, installTracing, loadTracing, type Tracing } from '../contract/tracing.js';

const log = processLogger();
const GRACE_MS = 3000;

/** Whether `rosey/sdk` resolves from the plugin's folder on its own (a `node_modules/rosey` there). */
function resolvesSdk(entry: string): boolean {
  try {
    createRequire(entry).resolve('rosey/sdk');
    return true;
  } catch {
    return false;
  }
}

function fail(message: string): never {
  log.error(`start failed: ${message}`);
  process.exit(1);
}

// The IPC channel closes when the host process dies: never outlive it.
process.on('disconnect', () => process.exit(0));
process.on('uncaughtException', (error) => {
  log.error(`uncaught error: ${error.stack ?? errorMessage(error)}`);
  process.exit(1);
});
process.on('unhandledRejection', (reason) => {
  log.error(
    `unhandled rejection: ${reason instanceof Error ? (reason.stack ?? reason.message) : errorMessage(reason)}`,
  );
  process.exit(1);
});

async function main(): Promise<void> {
  let env;
  try {
    env = fromEnv(process.env);
  } catch (error) {
    fail(errorMessage(error));
  }
  // Named in ps and top (which shows the first 15 characters, so the plugin comes first) instead of
  // one more `node …/runner.js`; before the plugin loads, so a plugin stuck loading is named too.
  process.title = `${env.name}@${env.generation} (rosey plugin)`;
  // `import … from 'rosey/sdk'` in the plugin resolves to this Rosey's SDK. The hooks run on a loader
  // thread that costs ~100 ms of start time, so only when the plugin cannot find Rosey by itself.
  if (!resolvesSdk(env.entry)) register(new URL('./sdk-resolve-hooks.js', import.meta.url));
  let mod: { default?: unknown };
  try {
    mod = (await import(pathToFileURL(env.entry).href)) as { default?: unknown };
  } catch (error) {
    fail(`cannot load ${env.entry}: ${describeLoadError(error, dirname(env.entry))}`);
  }
  const plugin = mod.default;
  if (!isPlugin(plugin)) fail(`${env.entry} must \`export default definePlugin({ ... })\``);
  if (plugin.name !== env.name)
    fail(`manifest names the plugin '${env.name}' but its code says '${plugin.name}'`);

  // Tracing only when Rosey asked for it: otherwise OpenTelemetry is never loaded here.
  let traces: Tracing | undefined;
  if (env.otlpTracesUrl) {
    traces = await loadTracing({
      url: env.otlpTracesUrl,
      sampleRatio: env.traceSampleRatio,
      resource: {
        [ATTR.serviceName]: `rosey-plugin-${env.name}`,
        [ATTR.serviceVersion]: env.version,
        [ATTR.processPid]: process.pid,
        [ATTR.plugin]: env.name,
        [ATTR.generation]: env.generation,
      },
      // Relayed to Rosey's log under the plugin's name, as any line of its process.
      onExportProblem: ({ message, failing }) => message && (failing ? log.warn : log.info)(message),
    }).catch((error: unknown) => fail(`cannot start tracing: ${errorMessage(error)}`));
    installTracing(traces);
  }

  const nc = await connect({
    servers: env.natsUrl,
    token: env.natsToken,
    user: env.natsUser,
    pass: env.natsPass,
    inboxPrefix: env.inboxPrefix,
    name: `plugin:${env.name}@${env.generation}`,
    // Forever, and soon: after a nats-server restart the router can reach the plugin again only
    // once it has reconnected; until then its commands are answered "unavailable" (issue 15).
    maxReconnectAttempts: -1,
    reconnectTimeWait: 100,
    reconnectJitter: 50,
    noAsyncTraces: true,
  }).catch((error: unknown) => fail(`cannot reach NATS: ${errorMessage(error)}`));

  const service = await startPluginService({ nc, plugin, env, log }).catch((error: unknown) =>
    fail(errorMessage(error)),
  );

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    try {
      await service.stop(GRACE_MS);
      await nc.drain();
      // The spans of the last commands are sent before the process ends.
      await traces?.shutdown();
    } catch (error) {
      log.warn(`unclean stop: ${errorMessage(error)}`);
    }
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop());
  process.on('SIGINT', () => void stop());
}

void main();
