/**
 * The one rule for a path inside a plugin package, shared by the builder (so it never writes a
 * package the reader would refuse) and the reader (so a crafted archive cannot write outside its
 * staging folder). Paths are relative, posix, plain: what `join(staging, path)` can only keep inside.
 */

/** Why `path` is not allowed in a package, or undefined when it is fine. */
export function pathProblem(path: string): string | undefined {
  if (path === '') return 'has an empty path';
  if (path.includes('\0')) return 'contains a NUL byte';
  if (path.includes('\\')) return 'contains a backslash';
  // A newline would also break the one-line-per-file CHECKSUMS format.
  if ([...path].some((c) => c.charCodeAt(0) < 0x20 || c === '\u007f')) return 'contains a control character';
  // tar-stream stores any other name in a pax header, which packages never hold (see tar.ts).
  if (/[^ -~]/.test(path)) return 'is not ASCII';
  if (path.startsWith('/') || /^[A-Za-z]:/.test(path)) return 'is an absolute path';
  const segments = path.split('/');
  if (segments.includes('..')) return "has a '..' segment";
  if (segments.includes('.')) return "has a '.' segment";
  if (segments.includes('')) return 'has an empty segment';
  // The installer owns node_modules (it links `rosey` there) and the builder never packs one.
  if (segments.includes('node_modules')) return 'is inside node_modules';
  return undefined;
}

/** A path quoted for a one-line message: escapes newlines and other control characters. */
export function quotePath(path: string): string {
  return JSON.stringify(path);
}
