/**
 * Issue 20's "done when", through the CyTube fake: chat lines teach markov and `!markov` answers
 * with the words it learned; trivia takes a plain answer in the chat. The built-in plugins in real
 * processes, the CyTube connector against the fake server, the action gate for the plugins' own lines.
 */
import { expect } from 'chai';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NatsConnection } from '../../contract/nats.js';
import { BUILTIN_PLUGINS_DIR } from '../../app/start-rosey.js';
import { StorageClient } from '../../sdk/index.js';
import type { RunningTree } from '../../supervisors/run-tree.js';
import { connectorIn, cytubeSpec } from '../support/cytube-connector.js';
import { fakeClient, type FakeClient } from '../support/fake-cytube/client.js';
import { startFakeCytube, type FakeCytube } from '../support/fake-cytube/index.js';
import { startMiniRosey } from '../support/mini-rosey.js';
import { client, eventually, useNatsServer } from '../support/nats.js';

const ACCOUNTS = { alice: 'alicepass', bob: 'bobpass', testbot: 'botpass123' };
const CHANNELS = { testchan: { ranks: { alice: 2, bob: 1, testbot: 3 } } };

describe('plugins that hear the channel, through the CyTube fake (real processes)', function () {
  this.timeout(120_000);
  const nats = useNatsServer();
  let cytube: FakeCytube;
  let nc: NatsConnection;
  let rosey: { tree: RunningTree } | undefined;
  const clients: FakeClient[] = [];

  beforeEach(async () => {
    nc = await client(nats.url);
    cytube = await startFakeCytube({ accounts: ACCOUNTS, channels: CHANNELS });
  });
  afterEach(async () => {
    await rosey?.tree.shutdown();
    rosey = undefined;
    for (const c of clients.splice(0)) await c.close();
    await cytube.stop();
    await nc.close();
  });

  async function enter(name: string, address: number) {
    const c = await fakeClient(cytube.baseUrl, 'testchan', {
      name,
      password: (ACCOUNTS as Record<string, string>)[name] ?? '',
      localAddress: `127.0.79.${address}`,
    });
    clients.push(c);
    return c;
  }

  /** What the bot said in the channel. */
  const botChat = () =>
    cytube.log
      .filter((e) => e.dir === 'out' && e.event === 'chatMsg' && e.user?.toLowerCase() === 'testbot')
      .map((e) => (e.data as { msg: string }).msg);

  it('markov learns the chat and answers with its words; trivia takes a plain answer', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rosey-channel-plugins-'));
    const questions = join(dir, 'questions.json');
    writeFileSync(
      questions,
      JSON.stringify([
        {
          category: 'Geography',
          difficulty: 'easy',
          question: 'What is the capital of Italy?',
          answer: 'Rome',
        },
      ]),
    );
    const alice = await enter('alice', 10);
    const bob = await enter('bob', 11);
    rosey = await startMiniRosey({
      url: nats.url,
      plugins: ['markov', 'trivia'],
      dirs: { markov: `${BUILTIN_PLUGINS_DIR}markov`, trivia: `${BUILTIN_PLUGINS_DIR}trivia` },
      config: {
        router: { commandTimeoutMs: 5000, defaultCooldownMs: 0 },
        plugins: {
          settings: {
            markov: { config: { cooldownSeconds: 0 } },
            trivia: { config: { questionFile: questions, questionSeconds: 60 } },
          },
        },
      },
      reload: {},
      actionPlatforms: ['cytube'],
      connectors: [cytubeSpec(cytube.baseUrl)],
    });
    await connectorIn(nc, 'ready', (s) => s.users.some((u) => u.name === 'bob'));

    alice.say('the purple elephant dances at midnight');
    bob.say('a purple hat is a fine hat');
    const rows = new StorageClient(nc, 'markov').rows;
    await eventually(async () => (await rows.count('lines')) === 2, 'markov stores the two lines', 20_000);
    bob.say('!markov elephant');
    await eventually(() => botChat().includes('elephant dances at midnight'), 'markov answers', 20_000);
    // The bot's own line came back from CyTube (self): never learned.
    expect((await rows.search('lines', {})).map((r) => r.text)).to.have.members([
      'the purple elephant dances at midnight',
      'a purple hat is a fine hat',
    ]);

    alice.say('!trivia start 1');
    await eventually(() => botChat().some((t) => t.includes('capital of Italy')), 'the question', 20_000);
    bob.say('rome');
    await eventually(() => botChat().some((t) => t.startsWith('bob got it: Rome!')), 'bob wins', 20_000);
  });
});
