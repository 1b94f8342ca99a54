/**
 * Whether a Rosey runs on a data directory, for a restore, which must not swap the database under
 * a running one: its runtime file names a live pid, and the control plane is asked (`ping`) to tell
 * a Rosey that answers from one that is starting or hung. Either way it counts as running; `stop`
 * stops it through the control plane, as `rosey stop` does.
 */
import { pingReplySchema, stopReplySchema } from '../../contract/messages/control.js';
import { subjects } from '../../contract/subjects.js';
import { isAlive } from '../../process/is-alive.js';
import { roseyRequest, runningAt, type ControlTarget } from '../control-client.js';

export interface LiveRosey {
  pid: number;
  /** Whether it answered the control plane's ping. */
  answering: boolean;
  target: ControlTarget;
}

export async function findLiveRosey(dataDir: string): Promise<LiveRosey | undefined> {
  const target = runningAt(dataDir);
  if (!target) return undefined;
  const ping = await roseyRequest(
    target,
    subjects.control('ping'),
    {},
    { reply: pingReplySchema, timeoutMs: 2000 },
  );
  return { pid: target.pid, answering: ping.ok, target };
}

/** Stops it and waits for its process to end; the reason when it cannot. */
export async function stopLiveRosey(live: LiveRosey, timeoutMs: number): Promise<string | undefined> {
  const result = await roseyRequest(
    live.target,
    subjects.control('stop'),
    { reason: 'rosey db restore --stop' },
    { reply: stopReplySchema },
  );
  if (!result.ok) return `cannot stop Rosey (pid ${live.pid}): ${result.error.message}`;
  const deadline = Date.now() + timeoutMs;
  while (isAlive(live.pid)) {
    if (Date.now() > deadline) return `Rosey (pid ${live.pid}) is still running after ${timeoutMs} ms`;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return undefined;
}
