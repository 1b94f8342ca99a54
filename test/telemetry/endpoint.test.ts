import { expect } from 'chai';
import { parseConfig } from '../../app/config/load.js';
import { otlpTracesUrl } from '../../app/telemetry/endpoint.js';
import { installTracing, tracing, type Tracing } from '../../contract/tracing.js';

describe('tracing settings and the tracer slot (docs/tracing.md)', () => {
  const config = (otlpEndpoint?: string) => parseConfig(otlpEndpoint ? { telemetry: { otlpEndpoint } } : {});

  it('is off without an endpoint; the config key wins over OTEL_EXPORTER_OTLP_ENDPOINT; OTEL_SDK_DISABLED turns it off', () => {
    expect(otlpTracesUrl(config(), {})).to.equal(undefined);
    expect(otlpTracesUrl(config(), { OTEL_EXPORTER_OTLP_ENDPOINT: '  ' })).to.equal(undefined);
    expect(otlpTracesUrl(config(), { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' })).to.equal(
      'http://collector:4318/v1/traces',
    );
    expect(
      otlpTracesUrl(config('http://mine:4318'), { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }),
    ).to.equal('http://mine:4318/v1/traces');
    expect(otlpTracesUrl(config('http://mine:4318'), { OTEL_SDK_DISABLED: 'TRUE' })).to.equal(undefined);
    expect(() => config('not a url')).to.throw(/telemetry\.otlpEndpoint/);
  });

  it('shuts down a tracer replaced without having been (its owner killed, then restarted)', async () => {
    const shutdowns: string[] = [];
    const fake = (name: string): Tracing => ({
      start: () => {
        throw new Error('not used');
      },
      run: (_span, fn) => fn(),
      recordsNewTrace: () => true,
      activeIds: () => undefined,
      exportFailures: () => ({ failedExports: 0, lostSpans: 0 }),
      shutdown: async () => {
        shutdowns.push(name);
      },
    });
    const first = fake('first');
    const second = fake('second');
    try {
      installTracing(first);
      installTracing(first);
      expect(shutdowns).to.deep.equal([]);
      installTracing(second);
      expect(tracing()).to.equal(second);
      await Promise.resolve();
      expect(shutdowns).to.deep.equal(['first']);
    } finally {
      installTracing(undefined);
    }
    expect(shutdowns).to.deep.equal(['first', 'second']);
  });
});
