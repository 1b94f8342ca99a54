import { expect } from 'chai';
import { createActor, fromCallback, type AnyActorRef, type EventObject } from 'xstate';
import type { ChildResultEvent } from '../../supervisors/supervisor-state.js';
import { captureLogger } from '../support/capture-logger.js';
import type { startSupervisor } from '../support/probe.js';

/**
 * What the supervisor tests read off a supervisor started with `startSupervisor` (simulated time,
 * probe children): a child's status, its live actors, the timers it has pending, the answers it
 * sends and the lines it logs.
 */

export type Sup = ReturnType<typeof startSupervisor>;

/** The status of child `id` in the supervisor's records (undefined once it is forgotten). */
export const statusOf = (sup: Sup, id: string) => sup.state().context.records[id]?.status;

/** The supervisor's child actor by actor id (`<child id>:<incarnation>`). */
export const childActor = (sup: Sup, actorId: string) =>
  (sup.state().children as Record<string, AnyActorRef | undefined>)[actorId];

/** The supervisor's child actors that are still running. */
export const liveChildren = (sup: Sup) =>
  Object.values(sup.state().children as Record<string, AnyActorRef | undefined>).filter(
    (c) => c?.getSnapshot().status === 'active',
  );

/**
 * The delayed events the supervisor has scheduled, by type. XState keeps them in its system
 * snapshot (typed in its declarations); a cancelled timer is gone from it.
 */
export const scheduled = (sup: Sup, type: string) =>
  Object.values(sup.actor.system.getSnapshot()._scheduledEvents).filter((e) => e.event.type === type);

/** An actor to pass as `replyTo`, and the `supervisor.result` events it received, in order. */
export function replies() {
  const results: ChildResultEvent[] = [];
  const to = createActor(
    fromCallback<EventObject>(({ receive }) => receive((e) => results.push(e as ChildResultEvent))),
  );
  to.start();
  return { results, to };
}

/**
 * A supervisor logger that records every line (test/support/capture-logger.ts). `lines` holds them
 * as `level msg`; `take()` returns and forgets them, checking first that each line named
 * supervisor `name` in its fields.
 */
export function logRecorder(name = 't') {
  const logger = captureLogger();
  const text = () => logger.lines.map(({ level, msg }) => `${level} ${msg}`);
  return {
    logger,
    get lines() {
      return text();
    },
    take() {
      for (const { fields } of logger.lines) expect(fields).to.deep.equal({ supervisor: name });
      const lines = text();
      logger.lines.length = 0;
      return lines;
    },
  };
}
