import { pluginChangeReplySchema, pluginStartReplySchema } from '../contract/messages/plugins.js';
import type { LoadedConfig } from '../app/config/load.js';
import { setDisabled } from '../plugin-packages/plugin-switches.js';
import type { ControlTarget } from '../app/control-client.js';
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
  const word = enable ? 'enabled' : 'disabled';
  // The running Rosey first: if it refuses, nothing is recorded and both still agree.
  const running = target ? await runningPlugin(target, name) : undefined;
  let live = '';
  if (target && enable && !running) {
    await managerCall(target, 'start', { dir: plugin.dir }, pluginStartReplySchema);
    live = ' and started';
  } else if (target && !enable && running) {
    await managerCall(target, 'stop', { plugin: name }, pluginChangeReplySchema);
    live = ' and stopped';
  }
  const changed = setDisabled(loaded.dataDir, name, !enable);
  if (live) return `${name} ${word}${live}`;
  if (!target)
    return `${name} ${changed ? word : `was already ${word}`}; Rosey is not running: it applies at the next start`;
  return `${name} ${changed ? word : `was already ${word}`} (it is ${running?.state ?? 'not running'})`;
}
