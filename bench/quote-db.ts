/**
 * The quote-db suite. Starts a real Rosey (`rosey start`, its own nats-server and SQLite) whose only
 * plugin is the built-in quote-db, fills its table to 10,000 quotes (varied authors, hashtags as
 * tags) and measures `!quote <id>`, `!quote` (random), `!quote search <words>`, `!quote search #tag`
 * and `!quote add` four ways:
 *   - end to end: a chat line published on `rosey.events.message` (the "bench" platform, as in the
 *     runtime suite) → router → the quote-db plugin process → its storage calls → reply → router →
 *     `rosey.platform.bench.send.chat`, matched by correlation id;
 *   - storage only: the same storage calls the plugin makes for that command, in the same order,
 *     issued with the SDK's StorageClient over NATS (no router, no plugin);
 *   - direct SQL: the statements those storage calls run, through knex on a SQLite connection of
 *     the benchmark's own — the raw baseline of the storage suite;
 *   - a bare NATS request/reply to a trivial responder: the floor under each storage call.
 * Then the sustained rate of each command end to end and storage only, with a few in flight.
 */
import { fork } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { headers, type Msg, type NatsConnection } from '../contract/nats.js';
import type { Knex } from 'knex';
import { CORRELATION_HEADER, decodeJson, encodeJson } from '../contract/envelope.js';
import { openDatabase, type Database } from '../actors/database/open.js';
import { escapeLike, StorageClient, type Filter, type Row } from '../sdk/index.js';
import { subjects } from '../contract/subjects.js';
import { findNode } from '../supervisors/describe-tree.js';
import { launchRosey, now, ratioLine, sequential, throughput } from './harness.js';
import type { SuiteOptions } from './runtime.js';
import type { Summary } from './stats.js';

const RESPONDER = fileURLToPath(new URL('./responder.js', import.meta.url));
const PLUGIN = 'quote-db';
const TABLE = 'quote_db__quotes';
const QUOTES = 10_000;
const BATCH = 1000;
const FIELDS = ['id', 'text', 'author', 'added_by', 'timestamp', 'score', 'tags'];
const SHOWN = 5;

// ---- The quotes: deterministic, Zipf-distributed words, authors and tags ------------------------

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Picks items with weight 1/rank: a few are everywhere, most are rare (as in real chat). */
function zipf<T>(items: readonly T[], random: () => number): () => T {
  const cumulative: number[] = [];
  let sum = 0;
  for (let i = 0; i < items.length; i++) cumulative.push((sum += 1 / (i + 1)));
  return () => {
    const x = random() * sum;
    let lo = 0;
    let hi = cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid]! < x) lo = mid + 1;
      else hi = mid;
    }
    return items[lo]!;
  };
}

const WORDS = (
  'the a is it you that this was not what just they like so no why all lol one but stream chat ' +
  'video song never again always time good bad night people think know right still movie watch ' +
  'playlist skip vote again really want love hate music queue channel mod back here there going ' +
  'sure best worst ever guy thing make sense literally actually play loud quiet today tomorrow ' +
  'dance sleep coffee pizza cat dog banana robot ghost wizard dragon pirate ninja space moon sun ' +
  'ocean forest castle tape cassette remote couch popcorn sandwich cheese pickle llama penguin ' +
  'volcano tornado karaoke jazz polka accordion kazoo trombone submarine telescope dinosaur ' +
  'spaghetti waffle pancake burrito noodle marmalade origami zeppelin hovercraft sasquatch'
).split(' ');
const FIRST =
  'Ada Alan Grace Linus Joe Edsger Donald Barbara Ken Dennis Margaret Guido Bjarne Rob Radia Frances Tim Sophie Hedy Niklaus'.split(
    ' ',
  );
const LAST =
  'Lovelace Turing Hopper Torvalds Armstrong Dijkstra Knuth Liskov Thompson Ritchie Hamilton Rossum Pike Perlman Allen Wilson Lamarr Wirth Kay'.split(
    ' ',
  );
