/**
 * The last transitions of each actor, for a watcher that joins late. Bounded twice: `perActor`
 * entries for one actor (a ring: the oldest goes), and `actors` actors in all (the one written to
 * least recently goes first: the buffers of actors long stopped, and of past plugin generations).
 * So memory stays flat however long Rosey runs and however many actors come and go.
 *
 * An entry is kept as it was recorded, unserialised: the caller stores what it already has (the
 * event object, the state value) and turns it into JSON only when someone asks.
 */
export class TransitionHistory<T> {
  private readonly buffers = new Map<string, Ring<T>>();

  constructor(
    readonly perActor: number,
    readonly actors: number,
  ) {
    if (perActor < 1 || actors < 1) throw new RangeError('history bounds must be at least 1');
  }

  record(actor: string, entry: T): void {
    let ring = this.buffers.get(actor);
    if (ring) {
      // Most recently written last: the Map's order is the eviction order.
      this.buffers.delete(actor);
    } else {
      ring = new Ring<T>(this.perActor);
      if (this.buffers.size >= this.actors) {
        const oldest = this.buffers.keys().next().value;
        if (oldest !== undefined) this.buffers.delete(oldest);
      }
    }
    this.buffers.set(actor, ring);
    ring.push(entry);
  }

  /** The actor's entries, oldest first. */
  entries(actor: string): T[] {
    return this.buffers.get(actor)?.toArray() ?? [];
  }

  /** Entries held in all, for the bound's tests and the figures. */
  get size(): number {
    let total = 0;
    for (const ring of this.buffers.values()) total += ring.length;
    return total;
  }

  get actorCount(): number {
    return this.buffers.size;
  }
}

class Ring<T> {
  private readonly items: (T | undefined)[];
  private next = 0;
  length = 0;

  constructor(private readonly capacity: number) {
    this.items = new Array<T | undefined>(capacity);
  }

  push(item: T): void {
    this.items[this.next] = item;
    this.next = (this.next + 1) % this.capacity;
    if (this.length < this.capacity) this.length += 1;
  }

  toArray(): T[] {
    const out: T[] = [];
    const start = (this.next - this.length + this.capacity) % this.capacity;
    for (let i = 0; i < this.length; i++) out.push(this.items[(start + i) % this.capacity] as T);
    return out;
  }
}
