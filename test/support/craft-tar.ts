/**
 * A ustar writer for crafting the archives the package verifier must refuse. Rosey's own packages
 * are written by tar-stream (plugin-packages/tar.ts), which on purpose cannot write what a hostile
 * package holds: a pax or GNU extension header with a body, a device with data, a name that does
 * not fit. So the tests write those bytes themselves, synchronously, one 512-byte header per entry.
 */
import { PackageError } from '../../plugin-packages/package-error.js';
import { quotePath } from '../../plugin-packages/package-path.js';

const BLOCK = 512;

const TYPE_FLAGS = {
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
} as const;

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
  type: keyof typeof TYPE_FLAGS;
  data?: Buffer;
  /** Defaults: 0644 for files, 0755 for directories. */
  mode?: number;
  linkName?: string;
}

/** A tar archive of `entries`, in the given order, ended by two zero blocks. */
export function writeTar(entries: readonly TarWriteEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const entry of entries) {
    const data = entry.data ?? Buffer.alloc(0);
    parts.push(header(entry, data.length), data, Buffer.alloc(padding(data.length)));
  }
  parts.push(Buffer.alloc(2 * BLOCK));
  return Buffer.concat(parts);
}

/** Recomputes the checksum of the header at `offset`, after a test changed one of its bytes. */
export function resealHeader(tar: Buffer, offset = 0): Buffer {
  const block = tar.subarray(offset, offset + BLOCK);
  block.write(`${checksum(block).toString(8).padStart(6, '0')}\0 `, FIELD.checksum[0], 'latin1');
  return tar;
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
  return resealHeader(block);
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

/** The header checksum: every byte summed, its own field read as spaces. */
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

function padding(size: number): number {
  return (BLOCK - (size % BLOCK)) % BLOCK;
}