const AUTHORS = ['Unknown', ...FIRST.flatMap((f) => LAST.map((l) => `${f} ${l}`))];
const TAGS = (
  'classic lol cursed wholesome music movies fail win mods meta rip hype oldschool quotable ' +
  'deep nsfl spoiler gaming anime karaoke food cats dogs science history sports politics ' +
  'weather space retro horror scifi comedy drama news tech art memes rant poetry puns'
).split(' ');

interface Seeded {
  text: string;
  author: string;
  added_by: string;
  timestamp: number;
  score: number;
  tags: string[];
}

function quotes(n: number, seed = 42): Seeded[] {
  const random = mulberry32(seed);
  const word = zipf(WORDS, random);
  const author = zipf(AUTHORS, random);
  const tag = zipf(TAGS, random);
  const start = Math.floor(Date.UTC(2021, 0, 1) / 1000);
  return Array.from({ length: n }, (_, i) => {
    const words = Array.from({ length: 5 + Math.floor(random() * 16) }, word);
    words[0] = words[0]!.charAt(0).toUpperCase() + words[0]!.slice(1);
    // 30% of quotes carry a hashtag, 10% two: in the text, and as the tags the plugin would store.
    const r = random();
    const tags = [...new Set(r < 0.1 ? [tag(), tag()] : r < 0.3 ? [tag()] : [])];
    return {
      text: `${words.join(' ')}.${tags.map((t) => ` #${t}`).join('')}`,
      author: author(),
      added_by: `user${i % 300}`,
      timestamp: start + Math.floor(random() * 5 * 365 * 86_400),
      score: Math.floor(random() * 11) - 2,
      tags,
    };
  });
}

/**
 * Searched for: common and rare words, phrases, author names, and terms found nowhere (the count
 * answers 0 and the plugin skips the search) — hits from 0 to thousands, printed once measured.
 */
const SEARCH_TERMS = [
  'coffee',
  'banana',
  'playlist',
  'zeppelin',
  'sasquatch',
  'marmalade',
  'dragon',
  'the stream',
  'never again',
  'lovelace',
  'grace hopper',
  'kazoo',
  'good night',
  'tornado',
  'xylophone',
  'quantum flux',
];

// ---- The "bench" chat platform: lines in, replies out ----------------------------------------

interface Platform {
  send(text: string, as?: { user?: string; rank?: number }): Promise<string>;
}

/** Plays the "bench" chat platform, as the runtime suite does; private replies count as replies. */
async function benchPlatform(nc: NatsConnection): Promise<Platform> {
  const waiting = new Map<string, (text: string) => void>();
  const answer = (isPrivate: boolean) => (_e: unknown, msg: Msg) => {
    const id = msg.headers?.get(CORRELATION_HEADER);
    const resolve = id ? waiting.get(id) : undefined;
    if (!resolve) return;
    waiting.delete(id!);
    const decoded = decodeJson(msg.data);
    const text = decoded.ok ? (decoded.data as { text: string }).text : '';
    resolve(isPrivate ? `(private) ${text}` : text);
  };
  nc.subscribe(subjects.sendChat('bench'), { callback: answer(false) });
  nc.subscribe(subjects.sendPm('bench'), { callback: answer(true) });
  await nc.flush();
  let counter = 0;
  return {
    send(text, as = {}) {
      const id = `quote-${++counter}`;
      const hdrs = headers();
      hdrs.set(CORRELATION_HEADER, id);
      const done = new Promise<string>((resolve) => waiting.set(id, resolve));
      nc.publish(
        subjects.message,
        encodeJson({
          platform: 'bench',
          channel: 'bench',
          user: as.user ?? 'bencher',
          rank: as.rank ?? 1,
          text,
        }),
        { headers: hdrs },
      );
      return done;
    },
  };
}

// ---- The operations, each three ways ---------------------------------------------------------

