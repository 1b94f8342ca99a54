import { assign, fromPromise, sendParent, setup } from 'xstate';
import { quietLogger, type Logger } from '../../contract/log.js';
import { errorMessage } from '../../contract/result.js';
import {
  installTracing,
  loadTracing,
  uninstallTracing,
  type Tracing,
  type TracingOptions,
} from '../../contract/tracing.js';
import { restoreHeapFlags } from '../../process/main-heap.js';
import { childInfo, childReady, type ChildInfo } from '../../supervisors/child-protocol.js';
import type { ExportProblem } from '../../contract/tracer.js';
import type { ExitReason } from '../../supervisors/exit-reason.js';

export interface TelemetryInput extends TracingOptions {
  logger?: Logger;
}

interface TelemetryContext {
  input: TelemetryInput;
  tracing?: Tracing;
  stopRequested: boolean;
  failure?: string;
}

/** What the tree shows of the tracer (`rosey status`, the metrics actor's tree reading). */
const info = (url: string, problem?: ExportProblem): ChildInfo => ({
  url,
  failedExports: problem?.failedExports ?? 0,
  lostSpans: problem?.lostSpans ?? 0,
});

function tell(logger: Logger = quietLogger, { message, failing }: ExportProblem): void {
  if (message === undefined) return;
  if (failing) logger.warn(message);
  else logger.info(message);
}

/**
 * The owner of the main process's tracer (tracing on only; docs/tracing.md): loads OpenTelemetry,
 * installs the tracer for every actor of the process, and on shutdown uninstalls it and sends the
 * spans it still holds before it stops. The tree's first child, so it is up before anything that
 * records a span and stopped after all of them, their last spans included. Spans it cannot send are
 * reported (rate-limited by the tracer) in the log and counted in its info in the tree.
 */
export const telemetryMachine = setup({
  types: {
    input: {} as TelemetryInput,
    context: {} as TelemetryContext,
    events: {} as { type: 'rosey.shutdown' } | { type: 'telemetry.export'; problem: ExportProblem },
    output: {} as { exit: ExitReason },
  },
  actors: {
    start: fromPromise<Tracing, TracingOptions>(async ({ input, signal }) => {
      let tracing: Tracing;
      try {
        tracing = await loadTracing(input);
      } finally {
        // Setting up the export thread's heap (even one that then failed) undid the main thread's
        // heap flags (process/main-heap.ts): without this, turning tracing on gave Rosey's process
        // V8's default young generation, and with it a slower, longer-pausing main thread. Restored
        // when the thread comes online (onThreadOnline, below) and again here, whatever happened.
        restoreHeapFlags();
      }
      // Stopped while it loaded (a restart, the start timeout): nobody will own it, so it ends here.
      if (signal.aborted) await tracing.shutdown();
      return tracing;
    }),
    flush: fromPromise<void, Tracing>(({ input }) => input.shutdown()),
  },
  guards: { stopRequested: ({ context }) => context.stopRequested },
}).createMachine({
  id: 'telemetry',
  context: ({ input }) => ({ input, stopRequested: false }),
  output: ({ context }) => ({
    exit: context.failure === undefined ? 'shutdown' : { error: context.failure },
  }),
  initial: 'starting',
  states: {
    starting: {
      invoke: {
        src: 'start',
        input: ({ context, self }): TracingOptions => {
          const { logger: _logger, ...options } = context.input;
          return {
            ...options,
            onExportProblem: (problem) => self.send({ type: 'telemetry.export', problem }),
            // As soon as the thread's heap is set up, before the process allocates on defaults.
            onThreadOnline: restoreHeapFlags,
          };
        },
        onDone: [
          // Asked to stop while loading: nothing was installed yet, so nothing was recorded.
          {
            guard: 'stopRequested',
            target: 'flushing',
            actions: assign({ tracing: ({ event }) => event.output }),
          },
          {
            target: 'running',
            actions: [
              assign({ tracing: ({ event }) => event.output }),
              ({ event }) => installTracing(event.output),
              ({ context }) =>
                (context.input.logger ?? quietLogger).info(`sending traces to ${context.input.url}`),
              sendParent(({ self, context }) => childReady(self, info(context.input.url))),
            ],
          },
        ],
        onError: {
          target: 'failed',
          actions: assign({ failure: ({ event }) => `cannot start tracing: ${errorMessage(event.error)}` }),
        },
      },
      on: { 'rosey.shutdown': { actions: assign({ stopRequested: true }) } },
    },
    running: {
      on: {
        'rosey.shutdown': 'flushing',
        'telemetry.export': {
          actions: [
            ({ context, event }) => tell(context.input.logger, event.problem),
            sendParent(({ self, context, event }) => childInfo(self, info(context.input.url, event.problem))),
          ],
        },
      },
    },
    flushing: {
      entry: ({ context }) => context.tracing && uninstallTracing(context.tracing),
      // What could not be sent while stopping is still told (the parent is no longer listening).
      on: {
        'telemetry.export': {
          actions: ({ context, event }) => tell(context.input.logger, event.problem),
        },
      },
      invoke: {
        src: 'flush',
        input: ({ context }) => context.tracing!,
        onDone: 'stopped',
        // Spans that could not be sent are lost; that is no reason to fail the shutdown.
        onError: {
          target: 'stopped',
          actions: ({ context, event }) =>
            (context.input.logger ?? quietLogger).warn(
              `could not send the last spans: ${errorMessage(event.error)}`,
            ),
        },
      },
    },
    stopped: { type: 'final' },
    failed: { type: 'final' },
  },
});
