/**
 * The tar and gzip layer of `.roseyplug` packages: tar-stream reads and writes the archive, and
 * this adapter adds what a package reader needs on top of it, because a package may be hostile and
 * must be refused rather than interpreted:
 * - tar-stream applies pax and GNU extension headers to the entry after them without reporting
 *   them; they are found here (as a gap before the entry's own header) and reported as entries of
 *   their own type, so the verifier refuses them like links and devices;
 * - the archive must end with its end marker, with nothing but zeros after it, since bytes after
 *   it are invisible to some tars and not to others;
 * - names must be UTF-8 (tar-stream would turn other bytes into U+FFFD);
 * - an entry must not claim more data than the archive holds.
 * Plugin packages are small (package-limits.ts), so whole Buffers are fine.
 */
import { promisify } from 'node:util';
import { constants as zlibConstants, gunzip, gzip } from 'node:zlib';
import { extract, pack, type Header } from 'tar-stream';
import { errorMessage } from '../contract/result.js';
import { formatBytes } from './package-limits.js';
import { PackageError } from './package-error.js';
import { quotePath } from './package-path.js';

const BLOCK = 512;

/**
 * tar-stream's name for each entry type (the extension headers it applies silently included), or
 * `unknown` for a type flag it does not know.
 */
export type TarEntryType =
  Header['type'] | 'pax-header' | 'pax-global-header' | 'gnu-long-path' | 'gnu-long-link-path' | 'unknown';

export interface TarEntry {
  /** The path as stored (prefix + name), a directory's trailing slash removed. */
  path: string;
  type: TarEntryType;
  /** The raw type flag, for messages about unknown types. */
  typeFlag: string;
  mode: number;
  linkName: string;
  /** A view into the archive Buffer, not a copy. */
  data: Buffer;
}

/** What a package holds: files and folders, nothing else. */
export interface PackEntry {
  /** Relative posix path; a directory's path without its trailing slash. */
  path: string;
  type: 'file' | 'directory';
  data?: Buffer;
}

/**
 * A tar archive of `entries`, in the given order. Modes 0644 and 0755, uid/gid 0 and mtime 0, so
 * the bytes depend only on the paths and contents. A path tar-stream could store only with a pax
 * header (over the ustar name and prefix fields, or not ASCII) is refused: PackageError UNSAFE_PATH.
 */
