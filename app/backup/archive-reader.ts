/**
 * Reads a backup archive into a staging folder, verifying everything before anything else looks at
 * it: the manifest first (format, format version, schema), then each entry as it streams past: a
 * plain file (no links, devices, folders or pax/GNU extension headers), a safe relative path, listed
 * in the manifest exactly once, of the listed size (and under the limits, before a byte is written),
 * with the listed sha256. Nothing listed may be missing. The staging folder is the caller's
 * temporary one; a refusal throws BackupError and leaves the caller's data untouched.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { extract, type Header as TarHeader } from 'tar-stream';
import { formatBytes } from '../../plugin-packages/package-limits.js';
import { pathProblem, quotePath } from '../../plugin-packages/package-path.js';
import { errorMessage } from '../../contract/result.js';
import {
  BACKUP_FORMAT_VERSION,
  BackupError,
  backupManifestSchema,
  DEFAULT_BACKUP_LIMITS,
  MANIFEST_ENTRY,
  type BackupFile,
  type BackupLimits,
  type BackupManifest,
} from './backup-format.js';

/** tar-stream's header, with the pax records it applied (its types leave them out). */
type Header = TarHeader & { pax?: Record<string, string> | null };

export async function readArchive(
  file: string,
  staging: string,
  limits: Partial<BackupLimits> = {},
): Promise<BackupManifest> {
  const max = { ...DEFAULT_BACKUP_LIMITS, ...limits };
  const extractor = extract();
  const source = pipeline(createReadStream(file), createGunzip(), extractor).catch((error: unknown) => {
    throw new BackupError('BAD_ARCHIVE', describeStreamError(error));
  });
  // Reported through the iteration below; this keeps an early refusal from being an unhandled rejection.
  source.catch(() => undefined);
  let manifest: BackupManifest | undefined;
  const listed = new Map<string, BackupFile>();
  const seen = new Set<string>();
  let total = 0;
  let count = 0;
  try {
    for await (const entry of extractor) {
      const header = entry.header as Header;
      const name = header.name;
      if (++count > max.maxEntries) throw refuse('TOO_LARGE', `more than ${max.maxEntries} entries`);
      const problem = entryProblem(header);
      if (problem) throw refuse('UNSAFE_ENTRY', `entry ${quotePath(name)} ${problem}`);
      const size = header.size ?? 0;
      if (manifest === undefined) {
        if (name !== MANIFEST_ENTRY)
          throw refuse(
            'BAD_ARCHIVE',
            `not a Rosey backup: the first entry is ${quotePath(name)}, not ${MANIFEST_ENTRY}`,
          );
        if (size > max.maxManifestBytes)
          throw refuse('TOO_LARGE', `${MANIFEST_ENTRY} is over ${formatBytes(max.maxManifestBytes)}`);
        manifest = parseManifest(await collect(entry));
        for (const f of manifest.files) listed.set(f.path, f);
        continue;
      }
      const expected = listed.get(name);
      if (!expected) throw refuse('UNSAFE_ENTRY', `entry ${quotePath(name)} is not listed in the manifest`);
      if (seen.has(name)) throw refuse('UNSAFE_ENTRY', `entry ${quotePath(name)} appears twice`);
      seen.add(name);
      if (size > max.maxEntryBytes)
        throw refuse('TOO_LARGE', `entry ${quotePath(name)} is over ${formatBytes(max.maxEntryBytes)}`);
      if (size !== expected.size)
        throw refuse(
          'BAD_ARCHIVE',
          `entry ${quotePath(name)} has ${size} bytes, the manifest lists ${expected.size}`,
        );
      total += size;
      if (total > max.maxTotalBytes)
        throw refuse('TOO_LARGE', `the archive unpacks to more than ${formatBytes(max.maxTotalBytes)}`);
      const target = join(staging, ...name.split('/'));
      await mkdir(dirname(target), { recursive: true });
      const hash = createHash('sha256');
      const hashing = new Transform({
        transform(chunk: Buffer, _encoding, done) {
          hash.update(chunk);
          done(null, chunk);
        },
      });
      // 'wx': the staging folder is new, so an existing file means a trick; never write through one.
      await pipeline(entry, hashing, createWriteStream(target, { flags: 'wx', mode: 0o600 }));
      if (hash.digest('hex') !== expected.sha256)
        throw refuse(
          'BAD_ARCHIVE',
          `entry ${quotePath(name)} does not match its checksum (damaged or altered)`,
        );
    }
    await source;
  } catch (error) {
    extractor.destroy();
    if (error instanceof BackupError) throw error;
    await source.catch((e: unknown) => {
      throw e;
    });
    throw new BackupError('BAD_ARCHIVE', describeStreamError(error));
  }
  if (!manifest) throw refuse('BAD_ARCHIVE', 'not a Rosey backup: the archive is empty');
  const missing = manifest.files.filter((f) => !seen.has(f.path)).map((f) => f.path);
  if (missing.length > 0)
    throw refuse(
      'BAD_ARCHIVE',
      `incomplete archive: ${missing.length} listed file(s) missing, first ${quotePath(missing[0]!)}`,
    );
  return manifest;
}

