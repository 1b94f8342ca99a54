/** Skip votes on the item playing now. Pure: the plugin keeps one `Ballot` per channel. */
import type { ChannelView } from 'rosey/sdk';

export interface Ballot {
  /** The item voted on; a vote on another item starts a new ballot. */
  uid: number;
  /** Lower-cased names. */
  voters: string[];
}

export interface Tally {
  ballot: Ballot;
  /** Votes of voters still in the channel. */
  votes: number;
  need: number;
  /** This voter had voted already. */
  again: boolean;
}

/** Votes needed: the share of users present and not AFK (the bot aside), never below the minimum. */
export function votesNeeded(view: ChannelView, ratio: number, min: number): number {
  const self = view.self.name.toLowerCase();
  const present = view.users.filter((u) => !u.afk && u.name.toLowerCase() !== self).length;
  return Math.max(min, Math.ceil(present * ratio));
}

/** Adds `voter`'s vote on the current item to `ballot` (a fresh one when the item changed). */
export function vote(
  ballot: Ballot | undefined,
  current: number,
  voter: string,
  view: ChannelView,
  rule: { ratio: number; min: number },
): Tally {
  const key = voter.toLowerCase();
  const fresh: Ballot = ballot && ballot.uid === current ? ballot : { uid: current, voters: [] };
  const again = fresh.voters.includes(key);
  // Voters who left no longer count: their vote would otherwise outlive their interest.
  const present = new Set(view.users.map((u) => u.name.toLowerCase()));
  const voters = [...fresh.voters.filter((v) => present.has(v)), ...(again ? [] : [key])];
  return {
    ballot: { uid: current, voters },
    votes: voters.length,
    need: votesNeeded(view, rule.ratio, rule.min),
    again,
  };
}
