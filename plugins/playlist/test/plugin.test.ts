import { expect } from 'chai';
import { testBot, type TestBot } from 'rosey/sdk/testing';
import plugin from '../index.js';

const dir = new URL('..', import.meta.url);
const YT = 'https://youtu.be/dQw4w9WgXcQ';

async function one(bot: TestBot, line: string, as = 'alice', rank = 1): Promise<string> {
  const replies = await bot.say(line, { as, rank });
  expect(replies, line).to.have.length(1);
  return replies[0]!.text;
}

/**
 * The platform as a connector would answer: an add becomes an item with the next uid (titled
 * after its id) at the end of `bot.channel.playlist`, a jump makes the item current.
 */
function behaveLikeAChannel(bot: TestBot): void {
  let uid = 10;
  bot.platformAnswers((kind, data) => {
    const d = data as { type?: string; id?: string; uid?: number };
    if (kind === 'playlist.add') {
      uid += 1;
      const media = { type: d.type!, id: d.id!, title: `Video ${d.id}`, seconds: 200 };
      bot.channel.playlist.push({ uid, media, queuedBy: 'Rosey', temp: true });
      if (bot.channel.current === null) bot.channel.current = uid;
      return { ok: true, data: { uid, title: media.title, seconds: media.seconds } };
    }
    if (kind === 'playlist.jump') {
      bot.channel.current = d.uid!;
      return { ok: true, data: { uid: d.uid } };
    }
    return { ok: true, data: {} };
  });
}

const people = (...names: string[]) => names.map((name) => ({ name, rank: 1, afk: false }));

