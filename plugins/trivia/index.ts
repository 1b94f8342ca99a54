import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';
import { definePlugin, StorageError } from 'rosey/sdk';
import type { ChatMessage, CommandContext, Logger, PluginContext } from 'rosey/sdk';
import { pickQuestions, TriviaGame, type GameEvent } from './game.js';
import { readSnapshot, type TriviaSnapshot } from './handoff.js';
import {
  ANSWER_HELP,
  ANSWER_USAGE,
  DEFAULT_ROUNDS,
  formatEvent,
  formatIntro,
  MAX_ROUNDS,
  TRIVIA_HELP,
  TRIVIA_USAGE,
} from './format.js';
import { loadQuestions, type Question } from './questions.js';
import { bump, stats, top, type Place } from './store.js';

export interface TriviaConfig {
  questionSeconds: number;
  pauseSeconds: number;
  /** Absolute, or relative to Rosey's working directory; default the bundled questions.json. */
  questionFile?: string;
}

export const BUNDLED_QUESTIONS = fileURLToPath(new URL('./questions.json', import.meta.url));

function seconds(config: Record<string, unknown>, key: string, fallback: number, min: number): number {
  const value = config[key] ?? fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > 3600)
    throw new Error(
      `trivia: config ${key} must be a number of seconds from ${min} to 3600, not ${JSON.stringify(value)}`,
    );
  return value;
}

/** Reads the plugin's configuration; throws naming the bad key. */
export function parseConfig(config: Record<string, unknown>): TriviaConfig {
  const known = new Set(['questionSeconds', 'pauseSeconds', 'questionFile']);
  const unknown = Object.keys(config).filter((k) => !known.has(k));
  if (unknown.length > 0)
    throw new Error(`trivia: unknown config key '${unknown[0]}' (known: ${[...known].join(', ')})`);
  const questionFile = config.questionFile;
  if (questionFile !== undefined && (typeof questionFile !== 'string' || questionFile.trim() === ''))
    throw new Error('trivia: config questionFile must be a file path');
  return {
    questionSeconds: seconds(config, 'questionSeconds', 30, 1),
    pauseSeconds: seconds(config, 'pauseSeconds', 5, 0),
    ...(questionFile === undefined ? {} : { questionFile: resolve(questionFile as string) }),
  };
}

/** Parses `ROUNDS` of `!trivia start [ROUNDS]`: a whole number 1–50, or undefined when it is not one. */
export function parseRounds(text: string | undefined): number | undefined {
  if (text === undefined) return DEFAULT_ROUNDS;
  if (!/^\d{1,3}$/.test(text)) return undefined;
  const n = Number(text);
  return n >= 1 && n <= MAX_ROUNDS ? n : undefined;
}

/** A user name as `!trivia stats` accepts it (CyTube's: letters, digits, `_` and `-`). */
const USER_NAME = /^[\p{L}\p{N}_-]{1,40}$/u;

type Chat = CommandContext['chat'];
type Rows = CommandContext['rows'];

/** One channel's running game: the pure game, its timer, and the lines it posts, in order. */
class GameRunner {
  private timer: NodeJS.Timeout | undefined;
  private queue: Promise<void> = Promise.resolve();
  private disposed = false;
  /** Handed to the next generation: no timer acts on the game here until `resume`. */
  private paused = false;

  constructor(
    readonly game: TriviaGame,
    readonly place: Place,
    private readonly chat: Chat,
    private readonly rows: Rows,
    private readonly log: Logger,
    private readonly onOver: () => void,
  ) {}

  /** Posts `lines` and handles `events` after everything posted before; resolves when done. */
  apply(events: GameEvent[], lines: string[] = []): Promise<void> {
    for (const event of events) if (event.type === 'end') this.finish();
    const task = this.queue.then(async () => {
      for (const line of lines) await this.send(line);
      for (const event of events) await this.handle(event);
    });
    this.queue = task.catch((error: unknown) => this.log.error(`trivia: ${(error as Error).message}`));
    this.schedule();
    return this.queue;
  }

  /** Stops the timer and resolves once what it is posting is posted (a reload's snapshot). */
  pause(): Promise<void> {
    this.paused = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    return this.queue;
  }

  /** The reload did not go through: the game goes on here. */
  resume(): void {
    this.paused = false;
    this.schedule();
  }

