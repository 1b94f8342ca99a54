/** Registered accounts and the per-IP guest gate; both outlive restarts like the real database. */

export interface Account {
  /** Canonical (registered) spelling; lookups are case-insensitive. */
  name: string;
  password: string;
  /** Global rank: 1 for ordinary registered users. */
  rank: number;
}

export type Verdict = { ok: true; account: Account } | { ok: false; reason: 'unknown' | 'wrong' };

export class Accounts {
  private readonly byKey = new Map<string, Account>();

  constructor(initial: Record<string, string> = {}) {
    for (const [name, password] of Object.entries(initial)) this.register(name, password);
  }

  register(name: string, password: string, rank = 1): void {
    this.byKey.set(name.toLowerCase(), { name, password, rank });
  }

  get(name: string): Account | undefined {
    return this.byKey.get(name.toLowerCase());
  }

  isRegistered(name: string): boolean {
    return this.byKey.has(name.toLowerCase());
  }

  verify(name: string, password: string): Verdict {
    const account = this.get(name);
    if (!account) return { ok: false, reason: 'unknown' };
    return account.password === password ? { ok: true, account } : { ok: false, reason: 'wrong' };
  }
}

/** One guest login per IP per `delaySec`; 0 disables the gate, as in the recordings. */
export class GuestGate {
  private readonly last = new Map<string, number>();
  constructor(private readonly delaySec: number) {}

  /** True when this IP may log in as a guest now; records the attempt when it may. */
  admit(ip: string, now = Date.now()): boolean {
    if (this.delaySec <= 0) return true;
    const prev = this.last.get(ip);
    if (prev !== undefined && now - prev < this.delaySec * 1000) return false;
    this.last.set(ip, now);
    return true;
  }

  get seconds(): number {
    return this.delaySec;
  }
}

/** Names seen per IP, for the "joined (aliases: …)" whisper and the moderator view. */
export class AliasBook {
  private readonly byIp = new Map<string, string[]>();

  add(ip: string, name: string): void {
    const list = this.byIp.get(ip) ?? [];
    if (!list.includes(name)) list.push(name);
    this.byIp.set(ip, list.slice(-5));
  }

  get(ip: string): string[] {
    return [...(this.byIp.get(ip) ?? [])];
  }
}
