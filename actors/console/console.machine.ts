import { assertEvent, enqueueActions, sendParent, sendTo, setup } from 'xstate';
import { bridgeInput, busBridge, type BusResponseEvent, type SendEvent } from '../bus/bridge.actor.js';
import { confirmedPublisher, type ConfirmedPublisherEvent } from '../bus/confirmed-publisher.actor.js';
import { sendKickSchema, type SendKick } from '../../contract/messages/actions.js';
import { err, ok } from '../../contract/result.js';
import type { Tally } from '../tally/tally.js';
import type { BusLink } from '../bus/bus-link.js';
import { sendChatSchema, sendPmSchema, type SendChat, type SendPm } from '../../contract/messages/chat.js';
import type { Logger } from '../../contract/log.js';
import { subjects } from '../../contract/subjects.js';
import { chatReceived, chatSent } from '../../contract/tracing.js';
import { childReady, type ShutdownEvent } from '../../supervisors/child-protocol.js';
import { formatBotLine, formatNotice } from './format.js';
import { typedLine } from './typed-line.js';
import { terminal, type TerminalEvent } from './terminal.actor.js';

export const CONSOLE_PLATFORM = 'console';
export { MAX_INPUT_LINE } from './typed-line.js';
export const CONSOLE_CHANNEL = 'console';

export interface ConsoleInput {
  link: BusLink;
  logger: Logger;
  /** Where the lines it prints for Rosey are told, for the metrics actor (actors/tally). */
  tally?: Tally;
  botName: string;
  user: string;
  rank: number;
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream;
  interactive: boolean;
  /** At end of input: wait for in-flight replies, then ask Rosey to stop (`rosey dev`). */
  stopOnEof: boolean;
  /** Upper bound for waiting on in-flight replies. */
  settleTimeoutMs: number;
  /** The tree to stop directly when the control plane cannot be reached. */
  rootSystemId: string;
}

type ConsoleEvent =
  | TerminalEvent
  | SendEvent<'console.say', SendChat>
  | SendEvent<'console.pm', SendPm>
  | SendEvent<'console.kick', SendKick>
  | BusResponseEvent
  | ConfirmedPublisherEvent
  | { type: 'bus.bound' }
  | { type: 'rosey.shutdown' };

/**
 * The console platform: a terminal chat where you talk as one user. Lines you type become
 * `rosey.events.message` (a line starting with `/pm ` becomes a private message to the bot); what
 * Rosey sends to the console channel is printed as `<bot>: text` on stdout.
 */
