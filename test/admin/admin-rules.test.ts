import { expect } from 'chai';
import { authorize, type AdminPolicy } from '../../actors/admin/authorize.js';
import { issue, redeem } from '../../actors/admin/confirmations.js';
import { isAdminLine } from '../../actors/admin/admin.machine.js';
import { parseAdmin } from '../../actors/admin/parse.js';
import { checkRate, type Rates } from '../../actors/admin/rate-limit.js';
import { helpText } from '../../actors/router/help.js';
import { announce, emptyRegistry, lookup } from '../../actors/router/registry.js';
import { parseStorageSubject } from '../../actors/storage/storage.machine.js';
import { PLUGIN_NAME } from '../../contract/subjects.js';
import { manifestSchema } from '../../plugin-packages/manifest.js';

/** The pure rules of `!admin` (actors/admin): parsing, who may, confirmation codes, the rate limit. */
describe('!admin rules', () => {
  // The admin actor's bridge asks this of every chat line before its schema (issue 16): only what it
  // says yes to is checked and becomes an event; `!admin` lines however malformed must pass.
  it('isAdminLine: an !admin line, however malformed, with the configured prefix; nothing else', () => {
    const yes = ['!admin', '!admin status', '  !admin reload dice', `!admin ${'x'.repeat(2000)}`];
    for (const text of yes) expect(isAdminLine({ text, user: 'a' }, '!'), text).to.equal(true);
    expect(isAdminLine({ text: '.admin status' }, '.')).to.equal(true);
    const no: unknown[] = [
      { text: '!adminx' },
      { text: '!roll 2d6' },
      { text: 'hello !admin' },
      { text: '.admin status' },
      { text: 42 },
      {},
      null,
      'the text',
    ];
    for (const data of no) expect(isAdminLine(data, '!'), JSON.stringify(data)).to.equal(false);
  });

  describe('parseAdmin', () => {
    it('reads every verb, with its plugin or code', () => {
      expect(parseAdmin([])).to.deep.equal({ ok: true, command: { verb: 'help' } });
      expect(parseAdmin(['LIST'])).to.deep.equal({ ok: true, command: { verb: 'list' } });
      expect(parseAdmin(['status'])).to.deep.equal({ ok: true, command: { verb: 'status' } });
      expect(parseAdmin(['status', 'dice'])).to.deep.equal({
        ok: true,
        command: { verb: 'status', plugin: 'dice' },
      });
      for (const verb of ['reload', 'restart', 'enable', 'disable'] as const)
        expect(parseAdmin([verb, 'quote-db'])).to.deep.equal({
          ok: true,
          command: { verb, plugin: 'quote-db' },
        });
      expect(parseAdmin(['confirm', 'AB12cd'])).to.deep.equal({
        ok: true,
        command: { verb: 'confirm', code: 'ab12cd' },
      });
      expect(parseAdmin(['metrics'])).to.deep.equal({ ok: true, command: { verb: 'metrics' } });
    });

    it('refuses what is not a command, naming the verb the audit records', () => {
      expect(parseAdmin(['shutdown'])).to.deep.include({ ok: false, verb: 'unknown' });
      expect(parseAdmin(['reload'])).to.deep.equal({
        ok: false,
        verb: 'reload',
        reason: 'needs a plugin name',
      });
      expect(parseAdmin(['reload', '../etc'])).to.deep.include({ ok: false, verb: 'reload' });
      // `admin` is Rosey's namespace, never a plugin's (contract/subjects.ts PLUGIN_NAME).
      expect(parseAdmin(['restart', 'admin'])).to.deep.include({ ok: false, verb: 'restart' });
      expect(parseAdmin(['list', 'x'])).to.deep.include({ ok: false, verb: 'list' });
      expect(parseAdmin(['reload', 'dice', 'now'])).to.deep.include({ ok: false, verb: 'reload' });
      expect(parseAdmin(['confirm'])).to.deep.include({ ok: false, verb: 'confirm' });
      expect(parseAdmin(['confirm', 'x;y'])).to.deep.include({ ok: false, verb: 'confirm' });
    });

    it('says why, as the refusal and its audit record read it', () => {
      const reason = (args: string[]) => {
        const parsed = parseAdmin(args);
        return parsed.ok ? undefined : parsed.reason;
      };
      expect(reason(['shutdown'])).to.equal('no admin command shutdown');
      expect(reason(['reload', 'dice', 'now'])).to.equal('too many arguments');
      expect(reason(['status', 'dice', 'now'])).to.equal('too many arguments');
      expect(reason(['metrics', 'x'])).to.equal('takes no argument');
      expect(reason(['confirm'])).to.equal('needs the code');
      expect(reason(['confirm', 'x;y'])).to.equal('not a confirmation code');
      expect(reason(['status', '../etc'])).to.equal('../etc is not a plugin name');
      expect(reason(['disable'])).to.equal('needs a plugin name');
    });

    it('takes a confirmation code only whole: nothing before or after it', () => {
      expect(parseAdmin(['confirm', 'x;abcd'])).to.deep.include({ ok: false });
      expect(parseAdmin(['confirm', 'abcd;x'])).to.deep.include({ ok: false });
      expect(parseAdmin(['confirm', 'abc'])).to.deep.include({ ok: false });
      expect(parseAdmin(['confirm', 'abcd'])).to.deep.include({ ok: true });
    });
  });

  describe('authorize', () => {
    const policy: AdminPolicy = {
      admins: ['Alice'],
      owner: 'olga',
      minRank: 1,
      operatorPlatforms: ['console'],
    };

    it('lets the admins and the owner in with a registered rank, names compared without case', () => {
      expect(authorize(policy, { platform: 'cytube', user: 'alice', rank: 1 })).to.deep.equal({
        allowed: true,
        as: 'admin',
      });
      expect(authorize(policy, { platform: 'cytube', user: 'OLGA', rank: 3 })).to.deep.equal({
        allowed: true,
        as: 'owner',
      });
    });

    it('refuses anyone else, and a guest who took an admin name', () => {
      expect(authorize(policy, { platform: 'cytube', user: 'mallory', rank: 5 })).to.deep.equal({
        allowed: false,
        reason: 'mallory is not an admin',
      });
      const guest = authorize(policy, { platform: 'cytube', user: 'Alice', rank: 0 });
      expect(guest.allowed).to.equal(false);
      expect(guest)
        .to.have.property('reason')
        .that.match(/^rank 0 is below admin.minRank 1/);
    });

    it('reads every name on the list, with or without an owner', () => {
      const two: AdminPolicy = { admins: ['alice', 'Bob'], minRank: 1, operatorPlatforms: [] };
      expect(authorize(two, { platform: 'cytube', user: 'bob', rank: 1 })).to.deep.equal({
        allowed: true,
        as: 'admin',
      });
      expect(authorize(two, { platform: 'cytube', user: 'carol', rank: 1 })).to.deep.equal({
        allowed: false,
        reason: 'carol is not an admin',
      });
    });

    it("treats the console's user as the operator, whatever the name", () => {
      expect(authorize(policy, { platform: 'console', user: 'you', rank: 0 })).to.deep.equal({
        allowed: true,
        as: 'operator',
      });
    });
  });

  describe('confirmation codes', () => {
    const pending = { owner: 'cytube/alice', verb: 'reload' as const, plugin: 'dice', expiresAt: 30_000 };

    it('confirm once, in time, by the one who asked', () => {
      const state = issue({}, 'abc234', pending, 0);
      const first = redeem(state, 'abc234', 'cytube/alice', 29_999);
      expect(first.ok).to.equal(true);
      const again = redeem(first.state, 'abc234', 'cytube/alice', 29_999);
      expect(again).to.deep.include({ ok: false, reason: 'code already used' });
    });

    it("refuses a stale code and another user's, and leaves the owner's code to the owner", () => {
      const state = issue({}, 'abc234', pending, 0);
      expect(redeem(state, 'abc234', 'cytube/alice', 30_000)).to.deep.include({
        ok: false,
        reason: 'unknown or expired code',
      });
      const other = redeem(state, 'abc234', 'cytube/bob', 1);
      expect(other).to.deep.include({ ok: false, reason: "another user's code" });
      expect(redeem(other.state, 'abc234', 'cytube/alice', 2).ok).to.equal(true);
      expect(redeem(state, 'zzz999', 'cytube/alice', 1)).to.deep.include({ ok: false });
    });

    it('forgets codes once they expire', () => {
      let state = issue({}, 'old111', { ...pending, expiresAt: 10 }, 0);
      state = issue(state, 'new222', { ...pending, expiresAt: 100 }, 50);
      expect(Object.keys(state)).to.deep.equal(['new222']);
    });
  });

  describe('rate limit', () => {
    const limit = { count: 3, windowMs: 1000 };
    const run = (times: number[], key = 'u') => {
      let rates: Rates = {};
      return times.map((t) => {
        const r = checkRate(rates, key, t, limit);
        rates = r.rates;
        return r.verdict;
      });
    };

    it('refuses the first line over the limit once, then drops the rest of the flood', () => {
      expect(run([0, 1, 2, 3, 4, 5])).to.deep.equal(['ok', 'ok', 'ok', 'refuse', 'drop', 'drop']);
    });

    it('lets a user in again after a quiet window, and keeps users apart', () => {
      expect(run([0, 1, 2, 3, 500, 1600])).to.deep.equal(['ok', 'ok', 'ok', 'refuse', 'drop', 'ok']);
      let rates: Rates = {};
      for (const t of [0, 1, 2]) rates = checkRate(rates, 'a', t, limit).rates;
      expect(checkRate(rates, 'b', 3, limit).verdict).to.equal('ok');
    });

    it('counts a line exactly one window old as gone', () => {
      expect(run([0, 1, 2, 1000])).to.deep.equal(['ok', 'ok', 'ok', 'ok']);
      expect(run([0, 1, 2, 999])).to.deep.equal(['ok', 'ok', 'ok', 'refuse']);
    });

    it('holds no more than the window’s lines per user, and forgets users gone quiet', () => {
      expect(checkRate({}, 'u', 5, limit).rates).to.deep.equal({ u: { times: [5], told: false } });
      let rates: Rates = {};
      for (const t of [0, 1, 2, 3, 4, 5]) rates = checkRate(rates, 'u', t, limit).rates;
      // A flood keeps the last `count` lines (a refused one counts), not every line of it.
      expect(rates).to.deep.equal({ u: { times: [3, 4, 5], told: true } });
      rates = checkRate(rates, 'v', 2000, limit).rates;
      expect(rates).to.deep.equal({ v: { times: [2000], told: false } });
    });
  });

  describe("admin is Rosey's own name", () => {
    it('no plugin may be called admin, so no plugin user may write the admin audit records', () => {
      expect(PLUGIN_NAME.test('admin')).to.equal(false);
      expect(PLUGIN_NAME.test('admin-tools')).to.equal(true);
      const manifest = manifestSchema.safeParse({ name: 'admin', version: '1.0.0', entry: 'index.ts' });
      expect(manifest.success).to.equal(false);
      // Storage takes `admin` as the namespace of audit records only (actors/admin's), nothing else.
      expect(parseStorageSubject('rosey.db.audit.admin.record', {})).to.deep.include({
        tier: 'audit',
        namespace: 'admin',
      });
      expect(parseStorageSubject('rosey.db.kv.admin.get', {})).to.deep.include({ ok: false });
    });

    it('no plugin may take the command !admin; !help admin says it is for admins', () => {
      const { registry, conflicts } = announce(emptyRegistry(), {
        plugin: 'tools',
        generation: 1,
        version: '1.0.0',
        pid: 1,
        commands: [{ name: 'admin', usage: 'admin', description: '', minRank: 0, aliases: [] }],
      });
      expect(conflicts).to.deep.equal(['admin']);
      expect(lookup(registry, 'admin')).to.equal(undefined);
      expect(helpText(registry, '!', 0, 'admin')).to.match(
        /^!admin help\|list\|.* — for Rosey's admins only/,
      );
      expect(helpText(registry, '!', 0)).not.to.include('admin');
    });
  });
});
