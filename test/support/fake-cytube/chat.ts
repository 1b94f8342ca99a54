/** chatMsg and pm: validation, mute and flood checks, slash commands, formatting, delivery. */
import type { Channel } from './channel.js';
import { filterClientMeta, formatMessage } from './chat-format.js';
import { isValidUserName } from './chat-format.js';
import { TEXT } from './defaults.js';
import { cooldownMs, DEFAULT_CHAT_FLOOD, type FloodParams } from './flood-limiter.js';
import { kickCommand, mute, setChannelRank, unmute } from './moderation.js';
import type { Session } from './session.js';
import { isRecord, shapeError } from './validate.js';

function antifloodParams(ch: Channel): FloodParams | undefined {
  const p = ch.options.chat_antiflood_params;
  if (ch.options.chat_antiflood !== true || !isRecord(p)) return undefined;
  const { burst, sustained, cooldown } = p;
  if (typeof burst !== 'number' || typeof sustained !== 'number' || typeof cooldown !== 'number')
    return undefined;
  return { burst, sustained, cooldown };
}

/**
 * The default limiter applies to everyone, the channel's antiflood only below moderator (07).
 * Over the limit the sender gets `cooldown` and the message is gone.
 */
function floodOk(ch: Channel, s: Session): boolean {
  if (!s.chatFlood.tryAcquire()) {
    s.send('cooldown', cooldownMs(DEFAULT_CHAT_FLOOD));
    return false;
  }
  const af = antifloodParams(ch);
  if (af && s.rank < 2 && !s.antifloodLimiter(af).tryAcquire()) {
    s.send('cooldown', cooldownMs(af));
    return false;
  }
  return true;
}

function formatOptions(ch: Channel, interpretActions: boolean) {
  return {
    maxLength: ch.ctx.maxChatLength,
    allowAsciiControl: ch.options.allow_ascii_control === true,
    interpretActions,
  };
}

/** Commands the real server consumes; any other `/word` is ordinary chat (03 /notacommand, 13 /mod). */
function runCommand(ch: Channel, s: Session, text: string): boolean {
  const [word = '', ...args] = text.slice(1).trim().split(/\s+/);
  switch (word.toLowerCase()) {
    case 'afk':
      ch.setAfk(s, !s.afk);
      return true;
    case 'mute':
      mute(ch, s, args[0], false);
      return true;
    case 'smute':
      mute(ch, s, args[0], true);
      return true;
    case 'unmute':
    case 'unsmute':
      unmute(ch, s, args[0]);
      return true;
    case 'kick':
      kickCommand(ch, s, args);
      return true;
    case 'rank':
      if (s.user && args[0] !== undefined) {
        setChannelRank(ch, { name: s.user.name, rank: s.rank, session: s }, args[0], Number(args[1]));
      }
      return true;
    case 'clear':
      if (ch.can(s, 'chatclear')) {
        ch.history.length = 0;
        ch.broadcast('clearchat', null);
      }
      return true;
    default:
      return false;
  }
}

export function handleChatMsg(s: Session, data: unknown): void {
  const bad = shapeError('chatMsg', data, {
    msg: { type: 'string' },
    meta: { type: 'object', optional: true },
  });
  if (bad) return void s.send('errorMsg', { msg: bad });
  const ch = s.channel;
  if (!ch || !s.user || !ch.can(s, 'chat')) return;
  const { msg, meta } = data as { msg: string; meta?: unknown };
  if (msg.trim() === '') return;
  if (s.muted && !s.smuted) return void s.send('noflood', { action: 'chat', msg: TEXT.muted });
  if (!floodOk(ch, s)) return;
  const formatted = formatMessage(msg, formatOptions(ch, true));
  if (!formatted) return;
  const raw = msg.trimStart();
  if (raw.startsWith('/') && !/^\/(me|sp) /.test(raw) && runCommand(ch, s, raw)) return;
  // Any line that does not mention "/afk" brings an AFK user back, before the line itself (03).
  if (s.afk && !msg.includes('/afk')) ch.setAfk(s, false);
  const line = {
    username: s.user.name,
    msg: formatted.msg,
    meta: { ...filterClientMeta(meta, s.rank), ...formatted.meta },
    time: Date.now(),
  };
  if (s.smuted) {
    // Shadow mute: the sender sees a normal echo, moderators a marked one, everybody else nothing (08).
    ch.broadcastEach('chatMsg', (v) =>
      v === s ? line : ch.isMod(v) ? { ...line, meta: { ...line.meta, shadow: true } } : undefined,
    );
    return;
  }
  ch.recordChat(line);
  ch.broadcast('chatMsg', line);
}

export function handlePm(s: Session, data: unknown): void {
  const bad = shapeError('pm', data, {
    to: { type: 'string' },
    msg: { type: 'string' },
    meta: { type: 'object', optional: true },
  });
  if (bad) return void s.send('errorMsg', { msg: bad });
  const ch = s.channel;
  if (!ch || !s.user) return;
  const { to, msg, meta } = data as { to: string; msg: string; meta?: unknown };
  // A plain mute does not stop PMs (08); PMs do share the chat limiter.
  if (msg.trim() === '') return;
  if (!isValidUserName(to)) return void s.send('errorMsg', { msg: TEXT.pmInvalid(to) });
  if (to.toLowerCase() === s.user.name.toLowerCase()) return void s.send('errorMsg', { msg: TEXT.pmSelf });
  const target = ch.findUser(to);
  if (!target?.user) return void s.send('errorMsg', { msg: TEXT.pmNotConnected(to) });
  if (!floodOk(ch, s)) return;
  const formatted = formatMessage(msg, formatOptions(ch, false));
  if (!formatted) return;
  const pm = {
    username: s.user.name,
    msg: formatted.msg,
    meta: { ...filterClientMeta(meta, s.rank), ...formatted.meta },
    time: Date.now(),
    to: target.user.name.toLowerCase(),
  };
  target.send('pm', pm);
  s.send('pm', pm);
}
