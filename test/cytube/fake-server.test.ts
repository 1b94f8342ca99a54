/**
 * Conformance: every recorded transcript in test/fixtures/cytube-transcripts/ is replayed against
 * the fake CyTube, and each client's received events must equal the recording, normalised only
 * where the fixtures' README says values or orderings vary between runs.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { get } from 'node:http';
import { expect } from 'chai';
import { fakeClient, type FakeClient } from '../support/fake-cytube/client.js';
import { startFakeCytube, type FakeCytube } from '../support/fake-cytube/index.js';

interface Line {
  t: number;
  client: string;
  dir: 'in' | 'out';
  event: string;
  data: unknown;
}

interface Ev {
  event: string;
  data: unknown;
}

const DIR = new URL('../fixtures/cytube-transcripts/', import.meta.url);

function load(file: string): Line[] {
  return readFileSync(new URL(file, DIR), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Line);
}

/** The README's starting state: two accounts, testchan registered by alice (rank 5), guest delay 0, max 320. */
async function startLikeRecording(): Promise<FakeCytube> {
  return startFakeCytube({
    accounts: { alice: 'alicepass1', testbot: 'botpass123' },
    channels: { testchan: { ranks: { alice: 5 } } },
    guestLoginDelaySec: 0,
    maxChatLength: 320,
  });
}

/**
 * Gaps kept at their recorded length because the outcome depends on them: the antiflood bucket
 * refilling before "after cooldown" (07) and the anonymous viewer's delayed login (12).
 * Every other gap is not waited out: the next action goes as soon as the fake has handled every
 * action before it and every client has what the recording shows it had by then (see `settle`).
 */
function keepsRealGap(file: string, line: Line): boolean {
  if (file.startsWith('12-')) return line.client === 'viewer' && line.event === 'login';
  return file.startsWith('07-') && (line.data as { msg?: unknown } | null)?.msg === 'after cooldown';
}
/** Consecutive actions closer than this are fired back to back (the floods in 06 and 07). */
const BURST_MS = 20;
const SYNC_TIMEOUT_MS = 2000;

/**
 * Differences that remain between the fake and the recordings, each applied to one file and
 * client only. Keep this list short and every entry justified.
 */
const KNOWN_DIFFERENCES: Array<{ file: string; client: string; why: string; apply: (evs: Ev[]) => Ev[] }> =
  [];

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, Math.max(0, ms)));

function counted(ev: { event: string }): boolean {
  // usercount is throttled and "may or may not show up" (README); it is never compared or counted.
  return ev.event !== 'usercount';
}

async function httpGet(url: string): Promise<Ev['data']> {
  return new Promise((resolve, reject) => {
    get(url, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () =>
        resolve({ status: res.statusCode, headers: res.headers, body: JSON.parse(body) as unknown }),
      );
    }).on('error', reject);
  });
}

class Replay {
  readonly clients = new Map<string, FakeClient>();
  readonly http: Ev[] = [];

  constructor(
    private readonly file: string,
    private readonly lines: Line[],
    private readonly fake: FakeCytube,
  ) {}

  received(client: string): Ev[] {
    if (client === 'http') return this.http;
    return (this.clients.get(client)?.events ?? []).map((e) => ({ event: e.event, data: e.data }));
  }

  /** Each client's socket id (socket.io forgets it on disconnect), and how many events it emitted. */
  private readonly sids = new Map<string, string>();
  private readonly emitted = new Map<string, number>();

  /**
   * Whether the fake has taken in everything the clients did: each emit is in its log, and it
   * counts exactly the sockets that are still open (so a close has been handled as well).
   */
  private handled(): boolean {
    for (const [client, n] of this.emitted) {
      const sid = this.sids.get(client);
      if (this.fake.log.filter((e) => e.dir === 'out' && e.socketId === sid).length < n) return false;
    }
    return this.fake.connections() === [...this.clients.values()].filter((c) => c.connected).length;
  }

  /**
   * Whether every event the fake has sent has reached its client (one socket keeps its order), and
   * no answer is still coming on a timer (a registered login's hash check).
   */
  private delivered(): boolean {
    if (this.fake.loginsInProgress() > 0) return false;
    for (const [client, c] of this.clients) {
      if (!c.connected) continue; // it has all there will be: its disconnect came after them
      const sid = this.sids.get(client);
      const sent = this.fake.log.filter((e) => e.dir === 'in' && e.socketId === sid).length;
      if (c.events.filter((e) => !e.event.startsWith('@')).length < sent) return false;
    }
    return true;
  }

