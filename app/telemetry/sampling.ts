import { isSampleRatio } from '../../contract/trace-sampling.js';
import type { RoseyConfig } from '../config/schema.js';

/** The samplers of OpenTelemetry's `OTEL_TRACES_SAMPLER` that Rosey's head sampling can be. */
// A Map, not an object literal: a variable's value must not find Object.prototype's keys.
const FIXED = new Map([
  ['always_on', 1],
  ['parentbased_always_on', 1],
  ['always_off', 0],
  ['parentbased_always_off', 0],
]);
const RATIO = new Set(['traceidratio', 'parentbased_traceidratio']);

/**
 * The share of new traces recorded (docs/tracing.md#sampling): `telemetry.sampleRatio` from the
 * config, else the standard `OTEL_TRACES_SAMPLER` / `OTEL_TRACES_SAMPLER_ARG`, else 1 (all).
 * Rosey's sampling is always parent-based (a span follows the trace it continues), so each sampler
 * and its `parentbased_` form mean the same here. A sampler Rosey cannot be, or a ratio that is not
 * one, is an error rather than a silent "trace everything".
 */
export function traceSampleRatio(
  config: Pick<RoseyConfig, 'telemetry'>,
  env: NodeJS.ProcessEnv = process.env,
): number {
  if (config.telemetry.sampleRatio !== undefined) return config.telemetry.sampleRatio;
  const sampler = env.OTEL_TRACES_SAMPLER?.trim().toLowerCase();
  if (!sampler) return 1;
  const fixed = FIXED.get(sampler);
  if (fixed !== undefined) return fixed;
  if (!RATIO.has(sampler)) {
    throw new Error(
      `OTEL_TRACES_SAMPLER=${sampler} is not a sampler Rosey supports (always_on, always_off, traceidratio, or their parentbased_ forms)`,
    );
  }
  const arg = env.OTEL_TRACES_SAMPLER_ARG?.trim();
  if (!arg) return 1;
  const ratio = Number(arg);
  if (!isSampleRatio(ratio))
    throw new Error(`OTEL_TRACES_SAMPLER_ARG must be a number from 0 to 1, not '${arg}'`);
  return ratio;
}
