/**
 * Writes a backup archive as a stream: the manifest first, then each file from disk, through tar
 * and gzip into a file beside the destination that is renamed into place at the end, so a failed
 * or interrupted backup never leaves a half archive under the destination's name.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { chmod, rename, rm } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { pack } from 'tar-stream';
import { MANIFEST_ENTRY, type BackupManifest } from './backup-format.js';

const EPOCH = new Date(0);

/** `sources` maps each manifest file's path to the file on disk holding its bytes. */
export async function writeArchive(
  destination: string,
  manifest: BackupManifest,
  sources: ReadonlyMap<string, string>,
): Promise<void> {
  const partial = `${destination}.partial-${randomBytes(4).toString('hex')}`;
  const archive = pack();
  const written = pipeline(archive, createGzip(), createWriteStream(partial, { mode: 0o600 }));
  try {
    const text = Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`);
    await new Promise<void>((resolve, reject) =>
      archive.entry({ name: MANIFEST_ENTRY, mode: 0o644, mtime: EPOCH }, text, (e) =>
        e ? reject(e) : resolve(),
      ),
    );
    for (const file of manifest.files) {
      const source = sources.get(file.path);
      if (source === undefined) throw new Error(`no source for ${file.path}`);
      const entry = archive.entry({ name: file.path, size: file.size, mode: 0o644, mtime: EPOCH });
      await pipeline(createReadStream(source), entry);
    }
    archive.finalize();
    await written;
    // The archive holds the channel's data (and perhaps secrets): the owner's alone.
    await chmod(partial, 0o600);
    await rename(partial, destination);
  } catch (error) {
    archive.destroy();
    await written.catch(() => undefined);
    await rm(partial, { force: true });
    throw error;
  }
}
