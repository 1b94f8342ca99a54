/**
 * The raw baseline: a separate process that answers NATS requests with a fixed JSON reply, the way
 * a plugin process would but with nothing in between.
 */
import { connect } from '../contract/nats.js';

const [url, user, pass, subject] = process.argv.slice(2) as [string, string, string, string];
const nc = await connect({
  servers: url,
  user: user || undefined,
  pass: pass || undefined,
  name: 'bench-responder',
});
const reply = new TextEncoder().encode(JSON.stringify({ ok: true, data: { text: 'pong' } }));
nc.subscribe(subject, {
  callback: (_e, msg) => {
    msg.respond(reply);
  },
});
await nc.flush();
process.send?.('ready');
process.on('disconnect', () => process.exit(0));