  /**
   * Waits until the fake has handled every action so far and every client has at least as many
   * events as the recording shows before line `upto`: across clients only cause and effect orders
   * what happens (README), and these waits give exactly that, on a loaded machine too.
   */
  async settle(upto: number): Promise<void> {
    const want = new Map<string, number>();
    for (const l of this.lines.slice(0, upto)) {
      if (l.dir === 'in' && counted(l)) want.set(l.client, (want.get(l.client) ?? 0) + 1);
    }
    const deadline = Date.now() + SYNC_TIMEOUT_MS;
    const behind = () =>
      !this.handled() || [...want].some(([c, n]) => this.received(c).filter(counted).length < n);
    // Not reaching the count is left to the comparison, which then shows what is missing.
    while (behind() && Date.now() < deadline) await sleep(5);
  }

  async run(): Promise<void> {
    let prevT = 0;
    let prevWall = Date.now();
    for (const [i, l] of this.lines.entries()) {
      const action = l.dir === 'out' || l.event === '@connect';
      if (!action) continue;
      const gap = l.t - prevT;
      if (gap >= BURST_MS) {
        await this.settle(i);
        if (keepsRealGap(this.file, l)) await sleep(gap - (Date.now() - prevWall));
      }
      prevT = l.t;
      prevWall = Date.now();
      await this.perform(l);
    }
    await this.settle(this.lines.length);
    // Surplus events fail the comparison too: by now the fake has handled every action, has no
    // answer pending, and each client holds everything the fake sent it, so none can come later.
    const deadline = Date.now() + SYNC_TIMEOUT_MS;
    while (!this.delivered() && Date.now() < deadline) await sleep(5);
  }

  private async perform(l: Line): Promise<void> {
    if (l.client === 'http') {
      const url = new URL((l.data as { url: string }).url);
      this.http.push({ event: l.event, data: await httpGet(`${this.fake.baseUrl}${url.pathname}`) });
      return;
    }
    if (l.event === '@connect') {
      const { localAddress } = l.data as { localAddress: string };
      const client = await fakeClient(this.fake.baseUrl, '', { join: false, localAddress });
      this.clients.set(l.client, client);
      this.sids.set(l.client, client.socket.id!);
      this.emitted.set(l.client, 0);
      return;
    }
    const client = this.clients.get(l.client);
    if (!client) throw new Error(`${this.file}: ${l.client} acts before it connected`);
    if (l.event === '@disconnect') await client.close();
    else {
      client.emit(l.event, l.data);
      this.emitted.set(l.client, (this.emitted.get(l.client) ?? 0) + 1);
    }
  }

  async close(): Promise<void> {
    await Promise.all([...this.clients.values()].map((c) => c.close()));
  }
}

// ---- normalisation: only the values the README lists as differing per instance or run ----

function walk(
  v: unknown,
  key: string | undefined,
  f: (v: unknown, key: string | undefined) => unknown,
): unknown {
  const r = f(v, key);
  if (r !== v) return r;
  if (Array.isArray(v)) return v.map((x) => walk(x, undefined, f));
  if (typeof v === 'object' && v !== null) {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x, k, f)]));
  }
  return v;
}

const CLOAKED_IP = /^[A-Za-z0-9+/]{3}(\.[A-Za-z0-9+/]{3}){3}$/;
const CU_ID = /^cu:[A-Za-z0-9+/=]+$/;

function normalise(ev: Ev): Ev {
  let data = ev.data;
  if (ev.event === '@connect') {
    const d = data as { sid: unknown; localAddress: unknown };
    data = { sid: typeof d.sid === 'string' ? '<sid>' : d.sid, localAddress: '<localAddress>' };
  }
  if (
    (ev.event === 'chatMsg' || ev.event === 'pm') &&
    typeof (data as { time?: unknown }).time === 'number'
  ) {
    data = { ...(data as object), time: '<time>' };
  }
  if (ev.event === 'channelCSSJS') data = { ...(data as object), cssHash: '<hash>', jsHash: '<hash>' };
  if (ev.event.startsWith('GET ')) {
    const d = data as { status: number; headers: Record<string, unknown>; body: Record<string, unknown> };
    const headers = { ...d.headers };
    for (const h of ['date', 'etag', 'set-cookie']) if (h in headers) headers[h] = '<varies>';
    // The body carries the server's URL, whose port differs, so its length does too.
    if ('content-length' in headers) headers['content-length'] = '<length>';
    const servers = d.body.servers as Array<Record<string, unknown>> | undefined;
    const body = servers
      ? { ...d.body, servers: servers.map((s) => ({ ...s, url: '<server url>' })) }
      : d.body;
    data = { status: d.status, headers, body };
  }
  data = walk(data, undefined, (v, key) => {
    if (key === 'ip' && typeof v === 'string' && CLOAKED_IP.test(v)) return '<cloaked ip>';
    if (typeof v === 'string' && CU_ID.test(v)) return 'cu:<hash>';
    return v;
  });
  return { event: ev.event, data };
}

// ---- tolerated orderings: only those the README documents ----

