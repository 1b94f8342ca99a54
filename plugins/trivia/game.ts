/**
 * The trivia game as a pure state machine: no timers, no I/O. Every method takes the current time
 * and returns what happened as events; the plugin (index.ts) posts them, stores scores and sets a
 * timer for `nextWakeAt()`. Tests drive it with made-up times.
 */
import { LETTERS, normalizeAnswer, type Difficulty, type Question } from './questions.js';

export const BASE_POINTS: Record<Difficulty, number> = { easy: 1, medium: 2, hard: 3 };
/** Added when the right answer comes within the first third of the question's time. */
export const SPEED_BONUS = 1;

export interface Points {
  base: number;
  bonus: number;
  total: number;
}

/** Points for a right answer `elapsedMs` after the question was asked, of `questionMs`. */
export function scoreFor(difficulty: Difficulty, elapsedMs: number, questionMs: number): Points {
  const base = BASE_POINTS[difficulty];
  const bonus = elapsedMs <= questionMs / 3 ? SPEED_BONUS : 0;
  return { base, bonus, total: base + bonus };
}

/** `n` distinct questions in random order (all of them, shuffled, when the pool is smaller). */
export function pickQuestions(
  pool: readonly Question[],
  n: number,
  random: () => number = Math.random,
): Question[] {
  const copy = [...pool];
  const count = Math.min(n, copy.length);
  for (let i = 0; i < count; i++) {
    const j = i + Math.floor(random() * (copy.length - i));
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy.slice(0, count);
}

export interface Standing {
  user: string;
  points: number;
  correct: number;
}

export type GameEvent =
  | { type: 'question'; round: number; rounds: number; question: Question; seconds: number }
  | { type: 'correct'; round: number; user: string; question: Question; points: Points; gameTotal: number }
  | { type: 'reveal'; round: number; question: Question; reason: 'timeout' | 'skip'; by?: string }
  | {
      type: 'end';
      reason: 'finished' | 'stopped';
      by?: string;
      round: number;
      rounds: number;
      standings: Standing[];
      /** Everyone who answered at least once (display names). */
      participants: string[];
    };

export type AnswerResult =
  /** `events` holds the `correct` event (and `end` after the last round). */
  | { kind: 'correct'; points: Points; events: GameEvent[] }
  | { kind: 'wrong'; events: GameEvent[] }
  /** This user already used their attempt on this question. */
  | { kind: 'already'; events: GameEvent[] }
  /** No question is open (between questions, or the time ran out: `events` may hold that reveal). */
  | { kind: 'closed'; events: GameEvent[] }
  /** Not an answer (nothing in it, or a letter the question has no choice for); no attempt used. */
  | { kind: 'invalid'; reason: string; events: GameEvent[] }
  /** A plain chat line that is not an attempt (see `answer`'s `plain`); no attempt used. */
  | { kind: 'chatter'; events: GameEvent[] };

export type Phase = 'ready' | 'asking' | 'pause' | 'over';

export interface GameOptions {
  /** The questions of the game, one per round, in order. */
  questions: readonly Question[];
  questionMs: number;
  pauseMs: number;
  startedBy: string;
}

/** A game as JSON, for a reload's hand-off (`TriviaGame.fromState`). */
export interface GameState {
  questions: Question[];
  questionMs: number;
  pauseMs: number;
  startedBy: string;
  phase: Phase;
  index: number;
  askedAt: number;
  wakeAt?: number;
  attempted: string[];
  scores: Standing[];
  participants: Array<[string, string]>;
}

export class TriviaGame {
  readonly startedBy: string;
  readonly rounds: number;
  private readonly questions: readonly Question[];
  private readonly questionMs: number;
  private readonly pauseMs: number;
  private phaseNow: Phase = 'ready';
  /** Index of the current (or last asked) question; -1 before the first. */
  private index = -1;
  private askedAt = 0;
  private wakeAt: number | undefined;
  private attempted = new Set<string>();
  private readonly scores = new Map<string, Standing>();
  private readonly participants = new Map<string, string>();

  constructor(options: GameOptions) {
    if (options.questions.length === 0) throw new Error('a game needs at least one question');
    this.questions = options.questions;
    this.rounds = options.questions.length;
    this.questionMs = options.questionMs;
    this.pauseMs = options.pauseMs;
    this.startedBy = options.startedBy;
  }

  get phase(): Phase {
    return this.phaseNow;
  }

  /** The round being played or just played, from 1 (0 before the start). */
  get round(): number {
    return this.index + 1;
  }

  get current(): Question | undefined {
    return this.questions[this.index];
  }

  /** When `tick` has something to do next: the question's deadline or the pause's end. */
  nextWakeAt(): number | undefined {
    return this.wakeAt;
  }

  /** Standings so far, best first (points, then right answers, then name). */
  standings(): Standing[] {
    return [...this.scores.values()].sort(
      (a, b) => b.points - a.points || b.correct - a.correct || a.user.localeCompare(b.user),
    );
  }

  /** Asks the first question. */
  start(now: number): GameEvent[] {
    if (this.phaseNow !== 'ready') return [];
    return this.ask(now);
  }

  /** Advances by the clock: reveals a question whose time is up, asks the next after the pause. */
  tick(now: number): GameEvent[] {
    if (this.wakeAt === undefined || now < this.wakeAt) return [];
    if (this.phaseNow === 'asking')
      return this.close(now, {
        type: 'reveal',
        round: this.round,
        question: this.current!,
        reason: 'timeout',
      });
    if (this.phaseNow === 'pause') return this.ask(now);
    return [];
  }

  /**
   * One attempt per user per question; the first right answer wins the round. A `plain` chat line
   * (not `!a`) is an attempt only when it could be one without doubt: the right free-text answer,
   * or one of the choices' text (not a bare letter, which chat is full of). Anything else is
   * chatter: it uses no attempt and gets no reply.
   */
  answer(user: string, text: string, now: number, plain = false): AnswerResult {
    const late = this.tick(now);
    if (this.phaseNow !== 'asking') return { kind: plain ? 'chatter' : 'closed', events: late };
    const q = this.current!;
    const given = normalizeAnswer(text);
    if (plain) {
      const candidates = q.choices ?? [q.answer, ...q.alternates];
      const attempt = [...candidates, ...q.alternates].some((c) => normalizeAnswer(c) === given);
      if (given === '' || !attempt) return { kind: 'chatter', events: late };
    }
    if (given === '') return { kind: 'invalid', reason: 'empty', events: late };
    let index: number | undefined;
    if (!plain && q.choices && given.length === 1 && given >= 'a' && given <= 'z') {
      index = given.charCodeAt(0) - 'a'.charCodeAt(0);
      if (index >= q.choices.length)
        return {
          kind: 'invalid',
          reason: `answer with ${LETTERS.slice(0, q.choices.length).join(', ')} or the choice itself`,
          events: late,
        };
    }
    const key = user.toLowerCase();
    if (this.attempted.has(key)) return { kind: 'already', events: late };
    this.attempted.add(key);
    if (!this.participants.has(key)) this.participants.set(key, user);

    const right =
      index !== undefined
        ? index === q.answerIndex
        : [q.answer, ...q.alternates].some((a) => normalizeAnswer(a) === given);
    if (!right) return { kind: 'wrong', events: late };

    const points = scoreFor(q.difficulty, now - this.askedAt, this.questionMs);
    const standing = this.scores.get(key) ?? { user, points: 0, correct: 0 };
    standing.points += points.total;
    standing.correct += 1;
    this.scores.set(key, standing);
    const events = this.close(now, {
      type: 'correct',
      round: this.round,
      user,
      question: q,
      points,
      gameTotal: standing.points,
    });
    return { kind: 'correct', points, events: [...late, ...events] };
  }

  /** Reveals the open question without points and moves on. */
  skip(by: string, now: number): GameEvent[] {
    if (this.phaseNow !== 'asking') return [];
    return this.close(now, {
      type: 'reveal',
      round: this.round,
      question: this.current!,
      reason: 'skip',
      by,
    });
  }

  /** Ends the game now. */
  stop(by: string, _now: number): GameEvent[] {
    if (this.phaseNow === 'over') return [];
    return [this.end('stopped', by)];
  }

  /** The game as JSON (the questions included: the next generation may have another pool). */
  toState(): GameState {
    return {
      questions: [...this.questions],
      questionMs: this.questionMs,
      pauseMs: this.pauseMs,
      startedBy: this.startedBy,
      phase: this.phaseNow,
      index: this.index,
      askedAt: this.askedAt,
      ...(this.wakeAt === undefined ? {} : { wakeAt: this.wakeAt }),
      attempted: [...this.attempted],
      scores: [...this.scores.values()].map((s) => ({ ...s })),
      participants: [...this.participants.entries()],
    };
  }

  /** The game `toState` described, where it was. */
  static fromState(state: GameState): TriviaGame {
    const game = new TriviaGame(state);
    game.phaseNow = state.phase;
    game.index = state.index;
    game.askedAt = state.askedAt;
    game.wakeAt = state.wakeAt;
    game.attempted = new Set(state.attempted);
    for (const s of state.scores) game.scores.set(s.user.toLowerCase(), { ...s });
    for (const [key, name] of state.participants) game.participants.set(key, name);
    return game;
  }

  private ask(now: number): GameEvent[] {
    this.index += 1;
    this.phaseNow = 'asking';
    this.askedAt = now;
    this.wakeAt = now + this.questionMs;
    this.attempted = new Set();
    return [
      {
        type: 'question',
        round: this.round,
        rounds: this.rounds,
        question: this.current!,
        seconds: Math.round(this.questionMs / 1000),
      },
    ];
  }

  /** The open question is over (answered, timed out or skipped): pause, or end after the last. */
  private close(now: number, event: GameEvent): GameEvent[] {
    if (this.round >= this.rounds) return [event, this.end('finished')];
    this.phaseNow = 'pause';
    this.wakeAt = now + this.pauseMs;
    return [event];
  }

  private end(reason: 'finished' | 'stopped', by?: string): GameEvent {
    this.phaseNow = 'over';
    this.wakeAt = undefined;
    return {
      type: 'end',
      reason,
      ...(by === undefined ? {} : { by }),
      round: this.round,
      rounds: this.rounds,
      standings: this.standings(),
      participants: [...this.participants.values()],
    };
  }
}
