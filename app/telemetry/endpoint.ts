import { tracesUrl } from '../../contract/tracing.js';
import type { RoseyConfig } from '../config/schema.js';

/**
 * Where spans go, or undefined when tracing is off: `telemetry.otlpEndpoint` from the config, else
 * the standard `OTEL_EXPORTER_OTLP_ENDPOINT`; `OTEL_SDK_DISABLED=true` turns it off whatever is set.
 * Both name a collector's base URL, as OpenTelemetry's exporters take it: spans go to `/v1/traces`.
 */
export function otlpTracesUrl(
  config: Pick<RoseyConfig, 'telemetry'>,
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return undefined;
  const endpoint = config.telemetry.otlpEndpoint ?? (env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim() || undefined);
  return endpoint === undefined ? undefined : tracesUrl(endpoint);
}
