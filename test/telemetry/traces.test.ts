import { expect } from 'chai';
import { createRequire } from 'node:module';
import { PassThrough } from 'node:stream';
import { consoleSpec, telemetrySpec } from '../../app/child-specs.js';
import { parseConfig } from '../../app/config/load.js';
import type { RoseyConfigInput } from '../../app/config/schema.js';
import { BUILTIN_PLUGINS_DIR } from '../../app/start-rosey.js';
import type { PluginHostInput } from '../../actors/plugin-host/plugin-host.machine.js';
import { otlpTracesUrl } from '../../app/telemetry/endpoint.js';
import { traceSampleRatio } from '../../app/telemetry/sampling.js';
import { quietLogger } from '../../contract/log.js';
import { installTracing, loadTracing, tracing, uninstallTracing } from '../../contract/tracing.js';
import { createLogger } from '../../app/logging/logger.js';
import { processLogger } from '../../sdk/process-logger.js';
import { runTree } from '../../supervisors/run-tree.js';
import { startMiniRosey } from '../support/mini-rosey.js';
import { eventually, useNatsServer } from '../support/nats.js';
import { startOtlpReceiver, type ReceivedSpan } from './otlp-receiver.js';

/** OpenTelemetry's packages are CommonJS: whatever of them this process loaded is in this cache. */
const otelLoadedHere = () =>
  Object.keys(createRequire(import.meta.url).cache).filter((path) => path.includes('/@opentelemetry/'));

const SPAN_KIND = { server: 2, client: 3, producer: 4, consumer: 5 } as const;

/**
 * A Rosey with the console connector, quote-db (its real plugin process and real storage) and the
 * otel-probe fixture (a plugin process that tells which OpenTelemetry modules it has loaded); with
 * `config.telemetry`, the main process's tracer runs in a tree of its own, as `telemetry` runs first
 * in Rosey's. Types `lines` into the console and gives back what it printed, once everything has
 * stopped (and so flushed its spans).
 */
async function chat(
  natsUrl: string,
  config: RoseyConfigInput,
  lines: string[],
  host?: Partial<PluginHostInput>,
): Promise<string> {
  const parsed = parseConfig({ router: { commandTimeoutMs: 5000, defaultCooldownMs: 0 }, ...config });
  const url = otlpTracesUrl(parsed, {});
  const telemetry = url
    ? await runTree({
        name: 'telemetry',
        strategy: 'one_for_one',
        logger: quietLogger,
        children: [telemetrySpec({ logger: quietLogger }, url, traceSampleRatio(parsed, {}))],
      })
    : undefined;
  const input = new PassThrough();
  const output = new PassThrough();
  let printed = '';
  output.on('data', (chunk: Buffer) => (printed += chunk.toString('utf8')));
  const rosey = await startMiniRosey({
    url: natsUrl,
    plugins: ['quote-db', 'otel-probe'],
    host,
    dirs: { 'quote-db': `${BUILTIN_PLUGINS_DIR}quote-db` },
    config: { router: { commandTimeoutMs: 5000, defaultCooldownMs: 0 }, ...config },
    connectors: [
      (_link, wiring) =>
        consoleSpec(wiring, parsed, {
          input,
          output,
          interactive: false,
          stopOnEof: false,
        }),
    ],
  });
  try {
    for (const [i, line] of lines.entries()) {
      input.write(`${line}\n`);
      await eventually(() => printed.split('Rosey: ').length > i + 1, `the answer to ${line}`, 15_000);
    }
  } finally {
    // Plugin processes send their spans as they stop; the main process's go when its tracer stops.
    await rosey.tree.shutdown();
    await telemetry?.shutdown();
  }
  return printed;
}

