import { expect } from 'chai';
import { BUILTIN_PLUGINS_DIR } from '../../app/start-rosey.js';
import type { ChatMessage } from '../../contract/messages/chat.js';
import { currentMetricsSchema } from '../../contract/messages/metrics.js';
import { encodeJson } from '../../contract/envelope.js';
import { request } from '../../contract/request.js';
import { subjects } from '../../contract/subjects.js';
import { forEachDatabase, freshDatabase } from '../support/databases.js';
import { histogramBuckets, httpPort, metricsChildren, sampleValue, scrape } from '../support/metrics-http.js';
import { startMiniRosey } from '../support/mini-rosey.js';
import { client, eventually, useNatsServer } from '../support/nats.js';
import type { NatsConnection } from '../../contract/nats.js';
import { z } from '../../contract/zod.js';

const line = (text: string): ChatMessage => ({
  platform: 'console',
  channel: 'console',
  user: 'ada',
  rank: 1,
  text,
  time: Date.now(),
});

/**
 * Storage requests by operation, outcome and latency (issue 17): storage tells the metrics actor
 * (actors/tally) of each request it answers, since only it sees both the request and the reply
 * (which goes to the plugin's own inbox).
 */
forEachDatabase('storage metrics: a real !quote add through quote-db and storage', (kind) => {
  const nats = useNatsServer();
  let mini: Awaited<ReturnType<typeof startMiniRosey>> | undefined;
  let nc: NatsConnection | undefined;

  after(async () => {
    await nc?.close();
    await mini?.tree.shutdown();
  });

  it('counts the requests by plugin, operation and outcome, and times them by operation', async () => {
    const m = metricsChildren({}, []);
    mini = await startMiniRosey({
      url: nats.url,
      plugins: ['quote-db'],
      dirs: { 'quote-db': `${BUILTIN_PLUGINS_DIR}quote-db` },
      database: await freshDatabase(kind),
      config: { router: { commandTimeoutMs: 10_000, defaultCooldownMs: 0 } },
      connectors: m.children,
    });
    const port = await eventually(() => httpPort(mini!.tree.actor), 'the HTTP port');
    nc = await client(nats.url);
    const replies: string[] = [];
    nc.subscribe(subjects.sendChat('console'), {
      callback: (_e, msg) => {
        replies.push((msg.json() as { text: string }).text);
      },
    });
    expect(
      sampleValue(await scrape(port), 'rosey_storage_requests_total', {
        plugin: 'quote-db',
        op: 'row.insert',
        outcome: 'ok',
      }),
    ).to.equal(undefined);

    nc.publish(subjects.message, encodeJson(line('!quote add measured by storage -- ada')));
    await eventually(() => replies.length > 0, 'the reply to !quote add', 15_000);
    const families = await eventually(async () => {
      const scraped = await scrape(port);
      const inserts = sampleValue(scraped, 'rosey_storage_requests_total', {
        plugin: 'quote-db',
        op: 'row.insert',
        outcome: 'ok',
      });
      return inserts === 1 ? scraped : undefined;
    }, 'row.insert counted');
    expect(replies[0]).to.match(/quote #?\d+/i);
    const buckets = await histogramBuckets(port, 'rosey_storage_request_duration_seconds', {
      op: 'row.insert',
    });
    expect(buckets?.['+Inf']).to.equal(1);
    // An insert into a real database takes some time, and not a minute.
    expect(buckets?.['0.0001']).to.be.at.most(1);
    expect(buckets?.['5']).to.equal(1);
    expect(sampleValue(families, 'rosey_storage_requests_total', { outcome: 'error' })).to.equal(undefined);

    // A request storage refuses: counted as an error, with its code in the JSON counters.
    const refused = await request(
      nc,
      'rosey.db.kv.quote-db.get',
      { key: 42 },
      { timeoutMs: 5000, reply: z.unknown() },
    );
    expect(refused.ok).to.equal(false);
    const errors = await eventually(async () => {
      const scraped = await scrape(port);
      return sampleValue(scraped, 'rosey_storage_requests_total', {
        plugin: 'quote-db',
        op: 'kv.get',
        outcome: 'error',
      }) === 1
        ? scraped
        : undefined;
    }, 'the refused kv.get counted');
    expect(errors.find((f) => f.name === 'rosey_storage_request_duration_seconds')?.type).to.equal(
      'HISTOGRAM',
    );
    const current = await request(
      nc,
      subjects.metricsCurrent,
      {},
      { timeoutMs: 5000, reply: currentMetricsSchema },
    );
    if (!current.ok) throw new Error(current.error.message);
    expect(current.data.counters.storageRequests['row.insert']).to.equal(1);
    expect(current.data.counters.storageErrors).to.deep.equal({ VALIDATION_ERROR: 1 });
  });
});
