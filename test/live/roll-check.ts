/**
 * The tester of `npm run test:e2e:cytube`: a plain socket.io client (as a person's browser would
 * connect) that joins the channel, says `!roll 1d6` and waits for the bot's answer to *that* line.
 *
 * Issue 21: it used to take any `rolled 1d6` line from the bot, and every join replays up to 15 old
 * lines, earlier test runs' answers included, so it passed while the bot could not speak at all.
 * Now only an answer to this run's own line counts: it names this run's tester, it comes after the
 * tester's own line came back (so after the join burst and its history), and the server stamped it
 * no earlier than that line.
 */
import { io } from 'socket.io-client';
import { discover } from '../../actors/cytube/discovery.actor.js';

export interface RollCheck {
  /** The CyTube site. */
  server: string;
  channel: string;
  channelPassword?: string;
  /** The bot's name there. */
  bot: string;
  /** This run's tester: a fresh guest name, or a registered account (then with a password). */
  tester: string;
  testerPassword?: string;
  timeoutMs: number;
  /** The client's source address (CyTube's per-IP limits). */
  localAddress?: string;
}

export const ROLL = '!roll 1d6';

interface ChatLine {
  username: string;
  msg: string;
  time?: number;
}

/**
 * Decides, line by line, whether the bot answered the tester's own `!roll`. Pure, so the rule can
 * be read and tested apart from the sockets.
 */
export function rollAnswerWatcher(bot: string, tester: string) {
  let ownLineAt: number | undefined;
  const answer = new RegExp(`^${tester.replace(/[^A-Za-z0-9_-]/g, '')} rolled 1d6: `, 'i');
  return {
    /** The tester's `!roll` went out: only what the server sends from now on can answer it. */
    sent(): void {
      ownLineAt = undefined;
    },
    /** Returns the bot's answer when `line` is it. */
    onChat(line: ChatLine, joined: boolean): string | undefined {
      if (!joined) return undefined; // the join burst: history, not answers
      if (ownLineAt === undefined) {
        if (line.username.toLowerCase() === tester.toLowerCase() && line.msg === ROLL)
          ownLineAt = line.time ?? 0;
        return undefined;
      }
      if (line.username.toLowerCase() !== bot.toLowerCase() || !answer.test(line.msg)) return undefined;
      return (line.time ?? ownLineAt) >= ownLineAt ? line.msg : undefined;
    },
  };
}

/** Joins as the tester, says `!roll 1d6` once in the channel, and resolves with the bot's answer. */
export async function askForRoll(o: RollCheck): Promise<string> {
  const found = await discover(o.server, o.channel, 10_000);
  if (found.kind !== 'found') throw new Error(`the tester cannot find the channel's server: ${found.reason}`);
  const socket = io(found.url, {
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
    ...(o.localAddress ? { localAddress: o.localAddress } : {}),
  });
  const watcher = rollAnswerWatcher(o.bot, o.tester);
  try {
    return await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no answer from ${o.bot} to ${o.tester}'s ${ROLL} within ${o.timeoutMs} ms`)),
        o.timeoutMs,
      );
      // Logged in and in the channel are separate answers that race (protocol doc, join step 6).
      let loggedIn = false;
      let inChannel = false;
      let asked = false;
      const ask = () => {
        if (asked || !loggedIn || !inChannel) return;
        asked = true;
        watcher.sent();
        socket.emit('chatMsg', { msg: ROLL, meta: {} });
      };
      const login = () =>
        socket.emit(
          'login',
          o.testerPassword ? { name: o.tester, pw: o.testerPassword } : { name: o.tester },
        );
      socket.on('connect', () => {
        socket.emit(
          'joinChannel',
          o.channelPassword ? { name: o.channel, pw: o.channelPassword } : { name: o.channel },
        );
        login();
      });
      socket.on('connect_error', (e) => reject(new Error(`the tester cannot connect: ${e.message}`)));
      socket.on('kick', (k: { reason?: string }) =>
        reject(new Error(`the tester was kicked: ${k.reason ?? ''}`)),
      );
      socket.on('userlist', () => {
        inChannel = true;
        ask();
      });
      socket.on('login', (r: { success: boolean; error?: string }) => {
        if (r.success) {
          loggedIn = true;
          ask();
          return;
        }
        const wait = /per (\d+) seconds/.exec(r.error ?? '');
        if (wait) setTimeout(login, Number(wait[1]) * 1000 + 500);
        else reject(new Error(`the tester's login failed: ${r.error ?? 'no reason'}`));
      });
      socket.on('chatMsg', (m: ChatLine) => {
        const found = watcher.onChat(m, asked);
        if (found === undefined) return;
        clearTimeout(timer);
        resolve(found);
      });
    });
  } finally {
    socket.disconnect();
  }
}
