/**
 * A minimal ustar writer and reader over Buffers, and the bounded gzip around them. Written here
 * rather than taken from npm because a package reader must refuse rather than interpret: the reader
 * reports every entry's type as it is, and the verifier decides (links, devices and pax/GNU
 * extensions are refused there). Plugin packages are small, so whole Buffers are fine.
 *
 * Layout (POSIX ustar): per entry one 512-byte header, then the data padded to 512 bytes; two zero
 * blocks end the archive.
 */
import { promisify } from 'node:util';
import { constants as zlibConstants, gunzip, gzip } from 'node:zlib';
import { formatBytes } from './package-limits.js';
import { PackageError } from './package-error.js';
import { quotePath } from './package-path.js';

const BLOCK = 512;

export type TarEntryType =
  | 'file'
  | 'directory'
  | 'symlink'
  | 'hardlink'
  | 'char-device'
  | 'block-device'
  | 'fifo'
  | 'pax-header'
  | 'pax-global-header'
  | 'gnu-long-name'
  | 'gnu-long-link'
  | 'unknown';

type KnownType = Exclude<TarEntryType, 'unknown'>;

const TYPE_FLAGS: Readonly<Record<KnownType, string>> = {
  file: '0',
  hardlink: '1',
  symlink: '2',
  'char-device': '3',
  'block-device': '4',
  directory: '5',
  fifo: '6',
  'pax-header': 'x',
  'pax-global-header': 'g',
  'gnu-long-name': 'L',
  'gnu-long-link': 'K',
};

const TYPES_BY_FLAG = new Map<string, KnownType>(
  (Object.keys(TYPE_FLAGS) as KnownType[]).map((type) => [TYPE_FLAGS[type], type]),
);

/** [offset, length] of each header field. */
const FIELD = {
  name: [0, 100],
  mode: [100, 8],
  uid: [108, 8],
  gid: [116, 8],
  size: [124, 12],
  mtime: [136, 12],
  checksum: [148, 8],
  typeFlag: [156, 1],
  linkName: [157, 100],
  magic: [257, 6],
  version: [263, 2],
  devMajor: [329, 8],
  devMinor: [337, 8],
  prefix: [345, 155],
} as const satisfies Record<string, readonly [number, number]>;

type Field = readonly [number, number];

export interface TarWriteEntry {
  /** Relative posix path; a directory's path without its trailing slash. */
  path: string;
  /**
   * Packages only ever hold files and directories; the other types are writable so tests can
   * craft the hostile archives the verifier must refuse.
   */
  type: KnownType;
  data?: Buffer;
  /** Defaults: 0644 for files, 0755 for directories. */
  mode?: number;
  linkName?: string;
}

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

/** A tar archive of `entries`, in the given order, with uid/gid/mtime 0 so the bytes are reproducible. */
export function writeTar(entries: readonly TarWriteEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const entry of entries) {
    const data = entry.data ?? Buffer.alloc(0);
    parts.push(header(entry, data.length), data, Buffer.alloc(padding(data.length)));
  }
  parts.push(Buffer.alloc(2 * BLOCK));
  return Buffer.concat(parts);
}

/**
 * Every entry of a tar archive, in order, lazily (so a caller can stop at its entry limit). Throws
 * PackageError NOT_A_PACKAGE on a bad header, a truncated archive, or bytes after the end marker.
 */
