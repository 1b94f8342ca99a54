import { expect } from 'chai';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { BackupError } from '../../app/backup/backup-format.js';
import { createBackup } from '../../app/backup/create-backup.js';
import { pluginRoots } from '../../app/start-rosey.js';
import { planRestore } from '../../app/backup/restore-backup.js';
import { runCli } from '../support/cli.js';
import { resealHeader, writeTar, type TarWriteEntry } from '../support/craft-tar.js';
import { archiveEntries, hashTree, roseyData, seed, type RoseyData } from './support.js';

/**
 * The archives `rosey db restore` must refuse, each changing nothing on disk: the data directory
 * (database, backups) hashes the same before and after, and nothing is written outside it.
 */
describe('rosey db restore: hostile and damaged archives', function () {
  this.timeout(120_000);
  let data: RoseyData;
  let genuine: string;
  let entries: TarWriteEntry[];
  const escapee = `rosey-escapee-${process.pid}-${Date.now()}`;

  before(async () => {
    data = await roseyData('sqlite');
    await seed(data);
    genuine = (
      await createBackup(data.loaded, {
        pluginRoots: pluginRoots(data.loaded),
        file: join(data.cwd, 'genuine.tar.gz'),
      })
    ).file;
    entries = [...(await archiveEntries(genuine))].map(([path, bytes]) => ({
      path,
      type: 'file',
      data: bytes,
    }));
  });

  const manifest = () => JSON.parse(entries[0]!.data!.toString('utf8')) as Record<string, unknown>;
  const withManifest = (change: (m: Record<string, unknown>) => void): TarWriteEntry[] => {
    const m = manifest();
    change(m);
    return [
      { path: 'manifest.json', type: 'file', data: Buffer.from(JSON.stringify(m)) },
      ...entries.slice(1),
    ];
  };
  const quotes = () => entries.findIndex((e) => e.path === 'database/quote_db__quotes.jsonl');

  /** `tar` written as an archive; the restore refused with `reason`, and nothing changed. */
  async function refused(archive: Buffer, reason: RegExp): Promise<void> {
    const file = join(data.cwd, `hostile-${Math.random().toString(36).slice(2)}.tar.gz`);
    writeFileSync(file, archive);
    const before = hashTree(data.dataDir);
    const { code, stdout, stderr } = await runCli(['db', 'restore', file, '--data-dir', data.dataDir], {
      cwd: data.cwd,
    });
    expect(code, stdout + stderr).to.equal(1);
    expect(stderr.trim().split('\n'), stderr).to.have.length(1);
    expect(stderr).to.match(/^rosey db restore: /);
    expect(stderr).to.match(reason);
    expect(stdout).to.equal('');
    expect(hashTree(data.dataDir)).to.equal(before);
    expect(existsSync(join(tmpdir(), escapee))).to.equal(false);
    expect(existsSync(join(data.cwd, escapee))).to.equal(false);
  }

  const gz = (list: TarWriteEntry[]) => gzipSync(writeTar(list));

  it('restores the genuine archive it is derived from (the cases below fail for their own reason)', async () => {
    const rebuilt = join(data.cwd, 'rebuilt.tar.gz');
    writeFileSync(rebuilt, gz(entries));
    const { code, stderr } = await runCli(
      ['db', 'restore', rebuilt, '--dry-run', '--data-dir', data.dataDir],
      {
        cwd: data.cwd,
      },
    );
    expect(code, stderr).to.equal(0);
  });

  it('a truncated archive', async () => {
    const bytes = readFileSync(genuine);
    await refused(bytes.subarray(0, Math.floor(bytes.length / 2)), /truncated archive/);
  });

  it('a file that does not match its checksum', async () => {
    const tampered = entries.map((e, i) =>
      i === quotes()
        ? { ...e, data: Buffer.from(e.data!.toString('latin1').replace('kim', 'eve'), 'latin1') }
        : e,
    );
    await refused(gz(tampered), /quote_db__quotes\.jsonl" does not match its checksum/);
  });

  it('another format version', async () => {
    await refused(
      gz(withManifest((m) => (m.formatVersion = 2))),
      /backup format version 2; this Rosey reads version 1/,
    );
  });

  it('a ../ path', async () => {
    await refused(
      gz([...entries, { path: `../${escapee}`, type: 'file', data: Buffer.from('x') }]),
      /'\.\.' segment/,
    );
  });

  it('an absolute path', async () => {
    const path = join(tmpdir(), escapee);
    await refused(gz([...entries, { path, type: 'file', data: Buffer.from('x') }]), /absolute path/);
  });

  it('a symbolic link', async () => {
    await refused(
      gz([...entries, { path: `database/${escapee}`, type: 'symlink', linkName: '/etc/passwd' }]),
      /is a symbolic link \(to "\/etc\/passwd"\)/,
    );
  });

  it('a hard link', async () => {
    await refused(
      gz([...entries, { path: `database/${escapee}`, type: 'hardlink', linkName: 'manifest.json' }]),
      /is a hard link/,
    );
  });

  it('a device', async () => {
    await refused(gz([...entries, { path: `database/${escapee}`, type: 'char-device' }]), /is a device/);
  });

  it('an entry over the size limit, refused before its data is read', async () => {
    // The header claims 5 GiB (over the 4 GiB limit); the data is not there, and need not be.
    const tar = writeTar(entries);
    let offset = 0;
    for (const e of entries.slice(0, quotes())) offset += 512 + Math.ceil(e.data!.length / 512) * 512;
    tar.write(`${(5 * 1024 ** 3).toString(8).padStart(11, '0')}\0`, offset + 124, 'latin1');
    await refused(gzipSync(resealHeader(tar, offset)), /quote_db__quotes\.jsonl" is over 4 GiB/);
  });

  it('an entry the manifest does not list', async () => {
    await refused(
      gz([...entries, { path: 'database/extra.jsonl', type: 'file', data: Buffer.from('[1]\n') }]),
      /"database\/extra\.jsonl" is not listed in the manifest/,
    );
  });

  it('a listed file that is missing', async () => {
    await refused(
      gz(entries.filter((_, i) => i !== quotes())),
      /incomplete archive: 1 listed file\(s\) missing/,
    );
  });

  it('a manifest that is not first', async () => {
    await refused(gz([...entries.slice(1), entries[0]!]), /not a Rosey backup: the first entry is/);
  });

  it('not a gzip file at all', async () => {
    await refused(Buffer.from('just text, no archive\n'), /not a gzip archive/);
  });

  it('the limits hold for the library too: an entry over a smaller limit', async () => {
    const error = await planRestore(data.loaded, genuine, { limits: { maxEntryBytes: 100 } }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).to.be.instanceOf(BackupError);
    expect((error as BackupError).code).to.equal('TOO_LARGE');
    expect((error as Error).message).to.match(/is over 100 bytes/);
  });
});
