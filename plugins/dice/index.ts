import { definePlugin } from 'rosey/sdk';
import { flip, formatRoll, parseNotation, roll, ROLL_HELP, ROLL_USAGE } from './dice.js';

export default definePlugin({
  name: 'dice',
  commands: {
    roll: {
      usage: ROLL_USAGE,
      description: 'Roll dice, e.g. !roll 2d6+1 or !roll 4d6kh3 (plain !roll is 1d6).',
      cooldownMs: 0,
      aliases: ['dice'],
      run: (ctx) => {
        const notation = parseNotation(ctx.argText === '' ? '1d6' : ctx.argText);
        return notation ? formatRoll(ctx.user, roll(notation)) : ROLL_HELP;
      },
    },
    flip: {
      usage: 'flip',
      description: 'Flip a coin.',
      cooldownMs: 0,
      aliases: ['coin'],
      run: (ctx) => `${ctx.user} flipped a coin: ${flip()}`,
    },
  },
});
