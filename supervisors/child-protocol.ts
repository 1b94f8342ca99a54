/**
 * The contract between a supervisor and its children, on top of XState's own child events:
 *
 * child → parent
 *   - `rosey.child.ready`  the child finished starting (OTP: `init/1` returned).
 *   - `rosey.child.info`   small status facts shown by `rosey status` (pid, generation, …).
 *   - `rosey.child.exit`   a callback actor reports it ended; the parent then stops it, which runs its
 *                          cleanup. Machines exit by reaching a final state (`xstate.done.actor.*`,
 *                          optional output `{ exit: reason }`); anything thrown arrives as
 *                          `xstate.error.actor.*`.
 * parent → child
 *   - `rosey.shutdown`     stop gracefully, then exit. After the spec's shutdown timeout the parent
 *                          stops the actor outright (XState `stopChild`), so cleanup must release
 *                          everything synchronously (kill the process, close the socket).
 *
 * Callback actors must not rely on throwing to fail: XState does not run a callback's cleanup when it
 * errors. They report `rosey.child.exit` instead, and their cleanup runs when the parent stops them.
 */
import type { AnyActorRef } from 'xstate';
import type { ExitReason } from './exit-reason.js';

export type ChildInfo = Record<string, string | number | boolean | null>;

export interface ChildReadyEvent {
  type: 'rosey.child.ready';
  id: string;
  info?: ChildInfo;
}

export interface ChildInfoEvent {
  type: 'rosey.child.info';
  id: string;
  info: ChildInfo;
}

export interface ChildExitEvent {
  type: 'rosey.child.exit';
  id: string;
  reason: ExitReason;
}

export interface ShutdownEvent {
  type: 'rosey.shutdown';
  reason?: string;
}

type Self = Pick<AnyActorRef, 'id'>;

export const childReady = (self: Self, info?: ChildInfo): ChildReadyEvent =>
  info ? { type: 'rosey.child.ready', id: self.id, info } : { type: 'rosey.child.ready', id: self.id };

export const childInfo = (self: Self, info: ChildInfo): ChildInfoEvent => ({
  type: 'rosey.child.info',
  id: self.id,
  info,
});

export const childExit = (self: Self, reason: ExitReason): ChildExitEvent => ({
  type: 'rosey.child.exit',
  id: self.id,
  reason,
});
