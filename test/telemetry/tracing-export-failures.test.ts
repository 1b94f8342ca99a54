import { expect } from 'chai';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { telemetrySpec } from '../../app/child-specs.js';
import { exportReporter, REPORT_EVERY_MS } from '../../contract/export-reporter.js';
import { loadTracing, tracing, type ExportProblem, type Tracing } from '../../contract/tracing.js';
import { findFreePort } from '../../process/free-port.js';
import { describeTree, findNode } from '../../supervisors/describe-tree.js';
import { runTree } from '../../supervisors/run-tree.js';
import { captureLogger } from '../support/capture-logger.js';
import { eventually } from '../support/nats.js';

/** A collector that answers every export with `status` (changeable), counting the posts. */
async function collector(status: number) {
  const state = { status, posts: 0 };
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      state.posts++;
      res.writeHead(state.status, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    state,
    url: `http://127.0.0.1:${port}/v1/traces`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The reports among what a tracer told: those with a message for the operator. */
const reports = (all: ExportProblem[]) => () => all.filter((p) => p.message !== undefined);

/** `n` ended spans; 256 of them (a full batch) leave at once, whatever the export delay. */
function spans(t: Tracing, n: number): void {
  for (let i = 0; i < n; i++) t.start(`span ${i}`, { kind: 'internal' }).end();
}

// Named to run after traces.test.ts (mocha sorts the files), whose first test needs a process in
// which no OpenTelemetry module has been loaded yet: this file loads the exporter.
describe('failed trace exports are reported (docs/tracing.md)', function () {
  this.timeout(30_000);

  describe('the report, by its clock', () => {
    it('tells the first failure at once, then at most once a minute with the count, then the recovery', () => {
      let clock = 0;
      const all: ExportProblem[] = [];
      const told = reports(all);
      const report = exportReporter(
        'http://collector/v1/traces',
        (p) => all.push(p),
        () => clock,
      );
      report.failed(10, new Error('refused'));
      report.failed(20, new Error('refused'));
      clock = REPORT_EVERY_MS - 1;
      report.failed(30, new Error('refused again'));
      expect(told()).to.have.length(1);
      expect(told()[0]).to.include({ failing: true, failedExports: 1, lostSpans: 10 });
      expect(told()[0]!.message).to.include('http://collector/v1/traces').and.include('refused');

      clock = REPORT_EVERY_MS;
      report.dropped(5);
      expect(told()).to.have.length(2);
      expect(told()[1]).to.include({ failing: true, failedExports: 3, lostSpans: 65 });
      expect(told()[1]!.message).to.include('2 failed exports, 55 spans lost since the last report');

      report.failed(1, new Error('refused'));
      report.sent();
      report.sent();
      expect(told()).to.have.length(3);
      expect(told()[2]).to.include({ failing: false, failedExports: 4, lostSpans: 66 });
      expect(told()[2]!.message).to.match(/again .*1 more failed exports, 1 spans lost/);
      expect(report.counts()).to.deep.equal({ failedExports: 4, lostSpans: 66 });
      // Every change of the totals was told, the reports among them.
      expect(all.map((p) => p.lostSpans)).to.deep.equal([10, 30, 60, 65, 66, 66]);
    });

    it('says nothing while exports succeed, and reports at shutdown what it had not told yet', () => {
      const all: ExportProblem[] = [];
      const told = reports(all);
      const report = exportReporter(
        'http://c/v1/traces',
        (p) => all.push(p),
        () => 0,
      );
      report.sent();
      report.close();
      expect(told()).to.deep.equal([]);
      report.failed(3, new Error('down'));
      report.failed(4, new Error('down'));
      report.close();
      expect(told().map((p) => p.lostSpans)).to.deep.equal([3, 7]);
      expect(told()[1]!.message).to.include('1 failed exports, 4 spans lost since the last report');
    });
  });

  describe('a real exporter', () => {
    it('reports a collector answering 500 once for several failed batches, and when it answers again', async () => {
      const c = await collector(500);
      const all: ExportProblem[] = [];
      const told = reports(all);
      const t = await loadTracing({
        url: c.url,
        resource: { 'service.name': 'test' },
        asyncContext: false,
        onExportProblem: (p) => all.push(p),
      });
      try {
        spans(t, 256);
        await eventually(() => t.exportFailures().failedExports === 1, 'the first failed export');
        spans(t, 512);
        await eventually(() => t.exportFailures().failedExports === 3, 'three failed exports');
        expect(c.state.posts).to.equal(3);
        expect(t.exportFailures()).to.deep.equal({ failedExports: 3, lostSpans: 768 });
        expect(told(), 'one report for three failures').to.have.length(1);
        expect(told()[0]).to.include({ failing: true, lostSpans: 256 });
        expect(told()[0]!.message).to.include(c.url);

        c.state.status = 200;
        spans(t, 256);
        await eventually(() => told().length === 2, 'the recovery report');
        expect(told()[1]).to.include({ failing: false, failedExports: 3, lostSpans: 768 });
      } finally {
        await t.shutdown();
        await c.close();
      }
    });

    it('reports a collector that is not there (a closed port)', async () => {
      const url = `http://127.0.0.1:${await findFreePort()}/v1/traces`;
      const all: ExportProblem[] = [];
      const told = reports(all);
      // A short export timeout: OpenTelemetry retries a refused connection until it runs out.
      const t = await loadTracing({
        url,
        resource: { 'service.name': 'test' },
        asyncContext: false,
        exportTimeoutMs: 200,
        onExportProblem: (p) => all.push(p),
      });
      try {
        spans(t, 512);
        await eventually(() => t.exportFailures().failedExports === 2, 'two failed exports', 15_000);
        expect(told()).to.have.length(1);
        expect(told()[0]).to.include({ failing: true, lostSpans: 256 });
        expect(told()[0]!.message).to.include(url);
      } finally {
        await t.shutdown();
      }
    });
  });

  it('the telemetry child logs one warning and counts the failures in its tree info (rosey status, metrics)', async () => {
    const c = await collector(500);
    const logger = captureLogger();
    const tree = await runTree({
      name: 'telemetry-tree',
      strategy: 'one_for_one',
      logger,
      children: [telemetrySpec({ logger }, c.url)],
    });
    try {
      const t = tracing()!;
      spans(t, 256 * 3);
      await eventually(() => c.state.posts === 3, 'three exports tried');
      const info = await eventually(() => {
        const node = findNode(describeTree(tree.actor), 'telemetry');
        return node?.info?.failedExports === 3 && node.info;
      }, 'the failures in the tree');
      expect(info).to.deep.equal({ url: c.url, failedExports: 3, lostSpans: 768 });
      const warnings = logger.lines.filter((l) => l.level === 'warn');
      expect(warnings.map((l) => l.msg)).to.have.length(1);
      expect(warnings[0]!.msg).to.include(`cannot send spans to ${c.url}`);
      expect(warnings[0]!.tag).to.equal('rosey/telemetry');
    } finally {
      await tree.shutdown();
      await c.close();
    }
  });
});
