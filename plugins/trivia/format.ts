/** The lines the trivia plugin posts and replies, kept apart from the game so tests can read them. */
import { BASE_POINTS, type GameEvent, type Standing } from './game.js';
import { answerLabel, LETTERS } from './questions.js';

export const MAX_ROUNDS = 50;
export const DEFAULT_ROUNDS = 10;

export const TRIVIA_USAGE = 'trivia start [ROUNDS] | stop | skip | top | stats [USER]';
export const TRIVIA_HELP = `Usage: !trivia start [ROUNDS 1-${MAX_ROUNDS}, default ${DEFAULT_ROUNDS}] | stop | skip | top | stats [USER] — answer with !a <letter or answer>`;
export const ANSWER_USAGE = 'a LETTER|ANSWER';
export const ANSWER_HELP = 'Usage: !a <letter or answer>, while a trivia question is open';

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

export function formatStandings(standings: readonly Standing[], limit = 10): string {
  return standings
    .slice(0, limit)
    .map((s, i) => `${i + 1}. ${s.user} ${s.points}`)
    .join(' · ');
}

export function formatIntro(rounds: number, seconds: number, startedBy: string, available: number): string {
  const few = available < rounds ? ` (only ${available} questions available)` : '';
  return `Trivia! ${plural(Math.min(rounds, available), 'round')} of ${seconds} s, started by ${startedBy}${few}. Answer in the chat, or with !a <letter or answer>; one try per question.`;
}

/** The line for one game event. */
export function formatEvent(event: GameEvent): string {
  switch (event.type) {
    case 'question': {
      const q = event.question;
      const head = `Trivia ${event.round}/${event.rounds} · ${q.category} · ${q.difficulty} (${plural(BASE_POINTS[q.difficulty], 'pt')}): ${q.question}`;
      if (q.choices) {
        const choices = q.choices.map((c, i) => `${LETTERS[i]}) ${c}`).join(' · ');
        return `${head} ${choices} — !a <letter> within ${event.seconds} s`;
      }
      return `${head} — !a <answer> within ${event.seconds} s`;
    }
    case 'correct': {
      const { base, bonus, total } = event.points;
      const how = bonus > 0 ? ` (${base} + ${bonus} speed bonus)` : '';
      return `${event.user} got it: ${answerLabel(event.question)}! +${total}${how} — ${event.gameTotal} this game.`;
    }
    case 'reveal':
      return event.reason === 'skip'
        ? `Skipped by ${event.by ?? 'someone'}. The answer was ${answerLabel(event.question)}.`
        : `Time's up! The answer was ${answerLabel(event.question)}.`;
    case 'end': {
      const scores = event.standings.length > 0 ? formatStandings(event.standings) : 'nobody scored';
      return event.reason === 'stopped'
        ? `Trivia stopped by ${event.by ?? 'someone'} after ${event.round} of ${plural(event.rounds, 'round')}. Scores: ${scores}.`
        : `Trivia over! Final scores: ${scores}.`;
    }
  }
}
