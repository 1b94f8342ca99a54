import {
  SERIES_FIELDS,
  type History,
  type ProcessFigures,
  type ProcessSeries,
} from '../../contract/messages/metrics.js';

/** One sample of the rolling window: when, the main process's figures, each plugin's. */
export interface Sample {
  at: number;
  main: ProcessFigures;
  plugins: ReadonlyMap<string, ProcessFigures>;
}

/** Which samples a request wants: those after `since` (ms), thinned to `points`. */
export interface HistoryQuery {
  since?: number;
  points?: number;
}

/**
 * The positions (oldest first) of the samples taken at `at` that `query` asks for. Thinning keeps
 * `points` samples spread evenly over them, the latest and (from two points) the oldest included,
 * so a chart of the thinned samples spans the same time as one of them all.
 */
export function selectIndices(at: readonly number[], query: HistoryQuery): number[] {
  let first = 0;
  if (query.since !== undefined) while (first < at.length && at[first]! <= query.since) first++;
  const count = at.length - first;
  const points = query.points;
  if (points === undefined || count <= points) return Array.from({ length: count }, (_, i) => first + i);
  if (points === 1) return [at.length - 1];
  const step = (count - 1) / (points - 1);
  return Array.from({ length: points }, (_, i) => first + Math.round(i * step));
}

export function selectSamples<T extends { at: number }>(all: readonly T[], query: HistoryQuery): T[] {
  return selectIndices(
    all.map((s) => s.at),
    query,
  ).map((i) => all[i]!);
}

/**
 * One column of the history: its JSON number texts, and the same joined with commas, kept as the
 * column changes (a text added at the end, the oldest cut off the front), so that the whole
 * window's text is a few hundred strings put end to end rather than 47,000 joined.
 */
class Column {
  readonly items: string[];
  text: string;

  constructor(items: string[] = []) {
    this.items = items;
    this.text = items.join(',');
  }

  push(item: string): void {
    this.text = this.items.length === 0 ? item : `${this.text},${item}`;
    this.items.push(item);
  }

  shift(): void {
    this.items.shift();
    // Number texts hold no comma: the first one ends the oldest.
    const comma = this.text.indexOf(',');
    this.text = comma < 0 ? '' : this.text.slice(comma + 1);
  }
}

/** One process's figures, one column per figure (`SERIES_FIELDS` order). */
type Columns = Column[];

const NULL = 'null';

const append = (columns: Columns, f: ProcessFigures | undefined) =>
  SERIES_FIELDS.forEach((field, i) =>
    columns[i]!.push(f?.[field] === undefined ? NULL : JSON.stringify(f[field])),
  );

/** What a query keeps: every sample (`whole`), or those at `indices`. */
interface Pick {
  whole: boolean;
  indices: number[];
}

const columnText = (column: Column, pick: Pick) =>
  pick.whole ? column.text : pick.indices.map((i) => column.items[i]!).join(',');

const seriesText = (columns: Columns, pick: Pick) =>
  `{${SERIES_FIELDS.map((field, i) => `"${field}":[${columnText(columns[i]!, pick)}]`).join(',')}}`;

/**
 * The window's history as columns of JSON number texts, kept in step with the rolling window: a
 * sample adds one text to each column (and drops the oldest once the window is full). The numbers
 * are written once, when their sample is taken, and a request for the whole window puts the
 * columns' texts end to end. Written from scratch per sample instead, an hour of ten plugins is
 * 47,000 numbers to format, which took longer than the rest of the request.
 */
export class HistoryColumns {
  private readonly at = new Column();
  private readonly main: Columns = SERIES_FIELDS.map(() => new Column());
  /** Plugin → its columns, whether it had figures in each sample, and in how many. */
  private readonly plugins = new Map<string, { columns: Columns; seen: boolean[]; count: number }>();

  constructor(readonly capacity: number) {}

  push({ at, main, plugins }: Sample): void {
    if (this.at.items.length === this.capacity) this.dropOldest();
    this.at.push(String(at));
    append(this.main, main);
    for (const [name, entry] of this.plugins) {
      const figures = plugins.get(name);
      append(entry.columns, figures);
      entry.seen.push(figures !== undefined);
      if (figures) entry.count += 1;
    }
    for (const [name, figures] of plugins) {
      if (this.plugins.has(name)) continue;
      const before = this.at.items.length - 1;
      const columns = SERIES_FIELDS.map(() => new Column(new Array<string>(before).fill(NULL)));
      append(columns, figures);
      this.plugins.set(name, { columns, seen: [...new Array<boolean>(before).fill(false), true], count: 1 });
    }
  }

  private dropOldest(): void {
    this.at.shift();
    for (const column of this.main) column.shift();
    for (const [name, entry] of this.plugins) {
      for (const column of entry.columns) column.shift();
      // A plugin with no figures left in the window (removed, or stopped an hour ago) leaves it.
      if (entry.seen.shift() && --entry.count === 0) this.plugins.delete(name);
    }
  }

  /** `history` of `/api/metrics` as JSON text. */
  text(query: HistoryQuery = {}): string {
    const pick = this.pick(query);
    const plugins = [...this.plugins].flatMap(([name, entry]) =>
      pick.whole || pick.indices.some((i) => entry.seen[i])
        ? [`${JSON.stringify(name)}:${seriesText(entry.columns, pick)}`]
        : [],
    );
    return `{"at":[${columnText(this.at, pick)}],"main":${seriesText(this.main, pick)},"plugins":{${plugins.join(',')}}}`;
  }

  /** `history` of `/api/plugins/{name}` as JSON text (all nulls when it has no figures in the window). */
  pluginText(name: string, query: HistoryQuery = {}): string {
    const pick = this.pick(query);
    const columns =
      this.plugins.get(name)?.columns ?? SERIES_FIELDS.map(() => new Column(this.at.items.map(() => NULL)));
    return `{"at":[${columnText(this.at, pick)}],"process":${seriesText(columns, pick)}}`;
  }

  private pick(query: HistoryQuery): Pick {
    const whole = query.since === undefined && query.points === undefined;
    return {
      whole,
      indices: whole
        ? []
        : selectIndices(
            this.at.items.map((at) => Number(at)),
            query,
          ),
    };
  }
}

const series = (samples: readonly Sample[], figures: (s: Sample) => ProcessFigures | undefined) =>
  Object.fromEntries(
    SERIES_FIELDS.map((field) => [field, samples.map((s) => figures(s)?.[field] ?? null)]),
  ) as ProcessSeries;

/**
 * `history` as an object, from the samples themselves rather than the columns: what the columns'
 * text must parse back to (tests, `withHistory`).
 */
export function historyOf(samples: readonly Sample[]): History {
  const names = new Set<string>();
  for (const s of samples) for (const name of s.plugins.keys()) names.add(name);
  return {
    at: samples.map((s) => s.at),
    main: series(samples, (s) => s.main),
    plugins: Object.fromEntries(
      [...names].map((name) => [name, series(samples, (s) => s.plugins.get(name))]),
    ),
  };
}
