import { expect } from 'chai';
import { PassThrough } from 'node:stream';
import type { NatsConnection } from '../../contract/nats.js';
import { openDatabase, type Database } from '../../actors/database/open.js';
import { adminSpec, consoleSpec } from '../../app/child-specs.js';
import { parseConfig } from '../../app/config/load.js';
import { adminAuditDetailSchema, type AdminAuditDetail } from '../../contract/messages/admin.js';
import { pluginListReplySchema } from '../../contract/messages/plugins.js';
import { request } from '../../contract/request.js';
import { subjects } from '../../contract/subjects.js';
import { forEachDatabase, freshDatabase } from '../support/databases.js';
import { fakePlatform, type SeenReply } from '../support/fake-platform.js';
import { FIXTURE_PLUGINS, startMiniRosey } from '../support/mini-rosey.js';
import { metricsChildren } from '../support/metrics-http.js';
import { client, eventually, useNatsServer } from '../support/nats.js';

interface AuditRow {
  actor: string;
  action: string;
  target: string;
  detail: AdminAuditDetail;
}

/**
 * `!admin` end to end in one process (actors/admin): real NATS, real storage on SQLite and
 * PostgreSQL (the audit rows are read back from the database), the real plugin manager with a real
 * plugin process, the real console, and CyTube played on the bus (test/support/fake-platform.ts;
 * test/e2e/admin-cytube.test.ts has the real connector against the fake CyTube server).
 */
