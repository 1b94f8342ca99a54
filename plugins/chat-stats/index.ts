import { definePlugin, StorageError } from 'rosey/sdk';
import type { CommandContext, CommandResult, EventContext, PluginContext } from 'rosey/sdk';
import { DEFAULTS, parseConfig } from './config.js';
import { formatChannel, formatNotSeen, formatSeen, formatTop, formatUser } from './format.js';
import {
  channelStats,
  findUser,
  joined,
  left,
  present,
  raisePeak,
  sawLines,
  topTalkers,
  type Place,
} from './store.js';
import { LineBatch } from './line-batch.js';

/**
 * `rosey chat` sessions are each a channel of their own (`cli-<id>`, one per session): counting
 * them would add rows with every session instead of with every user.
 */
const SESSION_PLATFORM = 'cli';

/** Longest user name kept; longer ones (no platform has them) are ignored, not cut into someone else's. */
const MAX_NAME = 100;
const isName = (name: string) => name.length > 0 && name.length <= MAX_NAME && !/\p{Cc}/u.test(name);

/** Users whose lines may wait at once: more are written at once (a flood of new names). */
const MAX_PENDING = 1000;

export interface ChatStatsOptions {
  /** The clock of "5m ago" and of events that carry no time (tests pass a fixed one). */
  now?: () => number;
}

/** A chat-stats plugin; the default export is one of these. */
export function createChatStatsPlugin(options: ChatStatsOptions = {}) {
  const now = options.now ?? Date.now;
  let config = DEFAULTS;

  /**
   * When it happened: the platform's time, unless it is missing, not a whole number of ms, or ahead
   * of our clock (a row must never say "last seen in 3 hours").
   */
  const timeOf = (time: number | undefined) => {
    const clock = now();
    return time !== undefined && Number.isSafeInteger(time) && time >= 0 && time <= clock ? time : clock;
  };

  const counts = (place: Place, user: string) => place.platform !== SESSION_PLATFORM && isName(user);

  /** Storage trouble is told as such, not as the command having failed on its own. */
  const answer =
    (run: (ctx: CommandContext, place: Place) => Promise<CommandResult>) => async (ctx: CommandContext) => {
      try {
        await flush();
        return await run(ctx, { platform: ctx.platform, channel: ctx.channel });
      } catch (error) {
        if (!(error instanceof StorageError)) throw error;
        ctx.log.warn('storage call failed', { code: error.code, error: error.message });
        return 'Chat stats are unavailable right now; try again in a moment.';
      }
    };

  const arrive = async (ctx: EventContext, place: Place, time: number) => raisePeak(ctx.rows, place, time);

  // Chat lines are written in batches (line-batch.ts): every `flushMs`, and before anything reads
  // or writes the same rows (a command, a join, a leave, the list of who is here), so no answer
  // and no stretch ever misses a line. One write at a time, in order: `writing` chains them.
  const batch = new LineBatch();
  let writing: Promise<void> = Promise.resolve();
  let started: PluginContext | undefined;
  let timer: NodeJS.Timeout | undefined;

  /** Writes what waits; never rejects: what could not be written waits for the next time. */
  const flush = (): Promise<void> => {
    if (batch.size === 0 || started === undefined) return writing;
    const { rows, log } = started;
    const lines = batch.take();
    writing = writing.then(async () => {
      for (const [i, pending] of lines.entries()) {
        try {
          if (await sawLines(rows, pending)) await raisePeak(rows, pending.place, pending.first);
        } catch (error) {
          batch.putBack(lines.slice(i));
          log.warn('chat lines not written yet; kept for the next write', {
            users: lines.length - i,
            error: error instanceof Error ? error.message : String(error),
          });
          return;
        }
      }
    });
    return writing;
  };
  const startTimer = () => {
    if (config.flushMs > 0 && timer === undefined)
      timer = setInterval(() => void flush(), config.flushMs).unref();
  };
  const stopTimer = () => {
    clearInterval(timer);
    timer = undefined;
  };

  return definePlugin({
    name: 'chat-stats',
    commands: {
      seen: {
        usage: 'seen NAME',
        description: 'When NAME was last here, and doing what.',
        run: answer(async (ctx, place) => {
          const name = ctx.args[0];
          if (name === undefined) return 'Usage: !seen NAME';
          if (name.toLowerCase() === ctx.user.toLowerCase()) return `You are right here, ${ctx.user}.`;
          const user = isName(name) ? await findUser(ctx.rows, place, name) : undefined;
          return user ? formatSeen(user, now()) : formatNotSeen(name);
        }),
      },
      stats: {
        usage: 'stats [NAME]',
        description: "NAME's lines, first and last seen, time connected; without NAME, the channel's.",
        run: answer(async (ctx, place) => {
          const name = ctx.args[0];
          if (name === undefined) return formatChannel(await channelStats(ctx.rows, place));
          const user = isName(name) ? await findUser(ctx.rows, place, name) : undefined;
          return user ? formatUser(user, now()) : formatNotSeen(name);
        }),
      },
      top: {
        usage: 'top',
        description: 'Who has said the most here.',
        run: answer(async (_ctx, place) => formatTop(await topTalkers(_ctx.rows, place, config.topCount))),
      },
    },
    events: {
      message: async (m) => {
        const place = { platform: m.platform, channel: m.channel };
        if (m.self || m.system || !counts(place, m.user)) return;
        batch.add(place, m.user, timeOf(m.time), !m.text.startsWith(config.prefix));
        if (config.flushMs === 0 || batch.size >= MAX_PENDING) await flush();
      },
      join: async (e, ctx) => {
        const place = { platform: e.platform, channel: e.channel };
        if (!counts(place, e.user)) return;
        await flush();
        const time = timeOf(e.time);
        if (await joined(ctx.rows, place, e.user, time)) await arrive(ctx, place, time);
      },
      present: async (e, ctx) => {
        const place = { platform: e.platform, channel: e.channel };
        if (place.platform === SESSION_PLATFORM) return;
        await flush();
        const time = timeOf(e.time);
        const names = e.users.map((u) => u.user).filter((name) => counts(place, name));
        await present(ctx.rows, place, names, time, e.partial !== true);
        // Once for the whole list: its size is how many are here, not a count to climb one by one.
        await arrive(ctx, place, time);
      },
      leave: async (e, ctx) => {
        const place = { platform: e.platform, channel: e.channel };
        if (!counts(place, e.user)) return;
        await flush();
        await left(ctx.rows, place, e.user, timeOf(e.time));
      },
    },
    start: (ctx) => {
      config = parseConfig(ctx.config);
      started = ctx;
      startTimer();
    },
    stop: async () => {
      stopTimer();
      await flush();
    },
    // Everything is in storage once the lines waiting are written; the (empty) hand-off is for its
    // ordering: with it, the old generation stops hearing events and finishes those it has before
    // the new one handles any, so a join and its leave are never applied out of order by two
    // generations at once (docs/plugin-sdk.md#events).
    snapshot: async () => {
      stopTimer();
      await flush();
      return {};
    },
    restore: () => {},
    // The reload did not go through: this generation hears the events again.
    resume: () => startTimer(),
  });
}

export default createChatStatsPlugin();
