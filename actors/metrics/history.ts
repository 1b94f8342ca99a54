import {
  SERIES_FIELDS,
  type History,
  type ProcessFigures,
  type ProcessSeries,
} from '../../contract/messages/metrics.js';

/**
 * One sample as the window keeps it: the figures, and each process's figures already written as
 * JSON numbers (in `SERIES_FIELDS` order). Writing them once, when the sample is taken, leaves a
 * request for an hour of history with joins to do rather than 40,000 numbers to format.
 */
export interface KeptSample {
  at: number;
  main: ProcessFigures;
  plugins: ReadonlyMap<string, ProcessFigures>;
  mainText: readonly string[];
  pluginText: ReadonlyMap<string, readonly string[]>;
}

const written = (f: ProcessFigures): string[] =>
  SERIES_FIELDS.map((field) => (f[field] === undefined ? 'null' : JSON.stringify(f[field])));

export function keepSample(
  at: number,
  main: ProcessFigures,
  plugins: Map<string, ProcessFigures>,
): KeptSample {
  const copy = new Map(plugins);
  return {
    at,
    main,
    plugins: copy,
    mainText: written(main),
    pluginText: new Map([...copy].map(([name, f]) => [name, written(f)])),
  };
}

/** Which samples a request wants: those after `since` (ms), thinned to at most `points`. */
export interface HistoryQuery {
  since?: number;
  points?: number;
}

/**
 * The samples of `all` (oldest first) that `query` asks for. Thinning keeps `points` samples
 * spread evenly over them, the latest and (from two points) the oldest included, so a chart of
 * the thinned samples spans the same time as one of them all.
 */
export function selectSamples<T extends { at: number }>(all: readonly T[], query: HistoryQuery): T[] {
  const since = query.since;
  const after = since === undefined ? all : all.filter((s) => s.at > since);
  const points = query.points;
  if (points === undefined || after.length <= points) return [...after];
  const last = after.length - 1;
  if (points === 1) return [after[last]!];
  const step = last / (points - 1);
  return Array.from({ length: points }, (_, i) => after[Math.round(i * step)]!);
}

/** Plugin names in the order they first appear. */
const pluginNames = (samples: readonly KeptSample[]) => {
  const names = new Set<string>();
  for (const s of samples) for (const name of s.plugins.keys()) names.add(name);
  return [...names];
};

const seriesText = (
  samples: readonly KeptSample[],
  tokens: (s: KeptSample) => readonly string[] | undefined,
) =>
  `{${SERIES_FIELDS.map(
    (field, i) => `"${field}":[${samples.map((s) => tokens(s)?.[i] ?? 'null').join(',')}]`,
  ).join(',')}}`;

/** `history` of `/api/metrics` as JSON text, from the numbers written when each sample was kept. */
export function historyText(samples: readonly KeptSample[]): string {
  const plugins = pluginNames(samples).map(
    (name) => `${JSON.stringify(name)}:${seriesText(samples, (s) => s.pluginText.get(name))}`,
  );
  return `{"at":[${samples.map((s) => s.at).join(',')}],"main":${seriesText(samples, (s) => s.mainText)},"plugins":{${plugins.join(',')}}}`;
}

/** `history` of `/api/plugins/{name}` as JSON text. */
export function pluginHistoryText(samples: readonly KeptSample[], name: string): string {
  return `{"at":[${samples.map((s) => s.at).join(',')}],"process":${seriesText(samples, (s) => s.pluginText.get(name))}}`;
}

const series = (samples: readonly KeptSample[], figures: (s: KeptSample) => ProcessFigures | undefined) =>
  Object.fromEntries(
    SERIES_FIELDS.map((field) => [field, samples.map((s) => figures(s)?.[field] ?? null)]),
  ) as ProcessSeries;

/** The same `history` as an object: what the text above must parse back to (tests, `withHistory`). */
export function historyOf(samples: readonly KeptSample[]): History {
  return {
    at: samples.map((s) => s.at),
    main: series(samples, (s) => s.main),
    plugins: Object.fromEntries(
      pluginNames(samples).map((name) => [name, series(samples, (s) => s.plugins.get(name))]),
    ),
  };
}
