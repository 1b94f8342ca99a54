import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import {
  collectsToReduceMemory,
  describeRelease,
  releaseDue,
  releaseMemoryWhenQuiet,
  type MemoryRelease,
} from '../../contract/idle-memory.js';

const MB = 1024 * 1024;
const MODULE = fileURLToPath(new URL('../../contract/idle-memory.js', import.meta.url));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The event loop busy for `ms`: short tasks back to back, as a loaded process's loop is. */
function busy(ms: number): Promise<void> {
  const end = Date.now() + ms;
  return new Promise((resolve) => {
    const spin = () => {
      const until = Date.now() + 5;
      while (Date.now() < until);
      if (Date.now() < end) setImmediate(spin);
      else resolve();
    };
    spin();
  });
}

describe('memory given back once quiet (contract/idle-memory.ts)', () => {
  describe('releaseDue', () => {
    const limits = { quietBelow: 0.02, growthBytes: 8 * MB };
    const at = (utilization: number, grownMb: number) =>
      releaseDue({ utilization, rss: 100 * MB + grownMb * MB, baseline: 100 * MB }, limits);

    it('is due when the period was quiet and RSS grew by the threshold or more', () => {
      expect(at(0, 8)).to.equal(true);
      expect(at(0.019, 30)).to.equal(true);
    });

    it('is not due while the process is busy, however much RSS grew', () => {
      expect(at(0.02, 30)).to.equal(false);
      expect(at(0.9, 300)).to.equal(false);
    });

    it('is not due when RSS grew less than the threshold, or shrank', () => {
      expect(at(0, 7.9)).to.equal(false);
      expect(at(0, -20)).to.equal(false);
    });
  });

  describe('releaseMemoryWhenQuiet (looking every 100 ms, 4 MB of growth, an RSS the test sets)', () => {
    /** A releaser whose RSS is `rss.bytes` and whose collection gives back `givesBack` bytes. */
    function releaser(collect?: () => void) {
      const rss = { bytes: 100 * MB };
      const events: Array<MemoryRelease | { failed: string }> = [];
      const running = releaseMemoryWhenQuiet({
        everyMs: 100,
        growthBytes: 4 * MB,
        rss: () => rss.bytes,
        released: (report) => events.push(report),
        failed: (message) => events.push({ failed: message }),
        collect:
          collect ??
          (() => {
            rss.bytes -= 3 * MB;
          }),
      });
      return { rss, events, stop: () => running.stop() };
    }

    it('collects once RSS has grown and the loop was quiet, then only after it grows again', async () => {
      const r = releaser();
      try {
        await sleep(350);
        expect(r.events, 'nothing grown yet').to.deep.equal([]);
        r.rss.bytes += 10 * MB;
        await sleep(350);
        expect(r.events).to.have.length(1);
        expect(r.events[0]).to.include({ beforeBytes: 110 * MB, afterBytes: 107 * MB });
        // 3 MB above what the collection left: under the threshold.
        r.rss.bytes += 3 * MB;
        await sleep(350);
        expect(r.events).to.have.length(1);
        r.rss.bytes += 1 * MB;
        await sleep(350);
        expect(r.events).to.have.length(2);
        expect(r.events[1]).to.include({ beforeBytes: 111 * MB, afterBytes: 108 * MB });
      } finally {
        r.stop();
      }
    });

    it('never collects while the event loop is busy, then does once it is quiet', async () => {
      const r = releaser();
      try {
        r.rss.bytes += 10 * MB;
        await busy(600);
        expect(r.events, 'collections while busy').to.deep.equal([]);
        await sleep(350);
        expect(r.events).to.have.length(1);
      } finally {
        r.stop();
      }
    });

    it('stops collecting, and says why, when the collection fails; nothing is thrown', async () => {
      let calls = 0;
      const r = releaser(() => {
        calls += 1;
        throw new Error('no gc here');
      });
      try {
        r.rss.bytes += 10 * MB;
        await sleep(350);
        r.rss.bytes += 10 * MB;
        await sleep(350);
        expect(r.events).to.deep.equal([{ failed: 'memory is no longer given back when quiet: no gc here' }]);
        expect(calls).to.equal(1);
      } finally {
        r.stop();
      }
    });

    it('reports how long the collection paused the process', async () => {
      let inside = 0;
      const r = releaser(() => {
        const from = performance.now();
        const until = Date.now() + 20;
        while (Date.now() < until);
        inside = performance.now() - from;
      });
      try {
        r.rss.bytes += 10 * MB;
        await sleep(350);
        const [report] = r.events as MemoryRelease[];
        // The collection's own time, and at most the call around it on a loaded machine.
        expect(report!.pauseMs).to.be.within(inside, inside + 1000);
      } finally {
        r.stop();
      }
    });

    it('needs neither callback: a collection and a failure without them throw nothing', async () => {
      const rss = { bytes: 100 * MB };
      let calls = 0;
      const quiet = releaseMemoryWhenQuiet({
        everyMs: 100,
        growthBytes: 4 * MB,
        rss: () => rss.bytes,
        collect: () => {
          calls += 1;
          if (calls === 2) throw new Error('no gc here');
        },
      });
      try {
        rss.bytes += 10 * MB;
        await sleep(350);
        rss.bytes += 10 * MB;
        await sleep(350);
        rss.bytes += 10 * MB;
        await sleep(350);
        // The second one failed: no third. A throw in the timer would have failed the test run.
        expect(calls).to.equal(2);
      } finally {
        quiet.stop();
      }
    });

    it('collects nothing once stopped', async () => {
      const r = releaser();
      r.stop();
      r.rss.bytes += 10 * MB;
      await sleep(350);
      expect(r.events).to.deep.equal([]);
    });
  });

  it('says each collection in one line, in MB and ms', () => {
    expect(describeRelease({ beforeBytes: 140.44 * MB, afterBytes: 107.3 * MB, pauseMs: 101.4 })).to.equal(
      'quiet after a busy spell: collected, RSS 140.4 → 107.3 MB (101 ms)',
    );
  });

  it('collects by default on V8 12 and later only (Node 22, 24)', () => {
    expect(collectsToReduceMemory()).to.equal(Number(process.versions.v8.split('.')[0]) >= 12);
  });

  // V8 11 (Node 20) reads gc's options as a scavenge, which gives nothing back; V8 12 and later
  // (Node 22, 24) run the memory-reducing collection they ask for. The default is that, or nothing.
  // In a process of its own: it sets `--expose-gc` on the process it runs in.
  it("by default gives memory back with V8's memory-reducing collection, and does nothing before V8 12", async () => {
    const script = `
      const { releaseMemoryWhenQuiet } = await import(${JSON.stringify(MODULE)});
      const say = (o) => process.stdout.write(JSON.stringify(o) + '\\n');
      const releaser = releaseMemoryWhenQuiet({ everyMs: 100, growthBytes: 4 * 1024 * 1024, released: say, failed: (m) => say({ failed: m }) });
      // Garbage that grows RSS: objects that survive a while, then are all dropped.
      let keep = []; for (let i = 0; i < 400000; i++) keep.push({ i, s: 'x'.repeat(20) + i }); keep = null;
      await new Promise((r) => setTimeout(r, 1500));
      releaser.stop();
      say({ done: true });`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (data: Buffer) => (out += String(data)));
    const code = await new Promise((resolve) => child.once('exit', resolve));
    expect(code).to.equal(0);
    const lines = out
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, number>);
    expect(lines.at(-1)).to.deep.equal({ done: true });
    const collections = lines.filter((l) => 'beforeBytes' in l);
    if (Number(process.versions.v8.split('.')[0]) >= 12) {
      expect(collections, out).to.have.length(1);
      expect(collections[0]!.afterBytes).to.be.lessThan(collections[0]!.beforeBytes!);
    } else expect(collections).to.deep.equal([]);
  });
});