forEachDatabase('!admin in chat', (kind) => {
  const nats = useNatsServer();
  let rosey: Awaited<ReturnType<typeof startMiniRosey>>;
  let nc: NatsConnection;
  let db: Database;
  let chat: Awaited<ReturnType<typeof fakePlatform>>;
  let consoleIn: PassThrough;
  let consoleOut = '';
  // Added to the admin actor's clock: a confirmation code goes stale without waiting 30 s.
  let skew = 0;
  const switched: Array<[string, boolean]> = [];

  before(async () => {
    const database = await freshDatabase(kind);
    const config = parseConfig({
      admins: ['alice'],
      owner: 'olga',
      admin: { rateLimit: { count: 5, windowMs: 30_000 } },
    });
    const metrics = metricsChildren({}, ['echo'], false);
    consoleIn = new PassThrough();
    const output = new PassThrough();
    output.on('data', (d: Buffer) => (consoleOut += d.toString()));
    rosey = await startMiniRosey({
      url: nats.url,
      plugins: ['echo'],
      database,
      reload: { graceMs: 0 },
      connectors: [
        ...metrics.children,
        (_link, wiring) =>
          adminSpec(
            wiring,
            config,
            {
              folder: (name) =>
                name === 'echo' ? { dir: `${FIXTURE_PLUGINS}echo` } : { error: `no plugin named ${name}` },
              setDisabled: (name, disabled) => switched.push([name, disabled]),
            },
            { now: () => Date.now() + skew },
          ),
        (_link, wiring) =>
          consoleSpec(wiring, config, {
            input: consoleIn,
            output,
            interactive: false,
            stopOnEof: false,
          }),
      ],
    });
    nc = await client(nats.url);
    chat = await fakePlatform(nc, 'cytube');
    db = await openDatabase(database, { applyCoreMigrations: false });
  });

  // A minute passes between tests on the admin actor's clock: each starts with its rate limits clear.
  beforeEach(() => (skew += 60_000));

  after(async () => {
    await db?.close();
    await nc?.close();
    await rosey?.tree.shutdown();
  });

  const audits = async (user: string): Promise<AuditRow[]> => {
    const rows = (await db.knex('rosey_audit').where('action', 'like', 'admin.%').orderBy('id')) as Array<{
      actor: string;
      action: string;
      target: string;
      detail: string;
    }>;
    return rows
      .map((r) => ({ ...r, detail: adminAuditDetailSchema.parse(JSON.parse(r.detail)) }))
      .filter((r) => r.detail.user === user);
  };
  /** Waits for `user`'s audit rows to number `count`, and returns them. */
  const auditedFor = (user: string, count: number) =>
    eventually(async () => {
      const rows = await audits(user);
      return rows.length >= count && rows;
    }, `${count} audit rows of ${user}`);
  const pmsTo = (user: string) => chat.replies.filter((r) => r.kind === 'pm' && r.to === user);
  /** The next PM to `user` after those already seen. */
  const nextPm = async (user: string, seen: number, timeoutMs = 5000): Promise<SeenReply> =>
    eventually(() => pmsTo(user)[seen], `PM #${seen + 1} to ${user}`, timeoutMs);
  const codeIn = (text: string) => /confirm ([a-z0-9]+) within 30s/.exec(text)![1]!;
  const echoGeneration = async () => {
    const r = await request(
      nc,
      subjects.pluginControl('list'),
      {},
      { timeoutMs: 2000, reply: pluginListReplySchema },
    );
    if (!r.ok) throw new Error(r.error.message);
    return r.data.plugins.find((p) => p.name === 'echo')?.generation;
  };

  it('an admin reloads a plugin: a code by PM, the confirmation, the reload; a reused code is refused; each step audited', async () => {
    chat.say('!admin reload echo', { user: 'alice', rank: 1 });
    const asked = await nextPm('alice', 0);
    expect(asked.text).to.match(/^To reload echo, send !admin confirm [a-z0-9]{6} within 30s\.$/);
    const code = codeIn(asked.text);
    chat.say(`!admin confirm ${code}`, { user: 'alice', rank: 1, pm: true });
    const done = await nextPm('alice', 1, 30_000);
    expect(done.text).to.match(/^echo reloaded: 0\.1\.0 → 0\.1\.0 \(generation 2\)\.$/);
    expect(await echoGeneration()).to.equal(2);

    chat.say(`!admin confirm ${code}`, { user: 'alice', rank: 1 });
    expect((await nextPm('alice', 2)).text).to.equal('!admin confirm refused: code already used.');

    const rows = await auditedFor('alice', 4);
    expect(rows.map((r) => [r.action, r.target, r.detail.outcome])).to.deep.equal([
      ['admin.reload', 'echo', 'pending'],
      ['admin.confirm', 'echo', 'ok'],
      ['admin.reload', 'echo', 'ok'],
      ['admin.confirm', 'rosey', 'refused'],
    ]);
    expect(rows[0]).to.deep.include({ actor: 'rosey:admin' });
    expect(rows[0]!.detail).to.deep.include({ platform: 'cytube', user: 'alice', rank: 1 });
    expect(rows[2]!.detail.confirmed).to.equal(true);
    expect(rows[3]!.detail.reason).to.equal('code already used');
    expect(await echoGeneration()).to.equal(2);
  });

  it("the console's user is the operator: answered in the console's chat, audited", async () => {
    consoleIn.write('!admin status echo\n');
    await eventually(() => /Rosey: echo 0\.1\.0 running/.test(consoleOut), 'the answer in the console');
    const rows = await auditedFor('you', 1);
    expect(rows.map((r) => [r.action, r.detail.platform, r.detail.outcome])).to.deep.equal([
      ['admin.status', 'console', 'ok'],
    ]);
  });

  it('help and metrics answer an admin by PM: the verbs, then the figures of Rosey and each plugin', async () => {
    const seen = pmsTo('alice').length;
    chat.say('!admin help', { user: 'alice', rank: 2 });
    expect((await nextPm('alice', seen)).text).to.match(
      /^!admin help \| list \| status \[plugin\] \| reload <plugin> .*ask for !admin confirm <code>\.$/,
    );
    // The metrics actor samples every 200 ms here: once it has the echo plugin's figures.
    const answer = await eventually(async () => {
      chat.say('!admin metrics', { user: 'alice', rank: 2 });
      const text = (await nextPm('alice', pmsTo('alice').length)).text;
      return /plugins: echo \d+ MB/.test(text) && text;
    }, 'the metrics answer with the echo plugin');
    expect(answer).to.match(
      /^Rosey \d+ MB( \d+% CPU)?; \d+ chat lines?, \d+ commands?, \d+ errors?, \d+ security violations?; plugins: echo \d+ MB$/,
    );
    const last = await eventually(async () => {
      const row = (await audits('alice')).at(-1);
      return row?.action === 'admin.metrics' && row;
    }, 'the audit record of the metrics answer');
    expect(last.detail.outcome).to.equal('ok');
  });

  it('a user not named in the config is refused, and audited', async () => {
    chat.say('!admin list', { user: 'mallory', rank: 3 });
    expect((await nextPm('mallory', 0)).text).to.equal("!admin is for Rosey's admins.");
    const rows = await auditedFor('mallory', 1);
    expect(rows.map((r) => [r.action, r.detail.outcome, r.detail.reason])).to.deep.equal([
      ['admin.list', 'refused', 'mallory is not an admin'],
    ]);
  });

  it("a guest who took an admin's name (rank 0) is refused, and audited", async () => {
    chat.say('!admin restart echo', { user: 'Alice', rank: 0 });
    expect((await nextPm('Alice', 0)).text).to.equal("!admin is for Rosey's admins.");
    const rows = await auditedFor('Alice', 1);
    expect(rows.map((r) => [r.action, r.target, r.detail.outcome])).to.deep.equal([
      ['admin.restart', 'echo', 'refused'],
    ]);
    expect(rows[0]!.detail.reason).to.match(/^rank 0 is below admin\.minRank 1/);
  });

  it('a stale code is refused, and audited; nothing restarts', async () => {
    const before = await echoGeneration();
    const seen = pmsTo('olga').length;
    chat.say('!admin restart echo', { user: 'olga', rank: 2 });
    const code = codeIn((await nextPm('olga', seen)).text);
    skew += 31_000;
    chat.say(`!admin confirm ${code}`, { user: 'olga', rank: 2 });
    expect((await nextPm('olga', seen + 1)).text).to.equal(
      '!admin confirm refused: unknown or expired code.',
    );
    const rows = await auditedFor('olga', 2);
    expect(rows.slice(-2).map((r) => [r.action, r.detail.outcome, r.detail.reason])).to.deep.equal([
      ['admin.restart', 'pending', undefined],
      ['admin.confirm', 'refused', 'unknown or expired code'],
    ]);
    expect(await echoGeneration()).to.equal(before);
  });

  it("another user's code is refused, and audited; its owner still confirms it: a cold restart", async () => {
    const before = (await echoGeneration())!;
    const seenAlice = pmsTo('alice').length;
    const seenOlga = pmsTo('olga').length;
    const olgaRows = (await audits('olga')).length;
    chat.say('!admin restart echo', { user: 'alice', rank: 1 });
    const code = codeIn((await nextPm('alice', seenAlice)).text);
    chat.say(`!admin confirm ${code}`, { user: 'olga', rank: 2 });
    expect((await nextPm('olga', seenOlga)).text).to.equal("!admin confirm refused: another user's code.");
    const olga = await auditedFor('olga', olgaRows + 1);
    expect([olga.at(-1)!.action, olga.at(-1)!.detail.outcome, olga.at(-1)!.detail.reason]).to.deep.equal([
      'admin.confirm',
      'refused',
      "another user's code",
    ]);
    expect(await echoGeneration()).to.equal(before);

    chat.say(`!admin confirm ${code}`, { user: 'alice', rank: 1 });
    expect((await nextPm('alice', seenAlice + 1, 30_000)).text).to.equal(
      `echo restarted: 0.1.0 → 0.1.0 (generation ${before + 1}).`,
    );
    expect(await echoGeneration()).to.equal(before + 1);
  });

  it('disable and enable: stopped and started, recorded for the next start', async () => {
    const confirmed = async (line: string) => {
      const seen = pmsTo('alice').length;
      chat.say(line, { user: 'alice', rank: 1 });
      const code = codeIn((await nextPm('alice', seen)).text);
      chat.say(`!admin confirm ${code}`, { user: 'alice', rank: 1 });
      return (await nextPm('alice', seen + 1, 30_000)).text;
    };
    expect(await confirmed('!admin disable echo')).to.equal('echo disabled and stopped.');
    expect(await echoGeneration()).to.equal(undefined);
    expect(await confirmed('!admin enable echo')).to.equal('echo enabled and started.');
    expect(await echoGeneration()).to.be.a('number');
    expect(switched).to.deep.equal([
      ['echo', true],
      ['echo', false],
    ]);
  });

  it('flooding is refused once, audited once, and the rest of the flood dropped', async () => {
    for (let i = 0; i < 8; i++) chat.say('!admin list', { user: 'bob', rank: 1 });
    // Lines are handled in order: once the operator's answer is in, bob's eight lines were too.
    const seen = pmsTo('alice').length;
    chat.say('!admin help', { user: 'alice', rank: 1 });
    await nextPm('alice', seen);
    expect(pmsTo('bob').map((r) => r.text)).to.deep.equal([
      ...Array<string>(5).fill("!admin is for Rosey's admins."),
      'Too many !admin commands: the next ones are ignored for 30s.',
    ]);
    // The router leaves `!admin` to the admin actor: no "Unknown command" in the channel, ever.
    expect(chat.replies.filter((r) => r.kind === 'chat')).to.deep.equal([]);
    const rows = await auditedFor('bob', 6);
    // Sorted: on PostgreSQL, records sent at once may be stored in any order (a pool of connections).
    expect(rows.map((r) => [r.action, r.detail.outcome]).sort()).to.deep.equal([
      ['admin.flood', 'refused'],
      ...Array<[string, string]>(5).fill(['admin.list', 'refused']),
    ]);
  });
});
