/**
 * The CHECKSUMS file of a plugin package: one line per other file, `<sha256 hex>  <path>`, sorted
 * by path (the `sha256sum` format, so `sha256sum -c CHECKSUMS` works in an unpacked package). It
 * makes a package's contents explicit: the reader accepts exactly the listed files with exactly
 * these hashes, nothing more and nothing less.
 */
import { createHash } from 'node:crypto';
import { PackageError } from './package-error.js';
import { pathProblem, quotePath } from './package-path.js';

export const CHECKSUMS_FILE = 'CHECKSUMS';

export interface ChecksumLine {
  path: string;
  /** Lower-case hex. */
  sha256: string;
}

export function sha256Hex(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Code-unit order, not locale order: the same bytes on every machine. */
export function comparePaths(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** One line per file, sorted by path. */
export function computeChecksums(files: ReadonlyMap<string, Buffer>): ChecksumLine[] {
  return [...files.keys()]
    .sort(comparePaths)
    .map((path) => ({ path, sha256: sha256Hex(files.get(path) ?? Buffer.alloc(0)) }));
}

export function serialiseChecksums(lines: readonly ChecksumLine[]): string {
  return lines.map((line) => `${line.sha256}  ${line.path}\n`).join('');
}

const LINE = /^([0-9a-f]{64}) {2}(.+)$/;

/**
 * Parses a CHECKSUMS text. Strict, because a lenient parser is where two readers start to
 * disagree: every line well-formed, paths safe, sorted, no path twice. Throws PackageError
 * BAD_CHECKSUM naming the line.
 */
export function parseChecksums(text: string): ChecksumLine[] {
  if (text === '') return [];
  if (!text.endsWith('\n')) throw bad('does not end with a newline');
  const lines: ChecksumLine[] = [];
  text
    .slice(0, -1)
    .split('\n')
    .forEach((raw, index) => {
      const where = `line ${index + 1}`;
      const match = LINE.exec(raw);
      if (!match) throw bad(`${where} is not '<sha256 hex>  <path>'`);
      const [, sha256 = '', path = ''] = match;
      const problem = pathProblem(path);
      if (problem) throw bad(`${where}: ${quotePath(path)} ${problem}`);
      const previous = lines.at(-1);
      if (previous && comparePaths(previous.path, path) >= 0) {
        throw bad(
          `${where}: ${quotePath(path)} is ${previous.path === path ? 'listed twice' : 'out of order'}`,
        );
      }
      lines.push({ path, sha256 });
    });
  return lines;
}

function bad(reason: string): PackageError {
  return new PackageError('BAD_CHECKSUM', `${CHECKSUMS_FILE} ${reason}`);
}
