import { expect } from 'chai';
import { headers, type NatsConnection } from '../../contract/nats.js';
import { z } from '../../contract/zod.js';
import type { BusResponseEvent, InboundEvent, RequestEvent } from '../../actors/bus/bridge.actor.js';
import { BusLink } from '../../actors/bus/bus-link.js';
import { CORRELATION_HEADER, TRACEPARENT_HEADER, decodeJson, encodeJson } from '../../contract/envelope.js';
import { request } from '../../contract/request.js';
import { parseTraceparent } from '../../contract/trace-context.js';
import { quietLogger } from '../../contract/log.js';
import { captureLogger } from '../support/capture-logger.js';
import { startBridgeOwner } from '../support/bridge-owner.js';
import { client, eventually, useNatsServer } from '../support/nats.js';

const greeting = z.object({ name: z.string().min(1) });

describe('bus bridge (real nats-server)', () => {
  const nats = useNatsServer();
  let owner: ReturnType<typeof startBridgeOwner> | undefined;

  afterEach(() => owner?.stop());

  async function withOwner(setup: Partial<Parameters<typeof startBridgeOwner>[0]> = {}) {
    const link = new BusLink();
    const nc = await client(nats.url);
    link.set(nc);
    owner = startBridgeOwner({ link, logger: quietLogger, ...setup });
    await owner.bound();
    return { link, nc };
  }

  it('turns messages on a bound subject into validated events with correlation and trace meta', async () => {
    const { nc } = await withOwner({
      subscriptions: [{ subject: 'test.greet', event: 'greet', schema: greeting }],
    });
    const hdrs = headers();
    hdrs.set(CORRELATION_HEADER, 'corr-1');
    hdrs.set(TRACEPARENT_HEADER, '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01');
    nc.publish('test.greet', encodeJson({ name: 'alice' }), { headers: hdrs });
    nc.publish('test.greet', encodeJson({ name: '' }));
    nc.publish('test.greet', new TextEncoder().encode('{not json'));
    nc.publish('test.greet', encodeJson({ name: 'bob' }));
    const bob = await owner!.next<InboundEvent<'greet', { name: string }>>(
      'greet',
      (e) => e.data.name === 'bob',
    );
    const greets = owner!.events.filter((e) => e.type === 'greet') as InboundEvent<
      'greet',
      { name: string }
    >[];
    expect(greets.map((e) => e.data.name)).to.deep.equal(['alice', 'bob']);
    expect(greets[0]!.meta.correlationId).to.equal('corr-1');
    expect(greets[0]!.meta.traceparent).to.equal('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01');
    // A message from outside Rosey without headers still gets a correlation id and a valid traceparent.
    expect(bob.meta.correlationId).to.be.a('string').and.not.empty;
    expect(parseTraceparent(bob.meta.traceparent)).to.not.equal(undefined);
    await nc.close();
  });

  it('with `when`, drops without a word what is not for the owner, and checks the rest as always', async () => {
    const logger = captureLogger();
    const { nc } = await withOwner({
      logger,
      subscriptions: [
        {
          subject: 'test.greet',
          event: 'greet',
          schema: greeting,
          when: (data) => (data as { name?: unknown }).name !== 'carol',
        },
      ],
    });
    nc.publish('test.greet', encodeJson({ name: 'carol' }));
    nc.publish('test.greet', encodeJson({ name: '' }));
    nc.publish('test.greet', encodeJson({ name: 'bob' }));
    await owner!.next<InboundEvent<'greet', { name: string }>>('greet', (e) => e.data.name === 'bob');
    const greets = owner!.events.filter((e) => e.type === 'greet') as InboundEvent<
      'greet',
      { name: string }
    >[];
    expect(greets.map((e) => e.data.name)).to.deep.equal(['bob']);
    // Only the invalid greeting meant for the owner is reported; carol's was another actor's.
    expect(logger.lines.filter((l) => l.level === 'warn').map((l) => l.msg)).to.have.length(1);
    expect(logger.lines.some((l) => l.msg.includes('carol'))).to.equal(false);
    await nc.close();
  });

  it('serves requests: the owner answers with bus.reply; bad payloads get a structured error', async () => {
    const { nc } = await withOwner({
      services: [{ subject: 'test.hello', event: 'hello', schema: greeting }],
    });
    const served = new Set<string>();
    const answering = setInterval(() => {
      for (const e of owner!.events) {
        const req = e as RequestEvent<'hello', { name: string }>;
        if (req.type === 'hello' && !served.has(req.replyId)) {
          served.add(req.replyId);
          owner!.command({
            type: 'bus.reply',
            replyId: req.replyId,
            result: { ok: true, data: `hi ${req.data.name}` },
          });
        }
      }
    }, 5);
    try {
      const hdrs = headers();
      hdrs.set(CORRELATION_HEADER, 'corr-2');
      hdrs.set(TRACEPARENT_HEADER, '00-11111111111111111111111111111111-2222222222222222-01');
      const reply = await nc.request('test.hello', encodeJson({ name: 'alice' }), {
        timeout: 2000,
        headers: hdrs,
      });
      expect(decodeJson(reply.data)).to.deep.equal({ ok: true, data: { ok: true, data: 'hi alice' } });
      expect(reply.headers?.get(CORRELATION_HEADER)).to.equal('corr-2');
      const trace = parseTraceparent(reply.headers?.get(TRACEPARENT_HEADER));
      expect(trace?.traceId).to.equal('11111111111111111111111111111111');
      expect(trace?.spanId).to.not.equal('2222222222222222');

      const bad = await nc.request('test.hello', encodeJson({ name: 42 }), { timeout: 2000 });
      expect(decodeJson(bad.data)).to.deep.equal({
        ok: true,
        data: {
          ok: false,
          error: {
            code: 'VALIDATION_ERROR',
            message: 'name: Invalid input: expected string, received number',
          },
        },
      });
      const notJson = await nc.request('test.hello', new TextEncoder().encode('nope'), { timeout: 2000 });
      const parsed = decodeJson(notJson.data);
      expect(parsed.ok && (parsed.data as { error: { code: string } }).error.code).to.equal('INVALID_JSON');
    } finally {
      clearInterval(answering);
      await nc.close();
    }
  });

  it('answers TIMEOUT for a request its owner never answers', async () => {
    const { nc } = await withOwner({
      services: [{ subject: 'test.ignored', event: 'ignored', schema: z.object({}) }],
      serveTimeoutMs: 100,
    });
    const reply = await nc.request('test.ignored', encodeJson({}), { timeout: 2000 });
    const parsed = decodeJson(reply.data);
    expect(parsed.ok && (parsed.data as { error: { code: string } }).error.code).to.equal('TIMEOUT');
    await nc.close();
  });

  it('answers an error, not a timeout, when a reply is too large for NATS or not JSON, or a request too large', async () => {
    const { nc } = await withOwner({
      services: [{ subject: 'test.big', event: 'big', schema: z.object({ bytes: z.number() }) }],
    });
    const answering = setInterval(() => {
      for (const e of owner!.events.splice(0)) {
        const req = e as RequestEvent<'big', { bytes: number }>;
        if (req.type !== 'big') continue;
        owner!.command({
          type: 'bus.reply',
          replyId: req.replyId,
          // -1: a reply JSON cannot encode (a BigInt), as a buggy service might send.
          result: { ok: true, data: req.data.bytes < 0 ? BigInt(1) : 'x'.repeat(req.data.bytes) },
        });
      }
    }, 5);
    try {
      const max = nc.info!.max_payload;
      const small = await request(nc, 'test.big', { bytes: 1000 }, { timeoutMs: 2000 });
      expect(small.ok && (small.data as string).length).to.equal(1000);
      const big = await request(nc, 'test.big', { bytes: max + 1 }, { timeoutMs: 2000 });
      expect(big.ok).to.equal(false);
      expect(!big.ok && big.error.code).to.equal('VALUE_TOO_LARGE');
      expect(!big.ok && big.error.message).to.match(
        /^the reply would be \d+ bytes, more than the NATS server carries/,
      );

      const bigint = await request(nc, 'test.big', { bytes: -1 }, { timeoutMs: 2000 });
      expect(!bigint.ok && bigint.error.code).to.equal('INTERNAL');
      expect(!bigint.ok && bigint.error.message).to.match(/^the reply could not be encoded as JSON: /);
      // The bridge survives it and keeps answering.
      expect((await request(nc, 'test.big', { bytes: 3 }, { timeoutMs: 2000 })).ok).to.equal(true);

      const huge = await request(nc, 'test.big', { bytes: 1, pad: 'y'.repeat(max) }, { timeoutMs: 2000 });
      expect(huge).to.deep.equal({
        ok: false,
        error: {
          code: 'VALUE_TOO_LARGE',
          message: 'the request on test.big is larger than the NATS server accepts (max_payload)',
        },
      });
    } finally {
      clearInterval(answering);
      await nc.close();
    }
  });

  it('turns request timeouts and missing responders into error results, never hangs', async () => {
    const { nc } = await withOwner();
    const silent = nc.subscribe('test.silent', { callback: () => undefined });
    await nc.flush();
    owner!.command({
      type: 'bus.request',
      subject: 'test.silent',
      data: {},
      timeoutMs: 100,
      requestId: 'r1',
    });
    owner!.command({
      type: 'bus.request',
      subject: 'test.nobody',
      data: {},
      timeoutMs: 5000,
      requestId: 'r2',
    });
    const r1 = await owner!.next<BusResponseEvent>('bus.response', (e) => e.requestId === 'r1');
    const r2 = await owner!.next<BusResponseEvent>('bus.response', (e) => e.requestId === 'r2');
    expect(r1.result).to.deep.equal({
      ok: false,
      error: { code: 'TIMEOUT', message: 'no reply on test.silent within 100 ms' },
    });
    expect(r2.result).to.deep.equal({
      ok: false,
      error: { code: 'NO_RESPONDERS', message: 'nobody is serving test.nobody' },
    });
    silent.unsubscribe();
    await nc.close();
  });

  it('publishes with correlation and traceparent headers continuing the given trace', async () => {
    const { nc } = await withOwner();
    const seen: { corr: string; trace: string }[] = [];
    nc.subscribe('test.out', {
      callback: (_e, msg) => {
        seen.push({
          corr: msg.headers?.get(CORRELATION_HEADER) ?? '',
          trace: msg.headers?.get(TRACEPARENT_HEADER) ?? '',
        });
      },
    });
    await nc.flush();
    const parent = '00-abcdefabcdefabcdefabcdefabcdefab-1234567812345678-01';
    owner!.command({
      type: 'bus.publish',
      subject: 'test.out',
      data: { x: 1 },
      from: { correlationId: 'c9', traceparent: parent },
    });
    owner!.command({ type: 'bus.publish', subject: 'test.out', data: { x: 2 } });
    await eventually(() => seen.length === 2, 'two messages');
    expect(seen[0]!.corr).to.equal('c9');
    expect(parseTraceparent(seen[0]!.trace)?.traceId).to.equal('abcdefabcdefabcdefabcdefabcdefab');
    expect(seen[1]!.corr).to.be.a('string').and.not.equal('c9');
    expect(parseTraceparent(seen[1]!.trace)).to.not.equal(undefined);
    await nc.close();
  });

  it('fails requests fast when no connection is linked', async () => {
    owner = startBridgeOwner({ link: new BusLink(), logger: quietLogger });
    owner.command({ type: 'bus.request', subject: 'x', data: {}, timeoutMs: 10_000, requestId: 'r' });
    const r = await owner.next<BusResponseEvent>('bus.response');
    expect(r.result).to.deep.include({ ok: false });
    expect((r.result as { error: { code: string } }).error.code).to.equal('BUS_UNAVAILABLE');
  });

  it('rebinds its subscriptions when the link moves to a new connection, and unsubscribes when stopped', async () => {
    const { link, nc } = await withOwner({
      subscriptions: [{ subject: 'test.move', event: 'moved', schema: z.object({ n: z.number() }) }],
    });
    const second = await client(nats.url);
    link.set(second);
    await owner!.bound(2);
    // A marker after the message, from the same sender, seen on both connections: by then each
    // has handed the bridge whatever it had of test.move (NATS keeps one publisher's order, and
    // the bridge takes a message in the connection's callback), so a second copy would be there.
    const markers = new Set<NatsConnection>();
    const watching = [nc, second].map((conn) =>
      conn.subscribe('test.marker', {
        callback: () => {
          markers.add(conn);
        },
      }),
    );
    await Promise.all([nc.flush(), second.flush()]);
    const sender = await client(nats.url);
    sender.publish('test.move', encodeJson({ n: 1 }));
    sender.publish('test.marker', encodeJson({}));
    await owner!.next('moved');
    await eventually(() => markers.size === 2, 'the marker on both connections');
    for (const sub of watching) sub.unsubscribe();
    // Delivered once: the subscriptions on the connection the link left are gone.
    expect(owner!.events.filter((e) => e.type === 'moved')).to.have.length(1);
    await nc.close();
    expect(link.watchers).to.equal(1);
    owner!.stop();
    owner = undefined;
    expect(link.watchers).to.equal(0);
    await second.flush();
    // No subscription left on the connection the bridge used.
    expect(
      (
        second as unknown as { protocol: { subscriptions: { size(): number } } }
      ).protocol.subscriptions.size(),
    ).to.equal(0);
    await Promise.all([second.close(), sender.close()]);
  });
});
