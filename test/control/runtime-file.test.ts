import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  readRuntimeFile,
  removeRuntimeFile,
  RUNTIME_FILE,
  writeRuntimeFile,
  type RuntimeInfo,
} from '../../actors/control/runtime-file.js';
import { tempDir } from '../support/nats.js';

const info = (pid: number): RuntimeInfo => ({
  pid,
  version: '1.2.3',
  natsUrl: 'nats://127.0.0.1:4222',
  natsToken: 'secret',
  startedAt: '2026-12-06T00:00:00.000Z',
});

/** A pid that was in use a moment ago and is not any more. */
function deadPid(): number {
  const done = spawnSync(process.execPath, ['-e', '']);
  return done.pid!;
}

/** The file that tells CLI commands where a running Rosey is (and which Rosey may remove it). */
describe('control: the runtime file', () => {
  it('is written whole, readable by its owner only, with no temporary file left beside it', () => {
    const dir = tempDir('rosey-runtime-');
    writeRuntimeFile(dir, info(process.pid));
    const file = join(dir, RUNTIME_FILE);
    expect(readdirSync(dir)).to.deep.equal([RUNTIME_FILE]);
    expect(statSync(file).mode & 0o777).to.equal(0o600);
    expect(readFileSync(file, 'utf8')).to.equal(JSON.stringify(info(process.pid), null, 2) + '\n');
    expect(readRuntimeFile(dir)).to.deep.equal({ kind: 'running', info: info(process.pid) });
  });

  it('names a Rosey whose process is gone as stale', () => {
    const dir = tempDir('rosey-runtime-');
    const pid = deadPid();
    writeRuntimeFile(dir, info(pid));
    expect(readRuntimeFile(dir)).to.deep.equal({ kind: 'stale', info: info(pid) });
  });

  it('tells a missing file, a file that is not JSON and JSON that is not a runtime file apart', () => {
    const dir = tempDir('rosey-runtime-');
    const file = join(dir, RUNTIME_FILE);
    expect(readRuntimeFile(dir)).to.deep.equal({ kind: 'missing' });
    writeFileSync(file, '{not json');
    expect(readRuntimeFile(dir)).to.deep.equal({ kind: 'invalid', reason: `${file} is not valid JSON` });
    writeFileSync(file, JSON.stringify({ pid: 'one' }));
    expect(readRuntimeFile(dir)).to.deep.equal({
      kind: 'invalid',
      reason: `${file} is not a Rosey runtime file`,
    });
  });

  it('is removed by the Rosey it describes, and left alone by another one', () => {
    const dir = tempDir('rosey-runtime-');
    const file = join(dir, RUNTIME_FILE);
    writeRuntimeFile(dir, info(process.pid));
    removeRuntimeFile(dir, process.pid + 1);
    expect(existsSync(file), 'another Rosey’s file').to.equal(true);
    removeRuntimeFile(dir);
    expect(existsSync(file), 'its own file').to.equal(false);
  });

  it('a stale file of another Rosey is left too; an unreadable one is removed', () => {
    const dir = tempDir('rosey-runtime-');
    const file = join(dir, RUNTIME_FILE);
    writeRuntimeFile(dir, info(deadPid()));
    removeRuntimeFile(dir);
    expect(existsSync(file), 'stale, another pid').to.equal(true);
    writeFileSync(file, '{not json');
    removeRuntimeFile(dir);
    expect(existsSync(file), 'not JSON').to.equal(false);
    removeRuntimeFile(dir);
    expect(existsSync(file), 'missing: nothing to do').to.equal(false);
  });
});
