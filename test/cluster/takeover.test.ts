import { expect } from 'chai';
import { HandoverJournal, MAX_SESSIONS } from '../../actors/cluster/handover-journal.js';
import { lineKey, refusal, shows, takeOver, TAKEOVER_WINDOW_MS } from '../../actors/cluster/takeover.js';
import type { ChatMessage } from '../../contract/messages/chat.js';
import { handoverRecordSchema, type HandledLine } from '../../contract/messages/handover.js';

const NOW = 5000;
const said = (user: string, time: number, text: string, extra: Partial<ChatMessage> = {}): ChatMessage => ({
  platform: 'cytube',
  channel: 'c',
  user,
  rank: 1,
  text,
  time,
  ...extra,
});
const bot = (time: number, text: string) => said('testbot', time, text, { self: true });
const record = (user: string, time: number, text: string, reply?: HandledLine['reply']): HandledLine => ({
  platform: 'cytube',
  channel: 'c',
  user,
  time,
  text,
  ...(reply ? { reply } : {}),
});
const journalOf = (...lines: HandledLine[]) =>
  new Map(lines.map((l) => [lineKey(l.user, l.time, l.text), l] as const));

describe('cluster: taking a channel over (actors/cluster/takeover.ts)', () => {
  const previous = { node: 'a', after: 1000 };
  /** The takeover after node a's session, at NOW, of `!` commands, with these lines recorded. */
  const take = (history: ChatMessage[], ...handled: HandledLine[]) =>
    takeOver({ history, previous, prefix: '!', now: NOW, handled: journalOf(...handled) });

  it('an answer the replay shows: nothing; one it does not: sent again; no record: refused', () => {
    const history = [
      said('alice', 1100, '!roll 1d6+1'),
      bot(1101, 'alice rolled 1d6+1: 4'),
      said('alice', 1200, '!roll 1d6+2'),
      said('alice', 1300, '!roll 1d6+3'),
    ];
    const taken = take(
      history,
      record('alice', 1100, '!roll 1d6+1', { text: 'alice rolled 1d6+1: 4', private: false }),
      // Answered, but the answer was still in the dead node's send queue.
      record('alice', 1200, '!roll 1d6+2', { text: 'alice rolled 1d6+2: 5', private: false }),
    );
    expect(taken.say).to.deep.equal(['alice rolled 1d6+2: 5', refusal('alice', '!roll 1d6+3')]);
    expect(taken).to.include({ resent: 1, refused: 1, after: 1300 });
  });

  it("the answer must come after the line: the same text earlier is another line's", () => {
    const history = [bot(1050, 'pong'), said('alice', 1100, '!ping'), said('bob', 1150, 'hi')];
    const taken = take(history, record('alice', 1100, '!ping', { text: 'pong', private: false }));
    expect(taken.say).to.deep.equal(['pong']);
  });

  it('a long answer the platform showed cut in parts counts as shown; a short one must match whole', () => {
    const long = `${'x'.repeat(60)} and the rest of it`;
    const history = [
      said('alice', 1100, '!long'),
      bot(1101, 'x'.repeat(60)),
      said('alice', 1200, '!short'),
      bot(1201, 'ok'),
    ];
    const taken = take(
      history,
      record('alice', 1100, '!long', { text: long, private: false }),
      record('alice', 1200, '!short', { text: 'ok then', private: false }),
    );
    expect(taken.say).to.deep.equal(['ok then']);
  });

  it('a line longer than a record holds is matched by its first MAX_RECORDED_LINE characters', () => {
    const long = `!say ${'z'.repeat(3000)}`;
    const taken = take([said('alice', 1100, long)], record('alice', 1100, long.slice(0, 2000)));
    expect(taken).to.include({ refused: 0, resent: 0 });
  });

  it('an answer shown with other spacing at its ends is shown; a cut one must keep 40 characters', () => {
    const forty = 'y'.repeat(40);
    const history = [
      said('alice', 1100, '!a'),
      bot(1101, '  pong '),
      said('alice', 1200, '!b'),
      bot(1201, forty),
      said('alice', 1300, '!c'),
      bot(1301, forty.slice(1)),
    ];
    const taken = take(
      history,
      record('alice', 1100, '!a', { text: ' pong  ', private: false }),
      record('alice', 1200, '!b', { text: `${forty} and more`, private: false }),
      record('alice', 1300, '!c', { text: `${forty.slice(1)} and more`, private: false }),
    );
    expect(taken.say).to.deep.equal([`${forty.slice(1)} and more`]);
  });

  it('silent and private answers are taken as given; the record matches the user in any case', () => {
    const history = [said('Alice', 1100, '!quiet'), said('alice', 1200, '!secret')];
    const taken = take(
      history,
      record('alice', 1100, '!quiet'),
      record('alice', 1200, '!secret', { text: 'psst', private: true }),
    );
    expect(taken.say).to.deep.equal([]);
    expect(taken).to.include({ resent: 0, refused: 0 });
  });

  it("leaves alone chat, the bot's own lines, the platform's, !admin, and lines before the previous session", () => {
    const history = [
      said('alice', 900, '!roll'), // before node a joined: not its to answer
      said('alice', 1000, '!roll'), // exactly at its `after`: still before
      said('alice', 1100, 'hello !roll'),
      bot(1150, '!roll'),
      said('[server]', 1160, '!roll', { system: true }),
      said('alice', 1170, '!admin status'),
      said('alice', 1180, '!'),
      said('alice', 1190, '!roll', { time: undefined }),
    ];
    const taken = take(history);
    expect(taken.say).to.deep.equal([]);
    expect(taken.after).to.equal(1180);
  });

  it('nothing without a previous session of another node; lines older than the window before the join are let go', () => {
    const history = [said('alice', 1100, '!roll')];
    expect(takeOver({ history, prefix: '!', now: NOW, handled: new Map() }).say).to.deep.equal([]);
    // The channel's last lines are old: nobody said anything for minutes before the bot came back.
    const now = 1000 + TAKEOVER_WINDOW_MS + 5000;
    const old = takeOver({
      history: [
        said('alice', 1100, '!roll'),
        said('alice', now - TAKEOVER_WINDOW_MS, '!old'),
        said('bob', now - TAKEOVER_WINDOW_MS + 1, '!new'),
      ],
      previous,
      prefix: '!',
      now,
      handled: new Map(),
    });
    expect(old.say).to.deep.equal([refusal('bob', '!new')]);
    expect(takeOver({ history: [], previous, prefix: '!', now, handled: new Map() }).after).to.equal(0);
  });

  it('an answer is shown as the connector sends it: spaces collapsed, line by line, a leading / guarded', () => {
    const cases: Array<[shown: string, reply: string, is: boolean]> = [
      ['a b', 'a  b', true],
      ['\u200b/me waves', '/me waves', true],
      ['first', 'first\nsecond', true],
      ['first · second · third', 'first\nsecond\nthird', true],
      ['first', 'firstly', false],
      ['first', '\n  \nfirst\nsecond', true],
      ['  pong ', 'pong', true],
      ['', 'x', false],
      ['', '', false],
      ['x', '  \n ', false],
      [`${'w'.repeat(45)}…`, `${'w'.repeat(45)} and on`, true],
      [`${'w'.repeat(39)}…`, `${'w'.repeat(39)} and on`, false],
      // Lines joined with ` · ` and cut after a separator (the next unit had no space to cut at).
      [`${'v'.repeat(90)} ·`, `${'v'.repeat(90)}\n${'u'.repeat(400)}\n${'t'.repeat(5)}\n.\n.\n.`, true],
      // Only the end's mark goes: a ` · ` inside a line is the reply's own.
      [`${'a'.repeat(45)} · b…`, `${'a'.repeat(45)} · bcd`, true],
    ];
    for (const [shown, reply, is] of cases)
      expect(shows(shown, reply), `${JSON.stringify(shown)} for ${JSON.stringify(reply)}`).to.equal(is);
  });

  it('two commands answered alike need two answers in the replay', () => {
    const history = [said('alice', 1100, '!8ball a'), said('bob', 1200, '!8ball b'), bot(1201, 'Yes.')];
    const taken = take(
      history,
      record('alice', 1100, '!8ball a', { text: 'Yes.', private: false }),
      record('bob', 1200, '!8ball b', { text: 'Yes.', private: false }),
    );
    expect(taken.say).to.deep.equal(['Yes.']);
  });

  it('the refusal names the user and the line, cut when long', () => {
    expect(refusal('alice', '  !roll 2d6  ')).to.equal(
      'alice: "!roll 2d6" got no answer while Rosey moved to another node, and may not have run. Say it again if you still want it.',
    );
    // 80 characters are kept whole; 81 are cut to 79 and an ellipsis.
    const eighty = `!say ${'y'.repeat(75)}`;
    expect(refusal('alice', eighty)).to.contain(`"${eighty}"`);
    expect(refusal('alice', `${eighty}y`)).to.contain(`"${eighty.slice(0, 79)}…"`);
    const cut = refusal('alice', `!say ${'y'.repeat(200)}`);
    expect(cut).to.contain(`"!say ${'y'.repeat(74)}…"`);
  });
});

