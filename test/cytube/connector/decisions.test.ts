import { expect } from 'chai';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { classifyLoginFailure } from '../../../actors/cytube/login-result.js';
import {
  check,
  checkAll,
  DEFAULT_PERMISSIONS,
  playlistPermission,
  queuePermissions,
} from '../../../actors/cytube/permissions.js';
import { expireWaiters, settle, type PlaylistWaiter } from '../../../actors/cytube/playlist-replies.js';
import { parseServerEvent, type KnownServerEvent } from '../../../actors/cytube/server-events.js';
import { discover, pickServer } from '../../../actors/cytube/discovery.actor.js';

const event = (name: string, data: unknown): KnownServerEvent => {
  const parsed = parseServerEvent(name, data);
  if (parsed.kind !== 'known') throw new Error(`${name} did not parse`);
  return parsed.event;
};

describe('cytube: login failures', () => {
  // The texts are the recorded ones (05-login-failures), plus the guest-login delay.
  const cases: Array<[string, boolean, string]> = [
    ['Invalid username/password combination', true, 'fatal'],
    ['User does not exist', true, 'fatal'],
    ['That username is registered.', false, 'fatal'],
    [
      'Invalid username.  Usernames must be 1-20 characters long and consist only of characters a-z, A-Z, 0-9, -, or _.',
      false,
      'fatal',
    ],
    ['Guest logins are restricted to one per IP address per 60 seconds.', false, 'retry'],
    ['That name is already in use on this channel.', false, 'retry'],
    ['Something new the server says', false, 'fatal'],
  ];
  for (const [error, registered, kind] of cases) {
    it(`"${error.slice(0, 40)}" → ${kind}`, () => {
      expect(classifyLoginFailure(error, 'testbot', registered).kind).to.equal(kind);
    });
  }
  it('waits as long as the server says', () => {
    expect(
      classifyLoginFailure('… restricted to one per IP address per 42 seconds.', 'g', false),
    ).to.deep.include({
      kind: 'retry',
      afterMs: 42_000,
    });
  });
  it('a missing or blank error is "no reason given"; an invalid name says the name is not valid', () => {
    for (const error of [undefined, '', '  ']) {
      expect(classifyLoginFailure(error, 'bot', false)).to.deep.equal({
        kind: 'fatal',
        reason: 'CyTube refused the guest login for "bot": no reason given',
      });
    }
    expect(classifyLoginFailure(' Invalid username. Usernames must be short ', 'b@d', false)).to.deep.equal({
      kind: 'fatal',
      reason: '"b@d" is not a valid CyTube name: Invalid username. Usernames must be short',
    });
  });

  it('says what to do about a registered guest name', () => {
    const r = classifyLoginFailure('That username is registered.', 'alice', false);
    expect(r.reason).to.match(/set platforms\.cytube\.password, or pick another username/);
  });
});

