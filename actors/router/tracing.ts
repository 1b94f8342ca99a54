import type { ConfirmedPublisherCommand } from '../bus/confirmed-publisher.actor.js';
import type { Result } from '../../contract/result.js';
import { ATTR, messagingAttributes, tracing } from '../../contract/tracing.js';
import { isFlight, type InFlight, type Send } from './routing.js';

/*
 * The router's span: one per command sent to a plugin, from the request to its reply (kept with the
 * flight, so the span is not part of the router's pure state). It is the chat line's child (the
 * connector's span) and the parent of the plugin's span and of the reply sent back. With tracing
 * off each function hands back what it was given.
 */

/** A command's request to its plugin, with its span started and carried. */
export function traceDispatch(send: Send): Send {
  const t = tracing();
  if (!t || send.type !== 'bus.request' || !isFlight(send.context)) return send;
  const flight = send.context;
  const attributes = messagingAttributes('send', send.subject, flight.origin.meta.correlationId);
  attributes[ATTR.plugin] = flight.plugin;
  attributes[ATTR.generation] = flight.generation;
  attributes[ATTR.command] = flight.command;
  attributes[ATTR.platform] = flight.origin.platform;
  const span = t.start(`send ${send.subject}`, {
    kind: 'client',
    parent: flight.origin.meta.traceparent,
    attributes,
  });
  // Object.assign rather than `{ ...send, from: … }`: on Node 20 a literal adding properties after a
  // spread is 10–20 times slower (contract/tracer.ts, messagingAttributes).
  return Object.assign({}, send, {
    from: Object.assign({}, send.from, { parentSpan: span.traceparent }),
    context: Object.assign({}, flight, { span }) satisfies InFlight,
  });
}

/** The plugin answered (or did not): the span ends, failed when the result is an error. */
export function endDispatch(flight: InFlight, result: Result<unknown>): void {
  if (!flight.span) return;
  if (!result.ok) flight.span.fail(result.error.code, result.error.message);
  flight.span.end();
}

/** The reply to a command, sent from its span. */
export function replyInSpan(flight: InFlight, command: ConfirmedPublisherCommand): ConfirmedPublisherCommand {
  if (!flight.span || command.type !== 'delivery.publish') return command;
  return Object.assign({}, command, {
    from: Object.assign({}, command.from, { parentSpan: flight.span.traceparent }),
  });
}

/** Runs `fn` (a log line) in the flight's span, so the line carries its ids. */
export function inSpan(flight: InFlight, fn: () => void): void {
  const t = flight.span && tracing();
  if (t) t.run(flight.span!, fn);
  else fn();
}
