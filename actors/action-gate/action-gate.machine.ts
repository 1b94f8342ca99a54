import { assertEvent, enqueueActions, sendParent, setup } from 'xstate';
import { z } from '../../contract/zod.js';
import {
  bridgeInput,
  busBridge,
  type BridgeCommand,
  type BusResponseEvent,
  type RequestEvent,
} from '../bus/bridge.actor.js';
import type { BusLink } from '../bus/bus-link.js';
import { validate } from '../../contract/validate.js';
import { actionSchemas } from '../../contract/messages/actions.js';
import type { Logger } from '../../contract/log.js';
import { isCapability, parseActionSubject } from '../../contract/capabilities.js';
import { err, type Result } from '../../contract/result.js';
import { subjects } from '../../contract/subjects.js';
import { childReady } from '../../supervisors/child-protocol.js';
import { decide, type Pending } from './decide.js';

export interface ActionGateInput {
  link: BusLink;
  logger: Logger;
  /** Platforms Rosey runs, the default first: an action without `platform` goes there. */
  platforms: string[];
  /** How long a connector may take to accept an action. */
  timeoutMs?: number;
}

interface GateContext {
  input: ActionGateInput;
}

const anyAction = z.record(z.string(), z.unknown());
const infoReply = z.object({ granted: z.array(z.string()) }).passthrough();

type GateEvent =
  | RequestEvent<'action', Record<string, unknown>>
  | BusResponseEvent
  | { type: 'bus.bound' }
  | { type: 'rosey.shutdown' };

const reply = (replyId: string, result: Result<unknown>): BridgeCommand => ({
  type: 'bus.reply',
  replyId,
  result,
});

const isGrantsAnswer = (context: unknown): context is { grantsFor: Pending } =>
  typeof context === 'object' && context !== null && 'grantsFor' in context;

/**
 * The action gate: everything a plugin does on its own (chat lines, PMs, playlist changes, kicks)
 * arrives on `rosey.actions.<plugin>.<action>`, where the plugin's NATS user can only publish the
 * actions it was granted. The gate checks again against the grants the plugin manager holds now
 * (a second line of defence behind the NATS permissions), refuses with FORBIDDEN
 * and publishes `rosey.security.violation` for what is not granted, and forwards the rest to the
 * platform's connector, answering with the connector's answer.
 */
export const actionGateMachine = setup({
  types: { input: {} as ActionGateInput, context: {} as GateContext, events: {} as GateEvent },
  actors: { bus: busBridge },
  actions: {
    receive: enqueueActions(({ event, enqueue }) => {
      assertEvent(event, 'action');
      const target = parseActionSubject(event.meta.subject);
      if (!target) {
        enqueue.sendTo(
          'bus',
          reply(event.replyId, err('VALIDATION_ERROR', `no such action: ${event.meta.subject}`)),
        );
        return;
      }
      const checked = validate(actionSchemas[target.action], event.data);
      if (!checked.ok) {
        enqueue.sendTo('bus', reply(event.replyId, checked));
        return;
      }
      const pending: Pending = {
        replyId: event.replyId,
        ...target,
        data: checked.data as Record<string, unknown>,
        meta: event.meta,
      };
      // Asked every time, not cached: grants change with upgrades, installs and removals, and a
      // plugin acting on its own is rare next to the commands it answers.
      enqueue.sendTo('bus', {
        type: 'bus.request',
        subject: subjects.pluginControl('info'),
        data: { plugin: target.plugin },
        timeoutMs: 5000,
        requestId: `grants:${event.replyId}`,
        from: event.meta,
        context: { grantsFor: pending },
      });
    }),
    grantsKnown: enqueueActions(({ context, event, enqueue }) => {
      assertEvent(event, 'bus.response');
      // Checked by the transition's guard already; this tells the type.
      if (!isGrantsAnswer(event.context)) return;
      const pending = event.context.grantsFor;
      const info = event.result.ok ? validate(infoReply, event.result.data) : event.result;
      // An unknown plugin (stopped, removed, or no manager to ask) is granted nothing.
      if (!info.ok) context.input.logger.warn(`no grants for ${pending.plugin}: ${info.error.message}`);
      const granted = info.ok ? info.data.granted.filter(isCapability) : [];
      for (const command of decide(context.input, pending, granted)) enqueue.sendTo('bus', command);
    }),
    relay: enqueueActions(({ event, enqueue }) => {
      assertEvent(event, 'bus.response');
      const forwarded = event.context as { replyId: string };
      enqueue.sendTo('bus', reply(forwarded.replyId, event.result));
    }),
  },
}).createMachine({
  id: 'action-gate',
  context: ({ input }) => ({ input }),
  invoke: {
    id: 'bus',
    src: 'bus',
    input: ({ context }) =>
      bridgeInput(context.input, {
        serveTimeoutMs: (context.input.timeoutMs ?? 15_000) + 5000,
        services: [{ subject: subjects.anyAction, event: 'action', schema: anyAction }],
      }),
  },
  initial: 'binding',
  on: { 'rosey.shutdown': '.stopped' },
  states: {
    binding: {
      on: { 'bus.bound': { target: 'serving', actions: sendParent(({ self }) => childReady(self)) } },
    },
    serving: {
      on: {
        action: { actions: 'receive' },
        'bus.response': [
          { guard: ({ event }) => isGrantsAnswer(event.context), actions: 'grantsKnown' },
          { actions: 'relay' },
        ],
      },
    },
    stopped: { type: 'final' },
  },
});