describe('playlist plugin: through Rosey', () => {
  let bot: TestBot;

  beforeEach(async () => {
    bot = await testBot(plugin, {
      dir,
      config: { quota: 2, skipMinVotes: 2, skipRatio: 0.5, addCooldownMs: 0 },
    });
    behaveLikeAChannel(bot);
    bot.channel.users = people('alice', 'bob', 'carol', 'dave', 'Rosey');
  });
  afterEach(async () => {
    await bot?.close();
  });

  it('!add queues a link as (type, id), temporary, at the end, and names the title', async () => {
    expect(await one(bot, `!add ${YT}`)).to.equal('Queued Video dQw4w9WgXcQ for alice.');
    expect(bot.actions).to.deep.equal([
      {
        kind: 'playlist.add',
        data: { channel: 'test', type: 'yt', id: 'dQw4w9WgXcQ', pos: 'end', temp: true },
      },
    ]);
    const [row] = await bot.rows.search('requests', {});
    expect(row).to.deep.include({ requester: 'alice', requester_key: 'alice', uid: 11, type: 'yt' });
  });

  it('keeps each user to their quota of waiting items; moderators have none; a played one frees a place', async () => {
    expect(await one(bot, '!add https://vimeo.com/76979871')).to.match(/^Queued /);
    expect(await one(bot, '!add https://www.dailymotion.com/video/x7tgad0')).to.match(/^Queued /);
    expect(await one(bot, '!add https://youtu.be/aaaaaaaaaaa')).to.match(/^Queued /);
    // The first is playing; two wait: the quota of 2 is reached.
    expect(await one(bot, '!add https://youtu.be/bbbbbbbbbbb')).to.equal(
      'alice, you have 2 items waiting already (the limit is 2); add more once one has played.',
    );
    expect(bot.actions).to.have.length(3);
    // Another user has their own quota; a moderator has none.
    expect(await one(bot, '!add https://youtu.be/bbbbbbbbbbb', 'bob')).to.match(/^Queued .* for bob\.$/);
    expect(await one(bot, '!add https://youtu.be/ccccccccccc', 'mod', 2)).to.match(/for mod\.$/);
    expect(await one(bot, '!add https://youtu.be/ddddddddddd', 'mod', 2)).to.match(/for mod\.$/);
    expect(await one(bot, '!add https://youtu.be/eeeeeeeeeee', 'mod', 2)).to.match(/for mod\.$/);
    // One of alice's starts playing: one place again.
    bot.channel.current = bot.channel.playlist[1]!.uid;
    expect(await one(bot, '!add https://youtu.be/bbbbbbbbbb2')).to.match(/^Queued /);
  });

  it('two !adds of one user at once cannot both slip under the quota', async () => {
    await one(bot, '!add https://youtu.be/aaaaaaaaaaa');
    await one(bot, '!add https://youtu.be/aaaaaaaaaa2');
    bot.clear();
    await Promise.all([
      bot.say('!add https://youtu.be/aaaaaaaaaa3', { as: 'alice' }),
      bot.say('!add https://youtu.be/aaaaaaaaaa4', { as: 'alice' }),
    ]);
    // Each say collects every reply sent meanwhile: bot.replies has each once.
    const texts = bot.replies.map((r) => r.text);
    expect(texts).to.have.length(2);
    expect(
      texts.filter((t) => t.startsWith('Queued')),
      texts.join(' | '),
    ).to.have.length(1);
    expect(bot.actions).to.have.length(1);
  });

  it('surfaces the platform refusing the add (the bot lacks the channel permission)', async () => {
    bot.platformAnswers(() => ({
      ok: false,
      error: {
        code: 'FORBIDDEN',
        message: 'the bot\'s rank 1 is below 2, which the channel requires for "playlistadd"',
      },
    }));
    expect(await one(bot, `!add ${YT}`)).to.equal(
      'I cannot queue that here: the bot\'s rank 1 is below 2, which the channel requires for "playlistadd"',
    );
    expect(await bot.rows.count('requests')).to.equal(0);
    bot.platformAnswers(() => ({
      ok: false,
      error: { code: 'BUS_UNAVAILABLE', message: 'not in testchan right now (backing-off)' },
    }));
    expect(await one(bot, `!add ${YT}`)).to.equal(
      'I cannot queue that right now: I am not in the channel (not in testchan right now (backing-off))',
    );
  });

  it('!queue shows what plays and what comes next, with who asked for each', async () => {
    expect(await one(bot, '!queue')).to.equal('Nothing is playing. Nothing queued after it: !add <link>');
    await one(bot, `!add ${YT}`);
    await one(bot, '!add https://youtu.be/bbbbbbbbbbb', 'bob');
    bot.channel.playlist.push({
      uid: 99,
      media: { type: 'fi', id: 'https://cdn.example/x.mp4', title: 'x.mp4', seconds: 3725 },
      queuedBy: 'carol',
      temp: false,
    });
    expect(await one(bot, '!queue')).to.equal(
      'Now: Video dQw4w9WgXcQ [3:20] (alice) · Next (2, 1:05:25): 1. Video bbbbbbbbbbb [3:20] (bob) · 2. x.mp4 [1:02:05] (carol)',
    );
  });

  it('!skip is a vote: enough voters present skip to the next item; a vote counts once', async () => {
    await one(bot, `!add ${YT}`);
    await one(bot, '!add https://youtu.be/bbbbbbbbbbb', 'bob');
    // 4 people besides the bot, half of them: 2 votes.
    expect(await one(bot, '!skip', 'carol')).to.equal('carol votes to skip Video dQw4w9WgXcQ (1/2).');
    expect(await one(bot, '!skip', 'carol')).to.equal(
      'carol, you voted already (1/2 to skip Video dQw4w9WgXcQ).',
    );
    expect(bot.actions.filter((a) => a.kind === 'playlist.jump')).to.have.length(0);
    expect(await one(bot, '!skip', 'dave')).to.equal(
      'Skipped Video dQw4w9WgXcQ (2/2 votes). Now: Video bbbbbbbbbbb [3:20]',
    );
    expect(bot.actions.at(-1)).to.deep.equal({ kind: 'playlist.jump', data: { channel: 'test', uid: 12 } });
    // A new item, a new vote.
    expect(await one(bot, '!skip', 'carol')).to.equal('carol votes to skip Video bbbbbbbbbbb (1/2).');
    expect(await one(bot, '!skip', 'dave')).to.equal(
      'Enough votes (2/2), but nothing is queued after Video bbbbbbbbbbb.',
    );
  });

  it('!skip: voters who left no longer count, AFK users do not raise the bar', async () => {
    bot.channel.users = [...people('alice', 'bob', 'carol', 'dave', 'erin', 'Rosey')];
    bot.channel.users[4]!.afk = true;
    await one(bot, `!add ${YT}`);
    await one(bot, '!add https://youtu.be/bbbbbbbbbbb');
    expect(await one(bot, '!skip', 'carol')).to.match(/\(1\/2\)\.$/);
    bot.channel.users = bot.channel.users.filter((u) => u.name !== 'carol');
    expect(await one(bot, '!skip', 'dave')).to.match(/\(1\/2\)\.$/);
    expect(await one(bot, '!skip', 'bob')).to.match(/^Skipped /);
  });

  it('!history lists what played, newest first, with who asked for it', async () => {
    expect(await one(bot, '!history')).to.equal('Nothing has played here since I started keeping track.');
    await one(bot, `!add ${YT}`);
    await bot.emit.media({ media: { type: 'yt', id: 'dQw4w9WgXcQ', title: 'Never', seconds: 212 } });
    await bot.emit.media({ media: { type: 'tw', id: 'somechannel', title: 'A stream', seconds: 0 } });
    expect(await one(bot, '!history')).to.equal(
      'Recently played: A stream [live] just now · Never [3:32] just now (asked by alice)',
    );
  });

  it('!history names who asked for an item that started playing before its add was recorded', async () => {
    // Queued into an empty playlist, an item plays at once: CyTube announces the media change
    // before it confirms the add, so the request is stored after the history row (seen on CyTube).
    await bot.emit.media({ media: { type: 'yt', id: 'dQw4w9WgXcQ', title: 'Never', seconds: 212 } });
    await one(bot, `!add ${YT}`);
    expect(await one(bot, '!history')).to.equal('Recently played: Never [3:32] just now (asked by alice)');
  });

  it('answers hostile and odd input with a reason, never a failure, and stores it verbatim', async () => {
    const table: Array<[string, RegExp | string]> = [
      ['!add', /^Usage: !add <link>/],
      ['!add    ', /^Usage: !add <link>/],
      ['!add javascript:alert(1)', /scheme|not a|Unsupported|refus/i],
      ['!add http://cdn.example.com/movie.mp4', /https/],
      ['!add https://example.com/page', /./],
      ['!add ' + 'a'.repeat(3000), /./],
      ['!add https://youtu.be/\u200bdQw4w9WgXcQ', /./],
      ["!add https://youtu.be/dQw4w9WgXcQ'); DROP TABLE playlist__requests;--", /./],
      ['!add file:///etc/passwd', /./],
      ['!add https://user:pass@youtu.be/dQw4w9WgXcQ', /./],
      ['!skip now please', 'Nothing is playing.'],
      ['!history 99999999999999999999', /^Nothing has played/],
      ['!queue %_\\', /^Nothing is playing/],
    ];
    for (const [line, expected] of table) {
      const text = await one(bot, line);
      expect(text, line).to.not.match(/failed|undefined|NaN|\[object/);
      if (typeof expected === 'string') expect(text, line).to.equal(expected);
      else expect(text, line).to.match(expected);
    }
    expect(bot.actions.filter((a) => a.kind === 'playlist.add').length).to.be.at.most(1);
    expect(await bot.rows.count('requests')).to.be.at.most(1);
  });

  it('!add has a per-user cooldown, 3 s unless configured', async () => {
    await bot.close();
    bot = await testBot(plugin, { dir });
    behaveLikeAChannel(bot);
    expect(await one(bot, `!add ${YT}`)).to.match(/^Queued /);
    expect(await one(bot, '!add https://youtu.be/bbbbbbbbbbb')).to.equal(
      'Slow down: !add is available to you again in 3s.',
    );
  });

  it('says what is missing when the operator revoked a permission it needs', async () => {
    await bot.close();
    bot = await testBot(plugin, { dir, grant: ['playlist.add', 'storage', 'events.media'] });
    expect(await one(bot, `!add ${YT}`)).to.match(
      /^I cannot queue that here: playlist may not channel\.read: 'channel\.read' is not granted/,
    );
  });
});
