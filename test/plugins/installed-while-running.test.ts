import { expect } from 'chai';
import type { NatsConnection } from '../../contract/nats.js';
import { join } from 'node:path';
import { request } from '../../contract/request.js';
import { subjects } from '../../contract/subjects.js';
import { fakePlatform } from '../support/fake-platform.js';
import { FIXTURE_PLUGINS, startMiniRosey } from '../support/mini-rosey.js';
import { client, useNatsServer } from '../support/nats.js';

type Mini = Awaited<ReturnType<typeof startMiniRosey>>;

/**
 * Issue 28: the router keeps a stopped plugin's commands known (so a crash is answered "not
 * running"), but a plugin stopped for good (`rosey plugin disable/remove`) must leave them unknown
 * again: the plugin manager tells the router on `rosey.control.plugin.installed`.
 */
describe('plugins started and stopped while Rosey runs, as the router sees them', function () {
  this.timeout(60_000);
  const nats = useNatsServer();
  let nc: NatsConnection;
  let mini: Mini | undefined;

  beforeEach(async () => {
    nc = await client(nats.url);
  });

  afterEach(async () => {
    await mini?.tree.shutdown();
    mini = undefined;
    await nc.close();
  });

  it('forgets the commands of a plugin stopped for good, and learns them again when it starts', async () => {
    mini = await startMiniRosey({ url: nats.url, plugins: ['echo'], reload: {} });
    const platform = await fakePlatform(nc);
    platform.say('!echo one');
    await platform.reply((r) => r.text === 'echo: one');

    const stopped = await request(
      nc,
      subjects.pluginControl('stop'),
      { plugin: 'echo' },
      { timeoutMs: 20_000 },
    );
    expect(stopped.ok, JSON.stringify(stopped)).to.equal(true);
    platform.say('!echo two');
    await platform.reply((r) => r.text === 'Unknown command !echo — try !help.');

    const started = await request(
      nc,
      subjects.pluginControl('start'),
      { dir: join(FIXTURE_PLUGINS, 'echo') },
      { timeoutMs: 20_000 },
    );
    expect(started.ok, JSON.stringify(started)).to.equal(true);
    platform.say('!echo three');
    await platform.reply((r) => r.text === 'echo: three');
  });
});
