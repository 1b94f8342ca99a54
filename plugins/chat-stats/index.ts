import { definePlugin, StorageError } from 'rosey/sdk';
import type { CommandContext, CommandResult, EventContext } from 'rosey/sdk';
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
import { LineWriter } from './line-writer.js';

/**
 * `rosey chat` sessions are each a channel of their own (`cli-<id>`, one per session): counting
 * them would add rows with every session instead of with every user.
 */
const SESSION_PLATFORM = 'cli';

/** Longest user name kept; longer ones (no platform has them) are ignored, not cut into someone else's. */
const MAX_NAME = 100;
const isName = (name: string) => name.length > 0 && name.length <= MAX_NAME && !/\p{Cc}/u.test(name);

/** Users whose lines may wait at once: more are written at once (a flood of new names). */
const MAX_WAITING = 1000;

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

  // Chat lines are written in batches (line-writer.ts): every `flushMs`, and before anything reads
  // or writes the same rows (a command, a join, a leave, the list of who is here), so no answer
  // and no stretch misses a line. Made at `start`, with the rows it writes through.
  let lines: LineWriter | undefined;
  const flush = async () => lines?.flush();
  /** Before a handler that writes after reading: lines that could not be written fail it, as before. */
  const flushed = async () => {
    await flush();
    if (lines !== undefined && lines.waiting > 0)
      throw new StorageError(
        'NO_RESPONDERS',
        'earlier chat lines are not written yet (storage is not taking them)',
      );
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
        await lines?.add(place, m.user, timeOf(m.time), !m.text.startsWith(config.prefix));
      },
      join: async (e, ctx) => {
        const place = { platform: e.platform, channel: e.channel };
        if (!counts(place, e.user)) return;
        await flushed();
        const time = timeOf(e.time);
        if (await joined(ctx.rows, place, e.user, time)) await arrive(ctx, place, time);
      },
      present: async (e, ctx) => {
        const place = { platform: e.platform, channel: e.channel };
        if (place.platform === SESSION_PLATFORM) return;
        await flushed();
        const time = timeOf(e.time);
        const names = e.users.map((u) => u.user).filter((name) => counts(place, name));
        await present(ctx.rows, place, names, time, e.partial !== true);
        // Once for the whole list: its size is how many are here, not a count to climb one by one.
        await arrive(ctx, place, time);
      },
      leave: async (e, ctx) => {
        const place = { platform: e.platform, channel: e.channel };
        if (!counts(place, e.user)) return;
        await flushed();
        await left(ctx.rows, place, e.user, timeOf(e.time));
      },
    },
    start: (ctx) => {
      config = parseConfig(ctx.config);
      const { rows, log } = ctx;
      lines = new LineWriter({
        write: async (pending) => {
          if (!(await sawLines(rows, pending))) return;
          // The lines are written: a failure here must not put them back (they would count twice).
          await raisePeak(rows, pending.place, pending.first).catch((error: unknown) =>
            log.warn('high-water mark not updated', { error: String(error) }),
          );
        },
        log,
        flushMs: config.flushMs,
        maxPending: MAX_WAITING,
      });
      lines.start();
    },
    stop: async () => {
      lines?.stop();
      await flush();
      if (lines !== undefined && lines.waiting > 0)
        throw new Error(`stopped with the chat lines of ${lines.waiting} user(s) not written`);
    },
    // Everything is in storage once the waiting lines are written (a snapshot that could not write
    // them fails the hand-off: blue keeps serving, with them). The empty state is for the hand-off's
    // ordering: the old generation stops hearing events and finishes those it has before the new
    // one handles any, so a join and its leave are never applied out of order by two generations at
    // once (docs/plugin-sdk.md#events).
    snapshot: async () => {
      await flushed();
      return {};
    },
    restore: () => {},
  });
}

export default createChatStatsPlugin();