interface Op {
  label: string;
  /** The design target for the command's p95, end to end (ms). */
  targetP95: number;
  /** Storage calls the plugin makes, for the summary. */
  calls: string;
  line: () => string;
  /** Admins (rank 3+) have no add limit. */
  as?: { user: string; rank: number };
  reply: RegExp;
  storage: (s: StorageClient) => Promise<unknown>;
  direct: (k: Knex) => Promise<unknown>;
  /** For searches: the next term's filters, and the SQL condition storage builds for them. */
  term?: () => Term;
}

interface Term {
  filters: Filter;
  where: string;
  bindings: Knex.Value[];
}

const kvGetSql = 'SELECT value, expires_at FROM rosey_kv WHERE namespace = ? AND key = ?';
const kvGet = (k: Knex, key: string) => k.raw(kvGetSql, [PLUGIN, key]);
const wordsFilter = (words: string): Filter => ({
  $or: [{ author: { $ilike: `%${escapeLike(words)}%` } }, { text: { $ilike: `%${escapeLike(words)}%` } }],
});
// What the storage service builds for the filters above on SQLite (actors/storage/rows/filters.ts).
const wordsWhere = `(lower(author) LIKE lower(?) ESCAPE '\\' OR lower(text) LIKE lower(?) ESCAPE '\\')`;
const col = `${TABLE}.tags`;
const tagWhere =
  `CASE WHEN ${col} IS NULL THEN NULL WHEN NOT json_valid(${col}) THEN 0 WHEN json_type(${col}) <> 'array' THEN 0 ` +
  `ELSE EXISTS (SELECT 1 FROM json_each(${col}) AS e WHERE e.type = 'text' AND e.value = ?) END`;
const rowsOf = (result: unknown) => result as Array<Record<string, unknown>>;

/** Search as the plugin does it: feature flag, count, then the first 5 only when there are any. */
async function storageSearch(s: StorageClient, filters: Filter) {
  await s.kv.get('feature:search');
  const total = await s.rows.count('quotes', filters);
  if (total === 0) return [];
  return storageFirst(s, filters);
}

const words = (term: string): Term => {
  const like = `%${escapeLike(term)}%`;
  return { filters: wordsFilter(term), where: wordsWhere, bindings: [like, like] };
};
const tagged = (tag: string): Term => ({
  filters: { tags: { $contains: tag } },
  where: tagWhere,
  bindings: [tag],
});

const directCount = (k: Knex, { where, bindings }: Term) =>
  k.raw(`SELECT count(*) AS n FROM ${TABLE} WHERE ${where}`, bindings);
const directFirst = (k: Knex, { where, bindings }: Term) =>
  k.raw(`SELECT ${FIELDS.join(', ')} FROM ${TABLE} WHERE ${where} ORDER BY id ASC LIMIT ${SHOWN}`, bindings);
const storageFirst = (s: StorageClient, filters: Filter) =>
  s.rows.search('quotes', { filters, sort: { field: 'id', order: 'asc' }, limit: SHOWN, fields: FIELDS });

async function directSearch(k: Knex, term: Term) {
  await kvGet(k, 'feature:search');
  const [row] = rowsOf(await directCount(k, term));
  if (Number(row?.n) === 0) return [];
  return directFirst(k, term);
}

