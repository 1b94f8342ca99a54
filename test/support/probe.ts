import { createActor, fromCallback, SimulatedClock, type EventObject } from 'xstate';
import { childExit, childReady } from '../../supervisors/child-protocol.js';
import type { ChildSpec } from '../../supervisors/child-spec.js';
import type { ExitReason } from '../../supervisors/exit-reason.js';
import { supervisorMachine, type SupervisorInput } from '../../supervisors/supervisor.machine.js';

/** How a probe child behaves on its next start; tests change it between restarts. */
export interface ProbeBehaviour {
  /** Report an exit instead of becoming ready. */
  failStart?: boolean;
  /** Report this exit instead of becoming ready (the next `startExitTimes` starts, default every one). */
  startExit?: ExitReason;
  startExitTimes?: number;
  /** Wait for `probe.ready(name)` instead of becoming ready at once. */
  manualReady?: boolean;
  /** Do not answer `rosey.shutdown` (so the supervisor has to kill it). */
  ignoreShutdown?: boolean;
}

interface Handle {
  ready(): void;
  exit(reason: ExitReason): void;
}

/**
 * In-memory children whose whole life is written to `log` (`start a`, `shutdown a`, `cleanup a`),
 * so tests can assert OTP's ordering rules exactly. A probe child is a real XState callback actor
 * under a real supervisor; only time is simulated.
 */
export class Probe {
  readonly log: string[] = [];
  readonly behaviour = new Map<string, ProbeBehaviour>();
  private readonly handles = new Map<string, Handle>();

  readonly logic = fromCallback<EventObject, { name: string; probe: Probe }>(
    ({ input, sendBack, receive, self }) => {
      const { name, probe } = input;
      const behaviour = probe.behaviour.get(name) ?? {};
      probe.log.push(`start ${name}`);
      let alive = true;
      probe.handles.set(name, {
        ready: () => alive && sendBack(childReady(self)),
        exit: (reason) => alive && sendBack(childExit(self, reason)),
      });
      if (behaviour.startExit && behaviour.startExitTimes !== 0) {
        if (behaviour.startExitTimes !== undefined) behaviour.startExitTimes -= 1;
        sendBack(childExit(self, behaviour.startExit));
      } else if (behaviour.failStart) sendBack(childExit(self, { error: `${name} cannot start` }));
      else if (!behaviour.manualReady) sendBack(childReady(self));
      receive((event) => {
        if (event.type === 'rosey.shutdown') {
          probe.log.push(`shutdown ${name}`);
          if (!behaviour.ignoreShutdown) sendBack(childExit(self, 'shutdown'));
        }
        if (event.type === 'probe.throw') throw new Error(`${name} threw`);
      });
      return () => {
        alive = false;
        probe.log.push(`cleanup ${name}`);
      };
    },
  );

  spec(name: string, extra: Partial<ChildSpec> = {}): ChildSpec {
    return { id: name, logic: this.logic, input: { name, probe: this }, ...extra };
  }

  ready(name: string): void {
    this.handle(name).ready();
  }

  crash(name: string, message = 'boom'): void {
    this.handle(name).exit({ error: message });
  }

  exitNormally(name: string): void {
    this.handle(name).exit('normal');
  }

  /** Child `name` exits with `reason` (any reason a child may report). */
  exit(name: string, reason: ExitReason): void {
    this.handle(name).exit(reason);
  }

  /** Log lines since the last call, then forget them. */
  take(): string[] {
    return this.log.splice(0, this.log.length);
  }

  private handle(name: string): Handle {
    const handle = this.handles.get(name);
    if (!handle) throw new Error(`probe ${name} never started`);
    return handle;
  }
}

/** A supervisor as the root of its own actor system, on simulated time. */
export function startSupervisor(input: Omit<SupervisorInput, 'now' | 'random'> & { random?: () => number }) {
  const clock = new SimulatedClock();
  const actor = createActor(supervisorMachine, {
    clock,
    input: { root: true, random: () => 0, ...input, now: () => clock.now() },
  });
  const errors: unknown[] = [];
  actor.subscribe({ error: (e) => errors.push(e) });
  actor.start();
  return { actor, clock, errors, state: () => actor.getSnapshot() };
}
