import { expect } from 'chai';
import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { followLog } from '../../../app/logging/log-follower.js';
import { eventually, tempDir } from '../../support/nats.js';

describe('followLog: the lines of a growing log file', () => {
  it('from now on by default; with a backlog, the whole lines of its last bytes first (the dashboard opened late)', async () => {
    const file = join(tempDir(), 'rosey.log');
    // 30 lines of 10 bytes: 'line 00\n'… padded to ten.
    writeFileSync(
      file,
      Array.from({ length: 30 }, (_, i) => `line ${String(i).padStart(4, '0')}\n`).join(''),
    );
    const fresh: string[] = [];
    const late: string[] = [];
    const a = followLog(file, (l) => fresh.push(l), 20);
    // 45 bytes: four whole lines and the tail of one more, which is not shown as a line.
    const b = followLog(file, (l) => late.push(l), 20, 45);
    try {
      appendFileSync(file, 'line new!\n');
      await eventually(() => fresh.length === 1 && late.length === 5, 'the new line, and the backlog', 5000);
      expect(fresh).to.deep.equal(['line new!']);
      expect(late).to.deep.equal(['line 0026', 'line 0027', 'line 0028', 'line 0029', 'line new!']);
    } finally {
      a.stop();
      b.stop();
    }
  });
});
