import { expect } from 'chai';
import { testBot, type TestBot } from 'rosey/sdk/testing';
import plugin from '../index.js';
import { HELP, parse } from '../shell.js';

const dir = new URL('..', import.meta.url);

/** PMs `text` to the bot as `user` of `rank`; the answers the shell PMed back. */
async function pm(bot: TestBot, text: string, user = 'alice', rank = 2): Promise<string[]> {
  const replies = await bot.emit.pm({ user, rank, text });
  return replies.filter((r) => r.private && r.to === user).map((r) => r.text);
}

const item = (uid: number, title: string, queuedBy = 'bob') => ({
  uid,
  media: { type: 'yt', id: `id${uid}`, title, seconds: 125 },
  queuedBy,
  temp: true,
});

describe('mod-shell plugin: through Rosey', () => {
  let bot: TestBot;

  beforeEach(async () => {
    bot = await testBot(plugin, { dir });
    bot.channel.users = [
      { name: 'alice', rank: 2, afk: false },
      { name: 'bob', rank: 1, afk: true },
      { name: 'owner', rank: 4, afk: false },
      { name: 'Rosey', rank: 3, afk: false },
    ];
    bot.channel.playlist = [item(1, 'First'), item(2, 'Second', 'alice'), item(3, 'Third')];
    bot.channel.current = 1;
  });
  afterEach(async () => {
    await bot?.close();
  });

  it('a moderator reads the channel: status, users, user, playlist, current, help', async () => {
    expect(await pm(bot, 'status')).to.deep.equal([
      'test on test: ready · bot Rosey rank 1 · 4 users (1 AFK) · playlist 3 items (open) · now #1 First [2:05] (bob)',
    ]);
    expect(await pm(bot, 'users')).to.deep.equal(['Users (4): owner 4, Rosey 3, alice 2, bob 1 AFK']);
    expect(await pm(bot, 'user BOB')).to.deep.equal(['bob: rank 1, AFK, 2 items in the playlist.']);
    expect(await pm(bot, 'user carol')).to.deep.equal(['carol is not in test.']);
    expect(await pm(bot, 'PLAYLIST')).to.deep.equal([
      'Playlist (3): ▶ #1 First [2:05] (bob) · #2 Second [2:05] (alice) · #3 Third [2:05] (bob)',
    ]);
    expect(await pm(bot, 'current')).to.deep.equal(['Now: #1 First [2:05] (bob)']);
    expect(await pm(bot, 'help')).to.deep.equal([HELP]);
    expect(bot.actions).to.deep.equal([]);
    expect(bot.audits.map((a) => [a.action, a.target])).to.deep.equal([
      ['mod-shell.shell.status', 'test'],
      ['mod-shell.shell.users', 'test'],
      ['mod-shell.shell.user', 'BOB'],
      ['mod-shell.shell.user', 'carol'],
      ['mod-shell.shell.playlist', 'test'],
      ['mod-shell.shell.current', 'test'],
      ['mod-shell.shell.help', 'test'],
    ]);
  });

  it("a moderator's kick kicks, audited with who asked; a non-moderator's is refused and audited", async () => {
    expect(await pm(bot, 'kick bob spamming links')).to.deep.equal(['Kicked bob.']);
    expect(bot.actions).to.deep.equal([
      { kind: 'kick', data: { channel: 'test', user: 'bob', reason: 'spamming links' } },
    ]);
    expect(bot.audits.at(-1)).to.deep.include({
      actor: 'plugin:mod-shell',
      action: 'mod-shell.shell.kick',
      target: 'bob',
    });
    expect(bot.audits.at(-1)!.detail).to.deep.include({ user: 'alice', rank: 2 });

    bot.clear();
    expect(await pm(bot, 'kick alice', 'bob', 1)).to.deep.equal([
      'The shell is for moderators (rank 2 and above).',
    ]);
    expect(bot.actions).to.deep.equal([]);
    expect(bot.audits).to.have.length(1);
    expect(bot.audits[0]).to.deep.include({ action: 'mod-shell.shell.refused', target: 'bob' });
    expect(bot.audits[0]!.detail).to.deep.include({ user: 'bob', rank: 1, verb: 'kick', text: 'kick alice' });
  });

  it("lends the bot's rank only over users below the moderator", async () => {
    expect(await pm(bot, 'kick owner')).to.deep.equal([
      'You cannot kick owner: their rank 4 is not below yours (2).',
    ]);
    expect(await pm(bot, 'kick carol')).to.deep.equal(['carol is not in test.']);
    expect(bot.actions).to.deep.equal([]);
  });

  it('say, next, move, remove and afk act on the channel; the default kick reason names the moderator', async () => {
    expect(await pm(bot, 'say hello   world')).to.deep.equal(['Said.']);
    expect(bot.replies[0]).to.deep.include({ text: 'hello   world', private: false });
    expect(await pm(bot, 'next')).to.deep.equal(['Playing #2 Second [2:05] (alice).']);
    expect(await pm(bot, 'move 3 top')).to.deep.equal(['Moved #3 to the top.']);
    expect(await pm(bot, 'move #3 1')).to.deep.equal(['Moved #3 after #1.']);
    expect(await pm(bot, 'remove #2')).to.deep.equal(['Removed #2.']);
    expect(await pm(bot, 'afk')).to.deep.equal(['Toggled my AFK.']);
    expect(await pm(bot, 'kick bob')).to.deep.equal(['Kicked bob.']);
    expect(bot.actions).to.deep.equal([
      { kind: 'playlist.jump', data: { channel: 'test', uid: 2 } },
      { kind: 'playlist.move', data: { channel: 'test', uid: 3, after: 'prepend' } },
      { kind: 'playlist.move', data: { channel: 'test', uid: 3, after: 1 } },
      { kind: 'playlist.delete', data: { channel: 'test', uid: 2 } },
      { kind: 'afk', data: { channel: 'test' } },
      { kind: 'kick', data: { channel: 'test', user: 'bob', reason: 'by alice' } },
    ]);
    expect(bot.audits.map((a) => a.action)).to.deep.equal(
      ['say', 'next', 'move', 'move', 'remove', 'afk', 'kick'].map((v) => `mod-shell.shell.${v}`),
    );
  });

  it('says what the platform refused, and audits the failure', async () => {
    bot.platformAnswers(() => ({
      ok: false,
      error: {
        code: 'FORBIDDEN',
        message: 'the bot\'s rank 1 is below 1.5, which the channel requires for "kick"',
      },
    }));
    expect(await pm(bot, 'kick bob')).to.deep.equal([
      'Not done (FORBIDDEN): the bot\'s rank 1 is below 1.5, which the channel requires for "kick"',
    ]);
    expect(bot.audits.map((a) => a.action)).to.deep.equal(['mod-shell.shell.kick', 'mod-shell.shell.failed']);
    expect(bot.audits[1]!.detail).to.deep.include({ verb: 'kick', code: 'FORBIDDEN' });
  });

  it('takes no action it cannot audit', async () => {
    await bot.stopStorage();
    expect(await pm(bot, 'kick bob')).to.deep.equal(['Not done: the audit log cannot be written right now.']);
    expect(bot.actions).to.deep.equal([]);
    await bot.startStorage();
    expect(await pm(bot, 'kick bob')).to.deep.equal(['Kicked bob.']);
  });

  it("ignores what is not for the shell: chatter, commands, its own and the platform's lines", async () => {
    expect(await pm(bot, 'hello there', 'bob', 1)).to.deep.equal([]);
    // A command is the router's (no such command here), not the shell's.
    expect(await pm(bot, '!roll 2d6')).to.deep.equal(['Unknown command !roll — try !help.']);
    await bot.emit.pm({ user: 'Rosey', rank: 3, text: 'kick bob', self: true });
    await bot.emit.pm({ user: '[server]', rank: 0, text: 'kick bob', system: true });
    expect(bot.actions).to.deep.equal([]);
    expect(bot.audits).to.deep.equal([]);
  });

  it('answers hostile and malformed shell lines with the usage, never acting', async () => {
    const table: Array<[string, string]> = [
      ['kick', 'Usage: kick <name> [reason]'],
      ['kick bob; drop table', 'Usage: kick <name> [reason]'],
      ['kick ../../etc', 'Usage: kick <name> [reason]'],
      ['remove x', 'Usage: remove <uid> (see playlist)'],
      ['remove -1', 'Usage: remove <uid> (see playlist)'],
      ['remove 99999999999999', 'Usage: remove <uid> (see playlist)'],
      ['move 1', 'Usage: move <uid> <after-uid|top> (see playlist)'],
      ['move 1 bottom', 'Usage: move <uid> <after-uid|top> (see playlist)'],
      ['say', 'Usage: say <text>'],
      ['status now', 'Usage: status'],
      ['user', 'Usage: user <name>'],
      ['user <script>', 'Usage: user <name>'],
    ];
    for (const [line, answer] of table) expect(await pm(bot, line), line).to.deep.equal([answer]);
    expect(bot.actions).to.deep.equal([]);
  });
});

describe('mod-shell plugin: reading lines', () => {
  it('recognises its verbs in any case and nothing else', () => {
    expect(parse('hello')).to.equal(undefined);
    expect(parse('Kick Bob being rude')).to.deep.equal({
      ok: true,
      command: { verb: 'kick', name: 'Bob', reason: 'being rude' },
    });
    expect(parse('  move #4 top ')).to.deep.equal({
      ok: true,
      command: { verb: 'move', uid: 4, after: 'prepend' },
    });
    expect(parse(`kick bob ${'x'.repeat(500)}`)).to.deep.include({ ok: true });
    expect(
      (parse(`kick bob ${'x'.repeat(500)}`) as { command: { reason: string } }).command.reason,
    ).to.have.length(200);
  });
});
