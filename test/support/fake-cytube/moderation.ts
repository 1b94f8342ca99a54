/**
 * Moderator actions: mute, shadow mute, kick, channel ranks. Refusals for lack of rank are silent,
 * as recorded (08: a rank-1 /mute; 13: a rank-2 setChannelRank).
 */
import type { Channel } from './channel.js';
import { isValidUserName } from './chat-format.js';
import { TEXT } from './defaults.js';
import type { Session } from './session.js';

/** Mute commands need the `mute` permission and a target of lower rank. */
function muteTarget(ch: Channel, actor: Session, name: string | undefined): Session | undefined {
  if (!ch.can(actor, 'mute') || !name) return undefined;
  const target = ch.findUser(name);
  if (!target || target === actor || target.rank >= actor.rank) return undefined;
  return target;
}

export function mute(ch: Channel, actor: Session, name: string | undefined, shadow: boolean): void {
  const target = muteTarget(ch, actor, name);
  if (!target?.user) return;
  target.muted = true;
  target.smuted = shadow;
  // A shadow mute is told to moderators only, so its target cannot notice it (08).
  ch.sendUserMeta(target, shadow);
  ch.whisper(`${actor.name} ${shadow ? 'shadowmuted' : 'muted'} ${target.user.name}`);
}

export function unmute(ch: Channel, actor: Session, name: string | undefined): void {
  const target = muteTarget(ch, actor, name);
  if (!target?.user || !target.muted) return;
  target.muted = false;
  target.smuted = false;
  // Unmuting whispers first, then updates the meta: the reverse of muting (08).
  ch.whisper(`${actor.name} unmuted ${target.user.name}`);
  ch.sendUserMeta(target);
}

/** Kick: the target hears why and is disconnected; the others see it leave, moderators are told who did it. */
export function kick(ch: Channel, target: Session, reason: string, actorName?: string): void {
  const name = target.user?.name ?? '';
  target.send('kick', { reason });
  target.gone = true;
  ch.leave(target);
  target.disconnect();
  if (actorName) ch.whisper(`${actorName} kicked ${name}`);
}

export function kickCommand(ch: Channel, actor: Session, args: string[]): void {
  const [name, ...rest] = args;
  if (!ch.can(actor, 'kick') || !name) return;
  const target = ch.findUser(name);
  if (!target || target === actor || target.rank >= actor.rank) return;
  kick(ch, target, rest.join(' '), actor.name);
}

export interface RankActor {
  name: string;
  rank: number;
  session?: Session;
}

/** setChannelRank and `/rank`: needs rank ≥ 3; online and offline targets are told differently (13). */
export function setChannelRank(ch: Channel, actor: RankActor, name: string, rank: number): void {
  const fail = (msg: string) => actor.session?.send('channelRankFail', { msg });
  if (actor.rank < 3 || !isValidUserName(name) || !Number.isFinite(rank)) return;
  if (name.toLowerCase() === actor.name.toLowerCase()) return void fail(TEXT.rankSelf);
  if (rank >= actor.rank || rank < 1) return void fail(TEXT.rankTooHigh);
  const account = ch.ctx.accounts.get(name);
  if (!account) return void fail(TEXT.rankNotRegistered(name));
  const online = ch.members.filter(
    (m) => m.user && !m.user.guest && m.user.name.toLowerCase() === name.toLowerCase(),
  );
  const current = online[0]?.rank ?? ch.rankOf(name) ?? account.rank;
  if (current >= actor.rank) return void fail(TEXT.rankTargetHigher);
  ch.ranks.set(account.name.toLowerCase(), rank);
  if (online.length === 0) {
    ch.broadcast('setUserRank', { name: account.name, rank, userrank: actor.rank });
    ch.whisper(`${actor.name} set ${account.name}'s rank to ${rank}`);
    return;
  }
  for (const target of online) {
    target.rank = rank;
    // The target sees the list the way its new rank sees it, before hearing the rank (13).
    target.send('userlist', ch.userlistFor(target));
    target.send('rank', rank);
  }
  ch.broadcast('setUserRank', { name: account.name, rank });
}

export function requestChannelRanks(ch: Channel, actor: Session): void {
  if (actor.rank < 3) return;
  actor.send(
    'channelRanks',
    [...ch.ranks.entries()].map(([key, rank]) => ({
      name: ch.ctx.accounts.get(key)?.name ?? key,
      rank,
      channel: ch.name,
    })),
  );
}