function operations(): Op[] {
  const random = mulberry32(7);
  const id = () => 1 + Math.floor(random() * QUOTES);
  const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)]!;
  const tag = zipf(TAGS, random);
  const fresh = quotes(5000, 99);
  let added = 0;
  const next = () => fresh[added++ % fresh.length]!;
  const quoteRe = /^#\d+: "/;
  const searchRe = /^(Found \d+ quotes? for|No quotes found for) "/;
  return [
    {
      label: '!quote <id>',
      targetP95: 20,
      calls: 'rows.select',
      line: () => `!quote ${id()}`,
      reply: quoteRe,
      storage: (s) => s.rows.select('quotes', id()),
      direct: (k) => k.raw(`SELECT * FROM ${TABLE} WHERE id = ? LIMIT 1`, [id()]),
    },
    {
      label: '!quote (random)',
      targetP95: 20,
      calls: 'kv.get (cached count), rows.search offset',
      line: () => '!quote',
      reply: quoteRe,
      storage: async (s) => {
        let total = await s.kv.get<number>('total_count');
        if (typeof total !== 'number') {
          total = await s.rows.count('quotes');
          await s.kv.set('total_count', total, { ttl: 60 });
        }
        const offset = Math.floor(Math.random() * total);
        return s.rows.search('quotes', {
          sort: { field: 'id', order: 'asc' },
          limit: 1,
          offset,
          fields: FIELDS,
        });
      },
      direct: async (k) => {
        const [cached] = rowsOf(await kvGet(k, 'total_count'));
        let total = cached ? Number(JSON.parse(String(cached.value))) : NaN;
        if (!Number.isFinite(total))
          total = Number(rowsOf(await k.raw(`SELECT count(*) AS n FROM ${TABLE}`))[0]?.n);
        const offset = Math.floor(Math.random() * total);
        return k.raw(`SELECT ${FIELDS.join(', ')} FROM ${TABLE} ORDER BY id ASC LIMIT 1 OFFSET ?`, [offset]);
      },
    },
    {
      label: '!quote search <words>',
      targetP95: 100,
      calls: 'kv.get (feature), rows.count, rows.search',
      line: () => `!quote search ${pick(SEARCH_TERMS)}`,
      reply: searchRe,
      term: () => words(pick(SEARCH_TERMS)),
      storage: (s) => storageSearch(s, words(pick(SEARCH_TERMS)).filters),
      direct: (k) => directSearch(k, words(pick(SEARCH_TERMS))),
    },
    {
      label: '!quote search #tag',
      targetP95: 100,
      calls: 'kv.get (feature), rows.count, rows.search',
      line: () => `!quote search #${tag()}`,
      reply: searchRe,
      term: () => tagged(tag()),
      storage: (s) => storageSearch(s, tagged(tag()).filters),
      direct: (k) => directSearch(k, tagged(tag())),
    },
    {
      label: '!quote add',
      targetP95: 50,
      calls: 'kv.get (feature), rows.insert, kv.delete (count), audit',
      line: () => {
        const q = next();
        return `!quote add ${q.text} -- ${q.author}`;
      },
      as: { user: 'bench', rank: 3 },
      reply: /^Quote #\d+ added\.$/,
      storage: async (s) => {
        const q = next();
        await s.kv.get('feature:add');
        const added = await s.rows.insert('quotes', {
          ...q,
          added_by: 'bench',
          timestamp: Math.floor(Date.now() / 1000),
          score: 0,
        });
        await s.kv.delete('total_count');
        await s.audit('add', `quote #${String(added)}`, {
          author: q.author,
          text: q.text,
          user: 'bench',
          platform: 'bench',
          channel: 'bench',
        });
      },
      direct: async (k) => {
        const q = next();
        await kvGet(k, 'feature:add');
        const [row] = rowsOf(
          await k.raw(
            `INSERT INTO ${TABLE} (text, author, added_by, timestamp, score, tags) VALUES (?, ?, ?, ?, 0, ?) RETURNING id`,
            [q.text, q.author, 'bench', Math.floor(Date.now() / 1000), JSON.stringify(q.tags)],
          ),
        );
        await k.raw('DELETE FROM rosey_kv WHERE namespace = ? AND key = ?', [PLUGIN, 'total_count']);
        await k.raw(
          'INSERT INTO rosey_audit (at, actor, action, target, detail) VALUES (?, ?, ?, ?, ?) RETURNING id',
          [
            Date.now(),
            `plugin:${PLUGIN}`,
            `${PLUGIN}.add`,
            `quote #${String(row?.id)}`,
            JSON.stringify({
              author: q.author,
              text: q.text,
              user: 'bench',
              platform: 'bench',
              channel: 'bench',
            }),
          ],
        );
      },
    },
  ];
}

// ---- The suite -------------------------------------------------------------------------------

interface Measured {
  op: Op;
  direct: Summary;
  storage: Summary;
  e2e: Summary;
  e2eRate?: number;
  storageRate?: number;
}