/** Why an entry is refused whatever its name: only plain files, as the writer makes them. */
function entryProblem(header: Header): string | undefined {
  if (header.pax && Object.keys(header.pax).length > 0)
    return 'has a pax extension header (a backup never does)';
  switch (header.type) {
    case 'file':
      break;
    case 'symlink':
      return `is a symbolic link (to ${quotePath(header.linkname ?? '')})`;
    case 'link':
      return `is a hard link (to ${quotePath(header.linkname ?? '')})`;
    case 'character-device':
    case 'block-device':
      return 'is a device';
    case 'fifo':
      return 'is a FIFO';
    case 'directory':
      return 'is a folder (a backup holds files only)';
    default:
      return `has an unsupported type (${String(header.type)})`;
  }
  const problem = pathProblem(header.name);
  return problem ? `is refused: it ${problem}` : undefined;
}

function parseManifest(bytes: Buffer): BackupManifest {
  let raw: unknown;
  try {
    raw = JSON.parse(bytes.toString('utf8'));
  } catch (error) {
    throw refuse('BAD_ARCHIVE', `${MANIFEST_ENTRY} is not valid JSON: ${errorMessage(error)}`);
  }
  const head = raw as { format?: unknown; formatVersion?: unknown } | null;
  if (head?.format !== 'rosey-backup')
    throw refuse('BAD_ARCHIVE', `not a Rosey backup (${MANIFEST_ENTRY} has no format "rosey-backup")`);
  if (head.formatVersion !== BACKUP_FORMAT_VERSION)
    throw refuse(
      'UNSUPPORTED',
      `backup format version ${JSON.stringify(head.formatVersion)}; this Rosey reads version ${BACKUP_FORMAT_VERSION}`,
    );
  const parsed = backupManifestSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw refuse(
      'BAD_ARCHIVE',
      `${MANIFEST_ENTRY}: ${issue.path.join('.') || 'top level'}: ${issue.message}`,
    );
  }
  const paths = new Set<string>();
  for (const f of parsed.data.files) {
    if (paths.has(f.path)) throw refuse('BAD_ARCHIVE', `${MANIFEST_ENTRY} lists ${quotePath(f.path)} twice`);
    paths.add(f.path);
  }
  for (const t of parsed.data.tables)
    if (!paths.has(t.file))
      throw refuse('BAD_ARCHIVE', `${MANIFEST_ENTRY}: table ${t.name}'s file is not listed`);
  return parsed.data;
}

async function collect(stream: AsyncIterable<unknown>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function describeStreamError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'Z_BUF_ERROR' || /unexpected end/i.test(errorMessage(error))) return 'truncated archive';
  if (code === 'Z_DATA_ERROR') return 'not a gzip archive, or damaged';
  if (code === 'ENOENT') return 'no such file';
  return errorMessage(error);
}

function refuse(code: BackupError['code'], message: string): BackupError {
  return new BackupError(code, message);
}
