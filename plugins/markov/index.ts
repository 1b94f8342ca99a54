import { definePlugin, StorageError } from 'rosey/sdk';
import type { ChatMessage, CommandContext, EventContext, PluginContext } from 'rosey/sdk';
import { Chain, wordsOf } from './chain.js';
import { parseConfig, type MarkovConfig } from './config.js';
import { mentions, skipReason } from './learnable.js';
import { LineWriter, loadLines, loadOptOuts, optIn, optOut, placeKey, type Place } from './store.js';

export const MARKOV_USAGE = 'markov [SEED WORDS] | optout | optin | forget USER | stats';
const HELP = `Usage: !${MARKOV_USAGE}`;
/** A user name as `!markov forget` takes it (CyTube's: letters, digits, `_` and `-`). */
const USER_NAME = /^[\p{L}\p{N}_-]{1,40}$/u;

/** A markov plugin; `random` is injectable so tests can pin what it says. */
export function createMarkovPlugin(random: () => number = Math.random) {
  let config: MarkovConfig = parseConfig({});
  let writer: LineWriter | undefined;
  /** Start's context: a reload's restore loads the stored lines through it. */
  let started: PluginContext | undefined;
  const chains = new Map<string, { place: Place; chain: Chain }>();
  const optedOut = new Set<string>();
  /** The bot's own name per platform, as its own lines in the chat show it. */
  const botNames = new Map<string, string>();
  /** When each channel last got an unasked answer (epoch ms). */
  const lastReply = new Map<string, number>();

  const chainOf = (place: Place) => {
    const key = placeKey(place);
    let entry = chains.get(key);
    if (!entry)
      chains.set(
        key,
        (entry = {
          place: { platform: place.platform, channel: place.channel },
          chain: new Chain(config.maxLines),
        }),
      );
    return entry.chain;
  };

  function learn(at: Place, user: string, words: string[]): void {
    const place = { platform: at.platform, channel: at.channel };
    const line = { user, words };
    const chain = chainOf(place);
    const dropped = chain.learn(line);
    writer?.add(place, line);
    for (const old of dropped) writer?.dropped(place, old);
  }

  /** Everything stored, learned again: the model is memory, the lines are the record. */
  async function load(ctx: PluginContext): Promise<void> {
    chains.clear();
    optedOut.clear();
    for (const key of await loadOptOuts(ctx.rows)) optedOut.add(key);
    for (const { place, lines } of (await loadLines(ctx.rows)).values()) {
      const chain = chainOf(place);
      for (const line of lines) for (const old of chain.learn(line)) writer?.dropped(place, old);
    }
  }

  async function heard(m: ChatMessage, ctx: EventContext): Promise<void> {
    if (m.self) botNames.set(m.platform, m.user);
    const why = skipReason(m, {
      commandPrefixes: config.commandPrefixes,
      optedOut: (user) => optedOut.has(`${m.platform}\u0000${user}`),
    });
    if (why !== undefined) return;
    const words = wordsOf(m.text);
    if (words.length === 0) return;
    learn(m, m.user.toLowerCase(), words);
    await maybeAnswer(m, words, ctx);
  }

  /** Mentioned: answers now and then (the chance), never twice in the cooldown. */
  async function maybeAnswer(m: ChatMessage, words: string[], ctx: EventContext): Promise<void> {
    if (config.replyChance <= 0) return;
    const names = [...config.names, ...(botNames.has(m.platform) ? [botNames.get(m.platform)!] : [])];
    if (!mentions(m.text, names)) return;
    const key = placeKey(m);
    const now = Date.now();
    if (now - (lastReply.get(key) ?? -Infinity) < config.replyCooldownSeconds * 1000) return;
    if (random() >= config.replyChance) return;
    const seed = words.filter((w) => !names.some((n) => w.toLowerCase().includes(n.toLowerCase())));
    const said = chainOf(m).generate(random, seed.slice(-1)) ?? chainOf(m).generate(random);
    if (!said) return;
    lastReply.set(key, now);
    try {
      await ctx.chat.send(said);
    } catch (error) {
      ctx.log.warn(`markov: could not answer in ${m.channel}: ${(error as Error).message}`);
    }
  }

  async function command(ctx: CommandContext): Promise<string | undefined> {
    const [sub, ...rest] = ctx.args;
    const place = { platform: ctx.platform, channel: ctx.channel };
    const user = ctx.user.toLowerCase();
    switch (sub?.toLowerCase()) {
      case 'optout': {
        if (rest.length > 0) return HELP;
        await optOut(ctx.rows, ctx.platform, user);
        optedOut.add(`${ctx.platform}\u0000${user}`);
        let forgotten = 0;
        for (const entry of chains.values())
          if (entry.place.platform === ctx.platform) {
            forgotten += entry.chain.forget(user).length;
            await writer?.forget(entry.place, user);
          }
        return `${ctx.user}: I no longer learn from you, and forgot ${forgotten} ${forgotten === 1 ? 'line' : 'lines'} of yours. !markov optin to undo.`;
      }
      case 'optin':
        if (rest.length > 0) return HELP;
        await optIn(ctx.rows, ctx.platform, user);
        optedOut.delete(`${ctx.platform}\u0000${user}`);
        return `${ctx.user}: I learn from what you say again.`;
      case 'forget': {
        if (rest.length !== 1) return 'Usage: !markov forget USER';
        if (ctx.rank < 2) return 'Only moderators can make me forget someone.';
        const who = rest[0]!;
        if (!USER_NAME.test(who)) return 'Usage: !markov forget USER (a user name: letters, digits, _ and -)';
        const gone = chainOf(place).forget(who.toLowerCase()).length;
        await writer?.forget(place, who.toLowerCase());
        await ctx.audit('forget', who, { lines: gone });
        return `Forgot ${gone} ${gone === 1 ? 'line' : 'lines'} of ${who} here.`;
      }
      case 'stats': {
        if (rest.length > 0) return HELP;
        const chain = chainOf(place);
        return `markov: ${chain.size} lines, ${chain.transitions} transitions here (at most ${config.maxLines} lines).`;
      }
      case 'help':
        return HELP;
      default: {
        const seed = wordsOf(ctx.argText).slice(-5);
        const said = chainOf(place).generate(random, seed);
        if (said) return said;
        return seed.length > 0 && chainOf(place).size > 0
          ? `I have never heard anyone say ${seed.at(-1)!.slice(0, 40)} here.`
          : 'I have not learned anything here yet: talk to me.';
      }
    }
  }

  return definePlugin({
    name: 'markov',
    // The cooldown comes from the configuration (cooldownSeconds).
    commands: ({ config: raw }) => ({
      markov: {
        usage: MARKOV_USAGE,
        description: 'Makes up a sentence from what the channel says (from SEED WORDS when given).',
        cooldownMs: Math.round(parseConfig(raw).cooldownSeconds * 1000),
        run: async (ctx) => {
          try {
            return await command(ctx);
          } catch (error) {
            if (!(error instanceof StorageError)) throw error;
            ctx.log.warn(`markov: storage: ${error.message}`);
            return `markov: storage is unavailable right now (${error.code}).`;
          }
        },
      },
    }),
    events: { message: heard },
    async start(ctx) {
      config = parseConfig(ctx.config);
      started = ctx;
      writer = new LineWriter(ctx.rows, ctx.log);
      await load(ctx);
      const lines = [...chains.values()].reduce((n, e) => n + e.chain.size, 0);
      ctx.log.info(`markov: ${lines} lines in ${chains.size} ${chains.size === 1 ? 'channel' : 'channels'}`);
    },
    // A reload: the old generation writes what it has learned (the new one hears nothing until its
    // restore), and the new one learns the stored lines again, so each line is learned once.
    async snapshot() {
      await writer?.flush();
      return { flushed: true };
    },
    async restore() {
      if (!started) throw new Error('markov: restore before start');
      await load(started);
      started.log.info(
        `markov: took over ${[...chains.values()].reduce((n, e) => n + e.chain.size, 0)} lines`,
      );
    },
    async stop() {
      await writer
        ?.flush()
        .catch((error: unknown) =>
          started?.log.warn(`markov: lines not stored: ${(error as Error).message}`),
        );
    },
  });
}

export default createMarkovPlugin();
