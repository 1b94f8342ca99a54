import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { releaseDue } from '../../contract/idle-memory.js';

const MB = 1024 * 1024;
const MODULE = fileURLToPath(new URL('../../contract/idle-memory.js', import.meta.url));

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

  /**
   * A Node process that runs the releaser (looking every 100 ms, 4 MB of growth), then `steps`, and
   * prints one JSON line per collection and `{"done":true}` at the end.
   */
  function run(steps: string, { collect = '() => {}' } = {}): Promise<Array<Record<string, unknown>>> {
    const script = `
      const { releaseMemoryWhenQuiet } = await import(${JSON.stringify(MODULE)});
      const say = (o) => process.stdout.write(JSON.stringify(o) + '\\n');
      const releaser = releaseMemoryWhenQuiet({
        everyMs: 100, growthBytes: 4 * 1024 * 1024, released: say,
        failed: (message) => say({ failed: message }),
        ${collect === 'default' ? '' : `collect: ${collect},`}
      });
      const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
      // Garbage that grows RSS: objects that survive a while, then are all dropped.
      const churn = () => { let keep = []; for (let i = 0; i < 400000; i++) keep.push({ i, s: 'x'.repeat(20) + i }); keep = null; };
      // The event loop busy for ms: short tasks back to back, as a loaded process's loop is.
      const busy = (ms) => new Promise((r) => { const end = Date.now() + ms; const spin = () => { const t = Date.now() + 5; while (Date.now() < t); if (Date.now() < end) setImmediate(spin); else r(); }; spin(); });
      ${steps}
      say({ done: true });`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (data: Buffer) => (out += String(data)));
    return new Promise((resolve, reject) =>
      child.once('exit', (code) =>
        code === 0
          ? resolve(
              out
                .trim()
                .split('\n')
                .map(
                  (line) => JSON.parse(line) as { beforeBytes?: number; afterBytes?: number; done?: boolean },
                ),
            )
          : reject(new Error(`the process exited ${code}`)),
      ),
    );
  }

  it('collects once after a busy spell, and not again until RSS has grown again', async () => {
    const lines = await run(`churn(); await busy(300); await sleep(1500); releaser.stop();`);
    const collections = lines.filter((l) => !l.done);
    expect(collections, JSON.stringify(lines)).to.have.length(1);
    expect(lines.at(-1)).to.deep.equal({ done: true });
  });

  it('never collects while the event loop is busy, then does once it is quiet', async () => {
    const lines = await run(
      `churn(); await busy(1500); say({ busyOver: true }); await sleep(1500); releaser.stop();`,
    );
    const over = lines.findIndex((l) => 'busyOver' in l);
    expect(over, JSON.stringify(lines)).to.be.greaterThan(-1);
    expect(lines.slice(0, over), 'collections while busy').to.deep.equal([]);
    expect(lines.slice(over + 1, -1), 'collections once quiet').to.have.length(1);
  });

  it('stops collecting, and says why, when the collection fails; the process lives on', async () => {
    const lines = await run(`churn(); await sleep(800); churn(); await sleep(800); releaser.stop();`, {
      collect: "() => { throw new Error('no gc here'); }",
    });
    expect(lines).to.deep.equal([
      { failed: 'memory is no longer given back when quiet: no gc here' },
      { done: true },
    ]);
  });

  // V8 11 (Node 20) reads gc's options as a scavenge, which gives nothing back; V8 12 and later
  // (Node 22, 24) run the memory-reducing collection they ask for. The default is that, or nothing.
  it("by default gives memory back with V8's memory-reducing collection, and does nothing before V8 12", async () => {
    const lines = await run(`churn(); await sleep(1500); releaser.stop();`, { collect: 'default' });
    const collections = lines.filter((l) => 'beforeBytes' in l) as Array<{
      beforeBytes: number;
      afterBytes: number;
    }>;
    if (Number(process.versions.v8.split('.')[0]) >= 12) {
      expect(collections, JSON.stringify(lines)).to.have.length(1);
      expect(collections[0]!.afterBytes).to.be.lessThan(collections[0]!.beforeBytes);
    } else expect(collections).to.deep.equal([]);
  });

  it('collects nothing once stopped', async () => {
    const lines = await run(`releaser.stop(); churn(); await sleep(1000);`);
    expect(lines).to.deep.equal([{ done: true }]);
  });
});
