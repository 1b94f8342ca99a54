import { failed, ok, warn, type CheckResult } from './doctor-check.js';

/** The oldest Node Rosey runs on (package.json `engines`). */
const MINIMUM = [20, 19] as const;

/** Node's version: too old fails, 20 (past its end of life) warns. */
export function checkNode(version = process.versions.node): CheckResult {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  if (major < MINIMUM[0] || (major === MINIMUM[0] && minor < MINIMUM[1]))
    return failed('node', `v${version}`, `install Node 24 or 22 (Rosey needs at least ${MINIMUM.join('.')})`);
  if (major === 20)
    return warn('node', `v${version}: Node 20 is past its end of life`, 'move to Node 24 or 22');
  return ok('node', `v${version}`);
}