  /** Stops the timer for good (plugin stop, or the game ended). */
  dispose(): void {
    this.disposed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private finish(): void {
    this.dispose();
    this.onOver();
  }

  private schedule(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const at = this.game.nextWakeAt();
    if (this.disposed || this.paused || at === undefined) return;
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        try {
          void this.apply(this.game.tick(Date.now()));
        } catch (error) {
          this.log.error(`trivia: timer failed: ${(error as Error).message}`);
        }
      },
      Math.max(0, at - Date.now()),
    );
  }

  private async handle(event: GameEvent): Promise<void> {
    if (event.type === 'correct') {
      await this.send(formatEvent(event));
      await this.store(event.user, { points: event.points.total, correct: 1 });
    } else if (event.type === 'end') {
      for (const user of event.participants) await this.store(user, { games: 1 });
      await this.send(formatEvent(event));
    } else {
      await this.send(formatEvent(event));
    }
  }

  private async send(text: string): Promise<void> {
    try {
      await this.chat.send(text);
    } catch (error) {
      this.log.warn(`trivia: could not post in ${this.place.channel}: ${(error as Error).message}`);
    }
  }

  private async store(user: string, add: Parameters<typeof bump>[3]): Promise<void> {
    try {
      await bump(this.rows, this.place, user, add);
    } catch (error) {
      this.log.warn(`trivia: could not record the score of ${user}: ${(error as Error).message}`);
    }
  }
}

