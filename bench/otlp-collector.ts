/**
 * The tracing suite's collector: a separate process (as a real collector is) that takes OTLP/HTTP
 * JSON exports on loopback and counts their spans. In the benchmark's own process, reading a batch
 * would delay whichever command the benchmark was timing, always one of the traced Rosey's (the
 * batches come from it alone).
 *
 * It counts without parsing (one `"spanId":"` per span: an OTLP JSON span has exactly one such key,
 * its parent's is `"parentSpanId"`, and Rosey sends no links). A collector is not Rosey: on a real deployment it runs elsewhere or on spare cores, and here its
 * `JSON.parse` of each 220 kB batch (2–3 ms) took CPU from the Rosey being measured on the same two
 * cores, and was measured as tracing's overhead (docs/benchmarks.md, "Spans sent from a thread of
 * their own"). What the exports contain is checked by the tests' receiver
 * (test/telemetry/otlp-receiver.ts), which parses every span.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

const SPAN_KEY = Buffer.from('"spanId":"');

/** The spans in one OTLP JSON export. */
function countSpans(body: Buffer): number {
  let n = 0;
  for (let at = body.indexOf(SPAN_KEY); at >= 0; at = body.indexOf(SPAN_KEY, at + SPAN_KEY.length)) n++;
  return n;
}

let spans = 0;
const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    if (req.method !== 'POST' || req.url !== '/v1/traces') {
      res.writeHead(404).end();
      return;
    }
    spans += countSpans(Buffer.concat(chunks));
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
});
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  process.send?.({ url: `http://127.0.0.1:${port}` });
});
process.on('message', () => process.send?.({ spans }));
process.on('disconnect', () => server.close(() => process.exit(0)));
