import type { LoadedConfig } from '../config/load.js';
import { pluginsToRun } from '../start-rosey.js';
import { failed, ok, type CheckResult } from './doctor-check.js';

/** Every plugin folder Rosey would load has a valid manifest (disabled plugins too). */
export function checkPlugins(loaded: LoadedConfig): CheckResult {
  const { plugins, problems } = pluginsToRun(loaded, { includeDisabled: true });
  const names = plugins.map((p) => `${p.manifest.name} ${p.manifest.version}`).join(', ');
  if (problems.length > 0)
    return failed(
      'plugins',
      `${problems.length} skipped at start: ${problems.join('; ')}`,
      'fix or remove those plugin folders (rosey plugin build checks a plugin before you install it)',
    );
  return ok('plugins', plugins.length > 0 ? names : 'none');
}
