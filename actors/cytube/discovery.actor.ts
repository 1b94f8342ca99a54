import { fromPromise } from 'xstate';
import { errorMessage } from '../../contract/result.js';

/** Where `GET <server>/socketconfig/<channel>.json` says to connect; or why not. */
export type Discovery =
  | { kind: 'found'; url: string }
  /** The server said no for good (unknown/invalid channel): retrying will not help. */
  | { kind: 'refused'; reason: string }
  /** Network trouble or a server error: worth retrying later. */
  | { kind: 'unavailable'; reason: string };

interface ServerEntry {
  url: string;
  secure: boolean;
}

function servers(body: unknown): ServerEntry[] {
  if (typeof body !== 'object' || body === null || !Array.isArray((body as { servers?: unknown }).servers))
    return [];
  return (body as { servers: unknown[] }).servers
    .filter(
      (s): s is { url: string; secure?: unknown } =>
        typeof s === 'object' && s !== null && typeof (s as { url?: unknown }).url === 'string',
    )
    .map((s) => ({ url: s.url, secure: s.secure === true }));
}

/** Prefers the first secure server, else the first one (what CyTube's own client does). */
export function pickServer(body: unknown): string | undefined {
  const list = servers(body);
  return (list.find((s) => s.secure) ?? list[0])?.url;
}

export const socketConfigUrl = (server: string, channel: string) =>
  `${server.replace(/\/+$/, '')}/socketconfig/${encodeURIComponent(channel)}.json`;

export async function discover(
  server: string,
  channel: string,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<Discovery> {
  const url = socketConfigUrl(server, channel);
  let response: Response;
  try {
    response = await fetch(url, {
      // Stopping the actor (a restart, a shutdown) abandons the request too.
      signal: signal
        ? AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)])
        : AbortSignal.timeout(timeoutMs),
      headers: { accept: 'application/json' },
    });
  } catch (error) {
    return { kind: 'unavailable', reason: `cannot reach ${url}: ${errorMessage(error)}` };
  }
  const text = await response.text().catch(() => '');
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  const serverError =
    typeof body === 'object' && body !== null && typeof (body as { error?: unknown }).error === 'string'
      ? (body as { error: string }).error
      : undefined;
  if (response.status >= 500)
    return { kind: 'unavailable', reason: `${url} answered HTTP ${response.status}` };
  if (serverError) return { kind: 'refused', reason: `CyTube says: ${serverError}` };
  if (response.status === 404)
    return { kind: 'refused', reason: `${url} does not exist (HTTP 404): is ${server} a CyTube server?` };
  if (!response.ok) return { kind: 'unavailable', reason: `${url} answered HTTP ${response.status}` };
  const picked = pickServer(body);
  if (!picked) return { kind: 'unavailable', reason: `${url} listed no socket.io server` };
  return { kind: 'found', url: picked };
}

export const discovery = fromPromise<Discovery, { server: string; channel: string; timeoutMs: number }>(
  ({ input, signal }) => discover(input.server, input.channel, input.timeoutMs, signal),
);