/** 03: "the relative order of setUserMeta and setAFK changed" between runs. */
function canonicalAfkOrder(evs: Ev[]): Ev[] {
  const out = [...evs];
  for (let i = 0; i + 1 < out.length; i++) {
    const a = out[i];
    const b = out[i + 1];
    if (a?.event === 'setAFK' && b?.event === 'setUserMeta') {
      out[i] = b;
      out[i + 1] = a;
    }
  }
  return out;
}

/**
 * README observation 1: a guest's login reply (or any fast login failure) may arrive before the
 * first answer to joinChannel. Rewrites "login first" into "join first": the login block moves
 * after `needPassword`, or after the burst's `userlist`, which then loses the user itself while a
 * self `addUser` follows the login, which is exactly what "join first" looks like.
 */
function canonicalLoginRace(evs: Ev[]): Ev[] {
  const out = [...evs];
  const L = out.findIndex((e) => e.event === 'login');
  const J = out.findIndex((e) => e.event === 'setPermissions' || e.event === 'needPassword');
  if (L < 0 || J < 0 || J < L) return out;
  const reply = out[L]?.data as { success: boolean; name?: string; guest?: boolean };
  if (reply.success && !reply.guest) return out;
  const prev = out[L - 1];
  const start = reply.success && prev?.event === 'rank' && prev.data === 0 ? L - 1 : L;
  const block = out.splice(start, L - start + 1);
  const j = out.findIndex((e) => e.event === 'setPermissions' || e.event === 'needPassword');
  const first = out[j];
  if (!first) return evs;
  if (first.event === 'needPassword') {
    out.splice(j + 1, 0, ...block);
    return out;
  }
  const u = out.findIndex((e, i) => i > j && e.event === 'userlist');
  const userlist = out[u];
  if (!userlist) return evs;
  let at = u + 1;
  while (out[at]?.event === 'channelNotRegistered') at++;
  if (reply.success && reply.name !== undefined) {
    const list = userlist.data as Array<{ name: string }>;
    out[u] = { event: 'userlist', data: list.filter((x) => x.name !== reply.name) };
    block.push({
      event: 'addUser',
      data: {
        name: reply.name,
        rank: 0,
        profile: { image: '', text: '' },
        meta: { afk: false, muted: false },
      },
    });
  }
  out.splice(at, 0, ...block);
  return out;
}

function canonical(evs: Ev[]): Ev[] {
  return canonicalLoginRace(canonicalAfkOrder(evs.filter(counted).map(normalise)));
}

/** JSON with sorted keys: key order is not part of the protocol. */
function stable(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) =>
    typeof x === 'object' && x !== null && !Array.isArray(x)
      ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => a.localeCompare(b)))
      : x,
  );
}

function show(ev: Ev | undefined): string {
  if (!ev) return '(nothing)';
  const s = `${ev.event} ${stable(ev.data)}`;
  return s.length > 400 ? `${s.slice(0, 400)}…` : s;
}

/** Undefined when equal; otherwise a readable account of the first differing event. */
function firstDifference(file: string, client: string, expected: Ev[], actual: Ev[]): string | undefined {
  const n = Math.max(expected.length, actual.length);
  for (let i = 0; i < n; i++) {
    const e = expected[i];
    const a = actual[i];
    if (e && a && stable(e) === stable(a)) continue;
    const context = expected
      .slice(Math.max(0, i - 3), i)
      .map((x) => `      ${show(x)}`)
      .join('\n');
    return [
      `${file}, client "${client}": first difference at event #${i} (expected ${expected.length} events, got ${actual.length})`,
      `  after:\n${context || '      (start)'}`,
      `  expected: ${show(e)}`,
      `  actual:   ${show(a)}`,
    ].join('\n');
  }
  return undefined;
}

describe('fake CyTube conformance with the recorded transcripts', function () {
  const files = readdirSync(DIR)
    .filter((f) => f.endsWith('.jsonl'))
    .sort();

  it('finds all 14 transcripts', () => {
    expect(files).to.have.length(14);
  });

  for (const file of files) {
    it(`replays ${file}`, async function () {
      this.timeout(30_000);
      const lines = load(file);
      const fake = await startLikeRecording();
      const replay = new Replay(file, lines, fake);
      try {
        await replay.run();
      } finally {
        await replay.close();
        await fake.stop();
      }
      const clients = [...new Set(lines.map((l) => l.client))];
      const problems: string[] = [];
      for (const client of clients) {
        const recorded = lines.filter((l) => l.client === client && l.dir === 'in');
        let actual = canonical(replay.received(client));
        for (const k of KNOWN_DIFFERENCES)
          if (k.file === file && k.client === client) actual = k.apply(actual);
        const diff = firstDifference(file, client, canonical(recorded), actual);
        if (diff) problems.push(diff);
      }
      expect(problems, `\n${problems.join('\n\n')}\n`).to.deep.equal([]);
    });
  }
});

export const __testing = { canonicalLoginRace, canonicalAfkOrder, normalise, firstDifference };