const f = (v: number) => (v >= 10 ? v.toFixed(1) : v >= 1 ? v.toFixed(2) : v.toFixed(3));
const trio = (s: Summary) => `${f(s.p50)} / ${f(s.p95)} / ${f(s.p99)}`;
const x = (a: number, b: number) => `×${(a / b).toFixed(a / b >= 10 ? 0 : 1)}`;

export async function quoteDbSuite({ quick, nodeArgs }: SuiteOptions): Promise<void> {
  const gets = quick ? 300 : 2000;
  const others = quick ? 100 : 500;
  const seconds = quick ? 1 : 3;
  const window = 16;
  console.log('== quote-db: !quote over 10,000 quotes, end to end vs storage only vs raw ==\n');
  const dir = mkdtempSync(join(tmpdir(), 'rosey-bench-quote-db-'));
  const rosey = await launchRosey({
    dir,
    config: [
      'log:',
      '  stderrLevel: error',
      'router:',
      '  defaultCooldownMs: 0',
      '  commandTimeoutMs: 10000',
      'plugins:',
      '  disabled: [countdown, dice, magic-8ball, trivia, chat-stats]',
    ],
    nodeArgs,
    ready: (tree) => findNode(tree, `${PLUGIN}@1`)?.status === 'running',
  });
  const nc = rosey.nc;
  const platform = await benchPlatform(nc);
  const client = new StorageClient(nc, PLUGIN, 10_000);
  const responder = fork(RESPONDER, [rosey.natsUrl, rosey.user ?? '', rosey.pass ?? '', 'bench.raw'], {
    stdio: 'inherit',
  });
  let db: Database | undefined;
  const measured: Measured[] = [];
  let bare: Summary | undefined;
  let bareRate = NaN;
  try {
    await new Promise((r) => responder.once('message', r));
    db = await openDatabase({ kind: 'sqlite', file: join(dir, 'data', 'rosey.db') });
    const knex = db.knex;

    // Seed to exactly 10,000 quotes (migration 001 brought 8) over NATS, 1,000 a request.
    const t0 = now();
    const existing = await client.rows.count('quotes');
    const rows = quotes(QUOTES - existing);
    for (let i = 0; i < rows.length; i += BATCH)
      await client.rows.insertMany('quotes', rows.slice(i, i + BATCH) as unknown as Row[]);
    const seededMs = now() - t0;
    await knex.raw(`ANALYZE ${TABLE}`);
    await knex.raw('PRAGMA wal_checkpoint(TRUNCATE)');
    const lastSeeded = Number(rowsOf(await knex.raw(`SELECT max(id) AS id FROM ${TABLE}`))[0]?.id);
    const hits = async (where: string, bindings: Knex.Value[]) =>
      Number(rowsOf(await knex.raw(`SELECT count(*) AS n FROM ${TABLE} WHERE ${where}`, bindings))[0]?.n);
    const wordHits: string[] = [];
    for (const t of SEARCH_TERMS) {
      const like = `%${escapeLike(t)}%`;
      wordHits.push(`${t} ${await hits(wordsWhere, [like, like])}`);
    }
    const tagHits: number[] = [];
    for (const t of TAGS) tagHits.push(await hits(tagWhere, [t]));
    const withTags = await hits(`${tagWhere.replace("e.type = 'text' AND e.value = ?", '1')}`, []);
    console.log(
      `-- ${QUOTES.toLocaleString('en')} quotes (${rows.length.toLocaleString('en')} seeded over NATS in batches of ${BATCH.toLocaleString('en')}: ${seededMs.toFixed(0)} ms), ${withTags.toLocaleString('en')} with tags`,
    );
    console.log(`   word searches, hits: ${wordHits.join(', ')}`);
    tagHits.sort((a, b) => a - b);
    console.log(
      `   tag searches (${TAGS.length} tags, Zipf-picked), hits: most ${tagHits.at(-1)}, median ${tagHits[tagHits.length >> 1]}, fewest ${tagHits[0]}\n`,
    );

    const ops = operations();
    const e2e = (op: Op) => async () => {
      const line = op.line();
      const reply = await platform.send(line, op.as);
      if (!op.reply.test(reply)) throw new Error(`${line}: unexpected reply ${JSON.stringify(reply)}`);
    };
    // The tail is high for a few seconds after a start while V8 compiles the hot paths (see the
    // storage suite): warm every path up first, then put the table back to 10,000 quotes.
    const warmUntil = now() + (quick ? 3000 : 10_000);
    for (let i = 0; now() < warmUntil; i++) {
      const op = ops[i % ops.length]!;
      await e2e(op)();
      await op.storage(client);
      await op.direct(knex);
    }
    const restore = async () => {
      await knex.raw(`DELETE FROM ${TABLE} WHERE id > ?`, [lastSeeded]);
      await client.kv.delete('total_count');
      await knex.raw('PRAGMA wal_checkpoint(TRUNCATE)');
    };
    await restore();

    bare = await sequential('bare NATS request/reply (the floor)', gets, () =>
      nc.request('bench.raw', '{}', { timeout: 2000 }),
    );
    for (const op of ops) {
      const n = op.label === '!quote <id>' ? gets : others;
      console.log(`${op.label}  (storage: ${op.calls})`);
      const direct = await sequential('  direct SQL (baseline)', n, () => op.direct(knex));
      const storage = await sequential('  storage only, StorageClient over NATS', n, () =>
        op.storage(client),
      );
      const chat = await sequential('  end to end: chat → router → plugin → reply', n, e2e(op));
      console.log(ratioLine(chat, storage, 'end to end vs storage only'));
      console.log(ratioLine(chat, direct, 'end to end vs direct SQL'));
      console.log(ratioLine(chat, bare, 'end to end vs bare NATS'));
      measured.push({ op, direct, storage, e2e: chat });
      if (op.term) {
        // The plugin's two calls apart: the count reads every row; the first five stop early.
        const term = op.term;
        await sequential('  of which: rows.count, over NATS', n, () =>
          client.rows.count('quotes', term().filters),
        );
        await sequential('  of which: rows.search (first 5), over NATS', n, () =>
          storageFirst(client, term().filters),
        );
        await sequential('  of which: count, direct SQL', n, () => directCount(knex, term()));
        await sequential('  of which: first 5, direct SQL', n, () => directFirst(knex, term()));
      }
      console.log('');
    }
    await restore();

    console.log(`sustained, ${window} in flight`);
    bareRate = await throughput(
      '  bare NATS request/reply (the floor)',
      seconds,
      () => nc.request('bench.raw', '{}', { timeout: 2000 }),
      window,
    );
    for (const m of measured) {
      m.e2eRate = await throughput(`  ${m.op.label}, end to end`, seconds, e2e(m.op), window);
      m.storageRate = await throughput(
        `  ${m.op.label}, storage only`,
        seconds,
        () => m.op.storage(client),
        window,
      );
    }
  } finally {
    responder.kill();
    await db?.close();
    await rosey.stop();
  }
  if (!bare) return;
  console.log(
    `\nquote-db, p50 / p95 / p99 ms — end to end, storage only, direct SQL; ratios at p50; sustained /s (${window} in flight); bare NATS ${trio(bare)}, ${bareRate.toFixed(0)}/s`,
  );
  for (const m of measured) {
    console.log(
      `  ${m.op.label.padEnd(22)} e2e ${trio(m.e2e)}  storage ${trio(m.storage)}  direct ${trio(m.direct)}  ` +
        `e2e ${x(m.e2e.p50, m.storage.p50)} storage, ${x(m.e2e.p50, m.direct.p50)} direct, ${x(m.e2e.p50, bare.p50)} bare  ` +
        `${(m.e2eRate ?? NaN).toFixed(0)}/s e2e, ${(m.storageRate ?? NaN).toFixed(0)}/s storage  ` +
        `target p95 ≤ ${m.op.targetP95} ms: ${x(m.op.targetP95, m.e2e.p95)} under`,
    );
  }
  console.log('');
}