describe('cytube: socketconfig discovery', () => {
  it('prefers the first secure server, else the first', () => {
    expect(
      pickServer({
        servers: [
          { url: 'http://a:1337', secure: false },
          { url: 'https://b:8443', secure: true },
          { url: 'https://c:8443', secure: true },
        ],
      }),
    ).to.equal('https://b:8443');
    expect(pickServer({ servers: [{ url: 'http://a:1337', secure: false }] })).to.equal('http://a:1337');
    expect(pickServer({ servers: [] })).to.equal(undefined);
    expect(pickServer({ servers: [{ secure: true }, 'x', null] })).to.equal(undefined);
    expect(pickServer('nonsense')).to.equal(undefined);
  });

  it('tells a refusal (no retry) from an outage (retry)', async () => {
    const answers: Record<string, [number, string]> = {
      '/socketconfig/ok.json': [200, JSON.stringify({ servers: [{ url: 'http://x:1', secure: false }] })],
      '/socketconfig/bad%20name!.json': [
        404,
        JSON.stringify({ error: 'Channel "bad name!" does not exist.' }),
      ],
      '/socketconfig/boom.json': [502, 'Bad gateway'],
      '/socketconfig/empty.json': [200, JSON.stringify({ servers: [] })],
      '/socketconfig/html.json': [404, '<html>not here</html>'],
    };
    const http = createServer((req, res) => {
      const [status, body] = answers[req.url ?? ''] ?? [500, ''];
      res.statusCode = status;
      res.end(body);
    });
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(http.address() as AddressInfo).port}/`;
    try {
      expect(await discover(base, 'ok', 2000)).to.deep.equal({ kind: 'found', url: 'http://x:1' });
      expect(await discover(base, 'bad name!', 2000)).to.deep.equal({
        kind: 'refused',
        reason: 'CyTube says: Channel "bad name!" does not exist.',
      });
      expect((await discover(base, 'boom', 2000)).kind).to.equal('unavailable');
      expect((await discover(base, 'empty', 2000)).kind).to.equal('unavailable');
      expect(await discover(base, 'html', 2000)).to.deep.include({ kind: 'refused' });
    } finally {
      http.close();
    }
    const closed = await discover('http://127.0.0.1:9', 'x', 2000);
    expect(closed.kind).to.equal('unavailable');
    expect(closed.kind !== 'found' && closed.reason).to.match(
      /^cannot reach http:\/\/127\.0\.0\.1:9\/socketconfig\/x\.json/,
    );
  });
});

describe('cytube: permissions', () => {
  it('uses the open-playlist keys when the playlist is unlocked', () => {
    expect(playlistPermission('add', true)).to.equal('playlistadd');
    expect(playlistPermission('add', false)).to.equal('oplaylistadd');
    expect(playlistPermission('delete', false)).to.equal('oplaylistdelete');
  });

  it('lists what a queue needs: position, live or custom media (not permanence: CyTube makes it temporary)', () => {
    expect(queuePermissions('yt', 'end', true)).to.deep.equal(['playlistadd']);
    expect(queuePermissions('yt', 'next', false)).to.deep.equal(['oplaylistnext']);
    expect(queuePermissions('cu', 'end', true)).to.deep.equal([
      'playlistadd',
      'playlistaddcustom',
      'playlistaddlive',
    ]);
    expect(queuePermissions('tw', 'end', true)).to.deep.equal(['playlistadd', 'playlistaddlive']);
  });

  it('compares the rank with the channel value, falling back to CyTube defaults', () => {
    expect(check({ chat: 0 }, 0, 'chat')).to.equal(undefined);
    expect(check({ chat: 2 }, 1, 'chat')).to.deep.equal({ permission: 'chat', needs: 2, rank: 1 });
    expect(check({}, 1, 'playlistdelete')).to.deep.equal({
      permission: 'playlistdelete',
      needs: DEFAULT_PERMISSIONS.playlistdelete,
      rank: 1,
    });
    expect(
      checkAll({ playlistadd: 1.5, playlistaddlive: 1.5 }, 1, ['playlistadd', 'playlistaddlive'])?.permission,
    ).to.equal('playlistadd');
  });
});

describe('cytube: playlist replies', () => {
  const waiter = (replyId: string, awaits: PlaylistWaiter['awaits'], deadline = 10_000): PlaylistWaiter => ({
    replyId,
    awaits,
    deadline,
  });
  const queued = (type: string, id: string, uid: number, queueby = 'testbot') =>
    event('queue', {
      item: { media: { id, type, title: 't', seconds: 5 }, uid, temp: true, queueby },
      after: 'prepend',
    });

  it('a queue broadcast answers the matching add of ours, not someone else’s', () => {
    const waiters = [waiter('a', { op: 'add', type: 'fi', id: 'https://x/a.mp4' })];
    expect(settle(waiters, queued('fi', 'https://x/a.mp4', 3, 'alice'), 'testbot').settled).to.deep.equal([]);
    const r = settle(waiters, queued('fi', 'https://x/a.mp4', 4), 'testbot');
    expect(r.settled).to.deep.equal([
      { replyId: 'a', result: { ok: true, data: { uid: 4, title: 't', seconds: 5 } } },
    ]);
    expect(r.waiters).to.deep.equal([]);
  });

  it('a custom embed is matched by type (the server renames it cu:<hash>)', () => {
    const r = settle(
      [waiter('c', { op: 'add', type: 'cu', id: '<iframe …>' })],
      queued('cu', 'cu:abc=', 0),
      'testbot',
    );
    expect(r.settled[0]!.result.ok).to.equal(true);
  });

  it('queueFail answers with CyTube’s reason', () => {
    const r = settle(
      [waiter('y', { op: 'add', type: 'yt', id: 'dQw4w9WgXcQ' })],
      event('queueFail', {
        msg: 'The YouTube API now requires an API key.',
        link: 'https://youtu.be/dQw4w9WgXcQ',
        id: 'dQw4w9WgXcQ',
      }),
      'testbot',
    );
    expect(r.settled[0]!.result).to.deep.equal({
      ok: false,
      error: {
        code: 'FORBIDDEN',
        message: 'CyTube refused to queue it: The YouTube API now requires an API key.',
      },
    });
  });

  it('delete, move and jump are answered by their broadcasts; silence ends in a TIMEOUT', () => {
    const waiters = [
      waiter('d', { op: 'delete', uid: 1 }),
      waiter('m', { op: 'move', uid: 2 }),
      waiter('j', { op: 'jump', uid: 3 }, 500),
    ];
    let r = settle(waiters, event('delete', { uid: 1 }), 'testbot');
    expect(r.settled.map((s) => s.replyId)).to.deep.equal(['d']);
    r = settle(r.waiters, event('moveVideo', { from: 2, after: 'prepend' }), 'testbot');
    expect(r.settled.map((s) => s.replyId)).to.deep.equal(['m']);
    const late = expireWaiters(r.waiters, 1000);
    expect(late.waiters).to.deep.equal([]);
    expect(late.settled[0]).to.deep.include({ replyId: 'j' });
    expect(late.settled[0]!.result.ok).to.equal(false);
  });
});
