/** The per-channel leaderboard in the table `trivia__scores` (migrations/001_create_scores.sql). */
import { StorageError } from 'rosey/sdk';
import type { CommandContext } from 'rosey/sdk';

type Rows = CommandContext['rows'];

export interface Place {
  platform: string;
  channel: string;
}

export interface ScoreRow {
  user: string;
  points: number;
  correct: number;
  games: number;
}

const TABLE = 'scores';

function toScore(row: Record<string, unknown>): ScoreRow {
  return {
    user: String(row.player),
    points: Number(row.points),
    correct: Number(row.correct),
    games: Number(row.games),
  };
}

/** Adds to a user's counters atomically (`$inc`), creating their row on first use. */
export async function bump(
  rows: Rows,
  place: Place,
  user: string,
  add: { points?: number; correct?: number; games?: number },
): Promise<void> {
  const filters = { platform: place.platform, channel: place.channel, player_key: user.toLowerCase() };
  const operations: Record<string, unknown> = { player: user };
  for (const [field, by] of Object.entries(add)) if (by) operations[field] = { $inc: by };
  const update = () => rows.update(TABLE, filters, operations);
  if ((await update()).updated > 0) return;
  try {
    await rows.insert(TABLE, { ...filters, player: user, points: 0, correct: 0, games: 0, ...add });
  } catch (error) {
    // Someone else created the row between our update and insert: add to it instead.
    if (error instanceof StorageError && error.code === 'CONFLICT') await update();
    else throw error;
  }
}

/** The channel's best, by points then right answers. */
export async function top(rows: Rows, place: Place, limit = 10): Promise<ScoreRow[]> {
  const found = await rows.search(TABLE, {
    filters: { platform: place.platform, channel: place.channel, points: { $gt: 0 } },
    sort: [
      { field: 'points', order: 'desc' },
      { field: 'correct', order: 'desc' },
      { field: 'player_key', order: 'asc' },
    ],
    limit,
    fields: ['player', 'points', 'correct', 'games'],
  });
  return found.map(toScore);
}

/** One user's counters and their place on the channel's board (undefined when they have none). */
export async function stats(
  rows: Rows,
  place: Place,
  user: string,
): Promise<(ScoreRow & { rank: number }) | undefined> {
  const [found] = await rows.search(TABLE, {
    filters: { platform: place.platform, channel: place.channel, player_key: user.toLowerCase() },
    limit: 1,
    fields: ['player', 'points', 'correct', 'games'],
  });
  if (!found) return undefined;
  const row = toScore(found);
  const better = await rows.count(TABLE, {
    platform: place.platform,
    channel: place.channel,
    points: { $gt: row.points },
  });
  return { ...row, rank: better + 1 };
}
