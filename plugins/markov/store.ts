/**
 * What the markov plugin keeps in storage (migrations/001_create_lines.sql): the lines of each
 * channel, written in batches (a busy channel says far more lines than one request each could
 * carry), and the users who opted out.
 */
import type { PluginContext } from 'rosey/sdk';
import type { Line } from './chain.js';

type Rows = PluginContext['rows'];
type Logger = PluginContext['log'];

export interface Place {
  platform: string;
  channel: string;
}

export const placeKey = (p: Place) => `${p.platform}\u0000${p.channel}`;

/** Rows of one search; more are read in pages of this many. */
const PAGE = 1000;
/** Lines waiting for their batch are written at most this often (and at once beyond BATCH). */
export const FLUSH_MS = 500;
const BATCH = 500;

/** Every stored line, by channel, oldest first. */
export async function loadLines(rows: Rows): Promise<Map<string, { place: Place; lines: Line[] }>> {
  const byPlace = new Map<string, { place: Place; lines: Line[] }>();
  for (let after = 0; ;) {
    const page = await rows.search('lines', {
      filters: { id: { $gt: after } },
      sort: { field: 'id' },
      limit: PAGE,
    });
    for (const row of page) {
      const place = { platform: String(row.platform), channel: String(row.channel) };
      const key = placeKey(place);
      let entry = byPlace.get(key);
      if (!entry) byPlace.set(key, (entry = { place, lines: [] }));
      entry.lines.push({
        id: Number(row.id),
        user: String(row.user_key),
        words: String(row.text).split(' '),
      });
      after = Number(row.id);
    }
    if (page.length < PAGE) return byPlace;
  }
}

/** Users who opted out, as `<platform>\0<user>`. */
export async function loadOptOuts(rows: Rows): Promise<Set<string>> {
  const out = new Set<string>();
  for (let after = 0; ;) {
    const page = await rows.search('optouts', {
      filters: { id: { $gt: after } },
      sort: { field: 'id' },
      limit: PAGE,
    });
    for (const row of page) {
      out.add(`${String(row.platform)}\u0000${String(row.user_key)}`);
      after = Number(row.id);
    }
    if (page.length < PAGE) return out;
  }
}

export async function optOut(rows: Rows, platform: string, user: string): Promise<void> {
  if ((await rows.count('optouts', { platform, user_key: user })) === 0)
    await rows.insert('optouts', { platform, user_key: user });
}

export async function optIn(rows: Rows, platform: string, user: string): Promise<void> {
  await rows.delete('optouts', { platform, user_key: user });
}

interface Pending {
  place: Place;
  line: Line;
}

/**
 * Writes learned lines in batches and deletes the ones the model let go. Order is kept: one write
 * at a time. A failed write is logged and its lines stay in memory only (they are learned; a
 * restart would not know them).
 */
export class LineWriter {
  private pending: Pending[] = [];
  /** Per channel: stored lines older than this id are no longer in the model. */
  private readonly prune = new Map<string, { place: Place; below: number }>();
  private timer: NodeJS.Timeout | undefined;
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly rows: Rows,
    private readonly log: Logger,
  ) {}

  add(place: Place, line: Line): void {
    this.pending.push({ place, line });
    if (this.pending.length >= BATCH) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), FLUSH_MS).unref();
  }

  /** The model dropped `line` (its cap): its row goes too, once written. */
  dropped(place: Place, line: Line): void {
    const i = this.pending.findIndex((p) => p.line === line);
    if (i >= 0) {
      this.pending.splice(i, 1);
      return;
    }
    if (line.id === undefined) return;
    const key = placeKey(place);
    const below = Math.max(this.prune.get(key)?.below ?? 0, line.id + 1);
    this.prune.set(key, { place, below });
  }

  /** Forgets `user`'s lines in a channel, stored and waiting. */
  forget(place: Place, user: string): Promise<number> {
    this.pending = this.pending.filter(
      (p) => !(placeKey(p.place) === placeKey(place) && p.line.user === user),
    );
    return this.then(() => this.rows.delete('lines', { ...place, user_key: user }));
  }

  /** Resolves once every line added so far is written (or failed). */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.pending.splice(0);
    const prune = [...this.prune.values()];
    this.prune.clear();
    return this.then(async () => {
      for (let i = 0; i < batch.length; i += BATCH) {
        const part = batch.slice(i, i + BATCH);
        const ids = await this.rows.insertMany(
          'lines',
          part.map(({ place, line }) => ({ ...place, user_key: line.user, text: line.words.join(' ') })),
        );
        part.forEach((p, at) => {
          const id = ids[at];
          if (typeof id === 'number') p.line.id = id;
        });
      }
      for (const { place, below } of prune) await this.rows.delete('lines', { ...place, id: { $lt: below } });
    });
  }

  private then<T>(task: () => Promise<T>): Promise<T> {
    const run = this.chain.then(task);
    this.chain = run.then(
      () => undefined,
      (error: unknown) => this.log.warn(`markov: storage: ${(error as Error).message}`),
    );
    return run;
  }
}
