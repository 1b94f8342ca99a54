import { readFileSync, statSync } from 'node:fs';

export type Difficulty = 'easy' | 'medium' | 'hard';
export const DIFFICULTIES: readonly Difficulty[] = ['easy', 'medium', 'hard'];

/** One question as the game uses it: validated, with the answer resolved. */
export interface Question {
  category: string;
  difficulty: Difficulty;
  question: string;
  /** 2–4 choices for a multiple-choice question (letters A–D), absent for a free-text one. */
  choices?: string[];
  /** Multiple choice: the index of the right choice. */
  answerIndex?: number;
  /** Free text: the answer as written; multiple choice: the right choice's text. */
  answer: string;
  /** Other accepted spellings (free text and multiple choice). */
  alternates: string[];
}

export const LETTERS = ['A', 'B', 'C', 'D'] as const;

/** Limits of a question file (bundled or custom). */
export const LIMITS = {
  fileBytes: 5 * 1024 * 1024,
  questions: 20_000,
  category: 40,
  question: 300,
  choice: 100,
  answer: 100,
  alternates: 10,
} as const;

/**
 * The form answers are compared in: case, accents, spacing and punctuation do not matter
 * ("  Saint-Étienne! " and "saint etienne" are both "saintetienne").
 */
export function normalizeAnswer(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]/gu, '');
}

/** `A) Paris` for a multiple-choice question, the answer for a free-text one. */
export function answerLabel(q: Question): string {
  return q.answerIndex === undefined ? q.answer : `${LETTERS[q.answerIndex]}) ${q.answer}`;
}

const KEYS = new Set(['category', 'difficulty', 'question', 'choices', 'answer', 'alternates']);

function short(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}

function isText(value: unknown, max: number): value is string {
  return typeof value === 'string' && value.trim().length > 0 && value.length <= max;
}

/** Checks one entry; returns the question, or throws with what is wrong with it (without its position). */
function checkEntry(entry: unknown): Question {
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry))
    throw new Error('must be an object with category, difficulty, question and answer');
  const e = entry as Record<string, unknown>;
  const unknown = Object.keys(e).filter((k) => !KEYS.has(k));
  if (unknown.length > 0) throw new Error(`unknown key '${unknown[0]}' (allowed: ${[...KEYS].join(', ')})`);
  if (!isText(e.category, LIMITS.category))
    throw new Error(`category must be text of 1–${LIMITS.category} characters`);
  if (typeof e.difficulty !== 'string' || !DIFFICULTIES.includes(e.difficulty as Difficulty))
    throw new Error(`difficulty must be easy, medium or hard, not ${JSON.stringify(e.difficulty)}`);
  if (!isText(e.question, LIMITS.question))
    throw new Error(`question must be text of 1–${LIMITS.question} characters`);
  if (e.alternates !== undefined) {
    if (!Array.isArray(e.alternates) || e.alternates.length > LIMITS.alternates)
      throw new Error(`alternates must be a list of at most ${LIMITS.alternates} texts`);
    for (const alt of e.alternates)
      if (!isText(alt, LIMITS.answer) || normalizeAnswer(alt) === '')
        throw new Error(
          `each alternate must be text of 1–${LIMITS.answer} characters with a letter or digit`,
        );
  }
  const alternates = (e.alternates as string[] | undefined) ?? [];
  const base = {
    category: e.category.trim(),
    difficulty: e.difficulty as Difficulty,
    question: e.question.trim(),
    alternates: alternates.map((a) => a.trim()),
  };

  if (e.choices === undefined) {
    if (!isText(e.answer, LIMITS.answer) || normalizeAnswer(e.answer) === '')
      throw new Error(`answer must be text of 1–${LIMITS.answer} characters with a letter or digit`);
    return { ...base, answer: e.answer.trim() };
  }

  if (!Array.isArray(e.choices) || e.choices.length < 2 || e.choices.length > 4)
    throw new Error('choices must be a list of 2 to 4 texts (A–D)');
  const seen = new Set<string>();
  for (const choice of e.choices) {
    if (!isText(choice, LIMITS.choice) || normalizeAnswer(choice) === '')
      throw new Error(`each choice must be text of 1–${LIMITS.choice} characters with a letter or digit`);
    const key = normalizeAnswer(choice);
    if (seen.has(key)) throw new Error(`choice ${JSON.stringify(choice)} is listed twice`);
    seen.add(key);
  }
  const choices = (e.choices as string[]).map((c) => c.trim());
  const letters = LETTERS.slice(0, choices.length);
  const letter = typeof e.answer === 'string' ? e.answer.trim().toUpperCase() : undefined;
  const answerIndex = letter === undefined ? -1 : (letters as readonly string[]).indexOf(letter);
  if (answerIndex < 0)
    throw new Error(
      `answer of a multiple-choice question must be one of the letters ${letters.join(', ')}, not ${JSON.stringify(e.answer)}`,
    );
  return { ...base, choices, answerIndex, answer: choices[answerIndex]! };
}

/**
 * Validates a parsed question file: a list of entries (or `{ "questions": [...] }`). Every entry must
 * be valid and no question may appear twice; the first problem is thrown, naming the entry by its
 * number (from 1) and the start of its question.
 */
export function parseQuestions(data: unknown, source = 'questions'): Question[] {
  const list =
    typeof data === 'object' && data !== null && !Array.isArray(data) && 'questions' in data
      ? (data as { questions: unknown }).questions
      : data;
  if (!Array.isArray(list))
    throw new Error(`${source}: must be a JSON list of questions (or { "questions": [...] })`);
  if (list.length === 0) throw new Error(`${source}: has no questions`);
  if (list.length > LIMITS.questions)
    throw new Error(`${source}: has ${list.length} questions; at most ${LIMITS.questions} are allowed`);
  const questions: Question[] = [];
  const seen = new Map<string, number>();
  list.forEach((entry: unknown, i) => {
    const text = (entry as { question?: unknown } | null)?.question;
    const name = `entry ${i + 1}${typeof text === 'string' ? ` (${JSON.stringify(short(text))})` : ''}`;
    let q: Question;
    try {
      q = checkEntry(entry);
    } catch (error) {
      throw new Error(`${source}: ${name}: ${(error as Error).message}`);
    }
    const key = normalizeAnswer(q.question);
    const first = seen.get(key);
    if (first !== undefined) throw new Error(`${source}: ${name}: repeats the question of entry ${first}`);
    seen.set(key, i + 1);
    questions.push(q);
  });
  return questions;
}

/** Reads and validates a question file; errors name the file and the bad entry. */
export function loadQuestions(path: string): Question[] {
  let size: number;
  try {
    size = statSync(path).size;
  } catch (error) {
    throw new Error(`question file ${path}: cannot read it: ${(error as Error).message}`);
  }
  if (size > LIMITS.fileBytes)
    throw new Error(`question file ${path}: ${size} bytes is over the ${LIMITS.fileBytes}-byte limit`);
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`question file ${path}: not valid JSON: ${(error as Error).message}`);
  }
  return parseQuestions(data, `question file ${path}`);
}
