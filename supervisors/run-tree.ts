import { createActor, type Actor } from 'xstate';
import { exitText } from './exit-reason.js';
import { supervisorMachine, type SupervisorInput, type SupervisorOutput } from './supervisor.js';

export interface RunningTree {
  actor: Actor<typeof supervisorMachine>;
  /** Settles when the root supervisor has finished (after a shutdown or after giving up). */
  finished: Promise<SupervisorOutput>;
  /** Stops the whole tree in reverse start order and resolves when it is down. */
  shutdown(reason?: string): Promise<SupervisorOutput>;
}

/**
 * Starts a root supervisor and resolves once all its children have started; rejects with the
 * supervisor's own reason if the start fails (after it has stopped what it had started).
 */
export function runTree(input: Omit<SupervisorInput, 'root'>): Promise<RunningTree> {
  const actor = createActor(supervisorMachine, { input: { ...input, root: true }, systemId: 'root' });
  let settle!: (output: SupervisorOutput) => void;
  const finished = new Promise<SupervisorOutput>((resolve) => (settle = resolve));
  return new Promise((resolve, reject) => {
    let started = false;
    actor.subscribe({
      next: (snapshot) => {
        if (snapshot.status === 'done') {
          settle(snapshot.output);
          if (!started) reject(new Error(exitText(snapshot.output.exit)));
        } else if (!started && snapshot.value === 'running') {
          started = true;
          resolve({
            actor,
            finished,
            shutdown: (reason) => {
              actor.send({ type: 'rosey.shutdown', reason });
              return finished;
            },
          });
        }
      },
      error: (error) => {
        settle({ exit: { error: String(error) } });
        if (!started) reject(error instanceof Error ? error : new Error(String(error)));
      },
    });
    actor.start();
  });
}
