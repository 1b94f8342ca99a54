import { io, type Socket } from 'socket.io-client';
import { fromCallback } from 'xstate';

export interface SocketInput {
  url: string;
  /** Connect timeout (socket.io's own). */
  timeoutMs: number;
}

export type SocketEvent =
  | { type: 'socket.connected' }
  | { type: 'socket.closed'; reason: string }
  | { type: 'socket.event'; name: string; data: unknown };

export type SocketCommand = { type: 'socket.emit'; name: string; data?: unknown };

/**
 * One socket.io connection to a CyTube server, owned by the connector for one session. socket.io's
 * own reconnection is off: the connector decides when and whether to reconnect (never after a
 * kick or bad credentials), and a new session always starts from a fresh socket and a fresh join.
 * Stopping the actor closes the socket and removes every listener.
 */
export const cytubeSocket = fromCallback<SocketCommand, SocketInput>(({ input, sendBack, receive }) => {
  const socket: Socket = io(input.url, {
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
    timeout: input.timeoutMs,
  });
  let closed = false;
  const close = (reason: string) => {
    if (closed) return;
    closed = true;
    sendBack({ type: 'socket.closed', reason });
  };
  socket.on('connect', () => sendBack({ type: 'socket.connected' }));
  socket.on('disconnect', (reason) => close(reason));
  socket.on('connect_error', (error) => close(`cannot connect to ${input.url}: ${error.message}`));
  // CyTube events carry one argument (the recordings never show more); keep extras as an array.
  socket.onAny((name: string, ...args: unknown[]) =>
    sendBack({ type: 'socket.event', name, data: args.length > 1 ? args : args[0] }),
  );
  receive((command) => {
    if (closed) return;
    if (command.data === undefined) socket.emit(command.name);
    else socket.emit(command.name, command.data);
  });
  return () => {
    closed = true;
    socket.offAny();
    socket.removeAllListeners();
    socket.disconnect();
  };
});
