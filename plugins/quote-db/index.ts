import { definePlugin, StorageError } from 'rosey/sdk';
import type { CommandContext, CommandResult, PluginContext } from 'rosey/sdk';
import { addLimit, DEFAULTS, parseConfig, type QuoteConfig } from './config.js';
import { formatQuote, formatSearch, formatTags, formatTop, truncate } from './format.js';
import { FEATURES, parseQuote, USAGE, type Feature, type QuoteRequest } from './parse.js';
import { TAGS_PER_QUOTE } from './hashtags.js';
import { certainlyNotRun } from './retry.js';
import { QuotesUnavailable, QuoteStore } from './store.js';

const MODERATOR = 2;
const ADMIN = 3;
const SEARCH_SHOWN = 5;

const FEATURE_OFF: Record<Feature, string> = {
  add: 'Adding quotes is turned off here.',
  search: 'Quote search is turned off here.',
  vote: 'Voting on quotes is turned off here.',
};

/** Storage answered STORAGE_FULL: only the operator can help, and nothing was saved. */
export const FULL = 'Quotes cannot be saved right now: storage is full; ask the operator to free some space.';

const privately = (text: string) => ({ text, private: true });

/** Every reply within one chat message, whatever produced it (usage lines too, on a short limit). */
function fit(reply: CommandResult, max: number): CommandResult {
  if (typeof reply === 'string') return truncate(reply, max);
  return reply ? { ...reply, text: truncate(reply.text, max) } : reply;
}

/** A failed write that certainly did not happen gives back what was reserved for it. */
const notRun = (error: unknown) =>
  (error instanceof QuotesUnavailable || error instanceof StorageError) && certainlyNotRun(error.code);

/** Options for tests: a store built around the command's storage (fake clocks, quick retries). */
export interface QuoteDbOptions {
  store?: (ctx: PluginContext, config: QuoteConfig) => QuoteStore;
  /** The clock of the hourly add limits (and of new quotes' timestamps). */
  now?: () => number;
}

