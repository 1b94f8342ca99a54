/**
 * The tables of migrations/001_create_stats.sql: one row per user and channel, one per channel.
 *
 * Only the event handlers and the writes of waiting chat lines write (index.ts, line-writer.ts):
 * the SDK runs the handlers one at a time, and each handler that reads first waits for the lines to
 * be written (one write at a time), so a read followed by a write sees no other write in between; across a reload the hand-off
 * (snapshot/restore in index.ts) keeps it so. Counters still use `$inc`/`$max`, which cost nothing and stay right even if that changed.
 */
import { StorageError } from 'rosey/sdk';
import type { EventContext } from 'rosey/sdk';

type Rows = EventContext['rows'];

export interface Place {
  platform: string;
  channel: string;
}

/** What one user's lines in one channel add up to since they were last written (line-batch.ts). */
export interface PendingLines {
  place: Place;
  /** The name as last spelled. */
  name: string;
  /** Lines to count (commands show the user is here but are not counted). */
  lines: number;
  /** The first line's time: here since then, if Rosey did not have them as here. */
  first: number;
  /** The latest line's time: last seen. */
  last: number;
}

/** What a user was last seen doing; `present`: in the list of who was here when Rosey came. */
export type Action = 'chat' | 'join' | 'leave' | 'present';

export interface UserStats {
  name: string;
  lines: number;
  firstSeen: number;
  lastSeen: number;
  lastAction: Action;
  /** Start of the current stretch in the channel; null when not known to be here. */
  hereSince: number | null;
  /** Finished stretches. */
  connectedMs: number;
}

export interface ChannelStats {
  users: number;
  lines: number;
  here: number;
  peakUsers: number;
  peakAt: number | null;
}

const USERS = 'users';
const CHANNELS = 'channels';

/** CyTube names are case-insensitive: `Alice` and `alice` are one user. */
export const userKey = (name: string) => name.toLowerCase();

const isAction = (v: unknown): v is Action =>
  v === 'chat' || v === 'join' || v === 'leave' || v === 'present';

function toUser(row: Record<string, unknown>): UserStats {
  return {
    name: String(row.name),
    lines: Number(row.lines),
    firstSeen: Number(row.first_seen),
    lastSeen: Number(row.last_seen),
    lastAction: isAction(row.last_action) ? row.last_action : 'chat',
    hereSince: row.here_since === null || row.here_since === undefined ? null : Number(row.here_since),
    connectedMs: Number(row.connected_ms),
  };
}

const userFilter = (place: Place, name: string) => ({
  platform: place.platform,
  channel: place.channel,
  user_key: userKey(name),
});

export async function findUser(rows: Rows, place: Place, name: string): Promise<UserStats | undefined> {
  const [row] = await rows.search(USERS, { filters: userFilter(place, name), limit: 1 });
  return row ? toUser(row) : undefined;
}

/** A first sighting: the user's row. A racing insert (none expected) is retried as the update. */
async function insertUser(
  rows: Rows,
  place: Place,
  name: string,
  data: Record<string, unknown>,
  orUpdate: () => Promise<unknown>,
): Promise<void> {
  try {
    await rows.insert(USERS, { ...userFilter(place, name), name, ...data });
  } catch (error) {
    if (error instanceof StorageError && error.code === 'CONFLICT') await orUpdate();
    else throw error;
  }
}

/**
 * A user's chat lines since the last write (line-writer.ts): `lines` more (commands are not
 * counted), last seen at the latest, and here from the first if Rosey did not know it (someone
 * already in the channel when Rosey came). Resolves to whether the user is newly here, which may
 * raise the channel's high-water mark. Lines written after a newer leave (they waited through a
 * storage outage, or in a generation stopped after a failed reload) only add to the count: they
 * must not make a user who left here again.
 */
