import { expect } from 'chai';
import { fileURLToPath } from 'node:url';
import playlist from '../../plugins/playlist/index.js';
import modShell from '../../plugins/mod-shell/index.js';
import { testBot, type TestBot } from '../../sdk/testing/index.js';
import { forEachDatabase, freshDatabase } from '../support/databases.js';

const dir = (name: string) => fileURLToPath(new URL(`../../plugins/${name}/`, import.meta.url));

/** The storage both plugins use, on SQLite and PostgreSQL: playlist's tables, mod-shell's audit records. */
forEachDatabase('playlist and mod-shell storage', (kind) => {
  let bot: TestBot | undefined;
  afterEach(async () => {
    await bot?.close();
    bot = undefined;
  });

  it('playlist: requests, a platform that names no uid, history and its trimming', async () => {
    bot = await testBot(playlist, {
      dir: dir('playlist'),
      database: await freshDatabase(kind),
      config: { addCooldownMs: 0, historySize: 2 },
    });
    // The test platform answers an add with {} (no uid): the request is matched by its media.
    bot.channel.playlist.push({
      uid: 5,
      media: { type: 'yt', id: 'dQw4w9WgXcQ', title: 'Never', seconds: 212 },
      queuedBy: 'Rosey',
      temp: true,
    });
    expect((await bot.say('!add https://youtu.be/dQw4w9WgXcQ', { as: 'alice' }))[0]!.text).to.equal(
      'Queued https://youtu.be/dQw4w9WgXcQ for alice.',
    );
    expect((await bot.say('!queue'))[0]!.text).to.equal(
      'Nothing is playing · Next (1, 3:32): 1. Never [3:32] (alice)',
    );
    for (const id of ['a', 'b', 'dQw4w9WgXcQ'])
      await bot.emit.media({ media: { type: 'yt', id, title: `T ${id}`, seconds: 60 } });
    expect((await bot.say('!history'))[0]!.text).to.equal(
      'Recently played: T dQw4w9WgXcQ [1:00] just now (asked by alice) · T b [1:00] just now',
    );
    expect(await bot.rows.count('history')).to.equal(2);
  });

  it('mod-shell: its audit records', async () => {
    bot = await testBot(modShell, { dir: dir('mod-shell'), database: await freshDatabase(kind) });
    bot.channel.users = [{ name: 'bob', rank: 1, afk: false }];
    await bot.emit.pm({ user: 'alice', rank: 2, text: 'kick bob' });
    await bot.emit.pm({ user: 'bob', rank: 1, text: 'kick alice' });
    expect(bot.audits.map((a) => a.action)).to.deep.equal([
      'mod-shell.shell.kick',
      'mod-shell.shell.refused',
    ]);
  });
});
