import type { MsgHdrs, NatsConnection } from '../../contract/nats.js';
import { fromCallback } from 'xstate';
import type { BusLink } from './bus-link.js';
import { encodeJson, outgoingHeaders, type Continuation } from '../../contract/envelope.js';
import type { Logger } from '../../contract/log.js';
import { errorMessage } from '../../contract/result.js';

export interface ConfirmedPublisherInput {
  link: BusLink;
  logger: Logger;
  /**
   * Messages waiting for a connection (none, or one that lost what it was given) beyond this many
   * are refused at once. Default 200. What a connected bus has taken and not confirmed yet does not
   * count: that is a busy bus, not a missing one, and is bounded by `maxAgeMs`.
   */
  maxPending?: number;
  /** A message the server has not confirmed by then is refused. Default 10 s. */
  maxAgeMs?: number;
  /** Pause before trying again after a failed delivery (no connection, a disconnect). Default 100 ms. */
  retryMs?: number;
  /** A confirmation (the server's PONG) not back by then counts as a failed delivery. Default 2 s. */
  confirmTimeoutMs?: number;
}

export type ConfirmedPublisherCommand =
  | {
      type: 'delivery.publish';
      subject: string;
      data: unknown;
      from?: Continuation;
      /** What the message is, for the owner's own use when it is refused (a chat line's text). */
      what: string;
    }
  /** Answered with `delivery.settled` once nothing is waiting any more. */
  | { type: 'delivery.settle' };

export type ConfirmedPublisherEvent =
  { type: 'delivery.refused'; subject: string; what: string; reason: string } | { type: 'delivery.settled' };

interface Entry {
  subject: string;
  payload: Uint8Array;
  headers: MsgHdrs;
  what: string;
  since: number;
  /** Its place in the order of publishes once a connection has taken it; unset while it waits. */
  sent?: number;
}

/**
 * Publishes messages that must not vanish (a user's chat line on its way to the router) and keeps
 * each one until the NATS server has confirmed it. A plain publish is gone the moment nats.js takes
 * it: while the bus is restarting there is no connection to take it, and while the client is
 * reconnecting nats.js buffers it only until its next dial attempt (which empties the buffer). Here
 * a message counts as delivered once a flush (PING/PONG) sent after it comes back: the server
 * handles a connection's messages in order, so it has handled the publish, and the messages it
 * relayed on this same connection (to the router, in Rosey's process) arrived before the PONG.
 * While the bus is connected a message is published at once, confirmed by the next PING (one per
 * turn of the event loop, one in flight at a time). What is not confirmed is published again, in
 * order, on the next connection; what still is not after `maxAgeMs`, or finds `maxPending` already
 * waiting for a connection, is refused with `delivery.refused`, so the owner can tell its user. A
 * message may thus arrive twice (the server took it and died before answering the PING), never
 * silently not at all.
 */