describe('traces (OpenTelemetry, docs/tracing.md)', function () {
  this.timeout(60_000);
  const nats = useNatsServer();
  let receiver: Awaited<ReturnType<typeof startOtlpReceiver>>;
  const savedEndpoint = process.env.OTEL_EXPORTER_OTLP_ENDPOINT;

  before(async () => {
    receiver = await startOtlpReceiver();
    delete process.env.OTEL_EXPORTER_OTLP_ENDPOINT;
  });
  after(async () => {
    if (savedEndpoint !== undefined) process.env.OTEL_EXPORTER_OTLP_ENDPOINT = savedEndpoint;
    await receiver.close();
  });

  // First: once a tracer has run in this process, its modules stay loaded.
  it('is off by default: no OpenTelemetry module in Rosey or a plugin process, nothing exported', async () => {
    expect(otelLoadedHere(), 'loaded before the test').to.deep.equal([]);
    const printed = await chat(nats.url, {}, ['!quote add tracing is off -- ada', '!otel']);
    expect(printed).to.match(/Rosey: Quote #\d+ added\./);
    expect(printed).to.include('Rosey: otel modules: 0, export threads: 0');
    expect(otelLoadedHere()).to.deep.equal([]);
    expect(tracing()).to.equal(undefined);
    expect(receiver.posts()).to.equal(0);
  });

  it('makes one !quote add one trace across the main and the plugin process', async () => {
    const printed = await chat(nats.url, { telemetry: { otlpEndpoint: receiver.url } }, [
      '!quote add traced across processes -- ada',
      '!otel',
      '!boom',
    ]);
    expect(printed).to.match(/Rosey: Quote #\d+ added\./);
    // The probe that saw none above sees the tracer's thread now: it can tell. OpenTelemetry's
    // modules are loaded in that thread only, not in the one that runs the plugin's commands.
    expect(printed).to.include('Rosey: otel modules: 0, export threads: 1');
    expect(tracing(), 'the tracer is uninstalled when its owner stops').to.equal(undefined);

    const spans = receiver.spans;
    const root = spans.find(
      (s) =>
        s.name === 'receive chat' &&
        spans.some((c) => c.parentSpanId === s.spanId && c.attributes['rosey.plugin'] === 'quote-db'),
    );
    expect(root, `a receive span for the !quote line among ${spans.map((s) => s.name).join(', ')}`).to.exist;
    const trace = spans.filter((s) => s.traceId === root!.traceId);
    const byId = new Map(trace.map((s) => [s.spanId, s]));
    const parentOf = (s: ReceivedSpan) => (s.parentSpanId ? byId.get(s.parentSpanId) : undefined);
    const one = (name: string) => {
      const found = trace.filter((s) => s.name === name);
      expect(found, name).to.have.length(1);
      return found[0]!;
    };

    // connector receive → router → plugin command → storage requests; router → reply sent
    expect(root!.parentSpanId).to.equal(undefined);
    expect(root!.kind).to.equal(SPAN_KIND.consumer);
    const dispatch = one('send rosey.commands.quote-db.1.execute');
    expect(parentOf(dispatch)).to.equal(root);
    expect(dispatch.kind).to.equal(SPAN_KIND.client);
    expect(dispatch.attributes).to.include({
      'messaging.system': 'nats',
      'messaging.operation.type': 'send',
      'messaging.destination.name': 'rosey.commands.quote-db.1.execute',
      'rosey.plugin': 'quote-db',
      'rosey.command': 'quote',
      'rosey.platform': 'console',
    });
    const command = one('process rosey.commands.quote-db.1.execute');
    expect(parentOf(command)).to.equal(dispatch);
    expect(command.kind).to.equal(SPAN_KIND.server);
    expect(command.attributes).to.include({ 'rosey.plugin': 'quote-db', 'rosey.command': 'quote' });
    const storageCalls = trace.filter((s) => s.name.startsWith('send rosey.db.'));
    expect(storageCalls.length, 'storage requests of the command').to.be.greaterThan(0);
    for (const call of storageCalls) {
      expect(parentOf(call), call.name).to.equal(command);
      const served = trace.filter((s) => s.parentSpanId === call.spanId);
      expect(
        served.map((s) => s.name),
        call.name,
      ).to.deep.equal([call.name.replace(/^send/, 'process')]);
      expect(served[0]!.kind).to.equal(SPAN_KIND.server);
      expect(served[0]!.attributes['rosey.plugin']).to.equal('quote-db');
    }
    expect(trace.some((s) => s.name === 'process rosey.db.row.quote-db.insert')).to.equal(true);
    const reply = one('send chat');
    expect(parentOf(reply)).to.equal(dispatch);
    expect(reply.kind).to.equal(SPAN_KIND.producer);
    // Every span of the trace hangs off the chat line, and nothing failed.
    for (const span of trace) {
      if (span !== root) expect(parentOf(span), `${span.name}'s parent`).to.exist;
      expect(span.status?.code ?? 0, `${span.name}'s status`).to.not.equal(2);
    }

    // A command that fails is recorded as failed, in the plugin's process and in the router.
    const failed = spans.filter(
      (s) =>
        s.name === 'process rosey.commands.otel-probe.1.execute' && s.attributes['rosey.command'] === 'boom',
    );
    expect(failed, 'the !boom span').to.have.length(1);
    expect(failed[0]!.status).to.include({ code: 2, message: 'boom on purpose' });
    expect(failed[0]!.attributes['error.type']).to.equal('PLUGIN_ERROR');
    const failedDispatch = spans.find((s) => s.spanId === failed[0]!.parentSpanId);
    expect(failedDispatch?.name).to.equal('send rosey.commands.otel-probe.1.execute');
    expect(failedDispatch?.status?.code).to.equal(2);
    expect(failedDispatch?.attributes['error.type']).to.equal('PLUGIN_ERROR');

    // Two processes, and the resource says which.
    const main = [root!, dispatch, reply, ...trace.filter((s) => s.name.startsWith('process rosey.db.'))];
    for (const span of main) {
      expect(span.resource['service.name'], span.name).to.equal('rosey');
      expect(span.resource['process.pid'], span.name).to.equal(process.pid);
    }
    for (const span of [command, ...storageCalls]) {
      expect(span.resource['service.name'], span.name).to.equal('rosey-plugin-quote-db');
      expect(span.resource['rosey.plugin'], span.name).to.equal('quote-db');
      expect(span.resource['process.pid'], span.name).to.be.a('number').and.not.equal(process.pid);
    }
  });

  it('records whole traces or none: at telemetry.sampleRatio 0 no process exports a span, and commands run as before', async () => {
    const before = receiver.spans.length;
    // The plugin processes would record every trace they start themselves (ratio 1): what they
    // record of these lines can only come from the traceparent's decision, made in Rosey's process.
    const printed = await chat(
      nats.url,
      { telemetry: { otlpEndpoint: receiver.url, sampleRatio: 0 } },
      ['!quote add sampled out -- ada', '!otel'],
      { traceSampleRatio: 1 },
    );
    expect(printed).to.match(/Rosey: Quote #\d+ added\./);
    // Tracing runs in the plugin's process (its thread is there), but the trace the line started
    // was not sampled: the plugin's span and its storage requests' follow that decision.
    expect(printed).to.include('Rosey: otel modules: 0, export threads: 1');
    expect(receiver.spans.slice(before).map((s) => s.name)).to.deep.equal([]);
  });

  it("puts the active span's ids on log lines: Rosey's (a pino mixin) and a plugin process's", async () => {
    const t = await loadTracing({ url: `${receiver.url}/v1/traces`, resource: { 'service.name': 'test' } });
    installTracing(t);
    let text = '';
    const logger = await createLogger({
      stderrLevel: 'info',
      stderrFormat: 'json',
      stderr: { write: (line: string) => (text += line) },
    });
    const pluginLines: string[] = [];
    const pluginLog = processLogger((line) => pluginLines.push(line));
    try {
      const span = t.start('test', { kind: 'internal' });
      const ids = { trace_id: span.traceId, span_id: span.spanId };
      t.run(span, () => logger.info('inside'));
      logger.info('outside');
      // The span stays active across awaits (async context), as a plugin command's does.
      await t.run(span, async () => {
        await new Promise((resolve) => setTimeout(resolve, 5));
        logger.info('after an await');
        pluginLog.info('in a command', { n: 1 });
      });
      pluginLog.info('between commands');
      span.end();
      const lines = await eventually(() => {
        const parsed = text
          .split('\n')
          .filter(Boolean)
          .map((line) => JSON.parse(line) as Record<string, unknown>);
        return parsed.length === 3 && parsed;
      }, 'three log lines');
      const byMsg = Object.fromEntries(lines.map((line) => [line.msg, line]));
      expect(byMsg.inside).to.include(ids);
      expect(byMsg['after an await']).to.include(ids);
      expect(byMsg.outside).to.not.have.property('trace_id');
      const plugin = pluginLines.map((line) => JSON.parse(line) as { msg: string; fields?: object });
      expect(plugin[0]).to.deep.equal({ level: 'info', msg: 'in a command', fields: { n: 1, ...ids } });
      expect(plugin[1]).to.deep.equal({ level: 'info', msg: 'between commands' });
    } finally {
      uninstallTracing(t);
      await t.shutdown();
      await logger.close();
    }
  });
});