export function* readTar(tar: Buffer): Generator<TarEntry> {
  let offset = 0;
  for (;;) {
    if (offset + BLOCK > tar.length) {
      throw notTar(
        offset === tar.length ? 'truncated archive: no end-of-archive marker' : 'truncated archive',
      );
    }
    const block = tar.subarray(offset, offset + BLOCK);
    if (isZero(block)) {
      // Anything after the end marker would be invisible to us but not to every other tar.
      if (!isZero(tar.subarray(offset))) throw notTar('data after the end-of-archive marker');
      return;
    }
    const entry = parseHeader(block, offset);
    const start = offset + BLOCK;
    if (start + entry.size > tar.length) {
      throw notTar(
        `truncated archive: entry ${quotePath(entry.path)} needs ${entry.size} bytes, ${tar.length - start} left`,
      );
    }
    yield { ...entry, data: tar.subarray(start, start + entry.size) };
    offset = start + entry.size + padding(entry.size);
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
  if (gz.length < 2 || gz[0] !== 0x1f || gz[1] !== 0x8b) {
    throw new PackageError('NOT_A_PACKAGE', `${what}: not a gzip file`);
  }
  try {
    return await promisify(gunzip)(gz, { maxOutputLength: maxBytes });
  } catch (error) {
    if (error instanceof RangeError && (error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new PackageError('TOO_LARGE', `${what}: unpacks to more than ${formatBytes(maxBytes)}`, {
        cause: error,
      });
    }
    const reason = error instanceof Error ? error.message : String(error);
    throw new PackageError('NOT_A_PACKAGE', `${what}: broken gzip data (${reason})`, { cause: error });
  }
}

function header(entry: TarWriteEntry, size: number): Buffer {
  const block = Buffer.alloc(BLOCK);
  const isDir = entry.type === 'directory';
  const [prefix, name] = splitPath(isDir ? `${entry.path}/` : entry.path);
  putBytes(block, FIELD.name, Buffer.from(name), entry.path);
  putOctal(block, FIELD.mode, entry.mode ?? (isDir ? 0o755 : 0o644));
  putOctal(block, FIELD.uid, 0);
  putOctal(block, FIELD.gid, 0);
  putOctal(block, FIELD.size, size);
  putOctal(block, FIELD.mtime, 0);
  block.write(TYPE_FLAGS[entry.type], FIELD.typeFlag[0], 'latin1');
  putBytes(block, FIELD.linkName, Buffer.from(entry.linkName ?? ''), entry.path);
  block.write('ustar\0', FIELD.magic[0], 'latin1');
  block.write('00', FIELD.version[0], 'latin1');
  putOctal(block, FIELD.devMajor, 0);
  putOctal(block, FIELD.devMinor, 0);
  putBytes(block, FIELD.prefix, Buffer.from(prefix), entry.path);
  // The checksum is computed with its own field read as spaces, then stored as 6 digits, NUL, space.
  block.write(`${checksum(block).toString(8).padStart(6, '0')}\0 `, FIELD.checksum[0], 'latin1');
  return block;
}

/** ustar keeps a path up to 100 bytes in `name`, longer ones split at a slash into prefix (155) + name. */
function splitPath(path: string): [string, string] {
  if (Buffer.byteLength(path) <= FIELD.name[1]) return ['', path];
  for (let slash = path.indexOf('/'); slash > 0; slash = path.indexOf('/', slash + 1)) {
    const prefix = path.slice(0, slash);
    const name = path.slice(slash + 1);
    if (name === '' || Buffer.byteLength(name) > FIELD.name[1]) continue;
    if (Buffer.byteLength(prefix) <= FIELD.prefix[1]) return [prefix, name];
  }
  throw new PackageError('UNSAFE_PATH', `${quotePath(path)} is too long for a tar header`);
}

function parseHeader(block: Buffer, offset: number): Omit<TarEntry, 'data'> & { size: number } {
  const magic = block.toString('latin1', FIELD.magic[0], FIELD.magic[0] + FIELD.magic[1]);
  if (!magic.startsWith('ustar')) throw notTar(`byte ${offset}: not a ustar header`);
  const stored = readOctal(block, FIELD.checksum, offset);
  if (stored !== checksum(block)) throw notTar(`byte ${offset}: header checksum does not match`);
  const name = readString(block, FIELD.name, offset);
  // Only POSIX ustar has a path prefix there; old GNU headers keep timestamps in those bytes.
  const prefix = magic === 'ustar\0' ? readString(block, FIELD.prefix, offset) : '';
  let path = prefix ? `${prefix}/${name}` : name;
  const typeFlag = block.toString('latin1', FIELD.typeFlag[0], FIELD.typeFlag[0] + 1);
  // Pre-POSIX tars write NUL for a regular file.
  const type = typeFlag === '\0' ? 'file' : (TYPES_BY_FLAG.get(typeFlag) ?? 'unknown');
  if (type === 'directory' && path.endsWith('/')) path = path.slice(0, -1);
  return {
    path,
    type,
    typeFlag,
    mode: readOctal(block, FIELD.mode, offset),
    size: readOctal(block, FIELD.size, offset),
    linkName: readString(block, FIELD.linkName, offset),
  };
}

function checksum(block: Buffer): number {
  let sum = 0;
  for (let i = 0; i < BLOCK; i += 1) {
    const inField = i >= FIELD.checksum[0] && i < FIELD.checksum[0] + FIELD.checksum[1];
    sum += inField ? 0x20 : (block[i] ?? 0);
  }
  return sum;
}

function putBytes(block: Buffer, [at, length]: Field, bytes: Buffer, path: string): void {
  if (bytes.length > length) {
    throw new PackageError('UNSAFE_PATH', `${quotePath(path)}: a name is too long for a tar header`);
  }
  bytes.copy(block, at);
}

/** Octal digits, zero-padded, NUL-terminated, as ustar stores numbers. */
function putOctal(block: Buffer, [at, length]: Field, value: number): void {
  const digits = value.toString(8).padStart(length - 1, '0');
  if (digits.length > length - 1) throw new RangeError(`${value} does not fit a ${length}-byte tar field`);
  block.write(`${digits}\0`, at, 'latin1');
}

function readOctal(block: Buffer, [at, length]: Field, offset: number): number {
  // Base-256 numbers (high bit set, for files over 8 GiB) fail the digit test and are refused.
  const text = block
    .toString('latin1', at, at + length)
    .replace(/\0.*$/s, '')
    .trim();
  if (!/^[0-7]*$/.test(text)) throw notTar(`byte ${offset}: a numeric header field is not octal`);
  return text === '' ? 0 : parseInt(text, 8);
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function readString(block: Buffer, [at, length]: Field, offset: number): string {
  const field = block.subarray(at, at + length);
  const end = field.indexOf(0);
  try {
    return utf8.decode(end === -1 ? field : field.subarray(0, end));
  } catch {
    throw new PackageError('UNSAFE_PATH', `byte ${offset}: a name in the header is not UTF-8`);
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
