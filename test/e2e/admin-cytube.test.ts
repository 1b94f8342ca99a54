import { expect } from 'chai';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openDatabase } from '../../actors/database/open.js';
import { adminAuditDetailSchema } from '../../contract/messages/admin.js';
import { isAlive, runCli } from '../support/cli.js';
import { fakeClient, type FakeClient } from '../support/fake-cytube/client.js';
import { startFakeCytube } from '../support/fake-cytube/index.js';
import { eventually, tempDir } from '../support/nats.js';

interface Pm {
  username: string;
  msg: string;
  to: string;
}

/**
 * `!admin` on CyTube, end to end: `rosey start` with the CyTube connector against the fake CyTube
 * server (test/support/fake-cytube), users logged in as the accounts they are (or as guests), and
 * the audit rows read back from Rosey's database once it has stopped.
 */
describe('!admin on CyTube (rosey start, fake CyTube server)', function () {
  this.timeout(120_000);

  it('an admin reloads dice by PM with a confirmation; a non-admin and a guest with an admin name are refused; all audited', async () => {
    const cytube = await startFakeCytube({
      accounts: { alice: 'alicepass', bob: 'bobpass', testbot: 'botpass123' },
      channels: { testchan: { ranks: { alice: 2, bob: 1, testbot: 1 } } },
    });
    const cwd = tempDir();
    writeFileSync(
      join(cwd, 'rosey.yaml'),
      [
        'admins: [alice, dave]',
        'platforms:',
        '  cytube:',
        `    server: ${cytube.baseUrl}`,
        '    channel: testchan',
        '    username: testbot',
        '',
      ].join('\n'),
    );
    const env = { CYTUBE_PASSWORD: 'botpass123' };
    const clients: FakeClient[] = [];
    let pid: number | undefined;
    try {
      const launched = await runCli(['start', '--detach', '-c', 'rosey.yaml'], { cwd, env });
      expect(launched.code, launched.stderr).to.equal(0);
      pid = Number(/pid (\d+)/.exec(launched.stdout)![1]);
      const join_ = async (name: string, password: string | undefined, address: string) => {
        const c = await fakeClient(cytube.baseUrl, 'testchan', { name, password, localAddress: address });
        clients.push(c);
        return c;
      };
      await eventually(
        () =>
          cytube
            .channel('testchan')
            .users()
            .some((u) => u.name === 'testbot'),
        'the bot in the channel',
        30_000,
      );
      const alice = await join_('alice', 'alicepass', '127.0.78.11');
      const bob = await join_('bob', 'bobpass', '127.0.78.12');
      // No account called dave: a guest, rank 0, whatever the config's admins say.
      const dave = await join_('dave', undefined, '127.0.78.13');
      const pmTo = (c: FakeClient, where: (m: Pm) => boolean) =>
        c.waitFor<Pm>('pm', (m) => m.username === 'testbot' && where(m), 30_000);

      alice.say('!admin reload dice');
      const asked = await pmTo(alice, (m) => m.msg.startsWith('To reload dice'));
      const code = /confirm ([a-z0-9]+) within 30s/.exec(asked.msg)![1]!;
      alice.pm('testbot', `!admin confirm ${code}`);
      const done = await pmTo(alice, (m) => m.msg.startsWith('dice reloaded'));
      expect(done.msg).to.equal('dice reloaded: 1.0.0 → 1.0.0 (generation 2).');

      bob.say('!admin list');
      expect((await pmTo(bob, () => true)).msg).to.equal("!admin is for Rosey's admins.");
      dave.say('!admin restart dice');
      expect((await pmTo(dave, () => true)).msg).to.equal("!admin is for Rosey's admins.");
      alice.say('!help admin');
      const help = await alice.waitFor<{ username: string; msg: string }>(
        'chatMsg',
        (m) => m.username === 'testbot' && m.msg.includes('admin'),
        30_000,
      );
      expect(help.msg).to.match(/for Rosey's admins only/);
      // Nothing of it was said in the channel but the answer to !help.
      const said = alice
        .received<{ username: string; msg: string }>('chatMsg')
        .filter((m) => m.username === 'testbot');
      expect(said.map((m) => m.msg)).to.deep.equal([help.msg]);

      const stopped = await runCli(['stop', '-c', 'rosey.yaml'], { cwd });
      expect(stopped.code, stopped.stderr).to.equal(0);
      const db = await openDatabase({ kind: 'sqlite', file: join(cwd, 'data', 'rosey.db') });
      try {
        const rows = (await db
          .knex('rosey_audit')
          .where('action', 'like', 'admin.%')
          .orderBy('id')) as Array<{ action: string; target: string; detail: string }>;
        const seen = rows.map((r) => {
          const d = adminAuditDetailSchema.parse(JSON.parse(r.detail));
          return [d.user, d.rank, r.action, r.target, d.outcome, d.platform];
        });
        expect(seen).to.deep.equal([
          ['alice', 2, 'admin.reload', 'dice', 'pending', 'cytube'],
          ['alice', 2, 'admin.confirm', 'dice', 'ok', 'cytube'],
          ['alice', 2, 'admin.reload', 'dice', 'ok', 'cytube'],
          ['bob', 1, 'admin.list', 'rosey', 'refused', 'cytube'],
          ['dave', 0, 'admin.restart', 'dice', 'refused', 'cytube'],
        ]);
      } finally {
        await db.close();
      }
    } finally {
      for (const c of clients) await c.close();
      if (pid !== undefined && isAlive(pid)) process.kill(pid, 'SIGKILL');
      await cytube.stop();
    }
  });
});