/** A quote-db plugin; the default export is one of these. */
export function createQuoteDbPlugin(options: QuoteDbOptions = {}) {
  let config = DEFAULTS;
  let store: QuoteStore | undefined;

  function storeOf(): QuoteStore {
    if (!store) throw new QuotesUnavailable('NOT_STARTED');
    return store;
  }

  const mayWrite = (ctx: CommandContext) => ctx.rank >= config.writeRank;
  const ownerOrModerator = (ctx: CommandContext, addedBy: string) =>
    ctx.rank >= MODERATOR || ctx.user.toLowerCase() === addedBy.toLowerCase();
  const notFound = (id: number) => `Quote #${id} not found.`;

  /**
   * Records an audit event. A failure is not shown to chat (the change itself happened); the log
   * line carries the whole record instead, so a deleted quote can still be recovered from the log.
   */
  async function audit(
    ctx: CommandContext,
    s: QuoteStore,
    action: string,
    target: string,
    detail: Record<string, unknown>,
  ) {
    try {
      await s.audit(() => ctx.audit(action, target, detail));
    } catch (error) {
      ctx.log.warn(
        `quote-db: audit of ${action} ${target} failed (${(error as Error).message}): ${JSON.stringify(detail)}`,
      );
    }
  }

  async function add(ctx: CommandContext, s: QuoteStore, req: Extract<QuoteRequest, { kind: 'add' }>) {
    if (!mayWrite(ctx)) return privately('Only registered users can add quotes.');
    if (!(await s.feature('add'))) return FEATURE_OFF.add;
    const limit = addLimit(config.rateLimits, ctx.rank);
    const now = (options.now ?? Date.now)();
    if (limit !== null && !(await s.takeAdd(ctx.user, limit, now)))
      return privately(`You can add ${limit} quotes an hour; try again later.`);
    let id: number;
    try {
      id = await s.add({ text: req.text, author: req.author, addedBy: ctx.user, tags: req.tags }, now);
    } catch (error) {
      if (limit !== null && notRun(error)) await s.returnAdd(ctx.user, now).catch(() => undefined);
      throw error;
    }
    await audit(ctx, s, 'add', `quote #${id}`, { author: req.author, text: req.text });
    return `Quote #${id} added.`;
  }

  async function remove(ctx: CommandContext, s: QuoteStore, id: number) {
    const quote = await s.get(id);
    if (!quote) return notFound(id);
    if (!ownerOrModerator(ctx, quote.addedBy))
      return privately(`Only ${quote.addedBy} (who added it) or a moderator can delete #${id}.`);
    if (!(await s.delete(id))) return notFound(id);
    // The audit keeps the whole quote: a deletion can be undone by hand from the audit log.
    await audit(ctx, s, 'delete', `quote #${id}`, {
      text: quote.text,
      author: quote.author,
      addedBy: quote.addedBy,
      timestamp: quote.timestamp,
      score: quote.score,
      tags: quote.tags,
    });
    return `Quote #${id} deleted.`;
  }

  async function vote(ctx: CommandContext, s: QuoteStore, id: number, by: 1 | -1) {
    if (!mayWrite(ctx)) return privately('Only registered users can vote.');
    if (!(await s.feature('vote'))) return FEATURE_OFF.vote;
    const quote = await s.get(id);
    if (!quote) return notFound(id);
    if (quote.addedBy.toLowerCase() === ctx.user.toLowerCase())
      return privately('You cannot vote on a quote you added.');
    if (!(await s.claimVote(id, ctx.user))) return privately(`You already voted on #${id}.`);
    let score: number | undefined;
    try {
      score = await s.vote(id, by);
    } catch (error) {
      if (notRun(error)) await s.releaseVote(id, ctx.user).catch(() => undefined);
      throw error;
    }
    if (score === undefined) return notFound(id);
    return `Quote #${id} score: ${score} (${by > 0 ? '+1' : '-1'})`;
  }

  async function tag(ctx: CommandContext, s: QuoteStore, req: Extract<QuoteRequest, { kind: 'tag' }>) {
    if (!mayWrite(ctx)) return privately('Only registered users can tag quotes.');
    if (req.remove) {
      const quote = await s.get(req.id);
      if (!quote) return notFound(req.id);
      if (!ownerOrModerator(ctx, quote.addedBy))
        return privately(
          `Only ${quote.addedBy} (who added it) or a moderator can remove tags from #${req.id}.`,
        );
    }
    let full = false;
    const quote = await s.updateTags(req.id, (tags) => {
      if (req.remove) return tags.filter((t) => t !== req.tag);
      if (tags.includes(req.tag)) return tags;
      full = tags.length >= TAGS_PER_QUOTE;
      return full ? tags : [...tags, req.tag];
    });
    if (!quote) return notFound(req.id);
    if (full) return privately(`#${req.id} already has ${TAGS_PER_QUOTE} tags.`);
    return formatTags(quote, config.maxReplyLength);
  }

  async function feature(
    ctx: CommandContext,
    s: QuoteStore,
    req: Extract<QuoteRequest, { kind: 'feature' }>,
  ) {
    if (req.name === undefined || req.on === undefined) {
      const names = req.name ? [req.name] : [...FEATURES];
      const states = await Promise.all(names.map(async (n) => `${n} ${(await s.feature(n)) ? 'on' : 'off'}`));
      return `Quote features: ${states.join(', ')}.`;
    }
    if (ctx.rank < ADMIN) return privately('Only admins can switch quote features.');
    await s.setFeature(req.name, req.on);
    await audit(ctx, s, 'feature', req.name, { on: req.on });
    return `Quote ${req.name} is now ${req.on ? 'on' : 'off'}.`;
  }

  async function run(ctx: CommandContext, req: QuoteRequest): Promise<CommandResult> {
    const s = storeOf();
    const max = config.maxReplyLength;
    switch (req.kind) {
      case 'random': {
        const quote = await s.random();
        return quote ? formatQuote(quote, max) : 'No quotes yet. Add one: !quote add TEXT [-- AUTHOR]';
      }
      case 'get': {
        const quote = await s.get(req.id);
        return quote ? formatQuote(quote, max) : notFound(req.id);
      }
      case 'add':
        return add(ctx, s, req);
      case 'search': {
        if (!(await s.feature('search'))) return FEATURE_OFF.search;
        const { total, quotes } = await s.search(
          req.tag !== undefined ? { tag: req.tag } : { words: req.term },
          SEARCH_SHOWN,
        );
        if (total === 0 || !quotes[0]) return `No quotes found for "${req.term.slice(0, 40)}".`;
        return formatSearch(
          req.term,
          total,
          quotes.map((q) => q.id),
          quotes[0],
          max,
        );
      }
      case 'delete':
        return remove(ctx, s, req.id);
      case 'count': {
        const total = await s.count();
        return `Total quotes: ${total}`;
      }
      case 'vote':
        return vote(ctx, s, req.id, req.by);
      case 'top': {
        const quotes = await s.top(req.n);
        return quotes.length === 0
          ? 'No quote has a positive score yet: !quote upvote ID'
          : formatTop(quotes, max);
      }
      case 'tag':
        return tag(ctx, s, req);
      case 'feature':
        return feature(ctx, s, req);
    }
  }

  /** The command: parse, run, and storage trouble told to chat rather than thrown. */
  async function answer(ctx: CommandContext): Promise<CommandResult> {
    const parsed = parseQuote(ctx.args, ctx.argText);
    if (!parsed.ok) return parsed.reply;
    try {
      return await run(ctx, parsed.request);
    } catch (error) {
      if (error instanceof QuotesUnavailable) {
        ctx.log.warn(`quote-db: ${error.message}`);
        return 'Quotes are unavailable right now (storage is not answering); try again in a minute.';
      }
      if (error instanceof StorageError && error.code === 'STORAGE_FULL') {
        ctx.log.error(`quote-db: ${parsed.request.kind} refused: ${error.message}`);
        return FULL;
      }
      if (error instanceof StorageError) {
        ctx.log.error(`quote-db: ${parsed.request.kind} failed: ${error.code} ${error.message}`);
        return `That did not work (${error.code}); the operator can see why in Rosey's log.`;
      }
      throw error;
    }
  }

  return definePlugin({
    name: 'quote-db',
    commands: {
      quote: {
        usage: `${USAGE.get} | ${USAGE.add} | ${USAGE.search} | quote top|count|upvote|downvote|tag|delete …`,
        description:
          'The channel quote book: !quote for a random one, !quote add TEXT -- AUTHOR, !quote search WORDS.',
        aliases: ['quotes'],
        run: async (ctx) => fit(await answer(ctx), config.maxReplyLength),
      },
    },
    start: (ctx) => {
      config = parseConfig(ctx.config);
      // One store for the plugin's life, so the circuit breaker remembers across commands.
      store =
        options.store?.(ctx, config) ??
        new QuoteStore(ctx.rows, ctx.kv, {
          countCacheSeconds: config.countCacheSeconds,
          onRetry: (error, attempt) => ctx.log.warn(`quote-db: storage ${error.code}, retry ${attempt}`),
        });
    },
    stop: () => {
      store = undefined;
    },
  });
}

export default createQuoteDbPlugin();