describe('cluster: the handover journal', () => {
  const handled = (user: string, time: number, channel = 'c') => ({
    kind: 'handled' as const,
    node: 'a',
    platform: 'cytube',
    channel,
    user,
    time,
    text: '!roll',
  });

  it('keeps the latest session and the lines of each channel apart', () => {
    const journal = new HandoverJournal();
    journal.record({ kind: 'session', node: 'a', platform: 'cytube', channel: 'c', after: 5, term: 1 });
    journal.record({ kind: 'session', node: 'b', platform: 'cytube', channel: 'c', after: 9, term: 2 });
    journal.record(handled('alice', 10));
    journal.record(handled('bob', 11, 'other'));
    expect(journal.latestSession('cytube', 'c')).to.include({ node: 'b', after: 9, term: 2 });
    expect(journal.latestSession('cytube', 'other')).to.equal(undefined);
    expect([...journal.handled('cytube', 'c').values()]).to.deep.equal([
      { platform: 'cytube', channel: 'c', user: 'alice', time: 10, text: '!roll' },
    ]);
    expect([...journal.handled('cytube', 'c').keys()]).to.deep.equal([lineKey('alice', 10, '!roll')]);
  });

  it('forgets the oldest lines beyond its bound; a line recorded again keeps its place', () => {
    const journal = new HandoverJournal(3);
    for (const t of [1, 2, 3]) journal.record(handled('alice', t));
    journal.record(handled('alice', 1));
    journal.record(handled('alice', 4));
    expect(journal.size).to.equal(3);
    expect([...journal.handled('cytube', 'c').values()].map((l) => l.time)).to.deep.equal([2, 3, 4]);
  });

  it('the latest session is the highest term, then the latest start; an older one heard late does not replace it', () => {
    const journal = new HandoverJournal();
    const session = (node: string, term: number, after: number) =>
      ({ kind: 'session', node, platform: 'cytube', channel: 'c', after, term }) as const;
    journal.record(session('b', 2, 50));
    journal.record(session('a', 1, 90));
    expect(journal.latestSession('cytube', 'c')).to.include({ node: 'b' });
    journal.record(session('c', 2, 49));
    expect(journal.latestSession('cytube', 'c')).to.include({ node: 'b' });
    journal.record(session('c', 2, 50));
    expect(journal.latestSession('cytube', 'c')).to.include({ node: 'c' });
    journal.record(session('a', 3, 0));
    expect(journal.latestSession('cytube', 'c')).to.include({ node: 'a' });
  });

  it('keeps the latest session of at most MAX_SESSIONS channels, forgetting the one heard of longest ago', () => {
    const journal = new HandoverJournal();
    for (let c = 0; c <= MAX_SESSIONS; c++)
      journal.record({ kind: 'session', node: 'a', platform: 'cytube', channel: `c${c}`, after: 1, term: 1 });
    expect(journal.latestSession('cytube', 'c0')).to.equal(undefined);
    expect(journal.latestSession('cytube', `c${MAX_SESSIONS}`)).to.include({ node: 'a' });
    // A channel heard of again counts as heard of last.
    journal.record({ kind: 'session', node: 'b', platform: 'cytube', channel: 'c1', after: 2, term: 2 });
    journal.record({ kind: 'session', node: 'a', platform: 'cytube', channel: 'new', after: 1, term: 1 });
    expect(journal.latestSession('cytube', 'c1')).to.include({ node: 'b' });
    expect(journal.latestSession('cytube', 'c2')).to.equal(undefined);
    expect(journal.sessionsOf('a')).to.have.length(MAX_SESSIONS - 1);
    expect(journal.sessionsOf('b').map((r) => r.channel)).to.deep.equal(['c1']);
  });

  it('a sync answer fits in its byte budget, newest lines first kept', () => {
    const journal = new HandoverJournal();
    for (const t of [1, 2, 3]) journal.record({ ...handled('alice', t), text: `!say ${'x'.repeat(1000)}` });
    const one = Buffer.byteLength(JSON.stringify(journal.recent(1)[0])) + 1;
    expect(journal.recent(100, 2 * one + 2).map((r) => (r.kind === 'handled' ? r.time : 0))).to.deep.equal([
      2, 3,
    ]);
    expect(journal.recent(100, 2 * one - 1).map((r) => (r.kind === 'handled' ? r.time : 0))).to.deep.equal([
      3,
    ]);
  });

  it('a session from a node without terms counts as term 0', () => {
    const parsed = handoverRecordSchema.parse({
      kind: 'session',
      node: 'old',
      platform: 'cytube',
      channel: 'c',
      after: 5,
    });
    expect(parsed).to.include({ term: 0 });
  });

  it('a sync gives every latest session and the newest lines', () => {
    const journal = new HandoverJournal();
    journal.record({ kind: 'session', node: 'a', platform: 'cytube', channel: 'c', after: 5, term: 1 });
    for (const t of [1, 2, 3]) journal.record(handled('alice', t));
    expect(journal.recent(2).map((r) => (r.kind === 'session' ? 'session' : r.time))).to.deep.equal([
      'session',
      2,
      3,
    ]);
    expect(journal.recent()).to.have.length(4);
  });
});
