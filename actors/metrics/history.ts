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

/** One process's figures as JSON number texts, one list per figure (`SERIES_FIELDS` order). */
type Columns = string[][];

const NULL = 'null';

const append = (columns: Columns, f: ProcessFigures | undefined) =>
  SERIES_FIELDS.forEach((field, i) =>
    columns[i]!.push(f?.[field] === undefined ? NULL : JSON.stringify(f[field])),
  );

/**
 * The window's history as columns of JSON number texts, kept in step with the rolling window: a
 * sample appends one text to each column (and drops the oldest once the window is full), so the
 * numbers are written once, when their sample is taken, and a request for the history only joins
 * the columns. Written from scratch per sample instead, an hour of ten plugins is 47,000 numbers to
 * format, which took longer than the rest of the request.
 */
export class HistoryColumns {
  private readonly at: number[] = [];
  private readonly main: Columns = SERIES_FIELDS.map(() => []);
  /** Plugin → its columns, and in how many of the window's samples it has figures. */
  private readonly plugins = new Map<string, { columns: Columns; seen: boolean[]; count: number }>();

  constructor(readonly capacity: number) {}

  push({ at, main, plugins }: Sample): void {
    if (this.at.length === this.capacity) this.dropOldest();
    this.at.push(at);
    append(this.main, main);
    for (const [name, entry] of this.plugins) {
      const figures = plugins.get(name);
      append(entry.columns, figures);
      entry.seen.push(figures !== undefined);
      if (figures) entry.count += 1;
    }
    for (const [name, figures] of plugins) {
      if (this.plugins.has(name)) continue;
      const before = this.at.length - 1;
      const columns = SERIES_FIELDS.map(() => new Array<string>(before).fill(NULL));
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
    const pick = this.picker(query);
    const plugins = [...this.plugins].flatMap(([name, entry]) =>
      pick.whole || pick.indices.some((i) => entry.seen[i])
        ? [`${JSON.stringify(name)}:${seriesText(entry.columns, pick)}`]
        : [],
    );
    return `{"at":[${pick.list(this.at).join(',')}],"main":${seriesText(this.main, pick)},"plugins":{${plugins.join(',')}}}`;
  }

  /** `history` of `/api/plugins/{name}` as JSON text (all nulls when it has no figures in the window). */
  pluginText(name: string, query: HistoryQuery = {}): string {
    const pick = this.picker(query);
    const columns = this.plugins.get(name)?.columns ?? SERIES_FIELDS.map(() => this.at.map(() => NULL));
    return `{"at":[${pick.list(this.at).join(',')}],"process":${seriesText(columns, pick)}}`;
  }

  private picker(query: HistoryQuery) {
    const whole = query.since === undefined && query.points === undefined;
    const indices = whole ? [] : selectIndices(this.at, query);
    return {
      whole,
      indices,
      list: <T>(column: readonly T[]): readonly T[] => (whole ? column : indices.map((i) => column[i]!)),
    };
  }
}

const seriesText = (columns: Columns, pick: { list: (c: readonly string[]) => readonly string[] }) =>
  `{${SERIES_FIELDS.map((field, i) => `"${field}":[${pick.list(columns[i]!).join(',')}]`).join(',')}}`;

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
