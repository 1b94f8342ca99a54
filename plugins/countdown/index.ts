import { definePlugin, StorageError, type CommandContext } from 'rosey/sdk';
import { createdText, HELP, listText, LIST_MAX, parseRequest, showText, USAGE } from './commands.js';
import { Scheduler } from './scheduler.js';
import {
  countChannel,
  deleteById,
  findByName,
  insertCountdown,
  listChannel,
  MAX_PER_CHANNEL,
} from './store.js';

export const DEFAULT_ALERT_MINUTES = [15, 5, 1];
/** Rank that may delete anybody's countdown (moderator). */
export const DELETE_ANY_RANK = 2;

export interface CountdownConfig {
  alertMinutes: number[];
}

/**
 * Reads `ctx.config`: `alertMinutes` (whole minutes, 1–10080, at most 10; `[]` for zero only) and
 * `timezone`, of which only UTC is supported. Throws a message for the operator otherwise.
 */
export function readConfig(config: Record<string, unknown>): CountdownConfig {
  const { alertMinutes = DEFAULT_ALERT_MINUTES, timezone } = config;
  if (timezone !== undefined && !['UTC', 'Etc/UTC', 'utc'].includes(String(timezone)))
    throw new Error(`countdown: timezone '${String(timezone)}' is not supported; times are UTC only`);
  if (
    !Array.isArray(alertMinutes) ||
    alertMinutes.length > 10 ||
    !alertMinutes.every((m) => Number.isInteger(m) && (m as number) >= 1 && (m as number) <= 10_080)
  )
    throw new Error(
      'countdown: alertMinutes must be a list of at most 10 whole numbers of minutes, 1 to 10080',
    );
  return { alertMinutes: [...new Set(alertMinutes as number[])].sort((a, b) => b - a) };
}

let scheduler: Scheduler | undefined;

const where = (ctx: CommandContext) => ({ platform: ctx.platform, channel: ctx.channel });

async function run(ctx: CommandContext): Promise<string> {
  const now = Date.now();
  const request = parseRequest(ctx.args, now);
  switch (request.kind) {
    case 'help':
      return HELP;
    case 'reason':
      return request.text;
    case 'show': {
      const c = await findByName(ctx.rows, where(ctx), request.name);
      return c ? showText(c, Date.now()) : `No countdown named ${request.name}. See !countdown list`;
    }
    case 'list': {
      const { countdowns, total } = await listChannel(ctx.rows, where(ctx), LIST_MAX);
      return listText(countdowns, total, Date.now());
    }
    case 'delete': {
      const s = live();
      return s.exclusive(async () => {
        const c = await findByName(ctx.rows, where(ctx), request.name);
        if (!c) return `No countdown named ${request.name}.`;
        if (c.creator.toLowerCase() !== ctx.user.toLowerCase() && ctx.rank < DELETE_ANY_RANK)
          return `Only ${c.creator} (who made it) or a moderator can delete ${c.name}.`;
        await deleteById(ctx.rows, c.id);
        s.remove(c.id);
        return `Deleted countdown ${c.name}.`;
      });
    }
    case 'create': {
      const s = live();
      const { name, when } = request;
      return s.exclusive(async () => {
        const existing = await findByName(ctx.rows, where(ctx), name);
        if (existing)
          return `${name} already exists (${showText(existing, Date.now())}). Delete it first: !countdown delete ${name}`;
        if ((await countChannel(ctx.rows, where(ctx))) >= MAX_PER_CHANNEL)
          return `This channel has ${MAX_PER_CHANNEL} countdowns already; delete one first.`;
        const created = await insertCountdown(ctx.rows, {
          ...where(ctx),
          name,
          creator: ctx.user,
          targetAt: when.at,
          repeatMs: when.repeatMs ?? null,
          repeatLabel: when.repeatLabel ?? null,
          // Alerts whose instant is already past (a 15-minute mark of a countdown 2 minutes away) never fire.
          sentUntil: now,
          createdAt: now,
        });
        s.add(created);
        return createdText(created, Date.now());
      });
    }
  }
}

function live(): Scheduler {
  if (!scheduler) throw new Error('countdown is not started');
  return scheduler;
}

export default definePlugin({
  name: 'countdown',
  commands: {
    countdown: {
      usage: USAGE,
      description: 'Named countdowns with alerts in chat: create, show, list, delete. Times are UTC.',
      run: async (ctx) => {
        try {
          return await run(ctx);
        } catch (error) {
          if (error instanceof StorageError) {
            ctx.log.warn(`countdown: storage: ${error.code}: ${error.message}`);
            return 'Countdowns are unavailable right now (storage did not answer); try again shortly.';
          }
          throw error;
        }
      },
    },
  },
  start: async (ctx) => {
    const { alertMinutes } = readConfig(ctx.config);
    const s = new Scheduler({
      rows: ctx.rows,
      marks: alertMinutes,
      log: ctx.log,
      send: (c, text) => ctx.actions.in({ platform: c.platform, channel: c.channel }).chat.send(text),
    });
    await s.start();
    scheduler = s;
    ctx.log.info(
      `countdown: ${s.tracked().length} countdown(s) loaded; alerts at ${alertMinutes.join(', ')} min`,
    );
  },
  stop: async () => {
    const s = scheduler;
    scheduler = undefined;
    if (!s) return;
    s.stop();
    await s.exclusive(async () => undefined);
  },
});
