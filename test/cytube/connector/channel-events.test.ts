import { expect } from 'chai';
import {
  applyServerEvent,
  emptyChannel,
  MAX_LIST_BYTES,
  type ChannelState,
  type ChannelUser,
} from '../../../actors/cytube/channel-state.js';
import { DEFAULT_PERMISSIONS } from '../../../actors/cytube/permissions.js';
import { MAX_PLAYLIST, MAX_USERS, parseServerEvent } from '../../../actors/cytube/server-events.js';

/** One server event applied to a channel state, the payload checked as the connector checks it. */
function apply(state: ChannelState, name: string, data: unknown) {
  const parsed = parseServerEvent(name, data);
  if (parsed.kind !== 'known') throw new Error(`${name} did not parse: ${JSON.stringify(parsed)}`);
  return applyServerEvent(state, parsed.event);
}

const user = (name: string, rank: number, afk = false, muted = false): ChannelUser => ({
  name,
  rank,
  afk,
  muted,
});
const usersOf = (...list: ChannelUser[]) => new Map(list.map((u) => [u.name.toLowerCase(), u]));

/** Logged in as RoseyBot (rank 1), in the channel with Alice (rank 2). */
const joined = (over: Partial<ChannelState> = {}): ChannelState => ({
  ...emptyChannel(),
  self: 'RoseyBot',
  rank: 1,
  loggedIn: true,
  inChannel: true,
  users: usersOf(user('RoseyBot', 1), user('Alice', 2)),
  ...over,
});

const serverItem = (uid: number, id = `v${uid}`) => ({
  media: { id, type: 'yt', title: `T${uid}`, seconds: uid * 10, extra: 'dropped' },
  uid,
  temp: false,
  queueby: 'alice',
});
const item = (uid: number, id = `v${uid}`) => ({
  uid,
  media: { type: 'yt', id, title: `T${uid}`, seconds: uid * 10 },
  queuedBy: 'alice',
  temp: false,
});
const withPlaylist = (...uids: number[]) => joined({ playlist: uids.map((uid) => item(uid)) });
const uids = (state: ChannelState) => state.playlist.map((i) => i.uid);