export async function sawLines(rows: Rows, { place, name, lines, first, last }: PendingLines) {
  const user = userFilter(place, name);
  const counted = lines > 0 ? { lines: { $inc: lines } } : {};
  const seen = { name, last_seen: { $max: last }, last_action: 'chat', ...counted };
  // Most lines come from someone already known to be here: one round trip.
  const here = await rows.update(USERS, { ...user, here_since: { $null: false } }, seen);
  if (here.updated > 0) return false;
  const arrive = () => rows.update(USERS, user, { ...seen, here_since: first });
  const arrived = await rows.update(
    USERS,
    { ...user, here_since: { $null: true }, last_seen: { $lt: first } },
    { ...seen, here_since: first },
  );
  if (arrived.updated > 0) return true;
  // A row newer than these lines (its leave came after them): they count, and change nothing else.
  const older = await rows.update(USERS, user, { name, last_seen: { $max: last }, ...counted });
  if (older.updated > 0) return false;
  await insertUser(
    rows,
    place,
    name,
    { lines, first_seen: first, last_seen: last, last_action: 'chat', here_since: first },
    arrive,
  );
  return true;
}

/**
 * A join. A user Rosey still had as here missed a leave (Rosey was away, or the leave came to a
 * generation that is gone): that stretch is closed at their last sighting, not at this join, so
 * time Rosey did not see is not counted as connected.
 */
export async function joined(rows: Rows, place: Place, name: string, at: number): Promise<boolean> {
  const user = await findUser(rows, place, name);
  // A leave newer than this join was applied already (two generations during a reload without
  // the hand-off): the stretch is over; count it and leave the user gone.
  if (user && user.hereSince === null && user.lastAction === 'leave' && user.lastSeen >= at) {
    await rows.update(USERS, userFilter(place, name), {
      connected_ms: { $inc: user.lastSeen - at },
      first_seen: { $min: at },
    });
    return false;
  }
  const operations: Record<string, unknown> = {
    name,
    last_seen: { $max: at },
    last_action: 'join',
    here_since: at,
    ...(user && user.hereSince !== null
      ? { connected_ms: { $inc: Math.max(0, user.lastSeen - user.hereSince) } }
      : {}),
  };
  const update = () => rows.update(USERS, userFilter(place, name), operations);
  if (user) await update();
  else
    await insertUser(
      rows,
      place,
      name,
      { first_seen: at, last_seen: at, last_action: 'join', here_since: at },
      update,
    );
  return true;
}

/** A leave: the stretch since `here_since` is added to the time connected. */
export async function left(rows: Rows, place: Place, name: string, at: number): Promise<void> {
  const user = await findUser(rows, place, name);
  // Older than the stretch Rosey counts (it came after a later join): nothing to close.
  if (user && user.hereSince !== null && user.hereSince > at) return;
  const operations: Record<string, unknown> = {
    name,
    last_seen: { $max: at },
    last_action: 'leave',
    here_since: null,
    ...(user && user.hereSince !== null ? { connected_ms: { $inc: Math.max(0, at - user.hereSince) } } : {}),
  };
  const update = () => rows.update(USERS, userFilter(place, name), operations);
  if (user) await update();
  else await insertUser(rows, place, name, { first_seen: at, last_seen: at, last_action: 'leave' }, update);
}

/** Most rows one call reads, names one `$in` list or inserts (the storage service's limits). */
const BATCH = 1000;

const chunks = <T>(list: T[]): T[][] =>
  Array.from({ length: Math.ceil(list.length / BATCH) }, (_, i) => list.slice(i * BATCH, (i + 1) * BATCH));

/** Everyone Rosey has as here now in the channel, with the stretch each is in. */
async function hereNow(rows: Rows, place: Place) {
  const found: Array<{ key: string; hereSince: number; lastSeen: number }> = [];
  for (let offset = 0; ; offset += BATCH) {
    const page = await rows.search(USERS, {
      filters: { platform: place.platform, channel: place.channel, here_since: { $null: false } },
      fields: ['user_key', 'here_since', 'last_seen'],
      sort: { field: 'user_key', order: 'asc' },
      limit: BATCH,
      offset,
    });
    for (const row of page)
      found.push({
        key: String(row.user_key),
        hereSince: Number(row.here_since),
        lastSeen: Number(row.last_seen),
      });
    if (page.length < BATCH) return found;
  }
}

/**
 * Who was in the channel when Rosey (re)entered it (`complete`: the whole list, not the first
 * part of a huge one). Each listed user is here from `at`, sighted then (`present`, not a join:
 * they came before Rosey, nobody knows when); one already here keeps the stretch, as Rosey saw no
 * leave. Anyone Rosey had as here who is not listed left while Rosey was away: that stretch ends
 * at their last sighting, as for a missed leave before a join, so time Rosey did not see is not
 * counted. Rows are written in batches: a list can name thousands.
 */
