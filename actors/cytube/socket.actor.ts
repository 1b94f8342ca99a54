import type { io as connectSocket, Socket } from 'socket.io-client';
import { fromCallback } from 'xstate';
import { errorMessage } from '../../contract/result.js';

/**
 * socket.io-client is loaded by the first CyTube session, not with Rosey: a Rosey without a CyTube
 * channel (`rosey dev`, most tests) would carry it for nothing, about 10 MB (issue 16).
 */
let socketIo: Promise<{ io: typeof connectSocket }> | undefined;
const loadSocketIo = () => (socketIo ??= import('socket.io-client'));

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
  let socket: Socket | undefined;
  let closed = false;
  let stopped = false;
  /** What the connector emitted while socket.io was still loading (socket.io buffers the same way). */
  const early: SocketCommand[] = [];
  const close = (reason: string) => {
    if (closed) return;
    closed = true;
    sendBack({ type: 'socket.closed', reason });
  };
  const emit = (command: SocketCommand) => {
    if (command.data === undefined) socket!.emit(command.name);
    else socket!.emit(command.name, command.data);
  };
  void loadSocketIo().then(
    ({ io }) => {
      if (stopped) return;
      socket = io(input.url, {
        transports: ['websocket'],
        reconnection: false,
        forceNew: true,
        timeout: input.timeoutMs,
      });
      socket.on('connect', () => sendBack({ type: 'socket.connected' }));
      socket.on('disconnect', (reason) => close(reason));
      socket.on('connect_error', (error) => close(`cannot connect to ${input.url}: ${error.message}`));
      // CyTube events carry one argument (the recordings never show more); keep extras as an array.
      socket.onAny((name: string, ...args: unknown[]) =>
        sendBack({ type: 'socket.event', name, data: args.length > 1 ? args : args[0] }),
      );
      for (const command of early.splice(0)) if (!closed) emit(command);
    },
    (error: unknown) => close(`cannot load socket.io-client: ${errorMessage(error)}`),
  );
  receive((command) => {
    if (closed) return;
    if (socket) emit(command);
    else early.push(command);
  });
  return () => {
    closed = true;
    stopped = true;
    socket?.offAny();
    socket?.removeAllListeners();
    socket?.disconnect();
  };
});
