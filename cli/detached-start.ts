import { spawn } from 'node:child_process';
import { mkdirSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { roseyRequest, runningAt, type ControlTarget } from '../app/control-client.js';
import { statusReplySchema } from '../contract/messages/control.js';
import { subjects } from '../contract/subjects.js';
import { isAlive } from '../process/is-alive.js';

/**
 * `rosey start --detach`, shared with `rosey restart`: Rosey in the background (`rosey start
 * --config FILE --pidfile <dataDir>/rosey.pid`, output appended to `<dataDir>/logs/rosey.out`),
 * waited for until its tree runs. Returns its pid and the output file; `fail` ends the command with
 * the one-line reason when it exits during startup or does not come up in time.
 */
export async function startDetached(o: {
  /** The configuration file, absolute. */
  file: string;
  /** `--data-dir` for the new process, when the data directory is not the file's. */
  dataDirFlag?: string;
  /** `--node` for the new process. */
  node?: string;
  dataDir: string;
  readyTimeoutMs: number;
  fail: (message: string) => never;
}): Promise<{ pid: number; outFile: string }> {
  const { dataDir, fail } = o;
  mkdirSync(join(dataDir, 'logs'), { recursive: true });
  const outFile = join(dataDir, 'logs', 'rosey.out');
  const pidfile = join(dataDir, 'rosey.pid');
  const out = openSync(outFile, 'a');
  const args = [process.argv[1]!, 'start', '--config', o.file, '--pidfile', pidfile];
  if (o.dataDirFlag) args.push('--data-dir', o.dataDirFlag);
  if (o.node !== undefined) args.push('--node', o.node);
  const child = spawn(process.execPath, args, { detached: true, stdio: ['ignore', out, out] });
  child.unref();
  const pid = child.pid!;
  const deadline = Date.now() + o.readyTimeoutMs;
  for (;;) {
    const found = runningAt(dataDir);
    if (found?.pid === pid && (await isUp(found))) break;
    if (!isAlive(pid)) {
      const tail = readFileSync(outFile, 'utf8').trim().split('\n').filter(Boolean).slice(-1)[0] ?? '';
      fail(
        `Rosey exited during startup${tail ? `: ${tail.replace(/^rosey( \w+)?: /, '')}` : ''} (see ${outFile})`,
      );
    }
    if (Date.now() > deadline)
      fail(`Rosey (pid ${pid}) did not come up within ${o.readyTimeoutMs} ms (see ${outFile})`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return { pid, outFile };
}

/** Up means the root supervisor reports running over the control plane. */
async function isUp(target: ControlTarget): Promise<boolean> {
  const result = await roseyRequest(
    target,
    subjects.control('status'),
    {},
    { reply: statusReplySchema, timeoutMs: 2000 },
  );
  return result.ok && result.data.tree.state === 'running';
}
