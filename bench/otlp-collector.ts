/**
 * The tracing suite's collector: a separate process (as a real collector is) that takes OTLP/HTTP
 * JSON exports on loopback and counts their spans. In the benchmark's own process, parsing a batch
 * would delay whichever command the benchmark was timing, always one of the traced Rosey's (the
 * batches come from it alone). It keeps nothing but the count: the tests' receiver
 * (test/telemetry/otlp-receiver.ts) keeps every span as an object, whose parsing and garbage,
 * on this 2-core machine, took CPU from the traced Rosey's processes during its blocks only.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

interface OtlpExport {
  resourceSpans?: Array<{ scopeSpans?: Array<{ spans?: unknown[] }> }>;
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
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as OtlpExport;
    for (const rs of body.resourceSpans ?? [])
      for (const ss of rs.scopeSpans ?? []) spans += ss.spans?.length ?? 0;
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
});
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  process.send?.({ url: `http://127.0.0.1:${port}` });
});
process.on('message', () => process.send?.({ spans }));
process.on('disconnect', () => server.close(() => process.exit(0)));