export const confirmedPublisher = fromCallback<ConfirmedPublisherCommand, ConfirmedPublisherInput>(
  ({ input, sendBack, receive }) => {
    const maxPending = input.maxPending ?? 200;
    const maxAgeMs = input.maxAgeMs ?? 10_000;
    const retryMs = input.retryMs ?? 100;
    const confirmTimeoutMs = input.confirmTimeoutMs ?? 2000;
    const log = input.logger;
    /** Not confirmed yet, in order: those a connection has taken first, then those waiting for one. */
    let queue: Entry[] = [];
    /** How many at the end of the queue wait for a connection. */
    let unsent = 0;
    /** The connection the queue's sent messages went out on. */
    let sentOn: NatsConnection | undefined;
    let sequence = 0;
    /** Moves on when sent messages are taken back: a confirmation asked for before counts for nothing. */
    let epoch = 0;
    let timer: { cancel(): void } | undefined;
    let confirming = false;
    let confirmTimer: NodeJS.Timeout | undefined;
    let settleAsked = false;
    let stopped = false;

    const refuse = (entry: Entry, reason: string) =>
      sendBack({ type: 'delivery.refused', subject: entry.subject, what: entry.what, reason });

    const settled = () => {
      if (!settleAsked || queue.length > 0) return;
      settleAsked = false;
      sendBack({ type: 'delivery.settled' });
    };

    // At once means at the end of this turn of the event loop: what is said together is confirmed together.
    const schedule = (delayMs: number) => {
      if (stopped || timer !== undefined) return;
      if (delayMs === 0) {
        const immediate = setImmediate(deliver);
        timer = { cancel: () => clearImmediate(immediate) };
      } else {
        const timeout = setTimeout(deliver, delayMs);
        timer = { cancel: () => clearTimeout(timeout) };
      }
    };

    const stopConfirming = () => {
      clearTimeout(confirmTimer);
      confirmTimer = undefined;
      confirming = false;
    };

    /** What a connection took and did not confirm goes out again, in order, on the next one. */
    const takeBack = () => {
      epoch++;
      stopConfirming();
      sentOn = undefined;
      for (const entry of queue) entry.sent = undefined;
      unsent = queue.length;
    };

    /** Refuses the messages `which` picks that are older than `maxAgeMs`. */
    const expire = (which: (entry: Entry) => boolean) => {
      const now = Date.now();
      const old = (entry: Entry) => which(entry) && now - entry.since > maxAgeMs;
      if (!queue.some(old)) return;
      const expired = queue.filter(old);
      queue = queue.filter((entry) => !old(entry));
      unsent = queue.filter((entry) => entry.sent === undefined).length;
      log.warn(`${expired.length} message(s) not delivered within ${maxAgeMs} ms; refused`);
      for (const entry of expired) refuse(entry, 'Rosey could not reach its message bus in time');
      settled();
    };

    const publish = (nc: NatsConnection, entry: Entry) => {
      nc.publish(entry.subject, entry.payload, { headers: entry.headers });
      entry.sent = ++sequence;
    };

    const NO_PONG = new Error('no PONG in time');

    const confirm = (nc: NatsConnection) => {
      confirming = true;
      const upTo = sequence;
      const asked = epoch;
      const timedOut = new Promise<never>((_, reject) => {
        confirmTimer = setTimeout(() => reject(NO_PONG), confirmTimeoutMs);
        confirmTimer.unref();
      });
      Promise.race([nc.flush(), timedOut]).then(
        () => {
          if (asked !== epoch) return;
          stopConfirming();
          queue = queue.filter((entry) => entry.sent === undefined || entry.sent > upTo);
          settled();
          if (queue.length > 0) schedule(0);
        },
        (error: unknown) => {
          if (asked !== epoch) return;
          stopConfirming();
          if (error === NO_PONG && sentOn === input.link.connection) {
            // A slow server, or a stuck one, on a connection nats.js still holds: publishing again
            // on it would only repeat what it has (a reconnect rejects the flush instead). Ask again,
            // and refuse what has waited too long for its answer.
            log.debug(
              `${queue.length - unsent} message(s) not confirmed in ${confirmTimeoutMs} ms; asking again`,
            );
            expire((entry) => entry.sent !== undefined);
            schedule(0);
            return;
          }
          log.debug(
            `${queue.length - unsent} message(s) not confirmed (${errorMessage(error)}); publishing again`,
          );
          takeBack();
          schedule(retryMs);
        },
      );
    };

    function deliver() {
      timer = undefined;
      if (stopped) return;
      // What a connection has taken is refused only once its confirmation is overdue (above).
      expire((entry) => entry.sent === undefined);
      if (queue.length === 0) return;
      const nc = input.link.connection;
      if (!nc) return schedule(retryMs);
      if (sentOn !== undefined && sentOn !== nc) takeBack();
      sentOn = nc;
      for (let i = queue.length - unsent; i < queue.length;) {
        const entry = queue[i]!;
        try {
          publish(nc, entry);
          unsent--;
          i++;
        } catch (error) {
          if (nc.isClosed() || nc.isDraining()) {
            // A closing connection refuses publishes: the next one takes them.
            log.debug(`publish failed (${errorMessage(error)}); trying again`);
            schedule(retryMs);
            break;
          }
          // The client refuses this message itself (larger than the server's max_payload, a
          // subject it cannot carry): trying again would only hold up everything behind it.
          queue.splice(i, 1);
          unsent--;
          log.warn(`the message bus refused a message on ${entry.subject}: ${errorMessage(error)}`);
          refuse(entry, `the message bus refused it (${errorMessage(error)})`);
        }
      }
      if (!confirming && queue.length > unsent) confirm(nc);
      settled();
    }

    /** Whether a new message can go out now: a connection, and nothing ahead of it waiting for one. */
    const openTo = (nc: NatsConnection | undefined): nc is NatsConnection =>
      nc !== undefined && unsent === 0 && (sentOn === undefined || sentOn === nc);

    // A new connection: deliver what waits once every listener of the link has subscribed on it, so
    // a message is not published ahead of the subscription of the actor it is meant for.
    const unwatch = input.link.watch((nc) => {
      if (nc && queue.length > 0) schedule(0);
    });

    receive((command) => {
      if (command.type === 'delivery.settle') {
        settleAsked = true;
        settled();
        return;
      }
      const entry: Entry = {
        subject: command.subject,
        payload: encodeJson(command.data),
        headers: outgoingHeaders(command.from).hdrs,
        what: command.what,
        since: Date.now(),
      };
      const nc = input.link.connection;
      if (openTo(nc)) {
        try {
          sentOn = nc;
          publish(nc, entry);
          queue.push(entry);
          schedule(0);
          return;
        } catch {
          // A closing connection: the message waits for the next one like any other.
        }
      }
      if (unsent >= maxPending) {
        refuse(entry, `${maxPending} messages are already waiting for the message bus`);
        return;
      }
      queue.push(entry);
      unsent++;
      schedule(0);
    });

    return () => {
      stopped = true;
      unwatch();
      timer?.cancel();
      clearTimeout(confirmTimer);
      if (queue.length > 0) log.warn(`stopped with ${queue.length} message(s) not confirmed by NATS`);
    };
  },
);
