import { createInterface } from 'node:readline';
import type { Msg, NatsConnection } from '../contract/nats.js';
import type { z } from '../contract/zod.js';
import { redactUrl } from '../actors/bus/connect.js';
import { formatBotLine, formatNotice } from '../actors/console/format.js';
import { typedLine } from '../actors/console/typed-line.js';
import { sendKickSchema } from '../contract/messages/actions.js';
import { CHAT_CLIENT_PLATFORM, sendChatSchema, sendPmSchema } from '../contract/messages/chat.js';
import { decodeJson, encodeJson } from '../contract/envelope.js';
import { randomHex } from '../contract/random-hex.js';
import { request } from '../contract/request.js';
import { err, errorMessage, ok } from '../contract/result.js';
import { subjects } from '../contract/subjects.js';
import { validate } from '../contract/validate.js';
import { connectToRosey, type ControlTarget } from './control-client.js';

export interface ChatClientOptions {
  target: ControlTarget;
  user: string;
  rank: number;
  /** How the bot's lines are labelled (`bot.name`). */
  botName: string;
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream;
  /** A terminal: a prompt, and Ctrl-D / Ctrl-C end the session. */
  interactive: boolean;
  /** At the end of input, how long to wait for the answers still owed. */
  settleTimeoutMs: number;
}

/**
 * `rosey chat`: a terminal chat with a Rosey that is already running, from another process. It is
 * a platform of its own on the bus (`cli`, docs/subjects.md): each line is published as a chat
 * message (a `/pm ` line as a private one) from this session's own channel, and what Rosey sends
 * there — the router's replies, and plugins' own lines, PMs and kicks aimed at it — is printed.
 * Piped input ends once every line has been answered. Resolves with the exit code.
 */
export async function runChatClient(o: ChatClientOptions): Promise<number> {
  let nc: NatsConnection;
  try {
    nc = await connectToRosey(o.target);
  } catch (error) {
    throw new Error(`cannot reach Rosey's NATS at ${redactUrl(o.target.url)}: ${errorMessage(error)}`, {
      cause: error,
    });
  }
  const channel = `cli-${randomHex(6)}`;
  const print = (text: string) => {
    o.output.write(`${text}\n`);
  };
  let problem: string | undefined;
  const mine = (to: string | undefined, at: string | undefined) =>
    (at === undefined || at === channel) && (to === undefined || to.toLowerCase() === o.user.toLowerCase());

  // A request (a plugin's own action) is answered by the session it is for and by no other, so
  // concurrent sessions never answer for each other; a plain publish (the router's reply) needs none.
  const serve = <S extends z.ZodType>(
    subject: string,
    schema: S,
    handle: (data: z.output<S>) => { to?: string; at?: string; text: string },
  ) =>
    nc.subscribe(subject, {
      callback: (error, msg: Msg) => {
        if (error) {
          // Refused by the server (a CLI user without the right to subscribe): say so, end.
          problem ??= `cannot listen on ${subject}: ${error.message}`;
          void nc.close();
          return;
        }
        const decoded = decodeJson(msg.data);
        const checked = decoded.ok ? validate(schema, decoded.data) : decoded;
        if (!checked.ok) {
          if (msg.reply) msg.respond(encodeJson(checked));
          return;
        }
        const { to, at, text } = handle(checked.data);
        if (mine(to, at)) {
          print(text);
          if (msg.reply) msg.respond(encodeJson(ok({})));
        } else if (at === channel && msg.reply) {
          // Only this session's user is in its channel (as in the console's).
          msg.respond(encodeJson(err('NOT_FOUND', `${to} is not in this chat`)));
        }
      },
    });
  const chat = subjects.sendChat(CHAT_CLIENT_PLATFORM);
  const subscriptions = [
    serve(chat, sendChatSchema, (d) => ({ at: d.channel, text: formatBotLine(o.botName, d.text) })),
    serve(subjects.sendPm(CHAT_CLIENT_PLATFORM), sendPmSchema, (d) => ({
      at: d.channel,
      to: d.to,
      text: formatBotLine(o.botName, d.text, true),
    })),
    serve(subjects.sendKick(CHAT_CLIENT_PLATFORM), sendKickSchema, (d) => ({
      at: d.channel,
      to: d.user,
      text: formatNotice(`${o.botName} kicked you${d.reason ? ` (${d.reason})` : ''}`),
    })),
  ];
  // Subscribed at the server before the first line goes out: no reply can come first.
  await nc.flush();

  const lines = createInterface({
    input: o.input,
    output: o.interactive ? o.output : undefined,
    terminal: o.interactive,
    crlfDelay: Infinity,
  });
  if (o.interactive) {
    lines.setPrompt(`${o.user}> `);
    lines.prompt();
  }
  let lost = false;
  void nc.closed().then(() => {
    lost = true;
    lines.close();
  });
  for await (const line of lines) {
    const { subject, message, raw } = typedLine(line, {
      platform: CHAT_CLIENT_PLATFORM,
      channel,
      user: o.user,
      rank: o.rank,
    });
    if (raw.trim().length > 0) nc.publish(subject, encodeJson(message));
    if (o.interactive) lines.prompt();
  }
  if (lost) {
    process.stderr.write(`rosey chat: ${problem ?? 'the connection to Rosey was lost'}\n`);
    return 1;
  }
  return finish(nc, o, subscriptions);
}

/** End of input: wait until the router has answered every line sent, print the answers, close. */
async function finish(
  nc: NatsConnection,
  o: ChatClientOptions,
  subscriptions: Array<{ unsubscribe(): void }>,
): Promise<number> {
  try {
    await nc.flush();
    const settled = await request(nc, subjects.routerSettle, {}, { timeoutMs: o.settleTimeoutMs });
    // The server sends what it had for this connection before it answers the flush's ping.
    await nc.flush();
    if (!settled.ok) {
      process.stderr.write(`rosey chat: not every line was answered: ${settled.error.message}\n`);
      return 1;
    }
    return 0;
  } catch (error) {
    process.stderr.write(`rosey chat: ${errorMessage(error)}\n`);
    return 1;
  } finally {
    for (const s of subscriptions) s.unsubscribe();
    await nc.close().catch(() => undefined);
  }
}
