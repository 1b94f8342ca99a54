/**
 * What one chaos scenario measured, and how it is printed. A line is *answered* when a reply it
 * was meant to get came back, *refused* when Rosey told the user something else (a timeout, "is
 * unavailable", an error), and *silently lost* when nothing came back at all before the scenario's
 * settle time ran out. Acknowledged writes are `!quote add` lines answered "Quote #N added.":
 * each must be in the table afterwards, exactly once, under that id.
 */
import type { Line } from './driver.js';

export interface Writes {
  /** Lines answered "Quote #N added.". */
  acknowledged: number;
  /** Acknowledged, and not in the table (or under another id). */
  lost: number;
  /** Texts in the table more than once (each sent once). */
  duplicates: number;
  /** In the table though never acknowledged (the reply was an error or never came): allowed. */
  unacknowledgedKept: number;
}

export interface Figures {
  scenario: string;
  /** Why it did not run (not root, no way to cause the fault), when it did not. */
  skipped?: string;
  sent: number;
  answered: number;
  refused: number;
  lost: number;
  /** Lines that got more than one reply. */
  repeated: number;
  /** The refusals by text (digits as N), most frequent first. */
  refusals: Array<[string, number]>;
  writes?: Writes;
  /** Fault → answering again (ms), one per fault injected. */
  recoveries: number[];
  /** What else the scenario saw, printed under its figures. */
  notes: string[];
}

export function emptyFigures(scenario: string): Figures {
  return {
    scenario,
    sent: 0,
    answered: 0,
    refused: 0,
    lost: 0,
    repeated: 0,
    refusals: [],
    recoveries: [],
    notes: [],
  };
}

/** Adds `lines` to `figures`: `ok` tells an answer from a refusal. */
export function count(figures: Figures, lines: readonly Line[], ok: (text: string) => boolean): void {
  const kinds = new Map(figures.refusals);
  for (const line of lines) {
    figures.sent++;
    const first = line.replies[0];
    if (!first) figures.lost++;
    else if (ok(first.text)) figures.answered++;
    else {
      figures.refused++;
      const kind = first.text.replace(/\d+/g, 'N').slice(0, 100);
      kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
    }
    if (line.replies.length > 1) figures.repeated++;
  }
  figures.refusals = [...kinds].sort((a, b) => b[1] - a[1]);
}

/** ms from `at` to the first good answer received after it (to a line sent after it), if any. */
export function recoveredAfter(
  lines: readonly Line[],
  at: number,
  ok: (text: string) => boolean,
): number | undefined {
  const times = lines
    .filter((l) => l.sentAt >= at)
    .flatMap((l) => l.replies.filter((r) => ok(r.text)).map((r) => r.at));
  return times.length > 0 ? Math.min(...times) - at : undefined;
}

/** Whether the figures break Rosey's promises: a line silently lost or an acknowledged write lost. */
export function failed(f: Figures): boolean {
  return f.lost > 0 || (f.writes?.lost ?? 0) > 0;
}

const percentile = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
};

export function recoveryText(values: readonly number[]): string {
  const known = values.filter(Number.isFinite);
  const never = values.length - known.length;
  if (values.length === 0) return '—';
  const text =
    known.length === 0
      ? 'never'
      : `p50 ${percentile(known, 0.5)!.toFixed(0)} ms, max ${Math.max(...known).toFixed(0)} ms`;
  return `${text} (n=${values.length}${never > 0 ? `, ${never} never` : ''})`;
}

export function print(f: Figures, write: (line: string) => void = console.log): void {
  write(`-- ${f.scenario}${f.skipped ? ` — skipped: ${f.skipped}` : ''}`);
  if (!f.skipped) {
    const row = (label: string, value: string | number) => write(`   ${label.padEnd(28)} ${value}`);
    row('commands sent', f.sent);
    row('answered', f.answered);
    row('refused (told why)', f.refused);
    for (const [text, n] of f.refusals.slice(0, 5)) write(`   ${String(n).padStart(33)} × "${text}"`);
    row('silently lost', f.lost);
    if (f.repeated > 0) row('answered more than once', f.repeated);
    if (f.writes) {
      row('acknowledged writes', f.writes.acknowledged);
      row('acknowledged writes lost', f.writes.lost);
      row('duplicates', f.writes.duplicates);
      row('kept without acknowledgement', f.writes.unacknowledgedKept);
    }
    row('recovery', recoveryText(f.recoveries));
  }
  for (const note of f.notes) write(`   note: ${note}`);
  write(`   ${failed(f) ? 'FAIL: something was silently lost' : 'ok'}`);
}

/** One table row per scenario, for docs/reliability.md. */
export function markdownRow(f: Figures): string {
  if (f.skipped) return `| ${f.scenario} | skipped: ${f.skipped} | | | | | | |`;
  const w = f.writes;
  return `| ${f.scenario} | ${f.sent} | ${f.answered} | ${f.refused} | ${f.lost} | ${w ? `${w.lost} of ${w.acknowledged}` : '—'} | ${w ? w.duplicates : '—'} | ${recoveryText(f.recoveries)} |`;
}
