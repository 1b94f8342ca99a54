/**
 * What happened in this process, told to whoever listens in it: after Erlang's `:telemetry` (not
 * OpenTelemetry, which is app/telemetry/). The router,
 * storage and the connectors emit; the metrics actor attaches a handler while it runs and detaches
 * it when it stops. Nothing else is attached, and an emit with no handler costs a loop over an empty
 * set.
 *
 * Why not the bus: these figures were once NATS messages (`rosey.router.outcome`,
 * `rosey.storage.outcome`) and subscriptions on every chat and sent line, read back by the metrics
 * actor in the same process. Each command then went out to nats-server and in again, was decoded,
 * validated and made an XState event, to add one to a counter: about a quarter of the command
 * path's throughput (issue 16, docs/benchmarks.md).
 */

/** One command line the router dealt with. */
export interface CommandOutcome {
  plugin: string;
  command: string;
  /** `ok`: the plugin answered; `error`: it did not (`code` says why); `cooldown`: not sent. */
  outcome: 'ok' | 'error' | 'cooldown';
  code?: string;
  /** From the request to the plugin to its answer (not for `cooldown`). */
  seconds?: number;
}

/** One request storage answered; `op` is `<tier>.<op>` (`kv.get`, `row.insert`, `audit.record`, …). */
export interface StorageOutcome {
  plugin: string;
  op: string;
  outcome: 'ok' | 'error';
  code?: string;
  /** From the request reaching the storage actor to its reply (its queue and the database, not the bus). */
  seconds: number;
}

export type TallyEvent =
  | { type: 'chat.line'; platform: string }
  | { type: 'line.sent'; platform: string; kind: 'chat' | 'pm' }
  | { type: 'command'; outcome: CommandOutcome }
  | { type: 'storage'; outcome: StorageOutcome };

export type TallyHandler = (event: TallyEvent) => void;

interface Attached {
  handler: TallyHandler;
  onFailure: ((error: unknown) => void) | undefined;
}

export class Tally {
  // Entries, not handlers: the same function attached twice is two listeners, each detached alone.
  private readonly attachedNow = new Set<Attached>();

  /**
   * Calls every attached handler, in the emitter's turn. A handler that throws is the listener's
   * failure, not the emitter's: it is detached and told through `onFailure` (the metrics actor
   * crashes on it and its supervisor restarts it), and the router or storage goes on.
   */
  emit(event: TallyEvent): void {
    // Over the listeners of this moment: one attached while this runs hears the next event.
    for (const entry of [...this.attachedNow]) {
      try {
        entry.handler(event);
      } catch (error) {
        this.attachedNow.delete(entry);
        // Told after the emitter's step: told at once, the metrics actor failed and its restart
        // attached inside this emit, heard the same event, failed again, and so on until the
        // supervisor gave up, all within the router's action.
        queueMicrotask(() => entry.onFailure?.(error));
      }
    }
  }

  /** Listens until the returned function is called (an actor calls it when it stops). */
  attach(handler: TallyHandler, onFailure?: (error: unknown) => void): () => void {
    const entry: Attached = { handler, onFailure };
    this.attachedNow.add(entry);
    return () => {
      this.attachedNow.delete(entry);
    };
  }

  /** How many listen now: a stopped actor must leave none behind. */
  get attached(): number {
    return this.attachedNow.size;
  }
}
