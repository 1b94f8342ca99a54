/**
 * Why a child stopped, in OTP terms. `normal`, `shutdown` and `{ shutdown: why }` are normal exits
 * (a transient child is not restarted after them); `{ error }` is a crash.
 */
export type ExitReason = 'normal' | 'shutdown' | { shutdown: string } | { error: string; stack?: string };

export type RestartType = 'permanent' | 'transient' | 'temporary';

export function isNormalExit(reason: ExitReason): boolean {
  return typeof reason === 'string' || 'shutdown' in reason;
}

/** OTP `do_restart`: permanent always, transient only after a crash, temporary never. */
export function shouldRestart(restart: RestartType, reason: ExitReason): boolean {
  if (restart === 'permanent') return true;
  if (restart === 'temporary') return false;
  return !isNormalExit(reason);
}

export function describeExit(reason: ExitReason): string {
  if (typeof reason === 'string') return reason;
  if ('shutdown' in reason) return `shutdown: ${reason.shutdown}`;
  return `crashed: ${reason.error}`;
}

/**
 * An exit with the account a supervisor gives of giving up, for logs and `rosey status`:
 * `shutdown (reached max restart intensity …)`.
 */
export function describeExitWith(reason: ExitReason, failure: string | undefined): string {
  return failure === undefined ? describeExit(reason) : `${describeExit(reason)} (${failure})`;
}

/** The reason alone, for one-line messages: the error text for a crash. */
export function exitText(reason: ExitReason): string {
  if (typeof reason === 'string') return reason;
  if ('shutdown' in reason) return reason.shutdown;
  return reason.error;
}

/**
 * Thrown (or reported) by an actor that wants its parent to see a specific exit reason, e.g. a
 * worker that wants to stop with `{ shutdown: ... }` rather than crash.
 */
export class ExitSignal extends Error {
  constructor(readonly reason: ExitReason) {
    super(describeExit(reason));
    this.name = 'ExitSignal';
  }
}

/** Maps whatever an actor failed with to an exit reason. */
export function exitFromError(error: unknown): ExitReason {
  if (error instanceof ExitSignal) return error.reason;
  const stack = error instanceof Error ? error.stack : undefined;
  const text = thrownText(error);
  return stack ? { error: text, stack } : { error: text };
}

/** Maps a finished actor's output to an exit reason: actors may finish with `{ exit: reason }`. */
export function exitFromOutput(output: unknown): ExitReason {
  if (output && typeof output === 'object' && 'exit' in output) {
    const exit = (output as { exit: unknown }).exit;
    if (exit === 'normal' || exit === 'shutdown') return exit;
    if (exit && typeof exit === 'object' && ('shutdown' in exit || 'error' in exit))
      return exit as ExitReason;
  }
  return 'normal';
}

/** The account of giving up a supervisor finishes with next to its exit reason (`output.failure`). */
export function failureFromOutput(output: unknown): string | undefined {
  if (output && typeof output === 'object' && 'failure' in output) {
    const failure = (output as { failure: unknown }).failure;
    if (typeof failure === 'string') return failure;
  }
  return undefined;
}

function thrownText(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === 'string') return error;
  try {
    return JSON.stringify(error);
  } catch {
    return String(error);
  }
}
