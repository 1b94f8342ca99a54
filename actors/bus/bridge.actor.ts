import type { Msg, NatsConnection, Subscription } from '../../contract/nats.js';
import { fromCallback, type EventObject } from 'xstate';
import type { z } from '../../contract/zod.js';
import type { BusLink } from './bus-link.js';
import {
  decodeJson,
  encodeJson,
  incomingMeta,
  outgoingHeaders,
  type Continuation,
  type MessageMeta,
} from '../../contract/envelope.js';
import { exceedsMaxPayload, request } from '../../contract/request.js';
import { validate } from '../../contract/validate.js';
import type { Logger } from '../../contract/log.js';
import { err, errorMessage, type Result } from '../../contract/result.js';
import type { SecurityViolation } from '../../contract/messages/actions.js';
import { subjects } from '../../contract/subjects.js';
import { checkReplySubject } from './reply-subject.js';
import { messagingAttributes, tracing, type Span, type SpanAttributes } from '../../contract/tracing.js';

/** A subject whose messages become events of the owning actor. */
export interface Binding {
  subject: string;
  /** Type of the event sent to the owner. */
  event: string;
  schema: z.ZodType;
  /** NATS queue group, when several instances share the work. */
  queue?: string;
  /**
   * Services only: also take plain publishes (no reply subject), delivered without `replyId`.
   * For subjects that callers may fire and forget, or ask and wait on (a connector's `send.*`).
   */
  acceptPublish?: boolean;
  /**
   * Services only: with tracing on, each request gets a span (`process <subject>`, from its
   * receipt to its answer) with the messaging attributes and these, child of the request's sender.
   */
  trace?: (subject: string) => SpanAttributes;
  /**
   * Subscriptions only: whether a message is for the owner at all, asked of the decoded payload
   * before its schema. One that is not is dropped without a word: another actor on the subject
   * checks and takes it. The admin actor hears every chat line for the few `!admin` ones; each line
   * checked against the chat schema and made an XState event there cost the command path twice
   * over (issue 16).
   */
  when?: (data: unknown) => boolean;
}

export interface BridgeInput {
  link: BusLink;
  logger: Logger;
  /** Published messages → `{ type: event, data, meta }`. */
  subscriptions?: Binding[];
  /** Requests → `{ type: event, data, meta, replyId }`; the owner answers with `bus.reply`. */
  services?: Binding[];
  /** A request the owner has not answered by then gets a TIMEOUT error. Default 30 s. */
  serveTimeoutMs?: number;
}

/** The bridge input for an actor whose own input carries the link and its logger. */
export function bridgeInput(
  owner: { link: BusLink; logger: Logger },
  bindings: Pick<BridgeInput, 'subscriptions' | 'services' | 'serveTimeoutMs'>,
): BridgeInput {
  return { link: owner.link, logger: owner.logger, ...bindings };
}

/** Event delivered on a service with `acceptPublish`: a request when `replyId` is set. */
export interface SendEvent<T extends string, D> extends InboundEvent<T, D> {
  replyId?: string;
}

/** Event delivered for a message on a subscribed subject. */
export interface InboundEvent<T extends string, D> {
  type: T;
  data: D;
  meta: MessageMeta;
}

/** Event delivered for a request on a served subject. */
export interface RequestEvent<T extends string, D> extends InboundEvent<T, D> {
  replyId: string;
}

export interface BusResponseEvent {
  type: 'bus.response';
  requestId: string;
  result: Result<unknown>;
  /** Whatever the owner attached to its `bus.request`, handed back untouched. */
  context?: unknown;
}

export type BridgeCommand =
  | { type: 'bus.publish'; subject: string; data: unknown; from?: Continuation }
  | {
      type: 'bus.request';
      subject: string;
      data: unknown;
      timeoutMs: number;
      requestId: string;
      from?: Continuation;
      /** Returned with the response, so the owner need not keep a table of what it asked. */
      context?: unknown;
    }
  | { type: 'bus.reply'; replyId: string; result: Result<unknown> };

interface Pending {
  msg: Msg;
  timer: NodeJS.Timeout;
  span?: Span;
}

