/**
 * The markov plugin across a blue-green reload mid-chat (issue 20): every chat line is learned
 * exactly once — none lost, none counted by both generations — in its table and in the serving
 * generation's model. Real nats-server, storage and migrator, the built-in plugin in real processes.
 */
import { expect } from 'chai';
import type { NatsConnection } from '../../contract/nats.js';
import { BUILTIN_PLUGINS_DIR } from '../../app/start-rosey.js';
import { request } from '../../contract/request.js';
import type { Result } from '../../contract/result.js';
import { subjects } from '../../contract/subjects.js';
import { StorageClient } from '../../sdk/index.js';
import { fakePlatform } from '../support/fake-platform.js';
import { startMiniRosey } from '../support/mini-rosey.js';
import { client, eventually, useNatsServer } from '../support/nats.js';

describe('markov: a reload mid-chat neither loses nor double-counts a line (real processes)', function () {
  this.timeout(120_000);
  const nats = useNatsServer();
  let nc: NatsConnection;
  let mini: Awaited<ReturnType<typeof startMiniRosey>> | undefined;

  beforeEach(async () => {
    nc = await client(nats.url);
  });
  afterEach(async () => {
    await mini?.tree.shutdown();
    mini = undefined;
    await nc.close();
  });

  it('learns each line once, by one generation, through the hand-off', async () => {
    mini = await startMiniRosey({
      url: nats.url,
      plugins: ['markov'],
      dirs: { markov: `${BUILTIN_PLUGINS_DIR}markov` },
      reload: { graceMs: 300, healthIntervalMs: 50 },
    });
    const rows = new StorageClient(nc, 'markov').rows;
    const platform = await fakePlatform(nc);
    let sent = 0;
    let until = Infinity;
    const driver = setInterval(() => {
      for (let i = 0; i < 3 && sent < until; i++)
        platform.say(`chat line ${++sent} goes here`, { user: `u${sent % 5}` });
    }, 10);
    let outcome: Result<unknown>;
    try {
      await eventually(async () => (await rows.count('lines')) >= 60, 'generation 1 learning', 30_000);
      outcome = await request(
        nc,
        subjects.pluginControl('reload'),
        { plugin: 'markov' },
        { timeoutMs: 60_000 },
      );
      until = sent + 150;
      await eventually(() => sent >= until, 'the lines after the reload', 30_000);
    } finally {
      clearInterval(driver);
    }
    expect(outcome.ok && outcome.data, JSON.stringify(outcome)).to.deep.include({ handedOver: true });
    await nc.flush();
    await request(nc, subjects.pluginEvents('markov', 2), { op: 'settle' }, { timeoutMs: 10_000 });
    // Stored in batches: once all are in, each is there once.
    await eventually(async () => (await rows.count('lines')) >= sent, `${sent} stored lines`, 30_000);
    const stored: string[] = [];
    for (let after = 0; ;) {
      const page = await rows.search('lines', {
        filters: { id: { $gt: after } },
        sort: { field: 'id' },
        limit: 1000,
      });
      for (const row of page) stored.push(String(row.text));
      if (page.length < 1000) break;
      after = Number(page.at(-1)!.id);
    }
    const expected = Array.from({ length: sent }, (_, i) => `chat line ${i + 1} goes here`).sort();
    expect(stored.sort()).to.deep.equal(expected);
    // Generation 2's model knows every line once, too.
    platform.say('!markov stats', { user: 'checker' });
    const stats = await platform.reply((r) => r.text.startsWith('markov: '), 'the stats');
    expect(stats.text).to.match(new RegExp(`^markov: ${sent} lines, `));
  });
});
