/**
 * The running games as a reload hands them to the next generation (`snapshot` → `restore`), and
 * the check of what comes back: the state is JSON from another process, so it is read, not trusted.
 */
import type { GameState, Phase, Standing } from './game.js';
import { DIFFICULTIES, type Question } from './questions.js';

export interface RunningGame {
  platform: string;
  channel: string;
  game: GameState;
}

export interface TriviaSnapshot {
  version: 1;
  games: RunningGame[];
}

const PHASES: readonly Phase[] = ['ready', 'asking', 'pause', 'over'];

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isStr = (v: unknown): v is string => typeof v === 'string';
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const strings = (v: unknown): v is string[] => Array.isArray(v) && v.every(isStr);

function question(v: unknown): Question {
  if (
    !isObj(v) ||
    !isStr(v.category) ||
    !isStr(v.question) ||
    !isStr(v.answer) ||
    !strings(v.alternates) ||
    !DIFFICULTIES.includes(v.difficulty as Question['difficulty']) ||
    (v.choices !== undefined && !strings(v.choices)) ||
    (v.choices !== undefined &&
      !(isNum(v.answerIndex) && v.answerIndex >= 0 && v.answerIndex < v.choices.length))
  )
    throw new Error('a question is malformed');
  return v as unknown as Question;
}

function standing(v: unknown): Standing {
  if (!isObj(v) || !isStr(v.user) || !isNum(v.points) || !isNum(v.correct))
    throw new Error('a score is malformed');
  return { user: v.user, points: v.points, correct: v.correct };
}

function gameState(v: unknown): GameState {
  if (!isObj(v)) throw new Error('a game is not an object');
  const { questionMs, pauseMs, startedBy, phase, index, askedAt, wakeAt, attempted, scores, participants } =
    v;
  if (!Array.isArray(v.questions) || v.questions.length === 0) throw new Error('a game has no questions');
  const questions = v.questions.map(question);
  if (
    !isNum(questionMs) ||
    !isNum(pauseMs) ||
    !isStr(startedBy) ||
    !PHASES.includes(phase as Phase) ||
    !isNum(index) ||
    index < -1 ||
    index >= questions.length ||
    !isNum(askedAt) ||
    (wakeAt !== undefined && !isNum(wakeAt)) ||
    !strings(attempted) ||
    !Array.isArray(scores) ||
    !Array.isArray(participants) ||
    !participants.every((p) => Array.isArray(p) && p.length === 2 && p.every(isStr))
  )
    throw new Error('a game is malformed');
  return {
    questions,
    questionMs,
    pauseMs,
    startedBy,
    phase: phase as Phase,
    index,
    askedAt,
    ...(wakeAt === undefined ? {} : { wakeAt: wakeAt as number }),
    attempted,
    scores: scores.map(standing),
    participants: participants as Array<[string, string]>,
  };
}

/** The snapshot of a previous generation; throws saying what is wrong (the reload then keeps it serving). */
export function readSnapshot(value: unknown): TriviaSnapshot {
  if (!isObj(value) || value.version !== 1 || !Array.isArray(value.games))
    throw new Error('trivia: not a trivia snapshot');
  return {
    version: 1,
    games: value.games.map((g) => {
      if (!isObj(g) || !isStr(g.platform) || !isStr(g.channel))
        throw new Error('trivia: a game has no place');
      return { platform: g.platform, channel: g.channel, game: gameState(g.game) };
    }),
  };
}
