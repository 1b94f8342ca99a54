/**
 * The countdowns in row storage (table `countdown__countdowns`, short name `countdowns`). Storage is
 * the source of truth; the scheduler's in-memory list is a cache of it for timing.
 */
import type { Row, StorageClient } from 'rosey/sdk';
import type { Change, Countdown } from './schedule.js';

export type Rows = StorageClient['rows'];

export const TABLE = 'countdowns';
/** At most this many countdowns per channel. */
export const MAX_PER_CHANNEL = 50;

const num = (v: unknown): number => (typeof v === 'number' ? v : Number(v));

export function fromRow(row: Row): Countdown {
  return {
    id: num(row.id),
    platform: String(row.platform),
    channel: String(row.channel),
    name: String(row.name),
    creator: String(row.creator),
    targetAt: num(row.target_at),
    repeatMs: row.repeat_ms === null || row.repeat_ms === undefined ? null : num(row.repeat_ms),
    repeatLabel:
      row.repeat_label === null || row.repeat_label === undefined ? null : String(row.repeat_label),
    sentUntil: num(row.sent_until),
    createdAt: num(row.created_at),
  };
}

export type NewCountdown = Omit<Countdown, 'id'>;

export async function insertCountdown(rows: Rows, c: NewCountdown): Promise<Countdown> {
  const id = await rows.insert(TABLE, {
    platform: c.platform,
    channel: c.channel,
    name: c.name,
    creator: c.creator,
    target_at: c.targetAt,
    repeat_ms: c.repeatMs,
    repeat_label: c.repeatLabel,
    sent_until: c.sentUntil,
    created_at: c.createdAt,
  });
  return { ...c, id: num(id) };
}

/** Every countdown of every channel (what the scheduler loads on start). */
export async function loadAll(rows: Rows): Promise<Countdown[]> {
  const all: Countdown[] = [];
  for (let offset = 0; ; offset += 1000) {
    const page = await rows.search(TABLE, { sort: { field: 'id', order: 'asc' }, limit: 1000, offset });
    all.push(...page.map(fromRow));
    if (page.length < 1000) return all;
  }
}

export async function findByName(
  rows: Rows,
  where: { platform: string; channel: string },
  name: string,
): Promise<Countdown | undefined> {
  const [row] = await rows.search(TABLE, { filters: { ...where, name }, limit: 1 });
  return row ? fromRow(row) : undefined;
}

export async function listChannel(
  rows: Rows,
  where: { platform: string; channel: string },
  limit: number,
): Promise<{ countdowns: Countdown[]; total: number }> {
  const [found, total] = await Promise.all([
    rows.search(TABLE, { filters: where, sort: { field: 'target_at', order: 'asc' }, limit }),
    rows.count(TABLE, where),
  ]);
  return { countdowns: found.map(fromRow), total };
}

export async function countChannel(
  rows: Rows,
  where: { platform: string; channel: string },
): Promise<number> {
  return rows.count(TABLE, where);
}

export async function deleteById(rows: Rows, id: number): Promise<boolean> {
  return (await rows.delete(TABLE, { id })) === 1;
}

/**
 * Applies a scheduler step only if the row is still as `c` says (compare-and-set on target_at and
 * sent_until): two generations side by side during a reload, or a countdown deleted meanwhile,
 * cannot make an alert go out twice. True when this call made the change.
 */
export async function applyChange(rows: Rows, c: Countdown, change: Change): Promise<boolean> {
  const current = { id: c.id, target_at: c.targetAt, sent_until: c.sentUntil };
  if (change.kind === 'delete') return (await rows.delete(TABLE, current)) === 1;
  const { updated } = await rows.update(TABLE, current, {
    target_at: change.targetAt,
    sent_until: change.sentUntil,
  });
  return updated === 1;
}