export async function present(rows: Rows, place: Place, names: string[], at: number, complete: boolean) {
  const byKey = new Map(names.map((name) => [userKey(name), name]));
  if (complete) {
    for (const gone of (await hereNow(rows, place)).filter((u) => !byKey.has(u.key)))
      await rows.update(
        USERS,
        { platform: place.platform, channel: place.channel, user_key: gone.key },
        { here_since: null, connected_ms: { $inc: Math.max(0, gone.lastSeen - gone.hereSince) } },
      );
  }
  for (const keys of chunks([...byKey.keys()])) {
    const listed = { platform: place.platform, channel: place.channel, user_key: { $in: keys } };
    const known = await rows.search(USERS, { filters: listed, fields: ['user_key'], limit: BATCH });
    // A row sighted after `at` knows better (a later line or leave), and is left as it is.
    const sighted = { last_seen: at, last_action: 'present' };
    await rows.update(USERS, { ...listed, here_since: { $null: false }, last_seen: { $lte: at } }, sighted);
    await rows.update(
      USERS,
      { ...listed, here_since: { $null: true }, last_seen: { $lte: at } },
      { ...sighted, here_since: at },
    );
    const knownKeys = new Set(known.map((row) => String(row.user_key)));
    const strangers = keys
      .filter((k) => !knownKeys.has(k))
      .map((k) => ({
        ...userFilter(place, byKey.get(k)!),
        name: byKey.get(k)!,
        first_seen: at,
        last_seen: at,
        last_action: 'present',
        here_since: at,
      }));
    if (strangers.length === 0) continue;
    try {
      await rows.insertMany(USERS, strangers);
    } catch (error) {
      // Someone's row appeared meanwhile (none expected: handlers run one at a time); the batch
      // was rolled back whole, so each is inserted on its own, the existing one updated.
      if (!(error instanceof StorageError && error.code === 'CONFLICT')) throw error;
      for (const { name, ...data } of strangers)
        await insertUser(rows, place, name, data, () =>
          rows.update(USERS, userFilter(place, name), { last_seen: { $max: at }, here_since: at }),
        );
    }
  }
}

const here = (rows: Rows, place: Place) =>
  rows.count(USERS, { platform: place.platform, channel: place.channel, here_since: { $null: false } });

/** After someone arrived: the channel's high-water mark is raised if more are here than ever. */
export async function raisePeak(rows: Rows, place: Place, at: number): Promise<void> {
  const now = await here(rows, place);
  const filters = { platform: place.platform, channel: place.channel };
  const [row] = await rows.search(CHANNELS, { filters, limit: 1 });
  if (row && Number(row.peak_users) >= now) return;
  if (row) {
    await rows.update(CHANNELS, filters, { peak_users: { $max: now }, peak_at: at });
    return;
  }
  try {
    await rows.insert(CHANNELS, { ...filters, peak_users: now, peak_at: at });
  } catch (error) {
    if (error instanceof StorageError && error.code === 'CONFLICT')
      await rows.update(CHANNELS, filters, { peak_users: { $max: now }, peak_at: at });
    else throw error;
  }
}

export async function channelStats(rows: Rows, place: Place): Promise<ChannelStats> {
  const filters = { platform: place.platform, channel: place.channel };
  const { aggregates: totals } = await rows.aggregate(USERS, {
    filters,
    aggregates: { seen: { $count: '*' }, said: { $sum: 'lines' } },
  });
  const [peak] = await rows.search(CHANNELS, { filters, limit: 1 });
  return {
    users: Number(totals?.seen ?? 0),
    lines: Number(totals?.said ?? 0),
    here: await here(rows, place),
    peakUsers: peak ? Number(peak.peak_users) : 0,
    peakAt: peak && peak.peak_at !== null ? Number(peak.peak_at) : null,
  };
}

/** The channel's top talkers, most lines first (ties by name). */
export async function topTalkers(rows: Rows, place: Place, limit: number): Promise<UserStats[]> {
  const found = await rows.search(USERS, {
    filters: { platform: place.platform, channel: place.channel, lines: { $gt: 0 } },
    sort: [
      { field: 'lines', order: 'desc' },
      { field: 'user_key', order: 'asc' },
    ],
    limit,
  });
  return found.map(toUser);
}
