import { fromCallback, type AnyActorRef, type EventObject } from 'xstate';
import { err, ok, type Result } from '../../contract/result.js';
import { requestRestart } from '../../supervisors/restart-child.js';
import { REFUSAL, type ChildResultEvent } from '../../supervisors/supervisor-state.js';

export interface RestartRequestInput {
  root: AnyActorRef;
  /** Ids from the root down, joined by `/`. */
  path: string;
  replyId: string;
  /** How long to wait for the child to be started before answering TIMEOUT. */
  timeoutMs: number;
}

export interface RestartAnswerEvent {
  type: 'control.restart.answer';
  replyId: string;
  path: string;
  result: Result<{ restarted: string }>;
}

/** The supervisor's answer to restart_child, as the control plane's one-line reply. */
export function restartResult(path: string, event: ChildResultEvent): Result<{ restarted: string }> {
  if (event.ok) return ok({ restarted: path });
  const ids = path.split('/');
  const id = ids.at(-1) ?? path;
  const parent = ids.slice(0, -1).join('/') || 'the root';
  switch (event.error) {
    case REFUSAL.notFound:
      return err('NOT_FOUND', `no child ${path}`);
    case REFUSAL.running:
      return err('CONFLICT', `${path} is running: restart starts a child that was stopped`);
    case REFUSAL.restarting:
      return err('BUSY', `${path} is being restarted by its supervisor`);
    case REFUSAL.dynamic: {
      const hint = parent === 'plugins' ? `; \`rosey plugin reload ${id}\` starts a failed plugin again` : '';
      return err('NOT_SUPPORTED', `${parent} is a dynamic supervisor: its children are started anew${hint}`);
    }
    case REFUSAL.shuttingDown:
      return err('SHUTTING_DOWN', `${parent} is shutting down`);
    default:
      return err('INTERNAL', `${path} failed to start: ${event.error ?? 'no reason given'}`);
  }
}

const isRestartResult = (event: EventObject): event is ChildResultEvent =>
  event.type === 'supervisor.result' && (event as Partial<ChildResultEvent>).op === 'restart_child';

/**
 * One `rosey.control.restart`: asks the child's supervisor to restart_child it and reports the
 * answer to its parent once (or TIMEOUT: the supervisor may still be starting it).
 */
export const restartRequestActor = fromCallback<EventObject, RestartRequestInput>(
  ({ input, self, sendBack, receive }) => {
    let answered = false;
    const answer = (result: RestartAnswerEvent['result']) => {
      if (answered) return;
      answered = true;
      const event: RestartAnswerEvent = {
        type: 'control.restart.answer',
        replyId: input.replyId,
        path: input.path,
        result,
      };
      sendBack(event);
    };
    receive((event) => {
      if (isRestartResult(event)) answer(restartResult(input.path, event));
    });
    const timer = setTimeout(
      () => answer(err('TIMEOUT', `${input.path} was not started within ${input.timeoutMs} ms`)),
      input.timeoutMs,
    );
    const sent = requestRestart(input.root, input.path.split('/'), self);
    if (!sent.ok) answer(err('NOT_FOUND', sent.why));
    return () => clearTimeout(timer);
  },
);
