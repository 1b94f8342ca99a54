import { expect } from 'chai';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isAlive, runCli } from '../support/cli.js';
import { fakeClient } from '../support/fake-cytube/client.js';
import { startFakeCytube } from '../support/fake-cytube/index.js';
import { eventually, tempDir } from '../support/nats.js';

describe('playlist plugin on CyTube (rosey start, fake CyTube server)', function () {
  this.timeout(120_000);

  it('!add queues a YouTube link on the server; without the channel permission it says why', async () => {
    const cytube = await startFakeCytube({
      accounts: { alice: 'alicepass', testbot: 'botpass123' },
      channels: { testchan: { ranks: { alice: 5, testbot: 1 } } },
      media: { 'yt:dQw4w9WgXcQ': { title: 'Never Gonna Give You Up', seconds: 212 } },
    });
    const cwd = tempDir();
    writeFileSync(
      join(cwd, 'rosey.yaml'),
      [
        'platforms:',
        '  cytube:',
        `    server: ${cytube.baseUrl}`,
        '    channel: testchan',
        '    username: testbot',
        'router:',
        '  defaultCooldownMs: 0',
        'plugins:',
        '  enable: [playlist]',
        '  disabled: [countdown, magic-8ball, quote-db, trivia]',
        '  settings:',
        '    playlist:',
        '      config: { addCooldownMs: 0 }',
        '',
      ].join('\n'),
    );
    const env = { CYTUBE_PASSWORD: 'botpass123' };
    let pid: number | undefined;
    const alice = await fakeClient(cytube.baseUrl, 'testchan', {
      name: 'alice',
      password: 'alicepass',
      localAddress: '127.0.78.11',
    });
    const botSays = async (line: string) => {
      alice.say(line);
      const reply = await alice.waitFor<{ username: string; msg: string }>(
        'chatMsg',
        (m) => m.username === 'testbot',
        15_000,
      );
      return reply.msg;
    };
    const status = async () => (await runCli(['cytube', 'status'], { cwd })).stdout;
    try {
      const launched = await runCli(['start', '--detach', '-c', 'rosey.yaml'], { cwd, env });
      expect(launched.code, launched.stderr).to.equal(0);
      pid = Number(/pid (\d+)/.exec(launched.stdout)![1]);
      await eventually(async () => /: ready\n/.test(await status()), 'the bot in the channel', 30_000);
      const playlist = () => cytube.channel('testchan').playlist;

      // A registered channel's playlist is locked: adding needs rank 1.5, the bot has 1.
      expect(await botSays('!add https://youtu.be/dQw4w9WgXcQ')).to.equal(
        'I cannot queue that here: the bot\'s rank 1 is below 1.5, which the channel requires for "playlistadd"',
      );
      expect(playlist()).to.have.length(0);

      cytube.channel('testchan').setRank('testbot', 2);
      await eventually(async () => /bot testbot, rank 2/.test(await status()), 'the bot promoted', 10_000);
      expect(await botSays('!add https://youtu.be/dQw4w9WgXcQ')).to.equal(
        'Queued Never Gonna Give You Up for alice.',
      );
      expect(playlist().map((i) => [i.media.type, i.media.id, i.queueby])).to.deep.equal([
        ['yt', 'dQw4w9WgXcQ', 'testbot'],
      ]);

      // It plays at once (the playlist was empty): the media event reached the plugin's history.
      // CyTube escapes the line's HTML; browsers show `<link>`.
      expect(await botSays('!queue')).to.equal(
        'Now: Never Gonna Give You Up [3:32] (alice). Nothing queued after it: !add &lt;link&gt;',
      );
      await eventually(
        async () => (await botSays('!history')).includes('(asked by alice)'),
        'the media change in !history',
        15_000,
      );

      const stopped = await runCli(['stop'], { cwd });
      expect(stopped.code, stopped.stderr).to.equal(0);
    } finally {
      if (pid && isAlive(pid)) process.kill(pid, 'SIGTERM');
      await alice.close();
      await cytube.stop();
    }
  });
});