/** Each server event's effect on the channel state and the changes it reports, exactly. */
describe('cytube: channel state, event by event', () => {
  it('a new session knows nothing yet: not logged in, rank -1, the default permissions, the playlist locked', () => {
    expect(emptyChannel()).to.deep.equal({
      users: new Map(),
      guest: false,
      rank: -1,
      loggedIn: false,
      inChannel: false,
      history: [],
      permissions: DEFAULT_PERMISSIONS,
      options: {},
      playlistLocked: true,
      playlist: [],
    });
  });

  it('rank is the bot’s own rank; an event that changes nothing reports nothing', () => {
    const state = joined();
    expect(apply(state, 'rank', 3)).to.deep.equal({ state: { ...state, rank: 3 }, changes: [] });
    expect(apply(state, 'cooldown', 1000)).to.deep.equal({ state, changes: [] });
  });

  describe('login', () => {
    it('a failed login changes nothing', () => {
      const state = emptyChannel();
      expect(apply(state, 'login', { success: false, error: 'no' })).to.deep.equal({ state, changes: [] });
    });

    it('records the name, and whether it is a guest (only a true guest flag is one)', () => {
      const state = emptyChannel();
      expect(apply(state, 'login', { success: true, name: 'Bot', guest: true }).state).to.deep.equal({
        ...state,
        loggedIn: true,
        self: 'Bot',
        guest: true,
      });
      expect(apply(state, 'login', { success: true, name: 'Bot' }).state.guest).to.equal(false);
      expect(apply({ ...state, self: 'Old' }, 'login', { success: true }).state.self).to.equal('Old');
    });

    it('already in the channel (the user list came first), the bot adds itself, at rank 0 until it knows its rank', () => {
      const inChannel = { ...emptyChannel(), inChannel: true, users: usersOf(user('Alice', 2)) };
      expect(apply(inChannel, 'login', { success: true, name: 'Bot' })).to.deep.equal({
        state: {
          ...inChannel,
          loggedIn: true,
          self: 'Bot',
          guest: false,
          users: usersOf(user('Alice', 2), user('Bot', 0)),
        },
        changes: [],
      });
      const ranked = apply({ ...inChannel, rank: 3 }, 'login', { success: true, name: 'Bot' });
      expect(ranked.state.users.get('bot')).to.deep.equal(user('Bot', 3));
    });

    it('not in the channel yet, or already listed, it does not add itself', () => {
      expect(apply(emptyChannel(), 'login', { success: true, name: 'Bot' }).state.users.size).to.equal(0);
      const listed = { ...emptyChannel(), inChannel: true, users: usersOf(user('bot', 2, true)) };
      expect(apply(listed, 'login', { success: true, name: 'Bot' }).state.users).to.deep.equal(
        usersOf(user('bot', 2, true)),
      );
    });
  });

  describe('userlist', () => {
    it('the list is the channel’s users by lower-case name, with their afk and muted flags; the bot is in the channel', () => {
      const state = { ...emptyChannel() };
      const applied = apply(state, 'userlist', [
        { name: 'Alice', rank: 2, meta: { afk: true, muted: false } },
        { name: 'bob', rank: 0, meta: { muted: true } },
        { name: 'Carol', rank: 1 },
      ]);
      expect(applied).to.deep.equal({
        state: {
          ...state,
          inChannel: true,
          users: usersOf(user('Alice', 2, true), user('bob', 0, false, true), user('Carol', 1)),
        },
        // Who was here before the bot: joins only ever tell who comes after.
        changes: [
          {
            kind: 'user.list',
            users: [
              { user: 'Alice', rank: 2 },
              { user: 'bob', rank: 0 },
              { user: 'Carol', rank: 1 },
            ],
          },
        ],
        note: undefined,
      });
    });

    it('the logged-in bot adds itself when the list lacks it; not before its login', () => {
      const loggedIn = { ...emptyChannel(), self: 'Bot', loggedIn: true };
      expect(apply(loggedIn, 'userlist', [{ name: 'Alice', rank: 2 }]).state.users).to.deep.equal(
        usersOf(user('Alice', 2), user('Bot', 0)),
      );
      expect(apply({ ...loggedIn, rank: 2 }, 'userlist', []).state.users.get('bot')?.rank).to.equal(2);
      const named = { ...emptyChannel(), self: 'Bot' };
      expect(apply(named, 'userlist', []).state.users.size).to.equal(0);
      expect(apply(loggedIn, 'userlist', [{ name: 'BOT', rank: 1 }]).state.users).to.deep.equal(
        usersOf(user('BOT', 1)),
      );
    });

    it('mid-session, a resent list reports whose rank changed (and from what); the first list reports who is here', () => {
      const state = joined({ users: usersOf(user('RoseyBot', 1), user('Alice', 2), user('Bob', 0)) });
      const list = [
        { name: 'RoseyBot', rank: 1 },
        { name: 'Alice', rank: 3 },
        { name: 'Bob', rank: 0 },
        { name: 'Dave', rank: 1 },
      ];
      expect(apply(state, 'userlist', list).changes).to.deep.equal([
        { kind: 'user.rank', user: 'Alice', rank: 3, previous: 2 },
      ]);
      expect(apply({ ...state, inChannel: false }, 'userlist', list).changes).to.deep.equal([
        {
          kind: 'user.list',
          users: [
            { user: 'Alice', rank: 3 },
            { user: 'Bob', rank: 0 },
            { user: 'Dave', rank: 1 },
          ],
        },
      ]);
    });

    it('the first list leaves the bot out, in any case of its name, whether the login came first or not', () => {
      const loggedIn = { ...emptyChannel(), self: 'Bot', loggedIn: true, rank: 1 };
      expect(apply(loggedIn, 'userlist', [{ name: 'Alice', rank: 2 }]).changes).to.deep.equal([
        { kind: 'user.list', users: [{ user: 'Alice', rank: 2 }] },
      ]);
      expect(
        apply(loggedIn, 'userlist', [
          { name: 'BOT', rank: 1 },
          { name: 'Alice', rank: 2 },
        ]).changes,
      ).to.deep.equal([{ kind: 'user.list', users: [{ user: 'Alice', rank: 2 }] }]);
      expect(apply(emptyChannel(), 'userlist', []).changes).to.deep.equal([{ kind: 'user.list', users: [] }]);
    });

    it('a list cut at the cap, or too big for one message on the bus, is published as partial, and noted', () => {
      const list = (n: number, name = (i: number) => `u${i}`) =>
        Array.from({ length: n }, (_, i) => ({ name: name(i), rank: 0 }));
      const whole = apply(emptyChannel(), 'userlist', list(MAX_USERS)).changes[0];
      expect(whole).to.not.have.property('partial');
      expect(whole).to.have.nested.property('users.length', MAX_USERS);
      const cut = apply(emptyChannel(), 'userlist', list(MAX_USERS + 1)).changes[0];
      expect(cut).to.include({ kind: 'user.list', partial: true });
      expect(cut).to.have.nested.property('users.length', MAX_USERS);
      // 100 control characters are 600 bytes of JSON: 5000 of them would pass NATS's 1 MiB.
      const wide = apply(
        emptyChannel(),
        'userlist',
        list(MAX_USERS, (i) => `${i}`.padEnd(100, '\u0001')),
      );
      const published = wide.changes[0] as { kind: string; users: unknown[]; partial?: boolean };
      expect(published).to.include({ kind: 'user.list', partial: true });
      expect(Buffer.byteLength(JSON.stringify(published.users))).to.be.at.most(MAX_LIST_BYTES);
      expect(published.users.length).to.be.greaterThan(MAX_LIST_BYTES / 700);
      expect(wide.note).to.equal(
        `user list too long for one event: published the first ${published.users.length}`,
      );
      // Names of 80 bytes in JSON, plus the 48 counted beside each (`{"user":…,"rank":0}` and a
      // longer number): 4096 of them are the budget exactly, and fit; one more does not.
      const budget = MAX_LIST_BYTES / 128;
      const name = (i: number) => `${i}`.padEnd(78, 'x');
      expect(apply(emptyChannel(), 'userlist', list(budget, name)).changes).to.deep.equal([
        { kind: 'user.list', users: list(budget, name).map((u) => ({ user: u.name, rank: 0 })) },
      ]);
      const over = apply(emptyChannel(), 'userlist', list(budget + 1, name)).changes[0];
      expect(over).to.include({ kind: 'user.list', partial: true });
      expect(over).to.have.nested.property('users.length', budget);
    });

    it('a list of exactly the cap is kept whole without a note; one more is cut and noted', () => {
      const list = (n: number) => Array.from({ length: n }, (_, i) => ({ name: `u${i}`, rank: 0 }));
      const whole = apply(emptyChannel(), 'userlist', list(MAX_USERS));
      expect(whole.note).to.equal(undefined);
      expect(whole.state.users.size).to.equal(MAX_USERS);
      const cut = apply(emptyChannel(), 'userlist', list(MAX_USERS + 1));
      expect(cut.note).to.equal(`userlist of ${MAX_USERS + 1} users: kept the first ${MAX_USERS}`);
      expect(cut.state.users.size).to.equal(MAX_USERS);
    });
  });

  describe('users joining, leaving and changing', () => {
    it('a stranger joining is a join; a known name, the bot itself, or anyone before the list is not', () => {
      const state = joined();
      expect(apply(state, 'addUser', { name: 'Dave', rank: 1, meta: { afk: true } })).to.deep.equal({
        state: { ...state, users: usersOf(user('RoseyBot', 1), user('Alice', 2), user('Dave', 1, true)) },
        changes: [{ kind: 'user.join', user: 'Dave', rank: 1 }],
      });
      const again = apply(state, 'addUser', { name: 'alice', rank: 3 });
      expect(again.changes).to.deep.equal([]);
      expect(again.state.users.get('alice')).to.deep.equal(user('alice', 3));
      const self = { ...state, users: usersOf(user('Alice', 2)) };
      expect(apply(self, 'addUser', { name: 'roseybot', rank: 1 }).changes).to.deep.equal([]);
      expect(
        apply({ ...state, inChannel: false }, 'addUser', { name: 'Dave', rank: 1 }).changes,
      ).to.deep.equal([]);
      const nobody = { ...emptyChannel(), inChannel: true };
      expect(apply(nobody, 'addUser', { name: 'Dave', rank: 1 }).changes).to.have.length(1);
    });

    it('a full list takes no stranger (noted), but still updates someone it knows', () => {
      const full = joined({
        users: usersOf(...Array.from({ length: MAX_USERS }, (_, i) => user(`u${i}`, 0))),
      });
      const stranger = apply(full, 'addUser', { name: 'Dave', rank: 1 });
      expect(stranger).to.deep.equal({ state: full, changes: [], note: 'user list full: Dave not tracked' });
      expect(apply(full, 'addUser', { name: 'u1', rank: 2 }).state.users.get('u1')?.rank).to.equal(2);
      const almost = joined({
        users: usersOf(...Array.from({ length: MAX_USERS - 1 }, (_, i) => user(`u${i}`, 0))),
      });
      expect(apply(almost, 'addUser', { name: 'Dave', rank: 1 }).state.users.size).to.equal(MAX_USERS);
    });

    it('a user leaving is removed and reported by the name as listed; the bot’s own name and strangers are ignored', () => {
      const state = joined();
      expect(apply(state, 'userLeave', { name: 'alice' })).to.deep.equal({
        state: { ...state, users: usersOf(user('RoseyBot', 1)) },
        changes: [{ kind: 'user.leave', user: 'Alice' }],
      });
      expect(apply(state, 'userLeave', { name: 'roseybot' })).to.deep.equal({ state, changes: [] });
      expect(apply(state, 'userLeave', { name: 'nobody' })).to.deep.equal({ state, changes: [] });
      const anonymous = { ...state, self: undefined };
      expect(apply(anonymous, 'userLeave', { name: 'alice' }).changes).to.have.length(1);
    });

    it('a rank change of someone listed is reported with the previous rank; the same rank is not', () => {
      const state = joined();
      expect(apply(state, 'setUserRank', { name: 'ALICE', rank: 3 })).to.deep.equal({
        state: { ...state, users: usersOf(user('RoseyBot', 1), user('Alice', 3)) },
        changes: [{ kind: 'user.rank', user: 'Alice', rank: 3, previous: 2 }],
      });
      expect(apply(state, 'setUserRank', { name: 'alice', rank: 2 })).to.deep.equal({ state, changes: [] });
    });

    it('the bot’s own rank change is its rank too, listed or not; a stranger’s is ignored', () => {
      const state = joined();
      const listed = apply(state, 'setUserRank', { name: 'roseybot', rank: 2 });
      expect(listed.state.rank).to.equal(2);
      expect(listed.state.users.get('roseybot')?.rank).to.equal(2);
      const unlisted = { ...state, users: usersOf(user('Alice', 2)) };
      expect(apply(unlisted, 'setUserRank', { name: 'RoseyBot', rank: 2 })).to.deep.equal({
        state: { ...unlisted, rank: 2 },
        changes: [],
      });
      expect(apply(state, 'setUserRank', { name: 'nobody', rank: 2 })).to.deep.equal({ state, changes: [] });
      const anonymous = { ...state, self: undefined, users: usersOf(user('Alice', 2)) };
      expect(apply(anonymous, 'setUserRank', { name: 'nobody', rank: 2 })).to.deep.equal({
        state: anonymous,
        changes: [],
      });
      expect(apply(state, 'setUserRank', { name: 'alice', rank: 3 }).state.rank).to.equal(1);
    });

    it('afk: a change is tracked and reported; the same flag or a stranger is not', () => {
      const state = joined();
      expect(apply(state, 'setAFK', { name: 'alice', afk: true })).to.deep.equal({
        state: { ...state, users: usersOf(user('RoseyBot', 1), user('Alice', 2, true)) },
        changes: [{ kind: 'user.afk', user: 'Alice', afk: true }],
      });
      expect(apply(state, 'setAFK', { name: 'alice', afk: false })).to.deep.equal({ state, changes: [] });
      expect(apply(state, 'setAFK', { name: 'nobody', afk: true })).to.deep.equal({ state, changes: [] });
    });

    it('user meta: afk and muted when they are booleans, kept otherwise; an afk change is reported', () => {
      const state = joined({ users: usersOf(user('Alice', 2, false, true)) });
      expect(apply(state, 'setUserMeta', { name: 'alice', meta: { afk: true, muted: false } })).to.deep.equal(
        {
          state: { ...state, users: usersOf(user('Alice', 2, true, false)) },
          changes: [{ kind: 'user.afk', user: 'Alice', afk: true }],
        },
      );
      expect(apply(state, 'setUserMeta', { name: 'alice', meta: { afk: 'yes', muted: 'no' } })).to.deep.equal(
        {
          state,
          changes: [],
        },
      );
      expect(apply(state, 'setUserMeta', { name: 'alice', meta: {} })).to.deep.equal({ state, changes: [] });
      expect(apply(state, 'setUserMeta', { name: 'nobody', meta: { afk: true } })).to.deep.equal({
        state,
        changes: [],
      });
    });
  });

  describe('channel settings', () => {
    it('permissions are the defaults with the channel’s own on top', () => {
      const state = joined();
      expect(apply(state, 'setPermissions', { chat: 1, custom: 4 })).to.deep.equal({
        state: { ...state, permissions: { ...DEFAULT_PERMISSIONS, chat: 1, custom: 4 } },
        changes: [],
      });
    });

    it('options are kept without the channel password; the playlist lock follows the server', () => {
      const state = joined();
      expect(apply(state, 'channelOpts', { password: 'pw', allow_voteskip: true })).to.deep.equal({
        state: { ...state, options: { password: '[redacted]', allow_voteskip: true } },
        changes: [],
      });
      expect(apply(state, 'setPlaylistLocked', false)).to.deep.equal({
        state: { ...state, playlistLocked: false },
        changes: [],
      });
    });
  });

  describe('playlist', () => {
    it('a whole playlist replaces the old one (only the fields Rosey knows), reported with its count', () => {
      const state = withPlaylist(9);
      expect(apply(state, 'playlist', [serverItem(1), serverItem(2)])).to.deep.equal({
        state: { ...state, playlist: [item(1), item(2)] },
        changes: [{ kind: 'playlist.reset', count: 2 }],
      });
    });

    it('a playlist longer than the cap is cut to it', () => {
      const applied = apply(
        emptyChannel(),
        'playlist',
        Array.from({ length: MAX_PLAYLIST + 1 }, (_, i) => serverItem(i)),
      );
      expect(applied.changes).to.deep.equal([{ kind: 'playlist.reset', count: MAX_PLAYLIST }]);
    });

    it('an added item goes after the uid named, first for "prepend", last after an unknown uid', () => {
      const state = withPlaylist(1, 2, 3);
      const after2 = apply(state, 'queue', { item: serverItem(7), after: 2 });
      expect(after2).to.deep.equal({
        state: { ...state, playlist: [item(1), item(2), item(7), item(3)] },
        changes: [{ kind: 'playlist.add', item: item(7), after: 2 }],
      });
      expect(uids(apply(state, 'queue', { item: serverItem(7), after: 1 }).state)).to.deep.equal([
        1, 7, 2, 3,
      ]);
      expect(uids(apply(state, 'queue', { item: serverItem(7), after: 3 }).state)).to.deep.equal([
        1, 2, 3, 7,
      ]);
      const first = apply(state, 'queue', { item: serverItem(7), after: 'prepend' });
      expect(uids(first.state)).to.deep.equal([7, 1, 2, 3]);
      expect(first.changes).to.deep.equal([{ kind: 'playlist.add', item: item(7), after: 'prepend' }]);
      // Any other text for `after` is taken as "prepend" too: only a number names an item.
      const other = apply(state, 'queue', { item: serverItem(7), after: 'top' });
      expect(uids(other.state)).to.deep.equal([7, 1, 2, 3]);
      expect(other.changes).to.deep.equal([{ kind: 'playlist.add', item: item(7), after: 'prepend' }]);
      expect(uids(apply(state, 'queue', { item: serverItem(7), after: 99 }).state)).to.deep.equal([
        1, 2, 3, 7,
      ]);
    });

    it('an item added again under a uid it already has is moved, not doubled', () => {
      expect(
        uids(apply(withPlaylist(1, 2, 3), 'queue', { item: serverItem(1), after: 3 }).state),
      ).to.deep.equal([2, 3, 1]);
    });

    it('a full playlist tracks no more items, and says so', () => {
      const full = joined({ playlist: Array.from({ length: MAX_PLAYLIST }, (_, i) => item(i)) });
      expect(apply(full, 'queue', { item: serverItem(MAX_PLAYLIST), after: 1 })).to.deep.equal({
        state: full,
        changes: [],
        note: 'playlist too long: item not tracked',
      });
    });

    it('delete removes a known item and reports it; an unknown uid changes nothing', () => {
      const state = withPlaylist(1, 2);
      expect(apply(state, 'delete', { uid: 1 })).to.deep.equal({
        state: { ...state, playlist: [item(2)] },
        changes: [{ kind: 'playlist.delete', uid: 1 }],
      });
      expect(apply(state, 'delete', { uid: 9 })).to.deep.equal({ state, changes: [] });
    });

    it('a move puts the item after the uid named (or first), and reports it; an unknown item changes nothing', () => {
      const state = withPlaylist(1, 2, 3);
      expect(apply(state, 'moveVideo', { from: 3, after: 1 })).to.deep.equal({
        state: { ...state, playlist: [item(1), item(3), item(2)] },
        changes: [{ kind: 'playlist.move', uid: 3, after: 1 }],
      });
      expect(apply(state, 'moveVideo', { from: 3, after: 'prepend' }).changes).to.deep.equal([
        { kind: 'playlist.move', uid: 3, after: 'prepend' },
      ]);
      expect(apply(state, 'moveVideo', { from: 9, after: 1 })).to.deep.equal({ state, changes: [] });
    });

    it('setTemp changes the flag of that item only', () => {
      const state = withPlaylist(1, 2);
      expect(apply(state, 'setTemp', { uid: 2, temp: true })).to.deep.equal({
        state: { ...state, playlist: [item(1), { ...item(2), temp: true }] },
        changes: [],
      });
    });

    it('setCurrent records the playing uid', () => {
      const state = withPlaylist(1);
      expect(apply(state, 'setCurrent', 1)).to.deep.equal({ state: { ...state, current: 1 }, changes: [] });
    });

    it('a media change is reported when the type or the id differs, not for the same media again', () => {
      const media = { type: 'yt', id: 'a', title: 'A', seconds: 5 };
      const first = apply(joined(), 'changeMedia', { ...media, extra: 1 });
      expect(first).to.deep.equal({
        state: { ...joined(), media },
        changes: [{ kind: 'media.change', media }],
      });
      const playing = first.state;
      expect(apply(playing, 'changeMedia', { ...media, title: 'retitled' }).changes).to.deep.equal([]);
      expect(apply(playing, 'changeMedia', { ...media, id: 'b' }).changes).to.have.length(1);
      expect(apply(playing, 'changeMedia', { ...media, type: 'vi' }).changes).to.have.length(1);
    });
  });
});

