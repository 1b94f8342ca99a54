import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { errorMessage } from '../contract/result.js';

/**
 * Why a plugin's code did not load, with where: `index.js:5: SyntaxError: Unexpected token 'export'`.
 * A SyntaxError from `import()` carries no location at all (issue 22: the install error of a plugin
 * that did not parse had no line number), so the plugin's files are checked one by one with
 * `node --check`, which names the line; any other error is placed by the first frame of its stack
 * inside the plugin's folder.
 */
export function describeLoadError(error: unknown, dir: string): string {
  const what = error instanceof SyntaxError ? `SyntaxError: ${error.message}` : errorMessage(error);
  // A SyntaxError thrown while the code runs (a JSON.parse at load) has its frame like any error;
  // only one from parsing has none, and then the files are checked.
  const where = frameIn(error, dir) ?? (error instanceof SyntaxError ? syntaxErrorAt(dir) : undefined);
  return where ? `${where}: ${what}` : what;
}

/** `file:line` of the first file of the plugin that does not parse. */
function syntaxErrorAt(dir: string): string | undefined {
  for (const file of scripts(dir)) {
    const checked = spawnSync(process.execPath, ['--check', file], { encoding: 'utf8' });
    if (checked.status === 0) continue;
    const line = /^(.+):(\d+)$/m.exec(checked.stderr ?? '');
    if (line) return `${relative(dir, line[1]!)}:${line[2]}`;
  }
  return undefined;
}

/** The plugin's own JavaScript files, outside node_modules and dot-folders, in a stable order. */
function scripts(dir: string, sub = ''): string[] {
  let entries;
  try {
    entries = readdirSync(join(dir, sub), { withFileTypes: true });
  } catch {
    return [];
  }
  return entries
    .sort((a, b) => a.name.localeCompare(b.name))
    .flatMap((entry) => {
      const path = join(sub, entry.name);
      if (entry.isDirectory())
        return entry.name === 'node_modules' || entry.name.startsWith('.') ? [] : scripts(dir, path);
      return entry.isFile() && /\.(m|c)?js$/.test(entry.name) ? [join(dir, path)] : [];
    });
}

/** `file:line:column` of the first stack frame in the plugin's folder. */
function frameIn(error: unknown, dir: string): string | undefined {
  const stack = error instanceof Error ? (error.stack ?? '') : '';
  for (const match of stack.matchAll(/(file:\/\/[^\s)]+|\/[^\s):]+):(\d+):(\d+)/g)) {
    const path = match[1]!.startsWith('file:') ? fileURLToPath(match[1]!) : match[1]!;
    if (path.startsWith(dir.endsWith(sep) ? dir : dir + sep))
      return `${relative(dir, path)}:${match[2]}:${match[3]}`;
  }
  return undefined;
}
