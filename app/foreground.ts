import type { LoadedConfig } from './config/load.js';
import { constants } from 'node:os';
import { createLogger, type RootLogger } from './logging/logger.js';
import { logFilePath } from './logging/log-reader.js';
import { exitOnFatal } from './logging/exit-on-fatal.js';
import { type LogLevel } from '../contract/log.js';
import { errorMessage } from '../contract/result.js';
import { describeExitWith, isNormalExit } from '../supervisors/exit-reason.js';
import { StoppedDuringStart, type RunningTree } from '../supervisors/run-tree.js';
import { startRosey, type StartOptions } from './start-rosey.js';
import { keepHeapSmall } from '../process/main-heap.js';

export interface ForegroundOptions {
  loaded: LoadedConfig;
  console?: StartOptions['console'];
  /** Reload a plugin (blue-green) when its files change. */
  watch?: boolean;
  /** Overrides the configured stderr level (`rosey dev --verbose`). */
  stderrLevel?: LogLevel | 'silent';
  /** Called once the tree is up. */
  onReady?: () => void;
  /** Prefix of the one-line failure message, e.g. `rosey dev`. */
  label?: string;
}

export function createRoseyLogger(
  loaded: LoadedConfig,
  stderrLevel?: LogLevel | 'silent',
): Promise<RootLogger> {
  const { log } = loaded.config;
  return createLogger({
    stderrLevel: stderrLevel ?? log.stderrLevel,
    stderrFormat: log.format,
    file: logFilePath(loaded),
    fileLevel: log.level,
    rotate: log.rotate,
  });
}

/**
 * Runs Rosey in this process until it is stopped (SIGINT, SIGTERM, `rosey stop`, end of console
 * input) and returns the exit code: 0 after a clean shutdown, 1 if it could not start or gave up.
 * The reason for a failure is one line on stderr.
 */
export async function runForeground(options: ForegroundOptions): Promise<number> {
  // Rosey's process runs for days and allocates per command: see process/main-heap.ts.
  keepHeapSmall();
  const stderrLevel = options.stderrLevel ?? options.loaded.config.log.stderrLevel;
  const label = options.label ?? 'rosey';
  // Signals are handled from the start: one stops the tree in order (even while it is starting),
  // a second exits at once. The handlers are installed once, before anything else: Node dies of a
  // signal that has no handler, and drops one whose handler was swapped before it was dispatched.
  let tree: RunningTree | undefined;
  let logger: RootLogger | undefined;
  let stopRequested: NodeJS.Signals | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopRequested) {
      logger?.error(`second ${signal}: exiting without a clean shutdown`);
      process.exit(128 + (constants.signals[signal] ?? 2));
    }
    stopRequested = signal;
    logger?.info(`${signal}: shutting down`);
    void tree?.shutdown(signal);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let forgetFatal = () => {};
  const forgetSignals = () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    forgetFatal();
  };
  try {
    logger = await createRoseyLogger(options.loaded, stderrLevel);
  } catch (error) {
    forgetSignals();
    process.stderr.write(`${label}: cannot start: ${errorMessage(error)}\n`);
    return 1;
  }
  forgetFatal = exitOnFatal(logger, label);
  if (stopRequested) logger.info(`${stopRequested}: shutting down`);

  try {
    await startRosey({
      loaded: options.loaded,
      logger,
      console: options.console,
      watch: options.watch,
      // A failed start is summed up in one line below (the details stay in the log file); a
      // successful one shows the warnings it had once it is up.
      onStarting: () => {
        if (stderrLevel !== 'debug') logger.holdStderr();
      },
      onTree: (started) => {
        tree = started;
        if (stopRequested) void started.shutdown(stopRequested);
      },
    });
  } catch (error) {
    forgetSignals();
    logger.releaseStderr(false);
    logger.setStderrLevel('silent'); // the one line below says it
    if (error instanceof StoppedDuringStart) {
      logger.info('stopped while starting');
      await logger.close();
      return 0;
    }
    logger.error(`cannot start: ${errorMessage(error)}`);
    await logger.close();
    process.stderr.write(`${label}: cannot start: ${errorMessage(error)}\n`);
    return 1;
  }
  logger.releaseStderr(true);
  options.onReady?.();
  const output = await tree!.finished;
  forgetSignals();
  // A root that gave up exits `shutdown` too (OTP); its `failure` says why.
  const clean = isNormalExit(output.exit) && typeof output.exit === 'string' && output.failure === undefined;
  const how = describeExitWith(output.exit, output.failure);
  if (clean) logger.info('Rosey stopped');
  else logger.error(`Rosey stopped: ${how}`);
  await logger.close();
  if (!clean) process.stderr.write(`${label}: stopped: ${how}\n`);
  return clean ? 0 : 1;
}
