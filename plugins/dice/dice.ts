import { randomInt } from 'node:crypto';

export const LIMITS = { maxDice: 20, maxSides: 1000, maxModifier: 100 } as const;

export const ROLL_USAGE = 'roll [N]d<S>[kh|kl K][+|-M]';
export const ROLL_HELP =
  `Usage: !${ROLL_USAGE} — N ≤ ${LIMITS.maxDice} dice of S ≤ ${LIMITS.maxSides} sides, ` +
  `keep the K highest (kh) or lowest (kl), add M (|M| ≤ ${LIMITS.maxModifier}). E.g. !roll 2d6+1, !roll 4d6kh3.`;

export interface Notation {
  count: number;
  sides: number;
  keep?: { which: 'highest' | 'lowest'; count: number };
  modifier: number;
}

const NOTATION = /^(\d{0,3})d(\d{1,5})(?:(kh|kl)(\d{1,3}))?(?:([+-])(\d{1,4}))?$/;

/** `2d6`, `d20`, `4d6kh3`, `2d20kl1+5` → a notation within the limits, or undefined. */
export function parseNotation(text: string): Notation | undefined {
  const match = NOTATION.exec(text.toLowerCase().replace(/\s+/g, ''));
  if (!match) return undefined;
  const [, n, s, k, kc, sign, m] = match;
  const count = n ? Number(n) : 1;
  const sides = Number(s);
  const modifier = m ? Number(m) * (sign === '-' ? -1 : 1) : 0;
  if (count < 1 || count > LIMITS.maxDice) return undefined;
  if (sides < 1 || sides > LIMITS.maxSides) return undefined;
  if (Math.abs(modifier) > LIMITS.maxModifier) return undefined;
  const notation: Notation = { count, sides, modifier };
  if (k) {
    const keepCount = Number(kc);
    if (keepCount < 1 || keepCount > count) return undefined;
    notation.keep = { which: k === 'kh' ? 'highest' : 'lowest', count: keepCount };
  }
  return notation;
}

export interface Roll {
  notation: Notation;
  dice: number[];
  /** Indexes into `dice` of the dice that count. */
  kept: Set<number>;
  total: number;
}

export function roll(
  notation: Notation,
  random: (max: number) => number = (max) => randomInt(1, max + 1),
): Roll {
  const dice = Array.from({ length: notation.count }, () => random(notation.sides));
  const order = dice.map((_, i) => i).sort((a, b) => dice[b]! - dice[a]! || a - b);
  const keptOrder = notation.keep
    ? notation.keep.which === 'highest'
      ? order.slice(0, notation.keep.count)
      : order.slice(-notation.keep.count)
    : order;
  const kept = new Set(keptOrder);
  const total = [...kept].reduce((sum, i) => sum + dice[i]!, 0) + notation.modifier;
  return { notation, dice, kept, total };
}

export function formatNotation(n: Notation): string {
  const keep = n.keep ? `${n.keep.which === 'highest' ? 'kh' : 'kl'}${n.keep.count}` : '';
  const mod = n.modifier > 0 ? `+${n.modifier}` : n.modifier < 0 ? `${n.modifier}` : '';
  return `${n.count}d${n.sides}${keep}${mod}`;
}

/** `alice rolled 4d6kh3: 6, 4, 3, (1) = 13` — dropped dice in parentheses. */
export function formatRoll(user: string, r: Roll): string {
  const dice = r.dice.map((d, i) => (r.kept.has(i) ? String(d) : `(${d})`)).join(', ');
  const mod =
    r.notation.modifier === 0
      ? ''
      : ` ${r.notation.modifier > 0 ? '+' : '-'} ${Math.abs(r.notation.modifier)}`;
  return `${user} rolled ${formatNotation(r.notation)}: ${dice}${mod} = ${r.total}`;
}

export function flip(random: () => number = () => randomInt(0, 2)): 'heads' | 'tails' {
  return random() === 0 ? 'heads' : 'tails';
}
