/**
 * CyTube's per-IP limits on sockets (protocol doc, "Per-IP limits" and "Observed on a real CyTube
 * 3.86.0"): a connection rate limit (5 quick connects, then 1 per 10 s; over it the handshake fails
 * with `connect_error "Rate limit exceeded"`), a limit on concurrent sockets (over it: `kick
 * {reason:"Too many connections from your IP address"}` and a disconnect), and server-wide IP bans
 * (`connect_error "You are banned from the server"`).
 */

export interface ConnectRateLimit {
  /** Connects allowed back to back from one IP. */
  burst: number;
  /** One more connect per this many ms once the burst is spent. */
  refillMs: number;
}

/** What the real server allows (its defaults). */
export const CYTUBE_CONNECT_RATE: ConnectRateLimit = { burst: 5, refillMs: 10_000 };
export const CYTUBE_IP_CONNECTION_LIMIT = 10;

export const IP_TEXT = {
  rateLimited: 'Rate limit exceeded',
  tooManyConnections: 'Too many connections from your IP address',
  serverBan: 'You are banned from the server',
};

/** A token bucket per IP: `burst` tokens, one back per `refillMs`; a refused connect costs nothing. */
export class ConnectGate {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  constructor(private readonly limit: ConnectRateLimit) {}

  admit(ip: string, now = Date.now()): boolean {
    const b = this.buckets.get(ip) ?? { tokens: this.limit.burst, at: now };
    const tokens = Math.min(this.limit.burst, b.tokens + (now - b.at) / this.limit.refillMs);
    if (tokens < 1) {
      this.buckets.set(ip, { tokens, at: now });
      return false;
    }
    this.buckets.set(ip, { tokens: tokens - 1, at: now });
    return true;
  }
}
