/** Requests and history in `playlist__requests` / `playlist__history` (migrations/001_create_requests.sql). */
import type { CommandContext, MediaChange, PlaylistItem } from 'rosey/sdk';
import type { Played } from './format.js';

type Rows = CommandContext['rows'];

export interface Place {
  platform: string;
  channel: string;
}

export interface Request {
  requester: string;
  uid: number | null;
  type: string;
  mediaId: string;
}

/** How many requests a channel keeps (the newest), to name requesters and count quotas. */
export const REQUESTS_KEPT = 1000;

const toRequest = (r: Record<string, unknown>): Request => ({
  requester: String(r.requester),
  uid: r.uid === null || r.uid === undefined ? null : Number(r.uid),
  type: String(r.type),
  mediaId: String(r.media_id),
});

/** Whether a request is for this playlist item: by uid when the platform gave one, else by media. */
export const requestFor = (r: Request, item: PlaylistItem) =>
  r.uid !== null ? r.uid === item.uid : r.type === item.media.type && r.mediaId === item.media.id;

/** Records an `!add`, and drops the channel's requests beyond the newest REQUESTS_KEPT. */
export async function addRequest(
  rows: Rows,
  place: Place,
  r: Request & { title: string; at: number },
): Promise<void> {
  const id = Number(
    await rows.insert('requests', {
      ...place,
      requester_key: r.requester.toLowerCase(),
      requester: r.requester,
      uid: r.uid,
      type: r.type,
      media_id: r.mediaId,
      title: r.title,
      added_at: r.at,
    }),
  );
  // Ids are shared by all channels, so this keeps at most REQUESTS_KEPT of this one.
  if (id > REQUESTS_KEPT) await rows.delete('requests', { ...place, id: { $lte: id - REQUESTS_KEPT } });
}

/** A user's latest requests in the channel. */
export async function requestsOf(rows: Rows, place: Place, user: string, limit = 200): Promise<Request[]> {
  const found = await rows.search('requests', {
    filters: { ...place, requester_key: user.toLowerCase() },
    sort: { field: 'id', order: 'desc' },
    limit,
  });
  return found.map(toRequest);
}

/** The channel's latest requests, to name who asked for the items of the playlist. */
export async function recentRequests(rows: Rows, place: Place, limit = 500): Promise<Request[]> {
  const found = await rows.search('requests', {
    filters: { ...place },
    sort: { field: 'id', order: 'desc' },
    limit,
  });
  return found.map(toRequest);
}

/**
 * The newest request of this media in the channel made before `at` (and a moment after: an item
 * queued into an empty playlist starts playing before the add is confirmed and recorded).
 */
async function requesterOf(
  rows: Rows,
  place: Place,
  media: { type: string; id: string },
  at: number,
): Promise<string | null> {
  const [asked] = await rows.search('requests', {
    filters: { ...place, type: media.type, media_id: media.id, added_at: { $lte: at + REQUEST_SLACK_MS } },
    sort: { field: 'id', order: 'desc' },
    limit: 1,
  });
  return asked ? String(asked.requester) : null;
}

/** How long after an item started playing its request may have been recorded. */
const REQUEST_SLACK_MS = 60_000;

/** Records what started playing, with who asked for it when that is known yet. */
export async function recordPlayed(rows: Rows, e: MediaChange, keep: number): Promise<void> {
  const place = { platform: e.platform, channel: e.channel };
  const id = Number(
    await rows.insert('history', {
      ...place,
      type: e.media.type,
      media_id: e.media.id,
      title: e.media.title,
      seconds: Math.max(0, Math.round(e.media.seconds)),
      requested_by: await requesterOf(rows, place, e.media, e.time),
      played_at: e.time,
    }),
  );
  if (id > keep) await rows.delete('history', { ...place, id: { $lte: id - keep } });
}

/** The channel's latest played items, newest first; requesters recorded after the item started are found now. */
export async function history(rows: Rows, place: Place, limit: number): Promise<Played[]> {
  const found = await rows.search('history', {
    filters: { ...place },
    sort: { field: 'id', order: 'desc' },
    limit,
  });
  return Promise.all(
    found.map(async (r) => {
      const playedAt = Number(r.played_at);
      const known = r.requested_by === null || r.requested_by === undefined ? null : String(r.requested_by);
      return {
        title: String(r.title),
        seconds: Number(r.seconds),
        requestedBy:
          known ??
          (await requesterOf(rows, place, { type: String(r.type), id: String(r.media_id) }, playedAt)),
        playedAt,
      };
    }),
  );
}
