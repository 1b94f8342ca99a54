import { randomInt } from 'node:crypto';

/** The twenty answers of the classic Magic 8-Ball: 10 affirmative, 5 non-committal, 5 negative. */
export const AFFIRMATIVE = [
  'It is certain.',
  'It is decidedly so.',
  'Without a doubt.',
  'Yes definitely.',
  'You may rely on it.',
  'As I see it, yes.',
  'Most likely.',
  'Outlook good.',
  'Yes.',
  'Signs point to yes.',
] as const;

export const NON_COMMITTAL = [
  'Reply hazy, try again.',
  'Ask again later.',
  'Better not tell you now.',
  'Cannot predict now.',
  'Concentrate and ask again.',
] as const;

export const NEGATIVE = [
  "Don't count on it.",
  'My reply is no.',
  'My sources say no.',
  'Outlook not so good.',
  'Very doubtful.',
] as const;

export const ANSWERS: readonly string[] = [...AFFIRMATIVE, ...NON_COMMITTAL, ...NEGATIVE];

/** Longest question accepted, in characters (after trimming). */
export const MAX_QUESTION = 300;

export const USAGE = '8ball <question>';
export const HELP = 'Ask the Magic 8-Ball a yes-or-no question: !8ball <question>';
export const TOO_LONG = `That question is too long for the 8-Ball (max ${MAX_QUESTION} characters).`;

/** Picks an index in [0, n): `crypto.randomInt` unless the test passes its own. */
export type Pick = (n: number) => number;

export const cryptoPick: Pick = (n) => randomInt(n);

/** The answer at `pick(20)`; an index outside the list (a broken `pick`) is clamped into it. */
export function answer(pick: Pick = cryptoPick): string {
  const raw = Math.trunc(pick(ANSWERS.length));
  const index = Number.isFinite(raw) ? Math.min(Math.max(raw, 0), ANSWERS.length - 1) : 0;
  return ANSWERS[index]!;
}

/** The reply to `!8ball <question>`: usage for no question, a reason for a huge one, else an answer. */
export function reply(question: string, pick: Pick = cryptoPick): string {
  const q = question.trim();
  if (q === '') return HELP;
  if ([...q].length > MAX_QUESTION) return TOO_LONG;
  return `🎱 ${answer(pick)}`;
}
