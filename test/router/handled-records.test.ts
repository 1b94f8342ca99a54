import { expect } from 'chai';
import type { NatsConnection } from '../../contract/nats.js';
import { decodeJson } from '../../contract/envelope.js';
import { handledLineSchema, type HandledLine } from '../../contract/messages/handover.js';
import { ok } from '../../contract/result.js';
import { subjects } from '../../contract/subjects.js';
import type { RunningTree } from '../../supervisors/run-tree.js';
import { fakePlatform } from '../support/fake-platform.js';
import { fakePlugin } from '../support/fake-plugin.js';
import { client, eventually, useNatsServer } from '../support/nats.js';
import { routerTree } from '../support/router-tree.js';

/**
 * On a node of a cluster the router records each channel line it answers, just before the answer
 * (contract/messages/handover.ts): the node that takes the channel over goes by these records.
 */
describe('router: records of the lines it answered (recordHandled)', () => {
  const nats = useNatsServer();
  let tree: RunningTree | undefined;
  const connections: NatsConnection[] = [];

  afterEach(async () => {
    await tree?.shutdown();
    tree = undefined;
    for (const nc of connections.splice(0)) await nc.close();
  });

  async function start(recordHandled: string[]) {
    const nc = await client(nats.url);
    connections.push(nc);
    // One subscription for records and replies both: the order they arrive in is the order sent.
    const seen: Array<{ subject: string; data: unknown }> = [];
    for (const subject of [subjects.routerHandled, subjects.sendChat('test'), subjects.sendPm('test')])
      nc.subscribe(subject, {
        callback: (_e, msg) => {
          const decoded = decodeJson(msg.data);
          if (decoded.ok) seen.push({ subject: msg.subject, data: decoded.data });
        },
      });
    tree = await routerTree(nats.url, { commandTimeoutMs: 10_000, recordHandled });
    const platform = await fakePlatform(nc);
    const plugin = await fakePlugin(
      nc,
      'echo',
      [{ name: 'echo' }, { name: 'quiet' }, { name: 'whisper' }],
      (req) =>
        req.command === 'quiet'
          ? ok({})
          : req.command === 'whisper'
            ? ok({ text: 'psst', private: true })
            : ok({ text: `echo: ${req.argText}` }),
    );
    await eventually(async () => {
      platform.say('!echo warm-up', { time: 1 });
      await new Promise((resolve) => setTimeout(resolve, 50));
      return plugin.requests.length > 0;
    }, 'the router to know echo');
    await eventually(() => seen.some((s) => JSON.stringify(s.data).includes('echo: warm-up')), 'the warm-up');
    seen.length = 0;
    return { platform, seen };
  }

  const records = (seen: Array<{ subject: string; data: unknown }>) =>
    seen.filter((s) => s.subject === subjects.routerHandled).map((s) => handledLineSchema.parse(s.data));

  it('each answer comes after its record; a silent one is recorded; a private answer recorded as such', async () => {
    const { platform, seen } = await start(['test']);
    platform.say('!echo hi', { time: 1000 });
    platform.say('!quiet', { time: 1001 });
    platform.say('!whisper', { time: 1002 });
    platform.say('!nosuch', { time: 1003 });
    await eventually(() => records(seen).length === 4 && seen.length === 7, 'four records and three answers');
    const expected: HandledLine[] = [
      {
        platform: 'test',
        channel: 'main',
        user: 'alice',
        time: 1000,
        text: '!echo hi',
        reply: { text: 'echo: hi', private: false },
      },
      { platform: 'test', channel: 'main', user: 'alice', time: 1001, text: '!quiet' },
      {
        platform: 'test',
        channel: 'main',
        user: 'alice',
        time: 1002,
        text: '!whisper',
        reply: { text: 'psst', private: true },
      },
      {
        platform: 'test',
        channel: 'main',
        user: 'alice',
        time: 1003,
        text: '!nosuch',
        reply: { text: 'Unknown command !nosuch — try !help.', private: false },
      },
    ];
    expect(records(seen)).to.have.deep.members(expected);
    // Never an answer before its record: the node taking over must not refuse a line answered.
    for (const record of records(seen)) {
      if (!record.reply) continue;
      const at = seen.findIndex(
        (s) => s.subject === subjects.routerHandled && (s.data as HandledLine).time === record.time,
      );
      const answer = seen.findIndex(
        (s) =>
          s.subject !== subjects.routerHandled && (s.data as { text: string }).text === record.reply!.text,
      );
      expect(at, `the record of ${record.text} before its answer`).to.be.lessThan(answer);
    }
  });

  it('nothing recorded for a private message (never replayed), a line without a time, another platform, or on a single Rosey', async () => {
    const { platform, seen } = await start(['test']);
    platform.say('!echo pm', { pm: true, time: 2000 });
    platform.say('!echo untimed');
    // The console's lines (and `rosey chat`'s) are the node's own: they never go to the cluster.
    const local = await fakePlatform(connections[0]!, 'console');
    local.say('!echo local', { time: 2001 });
    // Its answer came, so the router dealt with the line: it recorded nothing of it.
    await local.reply((r) => r.text === 'echo: local', 'the console answer');
    await eventually(() => seen.length === 2, 'both answers');
    expect(records(seen)).to.deep.equal([]);

    await tree?.shutdown();
    tree = undefined;
    const single = await start([]);
    single.platform.say('!echo hi', { time: 3000 });
    await eventually(() => single.seen.length === 1, 'the answer');
    expect(records(single.seen)).to.deep.equal([]);
  });
});
