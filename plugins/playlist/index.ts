import {
  ActionError,
  definePlugin,
  mediaUrl,
  parseMediaLink,
  StorageError,
  type ChannelView,
  type CommandContext,
} from 'rosey/sdk';
import { DEFAULTS, readConfig, type PlaylistConfig } from './config.js';
import { HELP_ADD, historyText, mediaLabel, queueText, refusal, title, USAGE_ADD } from './format.js';
import { addRequest, history, recentRequests, recordPlayed, requestFor, requestsOf } from './store.js';
import { vote, type Ballot } from './votes.js';

let settings: PlaylistConfig = DEFAULTS;
/** Skip votes per channel (`platform/channel`); in memory, so a restart starts the vote over. */
const ballots = new Map<string, Ballot>();
/** `!add`s of one user run one at a time, so two at once cannot both slip under the quota. */
const adding = new Map<string, Promise<unknown>>();

const place = (ctx: CommandContext) => ({ platform: ctx.platform, channel: ctx.channel });
const keyOf = (ctx: CommandContext, user = '') => `${ctx.platform}/${ctx.channel}/${user.toLowerCase()}`;

/** Runs `work` after the user's earlier `!add`s have finished. */
function oneAtATime<T>(key: string, work: () => Promise<T>): Promise<T> {
  const before = adding.get(key) ?? Promise.resolve();
  const run = before.then(work, work);
  const settled = run.catch(() => undefined);
  adding.set(key, settled);
  void settled.then(() => {
    if (adding.get(key) === settled) adding.delete(key);
  });
  return run;
}

/** The platform's answer to an add, when it says which item it became (CyTube does). */
function addedItem(answer: unknown): { uid: number | null; title?: string } {
  const a = (answer ?? {}) as { uid?: unknown; title?: unknown };
  return {
    uid: typeof a.uid === 'number' && Number.isInteger(a.uid) ? a.uid : null,
    ...(typeof a.title === 'string' ? { title: a.title } : {}),
  };
}

/** Items after the one playing, in order (all of them when nothing plays). */
function upcoming(view: ChannelView) {
  const at = view.current === null ? -1 : view.playlist.findIndex((i) => i.uid === view.current);
  return view.playlist.slice(at + 1);
}

async function add(ctx: CommandContext): Promise<string> {
  if (ctx.argText.trim() === '') return HELP_ADD;
  const link = parseMediaLink(ctx.argText);
  if (!link.ok) return link.error.message;
  const { type, id } = link.data;
  return oneAtATime(keyOf(ctx, ctx.user), async () => {
    if (ctx.rank < settings.quotaExemptRank) {
      const view = await ctx.channelView();
      const mine = await requestsOf(ctx.rows, place(ctx), ctx.user);
      const waiting = upcoming(view).filter((item) => mine.some((r) => requestFor(r, item))).length;
      if (waiting >= settings.quota)
        return `${ctx.user}, you have ${waiting} item${waiting === 1 ? '' : 's'} waiting already (the limit is ${settings.quota}); add more once one has played.`;
    }
    const answer = addedItem(await ctx.playlist.add({ type, id }, { pos: 'end', temp: settings.temp }));
    const shown = answer.title ?? mediaUrl({ type, id }) ?? `${type}:${id}`;
    await addRequest(ctx.rows, place(ctx), {
      requester: ctx.user,
      uid: answer.uid,
      type,
      mediaId: id,
      title: answer.title ?? shown,
      at: Date.now(),
    });
    return `Queued ${title(shown)} for ${ctx.user}.`;
  });
}

async function queue(ctx: CommandContext): Promise<string> {
  const view = await ctx.channelView();
  const asked = await recentRequests(ctx.rows, place(ctx));
  const entry = (item: (typeof view.playlist)[number]) => {
    const r = asked.find((a) => requestFor(a, item));
    return r ? { item, requester: r.requester } : { item };
  };
  const playing = view.playlist.find((i) => i.uid === view.current);
  return queueText(playing && entry(playing), upcoming(view).map(entry));
}

async function skip(ctx: CommandContext): Promise<string> {
  const view = await ctx.channelView();
  const playing = view.playlist.find((i) => i.uid === view.current);
  if (!playing) return 'Nothing is playing.';
  const key = keyOf(ctx);
  const tally = vote(ballots.get(key), playing.uid, ctx.user, view, {
    ratio: settings.skipRatio,
    min: settings.skipMinVotes,
  });
  ballots.set(key, tally.ballot);
  const count = `${tally.votes}/${tally.need}`;
  if (tally.votes < tally.need)
    return tally.again
      ? `${ctx.user}, you voted already (${count} to skip ${title(playing.media.title)}).`
      : `${ctx.user} votes to skip ${title(playing.media.title)} (${count}).`;
  const [next] = upcoming(view);
  if (!next) return `Enough votes (${count}), but nothing is queued after ${title(playing.media.title)}.`;
  await ctx.playlist.jump(next.uid);
  ballots.delete(key);
  return `Skipped ${title(playing.media.title)} (${count} votes). Now: ${mediaLabel(next.media)}`;
}

const HISTORY_SHOWN = 5;

function cooldownOf(config: Record<string, unknown>): number {
  try {
    return readConfig(config).addCooldownMs;
  } catch {
    return DEFAULTS.addCooldownMs;
  }
}

/** A command whose platform or storage trouble becomes a sentence instead of "!cmd failed". */
const guarded =
  (what: string, run: (ctx: CommandContext) => Promise<string>) =>
  async (ctx: CommandContext): Promise<string> => {
    try {
      return await run(ctx);
    } catch (error) {
      if (error instanceof ActionError) return refusal(what, error.code, error.message);
      if (error instanceof StorageError) {
        ctx.log.warn(`playlist: storage: ${error.code}: ${error.message}`);
        return error.code === 'STORAGE_FULL'
          ? `I cannot ${what}: storage is full; ask the operator.`
          : `I cannot ${what} right now (storage did not answer); try again shortly.`;
      }
      throw error;
    }
  };

export default definePlugin({
  name: 'playlist',
  // The cooldown of !add is the operator's (addCooldownMs); a bad config fails in start, with its reason.
  commands: ({ config }) => ({
    add: {
      usage: USAGE_ADD,
      description: 'Queue a video or song by its link (a few waiting per user).',
      cooldownMs: cooldownOf(config),
      run: guarded('queue that', add),
    },
    queue: {
      usage: 'queue',
      description: 'What plays now and what comes next, with who asked for it.',
      aliases: ['playlist'],
      run: guarded('show the playlist', queue),
    },
    skip: {
      usage: 'skip',
      description: 'Vote to skip what plays now; enough votes skip it.',
      aliases: ['voteskip'],
      run: guarded('skip it', skip),
    },
    history: {
      usage: 'history',
      description: 'What played here recently.',
      run: guarded('show the history', async (ctx) =>
        historyText(await history(ctx.rows, place(ctx), HISTORY_SHOWN), Date.now()),
      ),
    },
  }),
  events: {
    media: async (e, ctx) => {
      await recordPlayed(ctx.rows, e, settings.historySize);
    },
  },
  start: (ctx) => {
    settings = readConfig(ctx.config);
  },
});
