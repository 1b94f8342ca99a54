import { createActor, type Actor } from 'xstate';
import { exitText } from './exit-reason.js';
import { supervisorMachine, type SupervisorInput, type SupervisorOutput } from './supervisor.machine.js';

export interface RunningTree {
  actor: Actor<typeof supervisorMachine>;
  /** Resolves once every child has started; rejects if the start fails or is stopped. */
  ready: Promise<void>;
  /** Settles when the root supervisor has finished (after a shutdown or after giving up). */
  finished: Promise<SupervisorOutput>;
  /** Stops the whole tree in reverse start order and resolves when it is down. */
  shutdown(reason?: string): Promise<SupervisorOutput>;
}

/** A shutdown was asked for before the tree had finished starting. */
export class StoppedDuringStart extends Error {
  constructor() {
    super('stopped while starting');
    this.name = 'StoppedDuringStart';
  }
}

/**
 * Starts a root supervisor (system id `root`) and hands it back at once, so a shutdown can be asked
 * for even while it is still starting. `ready` rejects with the supervisor's own one-line reason if
 * the start fails (after it has stopped what it had started).
 */
export function startTree(input: Omit<SupervisorInput, 'root'>): RunningTree {
  const actor = createActor(supervisorMachine, { input: { ...input, root: true }, systemId: 'root' });
  let settle!: (output: SupervisorOutput) => void;
  const finished = new Promise<SupervisorOutput>((resolve) => (settle = resolve));
  let started = false;
  const ready = new Promise<void>((resolve, reject) => {
    actor.subscribe({
      next: (snapshot) => {
        if (snapshot.status === 'done') {
          settle(snapshot.output);
          if (started) return;
          reject(
            snapshot.output.exit === 'shutdown'
              ? new StoppedDuringStart()
              : new Error(exitText(snapshot.output.exit)),
          );
        } else if (!started && snapshot.value === 'running') {
          started = true;
          resolve();
        }
      },
      error: (error) => {
        settle({ exit: { error: String(error) } });
        if (!started) reject(error instanceof Error ? error : new Error(String(error)));
      },
    });
  });
  ready.catch(() => undefined); // observed by whoever awaits it; never an unhandled rejection here
  actor.start();
  return {
    actor,
    ready,
    finished,
    shutdown: (reason) => {
      actor.send({ type: 'rosey.shutdown', reason });
      return finished;
    },
  };
}

/** Starts a root supervisor and resolves once all its children have started. */
export async function runTree(input: Omit<SupervisorInput, 'root'>): Promise<RunningTree> {
  const tree = startTree(input);
  await tree.ready;
  return tree;
}
