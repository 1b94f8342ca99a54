import { stateText } from '../../supervisors/describe-tree.js';
import { StateMachine, type AnyActorRef, type AnyStateMachine } from 'xstate';
import type { InspectedActor } from '../../contract/messages/inspect.js';

/**
 * Where an actor sits in the tree, as inspection names it: the ids from the root down, joined by
 * `/`. A supervisor gives each start of a child the id `<child>:<n>`; the `:<n>` is left out, so a
 * restarted actor keeps its path (and its history). Characters a subject token cannot carry become
 * `_` (XState names an invoked actor without an id `0.router.routing`).
 */

const RESTART_SUFFIX = /:\d+$/;
const NOT_TOKEN = /[^A-Za-z0-9_@-]/g;

export const pathSegment = (id: string): string =>
  id.replace(RESTART_SUFFIX, '').replace(NOT_TOKEN, '_') || '_';

/** The actor's path; `rootName` stands for the root, whose XState id is a session id. */
export function actorPath(ref: AnyActorRef, rootName: string): string {
  const parts: string[] = [];
  let at: AnyActorRef | undefined = ref;
  while (at?._parent) {
    parts.push(pathSegment(at.id));
    at = at._parent;
  }
  parts.push(pathSegment(rootName));
  return parts.reverse().join('/');
}

/** Whether `ref` is `ancestor` or one of its descendants. */
export function isWithin(ref: AnyActorRef, ancestor: AnyActorRef): boolean {
  for (let at: AnyActorRef | undefined = ref; at; at = at._parent) if (at === ancestor) return true;
  return false;
}

/** The state machine an actor runs, if it runs one. */
export function machineOf(ref: AnyActorRef): AnyStateMachine | undefined {
  const logic: unknown = 'logic' in ref ? ref.logic : ref.src;
  return logic instanceof StateMachine ? (logic as AnyStateMachine) : undefined;
}

interface Snapshotish {
  status?: unknown;
  value?: unknown;
  children?: Record<string, AnyActorRef | undefined>;
}

const STATUSES = new Set(['active', 'done', 'error', 'stopped']);

/** Every actor under `root` (itself first), depth first, each with its path and current state. */
export function listActors(root: AnyActorRef, rootName: string): (InspectedActor & { ref: AnyActorRef })[] {
  const out: (InspectedActor & { ref: AnyActorRef })[] = [];
  const visit = (ref: AnyActorRef, path: string, id: string) => {
    const snapshot = ref.getSnapshot() as Snapshotish;
    const status =
      typeof snapshot.status === 'string' && STATUSES.has(snapshot.status) ? snapshot.status : 'active';
    const machine = machineOf(ref);
    const state = machine ? stateText(snapshot.value) : undefined;
    out.push({
      actor: path,
      id,
      kind: machine ? 'machine' : 'other',
      status: status as InspectedActor['status'],
      ...(state !== undefined ? { state } : {}),
      ref,
    });
    for (const child of Object.values(snapshot.children ?? {})) {
      if (!child) continue;
      const segment = pathSegment(child.id);
      visit(child, `${path}/${segment}`, segment);
    }
  };
  const rootSegment = pathSegment(rootName);
  visit(root, rootSegment, rootSegment);
  return out;
}
