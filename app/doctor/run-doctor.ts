import {
  configProblems,
  loadConfig,
  readConfigInput,
  type ConfigSource,
  type LoadedConfig,
} from '../config/load.js';
import { errorMessage } from '../../contract/result.js';
import { runningAt } from '../control-client.js';
import { checkCytube } from './cytube.js';
import { checkDatabase } from './database.js';
import { checkDataDir } from './data-dir.js';
import { failed, ok, skipped, type CheckResult } from './doctor-check.js';
import { checkNats } from './nats-server.js';
import { checkNode } from './node-version.js';
import { checkPlugins } from './plugins.js';
import { checkPorts } from './ports.js';
import { checkRunning } from './running-rosey.js';
import { checkTracing } from './tracing.js';

export type { CheckResult } from './doctor-check.js';

const AFTER_CONFIG = [
  'nats-server',
  'data directory',
  'database',
  'plugins',
  'ports',
  'cytube',
  'tracing',
  'running rosey',
];

/**
 * Every check of `rosey doctor`, in order. A check that throws is a failure of that check, never
 * of the doctor; an invalid configuration skips the checks that need it.
 */
export async function runDoctor(source: ConfigSource, timeoutMs = 5000): Promise<CheckResult[]> {
  const results: CheckResult[] = [checkNode()];
  let loaded: LoadedConfig;
  try {
    const input = readConfigInput(source);
    const problems = configProblems(input.raw);
    if (problems.length > 0) {
      results.push(
        failed(
          'config',
          `${input.file ?? 'config'}: ${problems.join('; ')}`,
          'rosey config validate lists them; rosey config edit',
        ),
      );
      return [...results, ...AFTER_CONFIG.map((check) => skipped(check, 'the configuration is invalid'))];
    }
    loaded = loadConfig(source);
    results.push(ok('config', loaded.file ? `${loaded.file} is valid` : 'no file: built-in defaults'));
  } catch (error) {
    results.push(failed('config', errorMessage(error), 'rosey config path says which file is read'));
    return [...results, ...AFTER_CONFIG.map((check) => skipped(check, 'the configuration cannot be read'))];
  }
  const running = runningAt(loaded.dataDir);
  const guard = async (check: string, run: () => CheckResult | Promise<CheckResult>) => {
    try {
      return await run();
    } catch (error) {
      return failed(check, `could not be checked: ${errorMessage(error)}`, 'report this as a bug');
    }
  };
  results.push(
    await guard('nats-server', () =>
      running && !loaded.config.nats.url
        ? ok('nats-server', 'the running Rosey’s embedded server')
        : checkNats(loaded.config, timeoutMs),
    ),
    await guard('data directory', () => checkDataDir(loaded.dataDir)),
    await guard('database', () => checkDatabase(loaded, running)),
    await guard('plugins', () => checkPlugins(loaded)),
    await guard('ports', () =>
      running ? skipped('ports', 'held by the running Rosey') : checkPorts(loaded.config),
    ),
    await guard('cytube', () => checkCytube(loaded.config, timeoutMs)),
    await guard('tracing', () => checkTracing(loaded.config, timeoutMs)),
    await guard('running rosey', () => checkRunning(running, timeoutMs)),
  );
  return results;
}
