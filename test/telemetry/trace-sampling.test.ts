import { expect } from 'chai';
import { flagsSampled, sampledAtRatio } from '../../contract/trace-sampling.js';
import { traceSampleRatio } from '../../app/telemetry/sampling.js';
import { fromEnv, toEnv, ENV } from '../../contract/plugin-env.js';
import { incomingMeta, outgoingHeaders } from '../../contract/envelope.js';
import { parseTraceparent } from '../../contract/trace-context.js';
import { installTracing, uninstallTracing, type Tracing } from '../../contract/tracing.js';

describe('trace sampling: which traces are recorded (docs/tracing.md#sampling)', () => {
  it("reads the W3C flags' sampled bit, whatever the other bits", () => {
    expect(flagsSampled('01')).to.equal(true);
    expect(flagsSampled('03')).to.equal(true);
    expect(flagsSampled('00')).to.equal(false);
    expect(flagsSampled('02')).to.equal(false);
  });

  it("compares the trace id's rightmost 52 bits with the ratio", () => {
    const id = (low: string) => `${'f'.repeat(32 - low.length)}${low}`;
    // 0x8000000000000 / 2^52 = 0.5 exactly: recorded below a ratio of 0.5, not at it.
    expect(sampledAtRatio(id('8000000000000'), 0.5)).to.equal(false);
    expect(sampledAtRatio(id('7ffffffffffff'), 0.5)).to.equal(true);
    expect(sampledAtRatio(id('0000000000000'), 0.000001)).to.equal(true);
    // The leftmost bits do not count.
    expect(sampledAtRatio(`${'0'.repeat(19)}fffffffffffff`, 0.99)).to.equal(false);
    expect(sampledAtRatio(id('fffffffffffff'), 1)).to.equal(true);
    expect(sampledAtRatio(id('0000000000000'), 0)).to.equal(false);
    expect(sampledAtRatio(id('fffffffffffff'), 0.999999)).to.equal(false);
  });

  describe('the ratio Rosey runs with', () => {
    const config = (sampleRatio?: number) => ({ telemetry: { sampleRatio } });

    it('is 1 (every trace) unless something says otherwise', () => {
      expect(traceSampleRatio(config(), {})).to.equal(1);
    });

    it("takes telemetry.sampleRatio over OpenTelemetry's environment variables", () => {
      const env = { OTEL_TRACES_SAMPLER: 'always_off' };
      expect(traceSampleRatio(config(0.25), env)).to.equal(0.25);
      expect(traceSampleRatio(config(), env)).to.equal(0);
    });

    it('reads OTEL_TRACES_SAMPLER and its argument as OpenTelemetry defines them', () => {
      const ratio = (OTEL_TRACES_SAMPLER: string, OTEL_TRACES_SAMPLER_ARG?: string) =>
        traceSampleRatio(config(), { OTEL_TRACES_SAMPLER, OTEL_TRACES_SAMPLER_ARG });
      expect(ratio('always_on')).to.equal(1);
      expect(ratio('parentbased_always_on')).to.equal(1);
      expect(ratio('parentbased_always_off')).to.equal(0);
      expect(ratio('traceidratio', '0.1')).to.equal(0.1);
      expect(ratio(' ParentBased_TraceIdRatio ', ' 0.02 ')).to.equal(0.02);
      // The specification's default argument of the ratio samplers.
      expect(ratio('parentbased_traceidratio')).to.equal(1);
      expect(ratio('parentbased_traceidratio', '  ')).to.equal(1);
      expect(ratio('traceidratio', '0')).to.equal(0);
      expect(ratio('traceidratio', '1')).to.equal(1);
    });

    it('refuses a sampler it cannot be and a ratio that is not one, naming them', () => {
      const ratio = (OTEL_TRACES_SAMPLER: string, OTEL_TRACES_SAMPLER_ARG?: string) => () =>
        traceSampleRatio(config(), { OTEL_TRACES_SAMPLER, OTEL_TRACES_SAMPLER_ARG });
      // Not a key inherited from Object.prototype either.
      expect(ratio('constructor')).to.throw(/OTEL_TRACES_SAMPLER=constructor is not a sampler/);
      expect(ratio('jaeger_remote')).to.throw(
        /OTEL_TRACES_SAMPLER=jaeger_remote is not a sampler Rosey supports/,
      );
      expect(ratio('traceidratio', '1.5')).to.throw(
        /OTEL_TRACES_SAMPLER_ARG must be a number from 0 to 1, not '1.5'/,
      );
      expect(ratio('traceidratio', 'half')).to.throw(/not 'half'/);
      expect(ratio('traceidratio', '-0.5')).to.throw(/not '-0.5'/);
    });
  });

  it('reaches a plugin process through its environment, and a ratio that is not one stops it there', () => {
    const env = {
      name: 'dice',
      version: '1.0.0',
      generation: 1,
      entry: '/plugins/dice/index.js',
      natsUrl: 'nats://127.0.0.1:4222',
      config: {},
      otlpTracesUrl: 'http://127.0.0.1:4318/v1/traces',
    };
    expect(fromEnv(toEnv({ ...env, traceSampleRatio: 0.25 })).traceSampleRatio).to.equal(0.25);
    expect(fromEnv(toEnv({ ...env, traceSampleRatio: 0 })).traceSampleRatio).to.equal(0);
    expect(fromEnv(toEnv(env)).traceSampleRatio).to.equal(undefined);
    expect(() => fromEnv({ ...toEnv(env), [ENV.traceSampleRatio]: 'most' })).to.throw(
      /ROSEY_TRACE_SAMPLE_RATIO must be a number from 0 to 1/,
    );
  });

  it('starts a trace that came without a traceparent recorded or not as the tracing samples new ones', () => {
    const asked: string[] = [];
    const fake: Tracing = {
      start: () => {
        throw new Error('not used');
      },
      run: (_span, fn) => fn(),
      recordsNewTrace: (traceId) => {
        asked.push(traceId);
        return false;
      },
      activeIds: () => undefined,
      exportFailures: () => ({ failedExports: 0, lostSpans: 0 }),
      shutdown: async () => undefined,
    };
    // Tracing off here: a new trace is flagged recorded, for whichever process downstream traces.
    expect(outgoingHeaders().traceparent.endsWith('-01')).to.equal(true);
    installTracing(fake);
    try {
      // A message sent afresh (a new conversation, no span around it).
      const fresh = parseTraceparent(outgoingHeaders().traceparent)!;
      expect(fresh.flags).to.equal('00');
      expect(asked).to.deep.equal([fresh.traceId]);
      // A chat line published with no headers at all (a platform outside Rosey, the bench's).
      const meta = incomingMeta({ subject: 'rosey.chat.message', headers: undefined } as never);
      expect(meta.traceparent.endsWith('-00')).to.equal(true);
      // A trace already decided keeps its decision: only new ones are asked about.
      const continued = outgoingHeaders({
        traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
      }).traceparent;
      expect(continued).to.match(/^00-0af7651916cd43dd8448eb211c80319c-[0-9a-f]{16}-01$/);
      expect(asked).to.have.length(2);
    } finally {
      uninstallTracing(fake);
    }
  });
});
