import {
  killRequestSchema,
  restartRequestSchema,
  stopRequestSchema,
} from '../../contract/messages/control.js';
import { enqueueActions, sendParent, setup, type AnyActorRef } from 'xstate';
import { z } from '../../contract/zod.js';
import { bridgeInput, busBridge, type RequestEvent } from '../bus/bridge.actor.js';
import type { BusLink } from '../bus/bus-link.js';
import { redactUrl } from '../bus/connect.js';
import type { Logger } from '../../contract/log.js';
import { err, ok } from '../../contract/result.js';
import type { RuntimeInfo } from './runtime-file.js';
import { subjects } from '../../contract/subjects.js';
import { childReady, type ShutdownEvent } from '../../supervisors/child-protocol.js';
import { describeTree } from '../../supervisors/describe-tree.js';
import { killChild } from '../../supervisors/kill-child.js';
import { restartRequestActor, type RestartAnswerEvent } from './restart-request.actor.js';
import { runtimeFileActor } from './runtime-file.actor.js';

export interface ControlInput {
  link: BusLink;
  logger: Logger;
  dataDir: string;
  runtime: RuntimeInfo;
  /** System id of the root supervisor, whose tree `status` reports and `stop` shuts down. */
  rootSystemId: string;
  /** How long `restart` waits for the child to be started before answering TIMEOUT. Default 30 s. */
  restartTimeoutMs?: number;
}

const restartActorId = (replyId: string) => `restart-${replyId}`;

const anyRequest = z.object({}).passthrough();

type ControlEvent =
  | RequestEvent<'control.status', Record<string, unknown>>
  | RequestEvent<'control.stop', z.infer<typeof stopRequestSchema>>
  | RequestEvent<'control.ping', Record<string, unknown>>
  | RequestEvent<'control.kill', z.infer<typeof killRequestSchema>>
  | RequestEvent<'control.restart', z.infer<typeof restartRequestSchema>>
  | RestartAnswerEvent
  | { type: 'bus.bound' }
  | { type: 'rosey.shutdown' };

/**
 * The control plane the CLI talks to: `rosey.control.status` (the live supervision tree),
 * `rosey.control.stop` (graceful shutdown of the whole tree), `rosey.control.ping`,
 * `rosey.control.kill` (crash one child, for the chaos suite and stuck children),
 * `rosey.control.restart` (start a stopped child again, OTP `restart_child`). While it runs,
 * the runtime file tells CLI commands where to find it.
 */
export const controlMachine = setup({
  types: {
    input: {} as ControlInput,
    context: {} as { input: ControlInput; started: number },
    events: {} as ControlEvent,
  },
  actors: { bus: busBridge, runtimeFile: runtimeFileActor, restartRequest: restartRequestActor },
}).createMachine({
  id: 'control',
  context: ({ input }) => ({ input, started: Date.now() }),
  invoke: [
    {
      id: 'bus',
      src: 'bus',
      input: ({ context }) =>
        bridgeInput(context.input, {
          services: [
            { subject: subjects.control('status'), event: 'control.status', schema: anyRequest },
            { subject: subjects.control('stop'), event: 'control.stop', schema: stopRequestSchema },
            { subject: subjects.control('ping'), event: 'control.ping', schema: anyRequest },
            { subject: subjects.control('kill'), event: 'control.kill', schema: killRequestSchema },
            { subject: subjects.control('restart'), event: 'control.restart', schema: restartRequestSchema },
          ],
        }),
    },
  ],
  initial: 'binding',
  states: {
    binding: {
      on: { 'bus.bound': { target: 'serving', actions: sendParent(({ self }) => childReady(self)) } },
    },
    serving: {
      invoke: {
        id: 'runtimeFile',
        src: 'runtimeFile',
        input: ({ context }) => ({
          dataDir: context.input.dataDir,
          info: context.input.runtime,
          logger: context.input.logger,
        }),
      },
      on: {
        'control.ping': {
          actions: enqueueActions(({ context, event, enqueue }) =>
            enqueue.sendTo('bus', {
              type: 'bus.reply',
              replyId: event.replyId,
              result: ok({ pid: context.input.runtime.pid, version: context.input.runtime.version }),
            }),
          ),
        },
        'control.status': {
          actions: enqueueActions(({ context, event, enqueue, system }) => {
            const root = system.get(context.input.rootSystemId);
            const { runtime } = context.input;
            enqueue.sendTo('bus', {
              type: 'bus.reply',
              replyId: event.replyId,
              result: root
                ? ok({
                    version: runtime.version,
                    pid: runtime.pid,
                    startedAt: runtime.startedAt,
                    uptimeMs: Date.now() - Date.parse(runtime.startedAt),
                    nats: redactUrl(runtime.natsUrl),
                    tree: describeTree(root),
                  })
                : err('NOT_FOUND', 'the supervision tree is not available'),
            });
          }),
        },
        'control.stop': {
          actions: enqueueActions(({ context, event, enqueue, system }) => {
            const root = system.get(context.input.rootSystemId);
            const reason = event.data.reason ?? 'requested over rosey.control.stop';
            context.input.logger.info(`stopping: ${reason}`);
            enqueue.sendTo('bus', {
              type: 'bus.reply',
              replyId: event.replyId,
              result: root
                ? ok({ stopping: true, pid: context.input.runtime.pid })
                : err('NOT_FOUND', 'no tree to stop'),
            });
            const shutdown: ShutdownEvent = { type: 'rosey.shutdown', reason };
            if (root) enqueue.sendTo(root, shutdown);
          }),
        },
        'control.kill': {
          actions: enqueueActions(({ context, event, enqueue, system }) => {
            const root = system.get(context.input.rootSystemId);
            const path = event.data.path.replace(/^rosey\//, '');
            const reason = event.data.reason ?? 'killed over rosey.control.kill';
            const killed = root
              ? killChild(root, path.split('/'), reason)
              : { ok: false as const, why: 'no tree' };
            if (killed.ok) context.input.logger.warn(`killing ${path}: ${reason}`);
            enqueue.sendTo('bus', {
              type: 'bus.reply',
              replyId: event.replyId,
              result: killed.ok ? ok({ killed: path }) : err('NOT_FOUND', killed.why),
            });
          }),
        },
        'control.restart': {
          actions: enqueueActions(({ context, event, enqueue, system }) => {
            const root = system.get(context.input.rootSystemId) as AnyActorRef | undefined;
            const path = event.data.path.replace(/^rosey\//, '');
            if (!root) {
              const result = err('NOT_FOUND', 'the supervision tree is not available');
              enqueue.sendTo('bus', { type: 'bus.reply', replyId: event.replyId, result });
              return;
            }
            enqueue.spawnChild('restartRequest', {
              id: restartActorId(event.replyId),
              input: {
                root,
                path,
                replyId: event.replyId,
                timeoutMs: context.input.restartTimeoutMs ?? 30_000,
              },
            });
          }),
        },
        'control.restart.answer': {
          actions: enqueueActions(({ context, event, enqueue }) => {
            // Logged with its outcome: a refused restart logged as "restarting" misled the reader.
            context.input.logger.info(
              event.result.ok
                ? `restarted ${event.path} (rosey.control.restart)`
                : `restart of ${event.path} refused: ${event.result.error.message}`,
            );
            enqueue.sendTo('bus', { type: 'bus.reply', replyId: event.replyId, result: event.result });
            enqueue.stopChild(restartActorId(event.replyId));
          }),
        },
        'rosey.shutdown': 'stopped',
      },
    },
    stopped: { type: 'final' },
  },
  on: { 'rosey.shutdown': '.stopped' },
});
