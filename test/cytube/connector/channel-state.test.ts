import { expect } from 'chai';
import {
  applyServerEvent,
  emptyChannel,
  type ChannelChange,
  type ChannelState,
} from '../../../actors/cytube/channel-state.js';
import { parseServerEvent } from '../../../actors/cytube/server-events.js';
import { received, transcript, TRANSCRIPTS, type TranscriptLine } from './transcripts.js';

/** Feeds recorded server events through the connector's parser and reducer. */
function replay(lines: TranscriptLine[], until?: (l: TranscriptLine, s: ChannelState) => boolean) {
  let state = emptyChannel();
  const changes: ChannelChange[] = [];
  const chatBeforeUserlist: string[] = [];
  for (const line of lines) {
    if (until?.(line, state)) break;
    const parsed = parseServerEvent(line.event, line.data);
    if (parsed.kind !== 'known') continue;
    if (parsed.event.name === 'chatMsg' && !state.inChannel) chatBeforeUserlist.push(parsed.event.data.msg);
    const applied = applyServerEvent(state, parsed.event);
    state = applied.state;
    changes.push(...applied.changes);
  }
  return { state, changes, chatBeforeUserlist };
}

describe('cytube: channel state from recorded server traffic', () => {
  it('every recorded server event has a shape the connector accepts (none is rejected as malformed)', () => {
    for (const file of TRANSCRIPTS) {
      for (const line of transcript(file).filter(
        (l) => l.dir === 'in' && !l.event.startsWith('@') && !l.event.startsWith('GET '),
      )) {
        const parsed = parseServerEvent(line.event, line.data);
        expect(parsed.kind, `${file} t=${line.t} ${line.event}`).to.not.equal('invalid');
      }
    }
  });

  it('02: a registered bot ends up logged in, in the channel, with its rank and both users', () => {
    const { state } = replay(received(transcript('02-registered-join.jsonl'), 'bot'));
    expect(state.loggedIn && state.inChannel).to.equal(true);
    expect(state.self).to.equal('testbot');
    expect(state.rank).to.equal(1);
    expect([...state.users.values()].map((u) => [u.name, u.rank])).to.deep.equal([
      ['alice', 5],
      ['testbot', 1],
    ]);
    expect(state.permissions.playlistdelete).to.equal(2);
  });

  it('14: a guest whose login beat the join burst is in its own userlist, without waiting for addUser', () => {
    const { state } = replay(received(transcript('14-channel-password.jsonl'), 'guest2'));
    expect(state.loggedIn && state.inChannel).to.equal(true);
    expect(state.users.has('pwguest2')).to.equal(true);
  });

  it('14: the channel password in channelOpts never reaches the connector state', () => {
    const lines = received(transcript('14-channel-password.jsonl'), 'guest2');
    const withPassword = lines.filter(
      (l) => l.event === 'channelOpts' && JSON.stringify(l.data).includes('"password":"pw"'),
    );
    expect(withPassword.length).to.be.greaterThan(0);
    const { state } = replay(lines, (l) => l === lines[lines.indexOf(withPassword[0]!) + 1]);
    expect(state.options.password).to.equal('[redacted]');
    expect(JSON.stringify(state.options)).to.not.include('"pw"');
  });

  it('12: the history replay arrives before the userlist, so it is never taken as new chat', () => {
    const { chatBeforeUserlist, state } = replay(received(transcript('12-history-replay.jsonl'), 'bot2'));
    expect(chatBeforeUserlist.length).to.be.greaterThan(0);
    expect(state.inChannel).to.equal(true);
  });

  it('10: the new socket of a duplicate login is told its own name left; it stays in the list', () => {
    const { state, changes } = replay(received(transcript('10-duplicate-login.jsonl'), 'bot2'));
    expect(state.users.has('testbot')).to.equal(true);
    expect(changes.filter((c) => c.kind === 'user.leave')).to.deep.equal([]);
  });

  it('13: rank changes are tracked for the bot and reported for others', () => {
    const lines = transcript('13-leave-and-rank.jsonl');
    const bot = replay(received(lines, 'bot'), (l) => l.t > 2300);
    expect(bot.state.rank).to.equal(2);
    expect(bot.state.users.get('testbot')?.rank).to.equal(2);
    const alice = replay(received(lines, 'alice'), (l) => l.t > 2300);
    expect(alice.changes).to.deep.include({ kind: 'user.rank', user: 'testbot', rank: 2, previous: 1 });
  });

  it('02/14: the first userlist is published once as who was here, without the bot', () => {
    const registered = replay(received(transcript('02-registered-join.jsonl'), 'bot'));
    expect(registered.changes.filter((c) => c.kind === 'user.list')).to.deep.equal([
      { kind: 'user.list', users: [{ user: 'alice', rank: 5 }] },
    ]);
    // A guest's login beat the join burst: it is in the list CyTube sent, not in the one published.
    const guest = replay(received(transcript('14-channel-password.jsonl'), 'guest2'));
    const lists = guest.changes.filter((c) => c.kind === 'user.list');
    expect(lists).to.have.length(1);
    expect(JSON.stringify(lists)).to.not.include('pwguest2');
  });

  it('13: the lists CyTube resends mid-session when a rank changes are not published again', () => {
    const lines = received(transcript('13-leave-and-rank.jsonl'), 'bot');
    expect(lines.filter((l) => l.event === 'userlist').length).to.be.greaterThan(1);
    const { changes } = replay(lines);
    expect(changes.filter((c) => c.kind === 'user.list')).to.deep.equal([
      { kind: 'user.list', users: [{ user: 'alice', rank: 5 }] },
    ]);
  });

  it('02: alice sees the bot join and leave', () => {
    const { changes } = replay(received(transcript('02-registered-join.jsonl'), 'alice'));
    expect(changes.filter((c) => c.kind === 'user.join' || c.kind === 'user.leave')).to.deep.equal([
      { kind: 'user.join', user: 'testbot', rank: 1 },
      { kind: 'user.leave', user: 'testbot' },
    ]);
  });

  it('03: /afk is tracked once per change (setUserMeta and setAFK both say it)', () => {
    const { changes } = replay(received(transcript('03-chat-formatting.jsonl'), 'alice'));
    expect(changes.filter((c) => c.kind === 'user.afk')).to.deep.equal([
      { kind: 'user.afk', user: 'testbot', afk: true },
      { kind: 'user.afk', user: 'testbot', afk: false },
    ]);
  });

  it('11: the playlist follows queue and delete, and media changes are reported', () => {
    const lines = received(transcript('11-media-queue.jsonl'), 'alice');
    const { state, changes } = replay(lines);
    const kinds = changes.map((c) => c.kind);
    expect(kinds).to.include.members(['playlist.add', 'media.change', 'playlist.delete']);
    expect(state.playlist).to.deep.equal([]);
  });

  it('ignores events about strangers (a rank for someone still at the password prompt)', () => {
    const { state, changes } = replay(received(transcript('14-channel-password.jsonl'), 'guest1'));
    expect(state.users.has('testbot')).to.equal(false);
    expect(changes.filter((c) => c.kind === 'user.rank')).to.deep.equal([]);
  });

  it('keeps the playlist in order through adds and moves (moveVideo names `after`, not a position)', () => {
    const item = (uid: number) => ({
      media: { id: `v${uid}`, type: 'fi', title: `t${uid}`, seconds: 1 },
      uid,
      temp: true,
      queueby: 'alice',
    });
    let state = emptyChannel();
    const apply = (name: string, data: unknown) => {
      const parsed = parseServerEvent(name, data);
      if (parsed.kind !== 'known') throw new Error(`${name} did not parse`);
      state = applyServerEvent(state, parsed.event).state;
    };
    apply('queue', { item: item(1), after: 'prepend' });
    apply('queue', { item: item(2), after: 1 });
    apply('queue', { item: item(3), after: 2 });
    apply('moveVideo', { from: 3, after: 'prepend' });
    expect(state.playlist.map((i) => i.uid)).to.deep.equal([3, 1, 2]);
    apply('moveVideo', { from: 3, after: 2 });
    expect(state.playlist.map((i) => i.uid)).to.deep.equal([1, 2, 3]);
  });

  it('malformed payloads are reported as such, unknown events as unknown', () => {
    expect(parseServerEvent('userlist', [{ name: 5 }]).kind).to.equal('invalid');
    expect(parseServerEvent('chatMsg', 'hello').kind).to.equal('invalid');
    expect(parseServerEvent('rank', '2').kind).to.equal('invalid');
    expect(parseServerEvent('somethingNew', { x: 1 }).kind).to.equal('unknown');
    expect(parseServerEvent('constructor', {}).kind).to.equal('unknown');
  });

  it('an enormous userlist is capped, and says so', () => {
    const users = Array.from({ length: 6000 }, (_, i) => ({ name: `u${i}`, rank: 0, meta: {} }));
    const parsed = parseServerEvent('userlist', users);
    if (parsed.kind !== 'known') throw new Error('did not parse');
    const applied = applyServerEvent(emptyChannel(), parsed.event);
    expect(applied.state.users.size).to.equal(5000);
    expect(applied.note).to.match(/6000 users/);
  });
});
