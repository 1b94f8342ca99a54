import { definePlugin } from 'rosey/sdk';
import { reply, USAGE } from './eightball.js';

/** Per-user cooldown, enforced (and announced once) by the router. */
export const COOLDOWN_MS = 10_000;

export default definePlugin({
  name: 'magic-8ball',
  commands: {
    '8ball': {
      usage: USAGE,
      description: 'Ask the Magic 8-Ball a yes-or-no question.',
      cooldownMs: COOLDOWN_MS,
      run: (ctx) => reply(ctx.argText),
    },
  },
});
