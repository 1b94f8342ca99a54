import { assign, enqueueActions, sendParent, setup } from 'xstate';
import { z } from 'zod';
import {
  bridgeInput,
  busBridge,
  type BridgeCommand,
  type BusResponseEvent,
  type InboundEvent,
  type RequestEvent,
} from '../bus/bridge.js';
import type { BusLink } from '../../kernel/bus/bus-link.js';
import { validate } from '../../kernel/bus/validate.js';
import { actionSchemas } from '../../kernel/contracts/actions.js';
import { pluginAnnouncementSchema, type PluginAnnouncement } from '../../kernel/contracts/commands.js';
import type { Logger } from '../../kernel/log/logger.js';
import { isCapability, parseActionSubject, type CapabilityName } from '../../kernel/plugins/capabilities.js';
import { err, type Result } from '../../kernel/result.js';
import { subjects } from '../../kernel/subjects.js';
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
  grants: Record<string, CapabilityName[]>;
  waiting: Record<string, Pending[]>;
  nextRequest: number;
}

const anyAction = z.record(z.string(), z.unknown());
const infoReply = z.object({ granted: z.array(z.string()) }).passthrough();

type GateEvent =
  | RequestEvent<'action', Record<string, unknown>>
  | InboundEvent<'plugin.ready', PluginAnnouncement>
  | BusResponseEvent
  | { type: 'bus.bound' }
  | { type: 'rosey.shutdown' };

const reply = (replyId: string, result: Result<unknown>): BridgeCommand => ({
  type: 'bus.reply',
  replyId,
  result,
});

/**
 * The action gate: everything a plugin does on its own (chat lines, PMs, playlist changes, kicks)
 * arrives on `rosey.actions.<plugin>.<action>`, where the plugin's NATS user can only publish the
 * actions it was granted. The gate checks again against the grants the plugin manager holds (for a
 * plugin that connects without its own NATS user, or grants that changed), refuses with FORBIDDEN
 * and publishes `rosey.security.violation` for what is not granted, and forwards the rest to the
 * platform's connector, answering with the connector's answer.
 */
export const actionGateMachine = setup({
  types: { input: {} as ActionGateInput, context: {} as GateContext, events: {} as GateEvent },
  actors: { bus: busBridge },
  actions: {
    receive: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'action') return;
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
      const known = context.grants[target.plugin];
      if (known) {
        for (const command of decide(context.input, pending, known)) enqueue.sendTo('bus', command);
        return;
      }
      const queue = context.waiting[target.plugin];
      enqueue.assign({
        waiting: { ...context.waiting, [target.plugin]: [...(queue ?? []), pending] },
        nextRequest: context.nextRequest + 1,
      });
      // One question per plugin, however many of its actions wait for the answer.
      if (!queue)
        enqueue.sendTo('bus', {
          type: 'bus.request',
          subject: subjects.pluginControl('info'),
          data: { plugin: target.plugin },
          timeoutMs: 5000,
          requestId: `grants:${target.plugin}`,
          context: target.plugin,
        });
    }),
    grantsKnown: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'bus.response' || typeof event.context !== 'string') return;
      const plugin = event.context;
      const queue = context.waiting[plugin] ?? [];
      const waiting = { ...context.waiting };
      delete waiting[plugin];
      enqueue.assign({ waiting });
      const info = event.result.ok ? validate(infoReply, event.result.data) : event.result;
      if (!info.ok) {
        // An unknown plugin (or no manager to ask) is granted nothing.
        context.input.logger.warn(`no grants for ${plugin}: ${info.error.message}`);
      }
      const granted = info.ok ? info.data.granted.filter(isCapability) : [];
      if (info.ok) enqueue.assign({ grants: { ...context.grants, [plugin]: granted } });
      for (const pending of queue)
        for (const command of decide(context.input, pending, granted)) enqueue.sendTo('bus', command);
    }),
    relay: enqueueActions(({ event, enqueue }) => {
      if (event.type !== 'bus.response') return;
      const forwarded = event.context as { replyId: string };
      enqueue.sendTo('bus', reply(forwarded.replyId, event.result));
    }),
    forget: assign({
      grants: ({ context, event }) => {
        if (event.type !== 'plugin.ready' || !Object.hasOwn(context.grants, event.data.plugin))
          return context.grants;
        const grants = { ...context.grants };
        delete grants[event.data.plugin];
        return grants;
      },
    }),
  },
}).createMachine({
  id: 'action-gate',
  context: ({ input }) => ({ input, grants: {}, waiting: {}, nextRequest: 0 }),
  invoke: {
    id: 'bus',
    src: 'bus',
    input: ({ context }) =>
      bridgeInput(context.input, {
        serveTimeoutMs: (context.input.timeoutMs ?? 15_000) + 5000,
        services: [{ subject: subjects.anyAction, event: 'action', schema: anyAction }],
        // A new generation may come with other grants (an upgrade, or the operator's config).
        subscriptions: [
          { subject: subjects.anyPluginReady, event: 'plugin.ready', schema: pluginAnnouncementSchema },
        ],
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
        'plugin.ready': { actions: 'forget' },
        'bus.response': [
          { guard: ({ event }) => typeof event.context === 'string', actions: 'grantsKnown' },
          { actions: 'relay' },
        ],
      },
    },
    stopped: { type: 'final' },
  },
});
