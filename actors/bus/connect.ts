import { connect, type NatsConnection } from '../../contract/nats.js';
import { errorMessage } from '../../contract/result.js';

export interface NatsEndpoint {
  url: string;
  token?: string;
  user?: string;
  pass?: string;
}

/** Hides credentials (user:pass@ or ?token) when a URL is logged or printed. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.username || parsed.password) {
      parsed.username = parsed.username ? '***' : '';
      parsed.password = '';
    }
    return parsed.toString().replace(/\/$/, '');
  } catch {
    return url;
  }
}

/**
 * Connects, retrying until `deadlineMs` has passed; after that the error says what was tried.
 * Once connected the client reconnects forever on its own (the bus actor watches it).
 */
export async function connectWithRetry(
  endpoint: NatsEndpoint,
  options: {
    name: string;
    deadlineMs: number;
    retryDelayMs?: number;
    signal?: AbortSignal;
    inboxPrefix?: string;
  },
): Promise<NatsConnection> {
  const started = Date.now();
  let lastError: unknown;
  while (!options.signal?.aborted) {
    try {
      return await connect({
        servers: endpoint.url,
        token: endpoint.token,
        user: endpoint.user,
        pass: endpoint.pass,
        name: options.name,
        maxReconnectAttempts: -1,
        reconnectTimeWait: 250,
        reconnectJitter: 100,
        pingInterval: 10_000,
        timeout: Math.max(500, Math.min(5000, options.deadlineMs)),
        inboxPrefix: options.inboxPrefix,
        // Otherwise every request allocates an Error just in case it fails (a stack capture each).
        noAsyncTraces: true,
      });
    } catch (error) {
      lastError = error;
      if (Date.now() - started + (options.retryDelayMs ?? 200) >= options.deadlineMs) break;
      await new Promise((resolve) => setTimeout(resolve, options.retryDelayMs ?? 200));
    }
  }
  throw new Error(`cannot reach NATS at ${redactUrl(endpoint.url)}: ${describeConnectError(lastError)}`);
}

function describeConnectError(error: unknown): string {
  if (error === undefined) return 'cancelled';
  const cause = error instanceof Error && error.cause instanceof Error ? ` (${error.cause.message})` : '';
  return `${errorMessage(error)}${cause}`;
}
