import { redactUrl } from '../../actors/bus/connect.js';
import { errorMessage } from '../../contract/result.js';
import type { RoseyConfig } from '../config/schema.js';
import { otlpTracesUrl } from '../telemetry/endpoint.js';
import { traceSampleRatio } from '../telemetry/sampling.js';
import { failed, ok, skipped, warn, type CheckResult } from './doctor-check.js';
import { tcpUnreachable } from './tcp-reach.js';

const DEFAULT_PORTS: Record<string, number> = { 'http:': 80, 'https:': 443 };

/**
 * Tracing's settings as Rosey would start with them (docs/tracing.md): the sampler, which a wrong
 * OpenTelemetry variable makes stop the start; and whether the collector accepts connections,
 * without which every span is counted lost.
 */
export async function checkTracing(
  config: Pick<RoseyConfig, 'telemetry'>,
  timeoutMs: number,
  env: NodeJS.ProcessEnv = process.env,
): Promise<CheckResult> {
  const url = otlpTracesUrl(config, env);
  if (url === undefined)
    return skipped('tracing', 'off (no telemetry.otlpEndpoint or OTEL_EXPORTER_OTLP_ENDPOINT)');
  let ratio: number;
  try {
    ratio = traceSampleRatio(config, env);
  } catch (error) {
    return failed(
      'tracing',
      errorMessage(error),
      'set telemetry.sampleRatio, or OTEL_TRACES_SAMPLER to always_on, always_off, traceidratio or a parentbased_ one (docs/tracing.md#sampling)',
    );
  }
  const shown = redactUrl(url);
  if (!URL.canParse(url))
    return failed(
      'tracing',
      `${shown} is not a URL`,
      "set OTEL_EXPORTER_OTLP_ENDPOINT to the collector's base URL",
    );
  const { hostname, port, protocol } = new URL(url);
  const unreachable = await tcpUnreachable(
    hostname.replace(/^\[|\]$/g, ''),
    Number(port || DEFAULT_PORTS[protocol] || 0),
    timeoutMs,
  );
  if (unreachable !== undefined)
    return warn(
      'tracing',
      `cannot reach ${shown}: ${unreachable}`,
      'start the collector: until it answers, spans are counted as lost (docs/tracing.md)',
    );
  const share = ratio === 1 ? 'every trace' : `${+(ratio * 100).toFixed(4)} % of traces`;
  return ok('tracing', `${shown} accepts connections; ${share} recorded`);
}
