import { expect } from 'chai';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openDatabase } from '../../actors/database/open.js';
import { resolveDatabase } from '../../actors/database/target.js';
import { isAlive, runCli } from '../support/cli.js';
import { fakeClient } from '../support/fake-cytube/client.js';
import { startFakeCytube } from '../support/fake-cytube/index.js';
import { eventually, tempDir } from '../support/nats.js';

interface Pm {
  username: string;
  msg: string;
  to: string;
}

describe('mod-shell plugin on CyTube (rosey start, fake CyTube server)', function () {
  this.timeout(120_000);

  it("a moderator's PM `kick bob` kicks bob; a non-moderator's is refused; both are in the audit log", async () => {
    const cytube = await startFakeCytube({
      accounts: { alice: 'alicepass', bob: 'bobpass', carol: 'carolpass', testbot: 'botpass123' },
      channels: { testchan: { ranks: { alice: 2, bob: 1, carol: 1, testbot: 3 } } },
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
        'plugins:',
        '  enable: [mod-shell]',
        '  disabled: [countdown, magic-8ball, quote-db, trivia]',
        '',
      ].join('\n'),
    );
    const env = { CYTUBE_PASSWORD: 'botpass123' };
    let pid: number | undefined;
    const join_ = (name: string, n: number) =>
      fakeClient(cytube.baseUrl, 'testchan', {
        name,
        password: `${name}pass`,
        localAddress: `127.0.79.${n}`,
      });
    const alice = await join_('alice', 11);
    const bob = await join_('bob', 12);
    const carol = await join_('carol', 13);
    const status = async () => (await runCli(['cytube', 'status'], { cwd })).stdout;
    const answer = (client: typeof alice) =>
      client.waitFor<Pm>('pm', (m) => m.username === 'testbot', 15_000).then((m) => m.msg);
    try {
      const launched = await runCli(['start', '--detach', '-c', 'rosey.yaml'], { cwd, env });
      expect(launched.code, launched.stderr).to.equal(0);
      pid = Number(/pid (\d+)/.exec(launched.stdout)![1]);
      await eventually(
        async () => /bot testbot, rank 3/.test(await status()),
        'the bot in the channel',
        30_000,
      );

      carol.pm('testbot', 'kick bob');
      expect(await answer(carol)).to.equal('The shell is for moderators (rank 2 and above).');

      alice.pm('testbot', 'kick bob being rude');
      expect(await answer(alice)).to.equal('Kicked bob.');
      const kicked = await bob.waitFor<{ reason: string }>('kick', undefined, 15_000);
      expect(kicked.reason).to.equal('being rude');
      await eventually(
        () =>
          !cytube
            .channel('testchan')
            .users()
            .some((u) => u.name === 'bob'),
        'bob gone from the channel',
        10_000,
      );

      const stopped = await runCli(['stop'], { cwd });
      expect(stopped.code, stopped.stderr).to.equal(0);
      const db = await openDatabase(resolveDatabase(undefined, join(cwd, 'data')));
      try {
        const rows = (await db
          .knex('rosey_audit')
          .select('action', 'target', 'detail')
          .where({ actor: 'plugin:mod-shell' })
          .orderBy('id')) as Array<{ action: string; target: string; detail: string }>;
        expect(rows.map((r) => [r.action, r.target])).to.deep.equal([
          ['mod-shell.shell.refused', 'carol'],
          ['mod-shell.shell.kick', 'bob'],
        ]);
        expect(JSON.parse(rows[0]!.detail)).to.deep.include({ user: 'carol', rank: 1, text: 'kick bob' });
        expect(JSON.parse(rows[1]!.detail)).to.deep.include({ user: 'alice', rank: 2 });
      } finally {
        await db.close();
      }
    } finally {
      if (pid && isAlive(pid)) process.kill(pid, 'SIGTERM');
      await Promise.all([alice.close(), bob.close(), carol.close()]);
      await cytube.stop();
    }
  });
});
