import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { cpuSeconds, descendants } from '../../bench/harness.js';

/**
 * What the lean suite reads from /proc to print a start's CPU (bench/lean.ts): every process
 * `rosey dev` started, and the CPU each used. A process's name in /proc/<pid>/stat is in brackets
 * and may hold brackets of its own (a plugin process calls itself `dice@1 (rosey plugin)`).
 */
describe('benchmark process readings', () => {
  const pids: number[] = [];
  afterEach(() => {
    for (const pid of pids.splice(0)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  });

  /**
   * A Node process named `p) (q) r` that uses `cpuMs` of CPU, then starts a grandchild that sleeps,
   * and prints the grandchild's pid.
   */
  async function parent(cpuMs: number): Promise<{ pid: number; grandchild: number }> {
    const script = `
      process.title = 'p) (q) r';
      while (process.cpuUsage().user + process.cpuUsage().system < ${cpuMs * 1000});
      const g = require('node:child_process').spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
      g.on('spawn', () => process.stdout.write(g.pid + '\\n'));
      setInterval(() => {}, 1000);`;
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    pids.push(child.pid!);
    const grandchild = await new Promise<number>((resolve) =>
      child.stdout.once('data', (data: Buffer) => resolve(Number(String(data).trim()))),
    );
    pids.push(grandchild);
    return { pid: child.pid!, grandchild };
  }

  it('finds children and grandchildren, and none for a process without any', async () => {
    const { pid, grandchild } = await parent(0);
    expect(descendants(pid)).to.deep.equal([grandchild]);
    expect(descendants(process.pid)).to.include.members([pid, grandchild]);
    expect(descendants(grandchild)).to.deep.equal([]);
  });

  it('reads the CPU of a process whose name has brackets', async () => {
    const { pid, grandchild } = await parent(400);
    // /proc counts in 10 ms ticks; the process used 400 ms before it started the grandchild.
    expect(cpuSeconds(pid)).to.be.within(0.39, 5);
    expect(cpuSeconds(grandchild)).to.be.lessThan(0.39);
  });
});
