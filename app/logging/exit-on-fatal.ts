import { errorMessage } from '../../contract/result.js';
import type { RootLogger } from './logger.js';

/**
 * An uncaught error or unhandled rejection ends Rosey with exit 1, as Node would, but logged first:
 * the error goes to the log file (written out by the logger's exit hook) and its first line to
 * stderr. Returns the function that removes the handlers.
 */
export function exitOnFatal(logger: RootLogger, label: string): () => void {
  const onFatal = (error: unknown) => {
    const text = error instanceof Error ? (error.stack ?? error.message) : errorMessage(error);
    logger.setStderrLevel('silent'); // the one line below says it
    logger.error(`fatal: ${text}`);
    process.stderr.write(`${label}: fatal: ${text.split('\n')[0]}\n`);
    process.exit(1);
  };
  process.on('uncaughtException', onFatal);
  process.on('unhandledRejection', onFatal);
  return () => {
    process.off('uncaughtException', onFatal);
    process.off('unhandledRejection', onFatal);
  };
}