describe('cytube: server event shapes', () => {
  const problem = (name: string, data: unknown) => {
    const parsed = parseServerEvent(name, data);
    return parsed.kind === 'invalid' ? parsed.problem : parsed.kind;
  };

  it('a problem names the path to the field (dotted) and zod’s message', () => {
    expect(
      problem('queue', { item: { ...serverItem(1), media: { ...serverItem(1).media, id: 5 } }, after: 1 }),
    ).to.match(/^item\.media\.id: Invalid input: expected string, received number$/);
    expect(problem('rank', 'high')).to.match(
      /^\(payload\): Invalid input: expected number, received string$/,
    );
  });

  it('a user’s afk and muted flags must be booleans when present', () => {
    expect(problem('addUser', { name: 'a', rank: 0, meta: { afk: 'yes' } })).to.match(/^meta\.afk: /);
    expect(problem('addUser', { name: 'a', rank: 0, meta: { muted: 1 } })).to.match(/^meta\.muted: /);
  });

  it('media needs an id and a type; a bad title or length falls back to empty and zero', () => {
    expect(problem('changeMedia', { type: 'yt', title: 't', seconds: 1 })).to.match(/^id: /);
    const parsed = parseServerEvent('changeMedia', { id: 'a', type: 'yt', title: 5, seconds: 'long' });
    expect(parsed.kind === 'known' && parsed.event.data).to.deep.include({ title: '', seconds: 0 });
  });

  it('a playlist item needs a uid; a bad temp flag or queuer falls back to false and empty', () => {
    const bare = serverItem(1) as Record<string, unknown>;
    const { uid: _uid, ...noUid } = bare;
    expect(problem('queue', { item: noUid, after: 1 })).to.match(/^item\.uid: /);
    const parsed = parseServerEvent('queue', { item: { ...bare, temp: 'x', queueby: 5 }, after: 1 });
    expect(
      parsed.kind === 'known' && parsed.event.name === 'queue' && parsed.event.data.item,
    ).to.deep.include({
      temp: false,
      queueby: '',
    });
  });
});
