import type { LoadedConfig } from '../kernel/config/load.js';
import { setDisabled } from '../kernel/plugins/plugin-switches.js';
import type { ControlTarget } from '../kernel/runtime/control-client.js';
import { configuredPlugin, managerCall, runningPlugin } from './plugin-cli.js';

/**
 * `rosey plugin enable|disable`: recorded in the data directory for the next start, and applied
 * to the running Rosey at once (the plugin is started, or stopped for good). Returns the summary line.
 */
export async function switchPlugin(
  loaded: LoadedConfig,
  name: string,
  enable: boolean,
  target: ControlTarget | undefined,
): Promise<string> {
  const plugin = configuredPlugin(loaded, name);
  if (enable && loaded.config.plugins.disabled.includes(name))
    throw new Error(`${name} is disabled in the configuration file (plugins.disabled): remove it there`);
  const changed = setDisabled(loaded.dataDir, name, !enable);
  const word = enable ? 'enabled' : 'disabled';
  if (!target)
    return `${name} ${changed ? word : `was already ${word}`}; Rosey is not running: it applies at the next start`;
  const running = await runningPlugin(target, name);
  if (enable && !running) {
    await managerCall(target, 'start', { dir: plugin.dir });
    return `${name} enabled and started`;
  }
  if (!enable && running) {
    await managerCall(target, 'stop', { plugin: name });
    return `${name} disabled and stopped`;
  }
  return `${name} ${changed ? word : `was already ${word}`} (it is ${running?.state ?? 'not running'})`;
}