/**
 * The declarative NATS binding every bus-using actor invokes as a child (conventionally with id
 * `bus`): it subscribes the subjects its owner declared, validates each payload against the
 * binding's schema and sends the owner typed events; it carries out the owner's `bus.publish`,
 * `bus.request` and `bus.reply` commands. Every outgoing message gets correlation and traceparent
 * headers; a request always ends in a `bus.response` (timeouts and missing responders included).
 * It follows the bus across reconnects and restarts, and releases everything when stopped.
 */
export const busBridge = fromCallback<BridgeCommand, BridgeInput>(({ input, sendBack, receive }) => {
  const log = input.logger;
  const serveTimeoutMs = input.serveTimeoutMs ?? 30_000;
  const pending = new Map<string, Pending>();
  let subscriptions: Subscription[] = [];
  let nextReplyId = 0;
  let stopped = false;

  /**
   * A request whose reply subject Rosey may not publish on (actors/bus/reply-subject.ts) is dropped
   * before anything answers it, even with a validation error, and reported like a refused publish.
   */
  const replyRefused = (msg: Msg, reply: string): boolean => {
    const check = checkReplySubject(msg.subject, reply);
    if (check.ok) return false;
    log.warn(check.reason);
    if (check.plugin) {
      const violation: SecurityViolation = {
        plugin: check.plugin,
        action: reply,
        reason: check.reason,
        source: 'bus',
        time: Date.now(),
      };
      try {
        input.link.connection?.publish(subjects.securityViolation, encodeJson(violation), {
          headers: outgoingHeaders(continuationOf(msg)).hdrs,
        });
      } catch (error) {
        log.warn(`could not report the violation: ${errorMessage(error)}`);
      }
    }
    return true;
  };

  const deliver = (binding: Binding, msg: Msg, asRequest: boolean) => {
    if (asRequest && msg.reply && replyRefused(msg, msg.reply)) return;
    const decoded = decodeJson(msg.data);
    if (binding.when && !asRequest && decoded.ok && !binding.when(decoded.data)) return;
    const checked = decoded.ok ? validate(binding.schema, decoded.data) : decoded;
    if (!checked.ok) {
      if (asRequest && msg.reply) {
        msg.respond(encodeJson(checked), { headers: outgoingHeaders(continuationOf(msg)).hdrs });
      } else log.warn(`dropped message on ${msg.subject}: ${checked.error.message}`);
      return;
    }
    const meta = incomingMeta(msg);
    if (!asRequest) {
      sendBack({ type: binding.event, data: checked.data, meta } as EventObject);
      return;
    }
    if (!msg.reply) {
      if (binding.acceptPublish) {
        sendBack({ type: binding.event, data: checked.data, meta } as EventObject);
        return;
      }
      log.warn(`request on ${msg.subject} without a reply subject; ignored`);
      return;
    }
    const replyId = String(++nextReplyId);
    const timer = setTimeout(() => {
      answer(replyId, err('TIMEOUT', `no answer for ${msg.subject} within ${serveTimeoutMs} ms`));
    }, serveTimeoutMs);
    const event = { type: binding.event, data: checked.data, meta, replyId } as EventObject;
    const t = binding.trace && tracing();
    if (!t) {
      pending.set(replyId, { msg, timer });
      sendBack(event);
      return;
    }
    const span = t.start(`process ${msg.subject}`, {
      kind: 'server',
      parent: meta.traceparent,
      // Assigned, not spread into a literal (slow on Node 20 when it adds keys: contract/tracer.ts).
      attributes: Object.assign(
        messagingAttributes('process', msg.subject, meta.correlationId),
        binding.trace!(msg.subject),
      ),
    });
    pending.set(replyId, { msg, timer, span });
    // The owner handles the event at once: what it logs meanwhile carries the span's ids.
    t.run(span, () => sendBack(event));
  };

  // Replies wait for the end of the event-loop turn and leave together: nats.js writes to the
  // socket once per microtask checkpoint, so answers that finish one by one (each database query
  // resolves in its own microtask round) would otherwise cost one write each.
  let outbox: Array<{ msg: Msg; result: Result<unknown>; span?: Span }> = [];
  let flushing: NodeJS.Immediate | undefined;
  const flushReplies = () => {
    flushing = undefined;
    const replies = outbox;
    outbox = [];
    for (const { msg, result, span } of replies) {
      const from = continuationOf(msg);
      if (span) from.parentSpan = span.traceparent;
      const respond = (reply: Uint8Array) => msg.respond(reply, { headers: outgoingHeaders(from).hdrs });
      let encoded: Uint8Array | undefined;
      try {
        encoded = encodeJson(result);
        respond(encoded);
      } catch (error) {
        log.warn(`could not answer ${msg.subject}: ${errorMessage(error)}`);
        // The caller must not be left to time out: a reply too big for NATS, or one that is not
        // JSON (a BigInt, a cycle), is answered with an error instead.
        const notJson = encoded === undefined;
        if (!notJson && !exceedsMaxPayload(error)) continue;
        try {
          respond(
            encodeJson(
              notJson
                ? err('INTERNAL', `the reply could not be encoded as JSON: ${errorMessage(error)}`)
                : err(
                    'VALUE_TOO_LARGE',
                    `the reply would be ${encoded!.length} bytes, more than the NATS server carries: ask for less (fewer rows or fields, a smaller limit)`,
                  ),
            ),
          );
        } catch (second) {
          log.warn(`could not answer ${msg.subject} either: ${errorMessage(second)}`);
        }
      }
    }
  };

  const answer = (replyId: string, result: Result<unknown>) => {
    const entry = pending.get(replyId);
    if (!entry) return;
    pending.delete(replyId);
    clearTimeout(entry.timer);
    if (entry.span) {
      if (!result.ok) entry.span.fail(result.error.code, result.error.message);
      entry.span.end();
    }
    outbox.push({ msg: entry.msg, result, span: entry.span });
    flushing ??= setImmediate(flushReplies);
  };

  const unsubscribeAll = () => {
    for (const sub of subscriptions) if (!sub.isClosed()) sub.unsubscribe();
    subscriptions = [];
  };

  const bind = (nc: NatsConnection | undefined) => {
    // Subscriptions on a connection the link has moved away from must not deliver twice.
    unsubscribeAll();
    if (!nc || stopped) return;
    const all: Array<[Binding, boolean]> = [
      ...(input.subscriptions ?? []).map((b): [Binding, boolean] => [b, false]),
      ...(input.services ?? []).map((b): [Binding, boolean] => [b, true]),
    ];
    for (const [binding, asRequest] of all) {
      subscriptions.push(
        nc.subscribe(binding.subject, {
          queue: binding.queue,
          callback: (error, msg) => {
            if (error) log.warn(`subscription ${binding.subject} failed: ${errorMessage(error)}`);
            else if (!stopped) deliver(binding, msg, asRequest);
          },
        }),
      );
    }
    nc.flush().then(
      () => !stopped && sendBack({ type: 'bus.bound' }),
      () => undefined,
    );
  };

  const unwatch = input.link.watch(bind);

  receive((command) => {
    switch (command.type) {
      case 'bus.publish': {
        const nc = input.link.connection;
        if (!nc) {
          log.warn(`not connected: dropped publish on ${command.subject}`);
          return;
        }
        try {
          nc.publish(command.subject, encodeJson(command.data), {
            headers: outgoingHeaders(command.from).hdrs,
          });
        } catch (error) {
          log.warn(`publish on ${command.subject} failed: ${errorMessage(error)}`);
        }
        return;
      }
      case 'bus.request': {
        const { requestId, subject, context } = command;
        void request(input.link.connection, subject, command.data, {
          timeoutMs: command.timeoutMs,
          from: command.from,
        }).then((result) => sendBack({ type: 'bus.response', requestId, result, context }));
        return;
      }
      case 'bus.reply':
        answer(command.replyId, command.result);
        return;
    }
  });

  return () => {
    stopped = true;
    unwatch();
    for (const [replyId] of pending) answer(replyId, err('SHUTTING_DOWN', 'the service is stopping'));
    clearImmediate(flushing);
    flushReplies();
    unsubscribeAll();
  };
});

function continuationOf(msg: Msg): Continuation {
  const meta = incomingMeta(msg);
  return { correlationId: meta.correlationId, traceparent: meta.traceparent };
}