export async function packTar(entries: readonly PackEntry[]): Promise<Buffer> {
  // Every path checked before tar-stream starts, so a refusal leaves no stream half written.
  const items = entries.map((entry) => {
    const isDir = entry.type === 'directory';
    const name = isDir ? `${entry.path}/` : entry.path;
    const problem = ustarProblem(name);
    if (problem) throw new PackageError('UNSAFE_PATH', `${quotePath(entry.path)} ${problem}`);
    const header = { name, type: entry.type, mode: isDir ? 0o755 : 0o644, mtime: EPOCH };
    return { header, data: entry.data ?? Buffer.alloc(0) };
  });
  const archive = pack();
  for (const { header, data } of items) archive.entry(header, data);
  archive.finalize();
  const chunks: Buffer[] = [];
  // tar-stream pushes Buffers.
  for await (const chunk of archive) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

const EPOCH = new Date(0);

/**
 * Why tar-stream would need a pax header for `name`, which packages never hold: the same rule as
 * its header encoder, a name of at most 100 ASCII bytes after moving leading folders into the
 * 155-byte prefix.
 */
function ustarProblem(name: string): string | undefined {
  if (Buffer.byteLength(name) !== name.length) return 'is not ASCII, which a plain tar header needs';
  let rest = name;
  let prefix = '';
  while (rest.length > 100) {
    const slash = rest.indexOf('/');
    if (slash === -1) return 'is too long for a tar header';
    prefix += prefix ? `/${rest.slice(0, slash)}` : rest.slice(0, slash);
    rest = rest.slice(slash + 1);
  }
  return prefix.length > 155 ? 'is too long for a tar header' : undefined;
}

type Step =
  | { kind: 'entry'; header: Header; start: number; next: () => void }
  | { kind: 'failed'; error: unknown }
  | { kind: 'finished' };

/**
 * Every entry of a tar archive, in order, lazily (so a caller can stop at its entry limit). Throws
 * PackageError NOT_A_PACKAGE on a bad header, a truncated archive, or bytes after the end marker,
 * and UNSAFE_PATH on a name that is not UTF-8.
 */
export async function* readTar(tar: Buffer): AsyncGenerator<TarEntry> {
  // latin1 keeps a name's bytes as they are, for the UTF-8 check below (tar-stream's types leave
  // this option out).
  const options: Parameters<typeof extract>[0] & { filenameEncoding: BufferEncoding } = {
    filenameEncoding: 'latin1',
  };
  const extractor = extract(options);
  const steps = stepsOf(extractor);
  extractor.end(tar);
  /** Where the next header should start: anything else means tar-stream skipped something there. */
  let end = 0;
  try {
    for (;;) {
      const step = await steps.next();
      if (step.kind === 'failed') {
        yield* ending(tar, end, step.error);
        return;
      }
      if (step.kind === 'finished') {
        yield* ending(tar, end);
        return;
      }
      const { header, start } = step;
      if (start !== end) yield skipped(tar, end);
      const entry = toEntry(tar, header, start);
      const { size } = header;
      const data = start + BLOCK;
      if (data + size > tar.length) {
        throw notTar(
          `truncated archive: entry ${quotePath(entry.path)} needs ${size} bytes, ${tar.length - data} left`,
        );
      }
      // tar-stream reads the block after a folder's header as the next header, other tars skip its
      // data: two readings of one archive.
      if (entry.type === 'directory' && size !== 0) {
        throw notTar(`entry ${quotePath(entry.path)} is a folder with ${size} bytes of data`);
      }
      yield { ...entry, data: tar.subarray(data, data + size) };
      end = data + size + padding(size);
      step.next();
    }
  } finally {
    extractor.destroy();
  }
}

/** tar-stream's events as a queue read one step at a time: an entry is handed on before an error after it. */
function stepsOf(extractor: ReturnType<typeof extract>): { next(): Promise<Step> } {
  const queued: Step[] = [];
  let waiting: ((step: Step) => void) | undefined;
  const push = (step: Step) => {
    if (waiting) {
      const wake = waiting;
      waiting = undefined;
      wake(step);
    } else queued.push(step);
  };
  extractor.on('entry', (header, stream, next) => {
    // The data is read from the archive Buffer; the stream is drained so tar-stream moves on.
    stream.resume();
    // `offset` is where the entry's own header starts, after any extension headers before it.
    push({ kind: 'entry', header, start: stream.offset, next: () => next() });
  });
  extractor.on('error', (error: unknown) => push({ kind: 'failed', error }));
  extractor.on('finish', () => push({ kind: 'finished' }));
  return {
    next: () => {
      const step = queued.shift();
      return step ? Promise.resolve(step) : new Promise((resolve) => (waiting = resolve));
    },
  };
}

function toEntry(tar: Buffer, header: Header, start: number): Omit<TarEntry, 'data'> {
  // A folder's trailing slash (tar-stream also takes a file name ending in one for a folder).
  const path = utf8(header.name, start).replace(/\/$/, '');
  // tar-stream gives null for a type flag it does not know and for no link target, though its
  // types do not say so.
  const type: Header['type'] | null = header.type;
  const linkName: string | null = header.linkname;
  return {
    path,
    type: type ?? 'unknown',
    typeFlag: tar.toString('latin1', start + TYPE_FLAG, start + TYPE_FLAG + 1),
    mode: header.mode,
    linkName: utf8(linkName ?? '', start),
  };
}

const TYPE_FLAG = 156;

/** Type flags of the extension headers tar-stream applies without reporting them. */
const EXTENSIONS = new Map<string, TarEntryType>([
  ['x', 'pax-header'],
  ['g', 'pax-global-header'],
  ['L', 'gnu-long-path'],
  ['N', 'gnu-long-path'],
  ['K', 'gnu-long-link-path'],
]);

/**
 * The archive after its last entry, from `at`: the end marker and zeros, or an extension header
 * that applies to nothing, or the reason tar-stream stopped (`failure`).
 */
function* ending(tar: Buffer, at: number, failure?: unknown): Generator<TarEntry> {
  const rest = tar.subarray(at);
  if (rest.length >= BLOCK && isZero(rest)) return;
  yield skipped(tar, at, failure);
  if (failure !== undefined) throw notTar(`after byte ${at}: ${errorMessage(failure)}`);
}

/**
 * The header at `at`, where tar-stream went on without giving an entry: an extension header, which
 * is reported as an entry so the verifier refuses it; anything else is refused here.
 */
function skipped(tar: Buffer, at: number, failure?: unknown): TarEntry {
  const block = tar.subarray(at, at + BLOCK);
  if (block.length === 0) throw notTar('truncated archive: no end-of-archive marker');
  if (block.length < BLOCK) throw notTar('truncated archive');
  if (isZero(block)) throw notTar('data after the end-of-archive marker');
  // Both ustar ('ustar\0') and old GNU ('ustar ') magic.
  if (block.toString('latin1', 257, 262) !== 'ustar') throw notTar(`byte ${at}: not a ustar header`);
  const typeFlag = block.toString('latin1', TYPE_FLAG, TYPE_FLAG + 1);
  const type = EXTENSIONS.get(typeFlag);
  if (type) {
    const name = block.toString('latin1', 0, 100).split('\0')[0] ?? '';
    return { path: utf8(name, at), type, typeFlag, mode: 0, linkName: '', data: Buffer.alloc(0) };
  }
  // tar-stream's words for a checksum mismatch (a tar-stream upgrade that changes them fails the tests).
  if (errorMessage(failure).startsWith('Invalid tar header. Maybe')) {
    throw notTar(`byte ${at}: header checksum does not match`);
  }
  throw notTar(`byte ${at}: not a valid tar header (${errorMessage(failure)})`);
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** A name tar-stream read as latin1, decoded as the UTF-8 it must be. */
function utf8(latin1: string, at: number): string {
  try {
    return strictUtf8.decode(Buffer.from(latin1, 'latin1'));
  } catch {
    throw new PackageError('UNSAFE_PATH', `byte ${at}: a name in the header is not UTF-8`);
  }
}

/**
 * Gzip for packages, best compression. The OS byte of the gzip header is set to 255 ("unknown")
 * because zlib fills in the build platform, and a package should be the same bytes everywhere.
 */
export async function gzipPackage(tar: Buffer): Promise<Buffer> {
  const gz = await promisify(gzip)(tar, { level: zlibConstants.Z_BEST_COMPRESSION });
  gz[9] = 255;
  return gz;
}

/**
 * Gunzips `gz`, refusing (PackageError TOO_LARGE) as soon as the output passes `maxBytes`: zlib
 * stops there, so a gzip bomb costs at most `maxBytes` of memory. `what` names the package in
 * messages.
 */
export async function gunzipBounded(gz: Buffer, maxBytes: number, what: string): Promise<Buffer> {
  if (gz[0] !== 0x1f || gz[1] !== 0x8b) {
    throw new PackageError('NOT_A_PACKAGE', `${what}: not a gzip file`);
  }
  try {
    return await promisify(gunzip)(gz, { maxOutputLength: maxBytes });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new PackageError('TOO_LARGE', `${what}: unpacks to more than ${formatBytes(maxBytes)}`, {
        cause: error,
      });
    }
    throw new PackageError('NOT_A_PACKAGE', `${what}: broken gzip data (${errorMessage(error)})`, {
      cause: error,
    });
  }
}

function padding(size: number): number {
  return (BLOCK - (size % BLOCK)) % BLOCK;
}

function isZero(bytes: Buffer): boolean {
  for (const byte of bytes) if (byte !== 0) return false;
  return true;
}

function notTar(reason: string): PackageError {
  return new PackageError('NOT_A_PACKAGE', reason);
}