export const consoleMachine = setup({
  types: { input: {} as ConsoleInput, context: {} as { input: ConsoleInput }, events: {} as ConsoleEvent },
  actors: { bus: busBridge, delivery: confirmedPublisher, terminal },
  actions: {
    stopTree: ({ context, system }) => {
      const shutdown: ShutdownEvent = { type: 'rosey.shutdown', reason: 'console closed' };
      system.get(context.input.rootSystemId)?.send(shutdown);
    },
    print: sendTo('terminal', ({ context, event }) => {
      assertEvent(event, ['console.say', 'console.pm', 'console.kick']);
      const { botName } = context.input;
      const text =
        event.type === 'console.say'
          ? formatBotLine(botName, event.data.text)
          : event.type === 'console.pm'
            ? formatBotLine(botName, event.data.text, true)
            : formatNotice(`${botName} kicked you${event.data.reason ? ` (${event.data.reason})` : ''}`);
      return chatSent(CONSOLE_PLATFORM, CONSOLE_CHANNEL, event.meta, () => ({
        type: 'term.print' as const,
        text,
      }));
    }),
    countSent: ({ context, event }) => {
      assertEvent(event, ['console.say', 'console.pm']);
      const kind = event.type === 'console.pm' ? 'pm' : 'chat';
      context.input.tally?.emit({ type: 'line.sent', platform: CONSOLE_PLATFORM, kind });
    },
    /** Answers a request for a line, PM or kick: it reached the terminal, or nobody by that name is here. */
    answer: enqueueActions(({ context, event, enqueue }) => {
      assertEvent(event, ['console.say', 'console.pm', 'console.kick']);
      // A plain publish (the router's replies) has nobody to answer.
      const replyId = event.replyId;
      if (replyId === undefined) return;
      const to =
        event.type === 'console.pm'
          ? event.data.to
          : event.type === 'console.kick'
            ? event.data.user
            : undefined;
      const here = to === undefined || to.toLowerCase() === context.input.user.toLowerCase();
      enqueue.sendTo('bus', {
        type: 'bus.reply',
        replyId,
        result: here ? ok({}) : err('NOT_FOUND', `${to} is not in the console channel`),
      });
    }),
    /** A line the bus could not take: say so, so the user can send it again (issue 15). */
    printNotSent: sendTo('terminal', ({ event }) => {
      assertEvent(event, 'delivery.refused');
      return { type: 'term.print' as const, text: formatNotice(`not sent (${event.reason}): ${event.what}`) };
    }),
    // Confirmed by the server, or refused in so many words: a line typed while NATS restarts waits
    // for the next connection instead of vanishing.
    publishLine: sendTo('delivery', ({ context, event }) => {
      assertEvent(event, 'term.line');
      const { subject, message, raw } = typedLine(event.text, {
        platform: CONSOLE_PLATFORM,
        channel: CONSOLE_CHANNEL,
        user: context.input.user,
        rank: context.input.rank,
      });
      return {
        type: 'delivery.publish' as const,
        subject,
        data: message,
        from: chatReceived(CONSOLE_PLATFORM, CONSOLE_CHANNEL),
        what: raw,
      };
    }),
  },
  guards: {
    hasText: ({ event }) => {
      assertEvent(event, 'term.line');
      return event.text.trim().length > 0;
    },
    stopOnEof: ({ context }) => context.input.stopOnEof,
  },
}).createMachine({
  id: 'console',
  context: ({ input }) => ({ input }),
  invoke: [
    {
      id: 'bus',
      src: 'bus',
      input: ({ context }) =>
        bridgeInput(context.input, {
          // Plain publishes (the router's replies) and requests (plugins' own actions) alike.
          services: [
            {
              subject: subjects.sendChat(CONSOLE_PLATFORM),
              event: 'console.say',
              schema: sendChatSchema,
              acceptPublish: true,
            },
            {
              subject: subjects.sendPm(CONSOLE_PLATFORM),
              event: 'console.pm',
              schema: sendPmSchema,
              acceptPublish: true,
            },
            { subject: subjects.sendKick(CONSOLE_PLATFORM), event: 'console.kick', schema: sendKickSchema },
          ],
        }),
    },
    {
      id: 'delivery',
      src: 'delivery',
      input: ({ context }) => ({ link: context.input.link, logger: context.input.logger }),
    },
    {
      // Lives as long as the console: replies keep printing after the input has ended.
      id: 'terminal',
      src: 'terminal',
      input: ({ context }) => ({
        input: context.input.input,
        output: context.input.output,
        interactive: context.input.interactive,
        prompt: `${context.input.user}> `,
      }),
    },
  ],
  on: {
    'console.say': { actions: ['print', 'countSent', 'answer'] },
    'console.pm': [
      {
        guard: ({ context, event }) => event.data.to.toLowerCase() === context.input.user.toLowerCase(),
        actions: ['print', 'countSent', 'answer'],
      },
      { actions: 'answer' },
    ],
    'console.kick': [
      {
        guard: ({ context, event }) => event.data.user.toLowerCase() === context.input.user.toLowerCase(),
        actions: ['print', 'answer'],
      },
      { actions: 'answer' },
    ],
    // The bridge subscribed before the terminal read its first line, so no reply can be missed.
    'bus.bound': { actions: sendParent(({ self }) => childReady(self)) },
    'delivery.refused': { actions: 'printNotSent' },
    'rosey.shutdown': '.stopped',
  },
  initial: 'chatting',
  states: {
    chatting: {
      on: {
        'term.line': { guard: 'hasText', actions: 'publishLine' },
        'term.eof': [{ guard: 'stopOnEof', target: 'delivering' }, { target: 'idle' }],
        'term.interrupt': 'leaving',
      },
    },
    // End of input: the lines still waiting for the bus go first, then the router settles them.
    delivering: {
      entry: sendTo('delivery', { type: 'delivery.settle' }),
      on: { 'delivery.settled': 'settling', 'term.interrupt': 'leaving' },
    },
    // End of input: wait until the router has answered everything already sent.
    settling: {
      entry: sendTo('bus', ({ context }) => ({
        type: 'bus.request' as const,
        subject: subjects.routerSettle,
        data: {},
        timeoutMs: context.input.settleTimeoutMs,
        requestId: 'settle',
      })),
      on: { 'bus.response': 'leaving' },
    },
    leaving: {
      entry: sendTo('bus', {
        type: 'bus.request' as const,
        subject: subjects.control('stop'),
        data: { reason: 'end of console input' },
        timeoutMs: 5000,
        requestId: 'stop',
      }),
      on: {
        'bus.response': [
          { guard: ({ event }) => event.result.ok, target: 'idle' },
          // The control plane is not reachable (restarting, bus down): stop the tree directly.
          { target: 'idle', actions: 'stopTree' },
        ],
      },
    },
    // Input is over; replies still print until the tree stops this actor.
    idle: {
      // Ctrl-C again: the terminal is in raw mode, so turn it into the signal the process handles
      // (a second one exits at once).
      on: { 'term.interrupt': { actions: () => process.kill(process.pid, 'SIGINT') } },
    },
    stopped: { type: 'final' },
  },
});
