import { join } from 'node:path';
import type { LoadedConfig } from '../config/load.js';
import { createLogger, type LogLevel, type RootLogger } from '../log/logger.js';
import { errorMessage } from '../result.js';
import { describeExit, isNormalExit } from '../../supervisors/exit-reason.js';
import { startRosey, type StartOptions } from './start-rosey.js';

export interface ForegroundOptions {
  loaded: LoadedConfig;
  console?: StartOptions['console'];
  /** Overrides the configured stderr level (`rosey dev --verbose`). */
  stderrLevel?: LogLevel | 'silent';
  /** Called once the tree is up. */
  onReady?: () => void;
  /** Prefix of the one-line failure message, e.g. `rosey dev`. */
  label?: string;
}

export function createRoseyLogger(loaded: LoadedConfig, stderrLevel?: LogLevel | 'silent'): RootLogger {
  const { log } = loaded.config;
  return createLogger({
    stderrLevel: stderrLevel ?? log.stderrLevel,
    file: log.file ? join(loaded.dataDir, log.file) : undefined,
    fileLevel: log.level,
    format: log.format,
  });
}

/**
 * Runs Rosey in this process until it is stopped (SIGINT, SIGTERM, `rosey stop`, end of console
 * input) and returns the exit code: 0 after a clean shutdown, 1 if it could not start or gave up.
 * The reason for a failure is one line on stderr.
 */
export async function runForeground(options: ForegroundOptions): Promise<number> {
  const stderrLevel = options.stderrLevel ?? options.loaded.config.log.stderrLevel;
  const label = options.label ?? 'rosey';
  const logger = createRoseyLogger(options.loaded, stderrLevel);
  let rosey;
  try {
    rosey = await startRosey({
      loaded: options.loaded,
      logger,
      console: options.console,
      // A failed start is summed up in one line below; the details stay in the log file.
      onStarting: () => {
        if (stderrLevel !== 'debug') logger.setStderrLevel('silent');
      },
    });
  } catch (error) {
    logger.setStderrLevel('silent'); // the one line below says it
    logger.error(`cannot start: ${errorMessage(error)}`);
    await logger.close();
    process.stderr.write(`${label}: cannot start: ${errorMessage(error)}\n`);
    return 1;
  }
  logger.setStderrLevel(stderrLevel);
  options.onReady?.();
  const { tree } = rosey;
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signals += 1;
    if (signals > 1) {
      logger.error(`second ${signal}: exiting without a clean shutdown`);
      process.exit(130);
    }
    logger.info(`${signal}: shutting down`);
    void tree.shutdown(signal);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const output = await tree.finished;
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  const clean = isNormalExit(output.exit) && typeof output.exit === 'string';
  if (clean) logger.info('Rosey stopped');
  else logger.error(`Rosey stopped: ${describeExit(output.exit)}`);
  await logger.close();
  if (!clean) process.stderr.write(`${label}: stopped: ${describeExit(output.exit)}\n`);
  return clean ? 0 : 1;
}
