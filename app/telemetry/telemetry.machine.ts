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
import { childReady } from '../../supervisors/child-protocol.js';
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

/**
 * The owner of the main process's tracer (tracing on only; docs/tracing.md): loads OpenTelemetry,
 * installs the tracer for every actor of the process, and on shutdown uninstalls it and sends the
 * spans it still holds before it stops. The tree's first child, so it is up before anything that
 * records a span and stopped after all of them, their last spans included.
 */
export const telemetryMachine = setup({
  types: {
    input: {} as TelemetryInput,
    context: {} as TelemetryContext,
    events: {} as { type: 'rosey.shutdown' },
    output: {} as { exit: ExitReason },
  },
  actors: {
    start: fromPromise<Tracing, TracingOptions>(({ input }) => loadTracing(input)),
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
        input: ({ context }) => {
          const { logger: _logger, ...options } = context.input;
          return options;
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
              sendParent(({ self }) => childReady(self)),
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
      on: { 'rosey.shutdown': 'flushing' },
    },
    flushing: {
      entry: ({ context }) => context.tracing && uninstallTracing(context.tracing),
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
