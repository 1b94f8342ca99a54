/**
 * The span active in this process, for spans started within it to take as their parent: kept
 * across awaits with Node's AsyncLocalStorage (a plugin process, whose command awaits storage
 * requests made through clients the plugin may have kept since its start), or only during `run`'s
 * synchronous call (Rosey's process, sparing it AsyncLocalStorage's promise hooks on Node 20 and 22).
 */
import { AsyncLocalStorage } from 'node:async_hooks';

export interface ActiveSpan<S> {
  get(): S | undefined;
  run<T>(span: S, fn: () => T): T;
  /** Forgets the active span everywhere (the tracing is shut down). */
  disable(): void;
}

export function asyncActiveSpan<S>(): ActiveSpan<S> {
  const storage = new AsyncLocalStorage<S>();
  return {
    get: () => storage.getStore(),
    run: (span, fn) => storage.run(span, fn),
    disable: () => storage.disable(),
  };
}

export function syncActiveSpan<S>(): ActiveSpan<S> {
  let current: S | undefined;
  return {
    get: () => current,
    run(span, fn) {
      const outer = current;
      current = span;
      try {
        return fn();
      } finally {
        current = outer;
      }
    },
    disable() {
      current = undefined;
    },
  };
}
