import { connect } from 'node:net';
import { errorMessage } from '../../contract/result.js';

/** Whether `host:port` accepts a TCP connection within `timeoutMs`: undefined if so, else why not. */
export function tcpUnreachable(host: string, port: number, timeoutMs: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: timeoutMs });
    socket.once('connect', () => {
      socket.destroy();
      resolve(undefined);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(`no answer within ${timeoutMs} ms`);
    });
    socket.once('error', (error) => resolve(errorMessage(error)));
  });
}
