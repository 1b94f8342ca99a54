import { assign, enqueueActions, sendParent, setup } from 'xstate';
import { z } from '../../contract/zod.js';
import {
  bridgeInput,
  busBridge,
  type BridgeCommand,
  type InboundEvent,
  type RequestEvent,
} from '../bus/bridge.actor.js';
import type { BusLink } from '../bus/bus-link.js';
import type { Logger } from '../../contract/log.js';
import { subjects } from '../../contract/subjects.js';
import { clusterReloadRequestSchema } from '../../contract/messages/cluster.js';
import {
  channelJoinedSchema,
  handledLineSchema,
  type ChannelJoined,
  type HandledLine,
} from '../../contract/messages/handover.js';
import type { ExitReason } from '../../supervisors/exit-reason.js';
import { childInfo, type ShutdownEvent } from '../../supervisors/child-protocol.js';
import { clusterLinkActor, type ClusterLinkEvent, type ClusterLinkInput } from './cluster-link.actor.js';

export type ClusterPresenceInput = ClusterLinkInput & { link: BusLink; logger: Logger };

type PresenceEvent =
  | InboundEvent<'handover.handled', HandledLine>
  | InboundEvent<'handover.joined', ChannelJoined>
  | RequestEvent<'cluster.status', Record<string, unknown>>
  | RequestEvent<'cluster.reload', z.infer<typeof clusterReloadRequestSchema>>
  | ClusterLinkEvent
  | ShutdownEvent;

/**
 * This node among the others (docs/guides/SCALING.md): ready once it is on the NATS cluster, then
 * announced there by its link, and answering `rosey.control.cluster.status` on the node's own bus
 * (what `rosey status --cluster` asks) with every node's answer, gathered over the cluster, and
 * `rosey.control.cluster.reload` (`rosey plugin reload NAME --cluster`) by reloading the plugin on
 * one node after the other, stopping at the first that fails.
 */
export const clusterPresenceMachine = setup({
  types: {
    input: {} as ClusterPresenceInput,
    context: {} as { input: ClusterPresenceInput; failure?: string },
    events: {} as PresenceEvent,
    output: {} as { exit: ExitReason },
  },
  actors: { bus: busBridge, cluster: clusterLinkActor },
}).createMachine({
  id: 'cluster',
  context: ({ input }) => ({ input }),
  invoke: [
    {
      id: 'bus',
      src: 'bus',
      input: ({ context }) =>
        bridgeInput(context.input, {
          // A rolling reload waits for each node's in turn (up to NODE_RELOAD_TIMEOUT_MS each).
          serveTimeoutMs: 60 * 60_000,
          // What a node that takes the channel over goes by (actors/cluster/takeover.ts).
          subscriptions: [
            { subject: subjects.routerHandled, event: 'handover.handled', schema: handledLineSchema },
            { subject: subjects.anyPlatformJoined, event: 'handover.joined', schema: channelJoinedSchema },
          ],
          services: [
            {
              subject: subjects.clusterControl('status'),
              event: 'cluster.status',
              schema: z.looseObject({}),
            },
            {
              subject: subjects.clusterControl('reload'),
              event: 'cluster.reload',
              schema: clusterReloadRequestSchema,
            },
          ],
        }),
    },
    { id: 'cluster', src: 'cluster', input: ({ context }) => context.input },
  ],
  initial: 'joining',
  output: ({ context }) => ({
    exit: context.failure === undefined ? 'shutdown' : { error: context.failure },
  }),
  states: {
    joining: {
      on: {
        'cluster.connected': {
          target: 'joined',
          actions: [
            ({ context, event }) =>
              context.input.logger.info(
                `node ${context.input.node} joined the NATS cluster at ${event.server}`,
              ),
            sendParent(({ context, self, event }) =>
              childInfo(self, { node: context.input.node, server: event.server }),
            ),
          ],
        },
      },
    },
    joined: {},
    stopped: { type: 'final' },
  },
  on: {
    'cluster.status': {
      actions: enqueueActions(({ enqueue, event }) =>
        enqueue.sendTo('cluster', { type: 'cluster.gather', replyId: event.replyId }),
      ),
    },
    'cluster.reload': {
      actions: enqueueActions(({ enqueue, event }) =>
        enqueue.sendTo('cluster', {
          type: 'cluster.roll',
          replyId: event.replyId,
          plugin: event.data.plugin,
        }),
      ),
    },
    'handover.handled': {
      actions: enqueueActions(({ enqueue, event }) =>
        enqueue.sendTo('cluster', { type: 'handover.handled', data: event.data }),
      ),
    },
    'handover.joined': {
      actions: enqueueActions(({ enqueue, event }) =>
        enqueue.sendTo('cluster', { type: 'handover.joined', data: event.data }),
      ),
    },
    'cluster.say': {
      actions: enqueueActions(({ enqueue, event }) => {
        for (const text of event.lines)
          enqueue.sendTo('bus', {
            type: 'bus.publish',
            subject: subjects.sendChat(event.platform),
            data: { channel: event.channel, text },
          } satisfies BridgeCommand);
      }),
    },
    'cluster.answer': {
      actions: enqueueActions(({ enqueue, event }) =>
        enqueue.sendTo('bus', { type: 'bus.reply', replyId: event.replyId, result: event.result }),
      ),
    },
    'cluster.failed': { target: '.stopped', actions: assign({ failure: ({ event }) => event.error }) },
    'rosey.shutdown': '.stopped',
  },
});
