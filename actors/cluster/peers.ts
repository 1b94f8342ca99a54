import type { NodeHeartbeat } from '../../contract/messages/cluster.js';

/** Nodes one node keeps track of at most. */
export const MAX_PEERS = 256;

interface Peer {
  heartbeat: NodeHeartbeat;
  heardAt: number;
}

/**
 * The nodes this one has heard on `rosey.cluster.node.*.heartbeat`: whom a scatter-gather waits
 * for, and whom `rosey status --cluster` lists as silent when they do not answer. A node not heard
 * for `forgetAfterMs` (stopped for good, or renamed) is dropped from the list.
 */
export class Peers {
  private readonly peers = new Map<string, Peer>();

  constructor(
    private readonly forgetAfterMs: number,
    /** Two instances heard under one name within this are two processes, not a restart. */
    private readonly clashWithinMs: number,
  ) {}

  /**
   * Records a heartbeat; returns the other instance when two processes use the same node name.
   * Past `MAX_PEERS` names, the long silent are forgotten first and a new name beyond that is not
   * recorded: heartbeats under made-up names must not grow the table without end.
   */
  heard(heartbeat: NodeHeartbeat, now = Date.now()): NodeHeartbeat | undefined {
    const previous = this.peers.get(heartbeat.node);
    if (!previous && this.peers.size >= MAX_PEERS) {
      this.known(now);
      if (this.peers.size >= MAX_PEERS) return undefined;
    }
    this.peers.set(heartbeat.node, { heartbeat, heardAt: now });
    return previous &&
      previous.heartbeat.instance !== heartbeat.instance &&
      now - previous.heardAt < this.clashWithinMs
      ? previous.heartbeat
      : undefined;
  }

  /** The names heard lately, with how long ago. */
  known(now = Date.now()): Map<string, number> {
    const known = new Map<string, number>();
    for (const [node, peer] of this.peers) {
      if (now - peer.heardAt > this.forgetAfterMs) this.peers.delete(node);
      else known.set(node, now - peer.heardAt);
    }
    return known;
  }
}