/** A trivia plugin; the default export is one of these. */
export function createTriviaPlugin() {
  let config: TriviaConfig = { questionSeconds: 30, pauseSeconds: 5 };
  let pool: Question[] = [];
  const games = new Map<string, GameRunner>();
  /** Start's context: a restored game posts through its actions, stores through its rows. */
  let plugin: PluginContext | undefined;
  const keyOf = (at: Place) => `${at.platform}\u0000${at.channel}`;
  const placeOf = (ctx: CommandContext): Place => ({ platform: ctx.platform, channel: ctx.channel });
  const mayControl = (ctx: CommandContext, runner: GameRunner) =>
    ctx.rank >= 2 || ctx.user.toLowerCase() === runner.game.startedBy.toLowerCase();

  async function startGame(ctx: CommandContext, roundsText: string | undefined) {
    const rounds = parseRounds(roundsText);
    if (rounds === undefined) return `Rounds must be a whole number from 1 to ${MAX_ROUNDS}. ${TRIVIA_HELP}`;
    const running = games.get(keyOf(ctx));
    if (running)
      return `A trivia game is already running here (round ${running.game.round}/${running.game.rounds}, started by ${running.game.startedBy}).`;
    const game = new TriviaGame({
      questions: pickQuestions(pool, rounds),
      questionMs: config.questionSeconds * 1000,
      pauseMs: config.pauseSeconds * 1000,
      startedBy: ctx.user,
    });
    const runner = addRunner(game, placeOf(ctx), ctx.chat, ctx.rows, ctx.log);
    const intro = formatIntro(rounds, config.questionSeconds, ctx.user, pool.length);
    await runner.apply(game.start(Date.now()), [intro]);
    return undefined;
  }

  function addRunner(game: TriviaGame, place: Place, chat: Chat, rows: Rows, log: Logger): GameRunner {
    const key = keyOf(place);
    const runner: GameRunner = new GameRunner(game, place, chat, rows, log, () => {
      if (games.get(key) === runner) games.delete(key);
    });
    games.set(key, runner);
    return runner;
  }

  /** A plain chat line while a question is open: a right answer wins, as `!a` would. */
  async function plainAnswer(m: ChatMessage): Promise<void> {
    // Commands (`!a b` included) are the router's; the bot's own lines and the platform's are no answers.
    if (m.self || m.system || m.text.trimStart().startsWith('!')) return;
    const runner = games.get(keyOf(m));
    if (!runner) return;
    const result = runner.game.answer(m.user, m.text, Date.now(), true);
    // Wrong attempts stay silent: the command's private reply has no place in the channel.
    await runner.apply(result.events);
  }

  async function snapshot(): Promise<TriviaSnapshot> {
    const running = [...games.values()].filter((r) => r.game.phase !== 'over');
    await Promise.all(running.map((r) => r.pause()));
    return {
      version: 1,
      games: running.map((r) => ({ ...r.place, game: r.game.toState() })),
    };
  }

  function restore(state: unknown): void {
    if (!plugin) throw new Error('trivia: restore before start');
    const { actions, rows, log } = plugin;
    for (const { platform, channel, game } of readSnapshot(state).games) {
      const runner = addRunner(
        TriviaGame.fromState(game),
        { platform, channel },
        actions.in({ platform, channel }).chat,
        rows,
        log,
      );
      // Catches up with the clock (a deadline passed during the hand-off) and sets the timer.
      void runner.apply(runner.game.tick(Date.now()));
    }
    log.info(`trivia: took over ${games.size} running ${games.size === 1 ? 'game' : 'games'}`);
  }

  function control(ctx: CommandContext, what: 'stop' | 'skip') {
    const runner = games.get(keyOf(ctx));
    if (!runner) return 'No trivia game is running here.';
    if (!mayControl(ctx, runner))
      return {
        text: `Only ${runner.game.startedBy} (who started the game) or a moderator can ${what} it.`,
        private: true,
      };
    const events =
      what === 'stop' ? runner.game.stop(ctx.user, Date.now()) : runner.game.skip(ctx.user, Date.now());
    if (events.length === 0) return { text: 'No question is open right now.', private: true };
    return runner.apply(events).then(() => undefined);
  }

  /** Storage trouble is told to the user, not thrown at them. */
  async function fromStorage(ctx: CommandContext, read: () => Promise<string>): Promise<string> {
    try {
      return await read();
    } catch (error) {
      if (!(error instanceof StorageError)) throw error;
      ctx.log.warn(`trivia: scores unavailable: ${error.message}`);
      return `Trivia scores are unavailable right now (${error.code}).`;
    }
  }

  async function leaderboard(ctx: CommandContext) {
    const best = await top(ctx.rows, placeOf(ctx));
    if (best.length === 0) return 'No trivia scores here yet.';
    return `Trivia top ${best.length}: ${best.map((r, i) => `${i + 1}. ${r.user} ${r.points}`).join(' · ')}`;
  }

  async function userStats(ctx: CommandContext, name: string | undefined) {
    const who = name ?? ctx.user;
    if (!USER_NAME.test(who)) return 'Usage: !trivia stats [USER] (a user name: letters, digits, _ and -)';
    const s = await stats(ctx.rows, placeOf(ctx), who);
    if (!s) return `${who} has no trivia score here yet.`;
    return `${s.user}: ${s.points} points (#${s.rank}), ${s.correct} right ${s.correct === 1 ? 'answer' : 'answers'}, ${s.games} ${s.games === 1 ? 'game' : 'games'}.`;
  }

  return definePlugin({
    name: 'trivia',
    commands: {
      trivia: {
        usage: TRIVIA_USAGE,
        description:
          'Timed trivia rounds with a per-channel leaderboard: !trivia start, then answer in the chat (or !a).',
        cooldownMs: 0,
        run: (ctx) => {
          const [sub, ...rest] = ctx.args;
          switch (sub?.toLowerCase()) {
            case 'start':
              return rest.length <= 1 ? startGame(ctx, rest[0]) : TRIVIA_HELP;
            case 'stop':
            case 'skip':
              return rest.length === 0 ? control(ctx, sub.toLowerCase() as 'stop' | 'skip') : TRIVIA_HELP;
            case 'top':
              return rest.length === 0 ? fromStorage(ctx, () => leaderboard(ctx)) : TRIVIA_HELP;
            case 'stats':
              return rest.length <= 1 ? fromStorage(ctx, () => userStats(ctx, rest[0])) : TRIVIA_HELP;
            default:
              return TRIVIA_HELP;
          }
        },
      },
      a: {
        usage: ANSWER_USAGE,
        description:
          'Answer the open trivia question (a letter, or the answer itself); one try per question.',
        cooldownMs: 0,
        aliases: ['answer'],
        run: async (ctx) => {
          const runner = games.get(keyOf(ctx));
          if (!runner)
            return { text: 'No trivia game is running here. Start one with !trivia start.', private: true };
          if (ctx.argText === '') return { text: ANSWER_HELP, private: true };
          const result = runner.game.answer(ctx.user, ctx.argText, Date.now());
          const done = runner.apply(result.events);
          switch (result.kind) {
            case 'correct':
              await done; // the channel hears it from the plugin's own line
              return undefined;
            case 'wrong':
              return { text: 'Not it, sorry: one try per question.', private: true };
            case 'already':
              return { text: 'You already answered this question.', private: true };
            case 'closed':
              return { text: 'No question is open right now; wait for the next one.', private: true };
            case 'invalid':
              return {
                text: result.reason === 'empty' ? ANSWER_HELP : `Not an answer: ${result.reason}.`,
                private: true,
              };
          }
        },
      },
    },
    events: { message: plainAnswer },
    snapshot,
    restore,
    resume: () => {
      for (const runner of games.values()) runner.resume();
    },
    start: (ctx) => {
      plugin = ctx;
      config = parseConfig(ctx.config);
      pool = loadQuestions(config.questionFile ?? BUNDLED_QUESTIONS);
      ctx.log.info(`trivia: ${pool.length} questions from ${config.questionFile ?? 'the bundled file'}`);
    },
    stop: () => {
      for (const runner of games.values()) runner.dispose();
      games.clear();
    },
  });
}

export default createTriviaPlugin();
