/**
 * The tracing suite's collector: a separate process (as a real collector is) that takes OTLP/HTTP
 * JSON exports on loopback and counts their spans. In the benchmark's own process, parsing a batch
 * would delay whichever command the benchmark was timing, always one of the traced Rosey's (the
 * batches come from it alone).
 */
import { startOtlpReceiver } from '../test/telemetry/otlp-receiver.js';

const receiver = await startOtlpReceiver();
process.send?.({ url: receiver.url });
process.on('message', () => process.send?.({ spans: receiver.spans.length }));
process.on('disconnect', () => void receiver.close().then(() => process.exit(0)));
