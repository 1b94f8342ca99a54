import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { INSTALL_HINT } from '../../actors/nats-server/nats-server-process.js';
import { request } from '../../contract/request.js';
import { definePlugin } from '../../sdk/index.js';
import { resolve as resolveSdk } from '../../sdk/sdk-resolve-hooks.js';
import { testBot, type TestBot } from '../../sdk/testing/index.js';
import dice from '../../plugins/dice/index.js';
import badmig from '../fixtures/plugins/badmig/index.js';
import echo from '../fixtures/plugins/echo/index.js';
import failsAtStart from '../fixtures/plugins/fails-at-start/index.js';
import kicker from '../fixtures/plugins/kicker/index.js';
import memo from '../fixtures/plugins/memo/index.js';
import { tempDir } from '../support/nats.js';

const DICE_DIR = new URL('../../plugins/dice/', import.meta.url);
const MEMO_DIR = fileURLToPath(new URL('../fixtures/plugins/memo/', import.meta.url));
const ECHO_DIR = fileURLToPath(new URL('../fixtures/plugins/echo/', import.meta.url));

/** A plugin without a folder: a moderator-only command and one that answers privately. */
const mod = definePlugin({
  name: 'mod',
  commands: {
    ban: { usage: 'ban USER', minRank: 2, run: (ctx) => `${ctx.user} banned ${ctx.argText}` },
    whisper: { usage: 'whisper', run: (ctx) => ({ text: `psst, ${ctx.user}`, private: true }) },
  },
});

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
};

describe('sdk testing: testBot (real nats-server, storage and router)', function () {
  this.timeout(60_000);

  describe('with the dice plugin', () => {
    let bot: TestBot;
    before(async () => {
      bot = await testBot(dice, { dir: DICE_DIR });
    });
    after(async () => {
      await bot?.close();
    });
    beforeEach(() => bot.clear());

    it('answers a command as the user who said it, and resolves once the reply is in', async () => {
      const produced = await bot.say('!roll 2d6', { as: 'alice' });
      assert.equal(produced.length, 1);
      assert.match(produced[0]!.text, /^alice rolled 2d6: \d, \d = \d+$/);
      assert.deepEqual(bot.lastReply, produced[0]);
      assert.deepEqual(bot.lastReply, {
        text: produced[0]!.text,
        private: false,
        platform: 'test',
        channel: 'test',
      });
      // an alias, by the default user
      await bot.say('!coin');
      assert.match(bot.lastReply.text, /^tester flipped a coin: (heads|tails)$/);
      assert.equal(bot.replies.length, 2);
    });

    it('answers a private message privately', async () => {
      const produced = await bot.say('!flip', { as: 'bob', private: true });
      assert.equal(produced.length, 1);
      assert.equal(produced[0]!.private, true);
      assert.equal(produced[0]!.to, 'bob');
      assert.match(produced[0]!.text, /^bob flipped a coin/);
    });

    it("passes on the router's own reply to an unknown command, and stays silent on chatter", async () => {
      assert.deepEqual(
        (await bot.say('!nope')).map((r) => r.text),
        ['Unknown command !nope — try !help.'],
      );
      assert.deepEqual(await bot.say('just talking'), []);
      assert.deepEqual(await bot.say('!roll', { as: 'Rosey' }), [], "the bot's own lines are not commands");
      assert.equal(bot.replies.length, 1);
      bot.clear();
      assert.deepEqual(bot.replies, []);
      assert.throws(() => bot.lastReply, /no reply yet/);
    });

    it('records what else is sent to the platform, and answers requests', async () => {
      const kick = { channel: 'test', user: 'spammer', reason: 'spam' };
      const answer = await request(bot.nc, 'rosey.platform.test.send.kick', kick, { timeoutMs: 5000 });
      assert.deepEqual(answer, { ok: true, data: {} });
      assert.deepEqual(bot.actions, [{ kind: 'kick', data: kick }]);
      assert.deepEqual(bot.replies, []);
    });
  });

  describe('ranks and private replies (a plugin without a folder)', () => {
    let bot: TestBot | undefined;
    afterEach(async () => {
      await bot?.close();
      bot = undefined;
    });

    it('refuses a command to a user below its rank, and runs it for one at or above', async () => {
      bot = await testBot(mod);
      assert.deepEqual(
        (await bot.say('!ban carol')).map((r) => r.text),
        ['!ban needs rank 2 (you have 1).'],
      );
      assert.deepEqual(
        (await bot.say('!ban carol', { as: 'mia', rank: 3 })).map((r) => r.text),
        ['mia banned carol'],
      );
    });

    it('uses the user and rank given to testBot by default', async () => {
      bot = await testBot(mod, { user: 'mia', rank: 2, prefix: '?' });
      assert.equal((await bot.say('?ban carol'))[0]?.text, 'mia banned carol');
      assert.deepEqual(await bot.say('!ban carol'), []);
    });

    it('sends a reply the plugin marks private to the user alone', async () => {
      bot = await testBot(mod);
      assert.deepEqual(await bot.say('!whisper', { as: 'ann' }), [
        { text: 'psst, ann', to: 'ann', private: true, platform: 'test', channel: 'test' },
      ]);
    });
  });

  describe('storage (the memo plugin: migrations, rows and key-value)', () => {
    let bot: TestBot | undefined;
    afterEach(async () => {
      await bot?.close();
      bot = undefined;
    });

    it('applies the migrations, keeps what one line stored for the next, and shows it through bot.rows/kv', async () => {
      bot = await testBot(memo, { dir: MEMO_DIR });
      assert.equal((await bot.migrations.status()).currentVersion, 1);
      await bot.kv.set('remembered', 10); // seeded by the test
      assert.equal((await bot.say('!remember buy milk', { as: 'ann' }))[0]?.text, 'noted #1 (11 so far)');
      assert.equal((await bot.say('!remember call bob', { as: 'ben' }))[0]?.text, 'noted #2 (12 so far)');
      assert.equal((await bot.say('!recall milk'))[0]?.text, '#1 buy milk');

      const rows = await bot.rows.search('notes', { sort: { field: 'id' }, fields: ['author', 'text'] });
      assert.deepEqual(rows, [
        { author: 'ann', text: 'buy milk' },
        { author: 'ben', text: 'call bob' },
      ]);
      assert.equal(await bot.kv.get('remembered'), 12);
    });

    it('starts every bot on an empty database', async () => {
      bot = await testBot(memo, { dir: MEMO_DIR });
      assert.equal(await bot.rows.count('notes'), 0);
      assert.equal(await bot.kv.get('remembered'), undefined);
    });

    it('refuses storage to a plugin without the storage grant, as the NATS server does in production', async () => {
      bot = await testBot(memo, { dir: MEMO_DIR, grant: [] });
      const [reply] = await bot.say('!remember buy milk');
      assert.match(
        reply?.text ?? '',
        /^!remember failed: .*Permissions Violation for Publish to "rosey\.db\.row\.memo\.insert"/,
      );
      assert.equal(await bot.rows.count('notes'), 0);
      assert.equal(await bot.kv.get('remembered'), undefined);
    });
  });

  describe('audit records (ctx.audit, bot.audits)', () => {
    /** Records one thing at start and one per `!done`, whose detail tries to name another user. */
    const auditor = definePlugin({
      name: 'auditor',
      commands: {
        done: {
          usage: 'done',
          run: async (ctx) => {
            await ctx.audit('thing.done', 'x', { n: 1, user: 'mallory', channel: 'elsewhere' });
            return 'recorded';
          },
        },
      },
      start: (ctx) => ctx.audit('started', 'self'),
    });
    let bot: TestBot | undefined;
    afterEach(async () => {
      await bot?.close();
      bot = undefined;
    });

    it("collects the plugin's records; a command's names who ran it, where, over the plugin's detail", async () => {
      bot = await testBot(auditor, { grant: ['storage'] });
      assert.deepEqual(
        bot.audits.map((a) => [a.actor, a.action, a.target, a.detail]),
        [['plugin:auditor', 'auditor.started', 'self', {}]],
      );
      bot.clear();
      assert.equal(bot.audits.length, 0);

      assert.deepEqual(
        (await bot.say('!done', { as: 'alice' })).map((r) => r.text),
        ['recorded'],
      );
      assert.equal(bot.audits.length, 1);
      const [record] = bot.audits;
      assert.equal(record!.action, 'auditor.thing.done');
      assert.equal(record!.actor, 'plugin:auditor');
      assert.equal(record!.target, 'x');
      assert.deepEqual(record!.detail, { n: 1, user: 'alice', platform: 'test', channel: 'test' });
      assert.equal(typeof record!.id, 'number');
      assert.ok(Math.abs(record!.at - Date.now()) < 60_000);
    });

    it('refuses records without the storage grant: the plugin does not start', async () => {
      await assert.rejects(
        testBot(auditor),
        /testBot\(auditor\): the plugin failed to start: .*Permissions Violation for Publish to "rosey\.db\.audit\.auditor\.record"/,
      );
    });
  });

  describe("the plugin's own actions (through the action gate)", () => {
    const KICKER_DIR = fileURLToPath(new URL('../fixtures/plugins/kicker/', import.meta.url));
    let bot: TestBot | undefined;
    afterEach(async () => {
      await bot?.close();
      bot = undefined;
    });

    it('carries out what the manifest grants, on the platform and channel of the command', async () => {
      bot = await testBot(kicker, { dir: KICKER_DIR });
      assert.deepEqual(
        (await bot.say('!announce hello')).map((r) => r.text),
        ['hello', 'done: {}'],
      );
      assert.equal(bot.replies[0]!.channel, 'test');
    });

    it('refuses what it does not grant, as production does (the NATS server)', async () => {
      bot = await testBot(kicker, { dir: KICKER_DIR });
      const [reply] = await bot.say('!kick bob');
      assert.match(
        reply!.text,
        /^refused: FORBIDDEN: kicker may not users.kick: 'users.kick' is not granted/,
      );
      assert.deepEqual(bot.actions, []);
    });

    it('takes extra grants, to test what a plugin does with them', async () => {
      bot = await testBot(kicker, { dir: KICKER_DIR, grant: ['users.kick'] });
      assert.deepEqual(
        (await bot.say('!kick bob')).map((r) => r.text),
        ['done: {}'],
      );
      assert.deepEqual(bot.actions, [
        { kind: 'kick', data: { channel: 'test', user: 'bob', reason: 'test' } },
      ]);
    });
  });

  describe('configuration and logs', () => {
    it('hands the plugin its config and keeps what it logs', async () => {
      const bot = await testBot(echo, { dir: ECHO_DIR, config: { greeting: 'hi' } });
      try {
        assert.ok(bot.logs.some((l) => l.level === 'info' && /config greeting=hi/.test(l.msg)));
        await bot.say('!echo hello there');
        assert.equal(bot.lastReply.text, 'echo: hello there');
      } finally {
        await bot.close();
      }
    });
  });

  // Issue 22: a command's ctx had no config; only start() saw it.
  describe('configuration in commands', () => {
    it("gives each command's ctx the plugin's config, as start() gets it", async () => {
      const greeter = definePlugin({
        name: 'greeter',
        commands: {
          greet: { usage: 'greet', run: (ctx) => `${String(ctx.config.greeting)}, ${ctx.user}` },
        },
      });
      const bot = await testBot(greeter, { config: { greeting: 'Howdy' } });
      try {
        assert.equal((await bot.say('!greet', { as: 'ann' }))[0]?.text, 'Howdy, ann');
      } finally {
        await bot.close();
      }
    });
  });

  describe('close()', () => {
    it('stops the nats-server (its process is gone) and can be called twice', async () => {
      const bot = await testBot(echo);
      const { pid } = bot.server;
      assert.equal(alive(pid), true);
      await bot.close();
      assert.equal(alive(pid), false);
      await bot.close();
      await assert.rejects(bot.say('!echo late'), /say\(\) after close\(\)/);
    });
  });

  describe('errors', () => {
    it('says when the folder has no manifest', async () => {
      await assert.rejects(
        testBot(echo, { dir: fileURLToPath(new URL('./', import.meta.url)) }),
        /: no manifest\.yaml$/,
      );
    });

    it('says when the manifest names another plugin', async () => {
      await assert.rejects(
        testBot(echo, { dir: MEMO_DIR }),
        /names the plugin 'memo' but its code says 'echo'/,
      );
    });

    it('says how to install nats-server when it is missing', async () => {
      await assert.rejects(testBot(echo, { natsBinary: 'no-such-nats-server-binary' }), (error: Error) => {
        assert.ok(error.message.includes(INSTALL_HINT), error.message);
        return true;
      });
    });

    it("says why the plugin's start failed, and why its migrations did", async () => {
      await assert.rejects(
        testBot(failsAtStart),
        /^Error: testBot\(fails-at-start\): the plugin failed to start: database unreachable$/,
      );
      await assert.rejects(
        testBot(badmig, { dir: fileURLToPath(new URL('../fixtures/plugins/badmig/', import.meta.url)) }),
        /^Error: testBot\(badmig\): Rosey did not start: .*001_bad\.sql failed/,
      );
    });

    it('refuses what is not a plugin, and an unknown permission', async () => {
      await assert.rejects(testBot({ name: 'echo' }), /must be the plugin/);
      await assert.rejects(testBot(echo, { grant: ['storage', 'root'] }), /unknown permission 'root'/);
    });
  });

  describe('as plugin authors import it', () => {
    it('is the `rosey/sdk/testing` export of the package, also for plugin processes', async () => {
      const viaPackage = (await import('rosey/sdk/testing')) as { testBot: unknown };
      assert.equal(viaPackage.testBot, testBot);
      const hooked = resolveSdk('rosey/sdk/testing', {}, () => assert.fail('not resolved by the hook')) as {
        url: string;
      };
      assert.match(hooked.url, /\/sdk\/testing\/index\.js$/);
      assert.ok(existsSync(fileURLToPath(hooked.url)));
    });

    it("runs a plain-JS plugin's node:test file from a folder without node_modules (testing/register.js)", async () => {
      const root = tempDir('rosey-author-');
      try {
        const dir = join(root, 'greet');
        mkdirSync(join(dir, 'test'), { recursive: true });
        writeFileSync(
          join(dir, 'manifest.yaml'),
          'name: greet\nversion: 1.0.0\nentry: index.js\npermissions: [storage]\n',
        );
        writeFileSync(
          join(dir, 'index.js'),
          [
            "import { definePlugin } from 'rosey/sdk';",
            'export default definePlugin({',
            "  name: 'greet',",
            '  commands: {',
            "    hi: { usage: 'hi', run: async (ctx) => `hi ${ctx.user}, visit #${await ctx.kv.incr(ctx.user)}` },",
            '  },',
            '});',
          ].join('\n'),
        );
        writeFileSync(
          join(dir, 'test', 'greet.test.js'),
          [
            "import { test } from 'node:test';",
            "import assert from 'node:assert/strict';",
            "import plugin from '../index.js';",
            "import { testBot } from 'rosey/sdk/testing';",
            "test('greets', async () => {",
            "  const bot = await testBot(plugin, { dir: new URL('..', import.meta.url) });",
            '  try {',
            "    await bot.say('!hi', { as: 'alice' });",
            "    await bot.say('!hi', { as: 'alice' });",
            "    assert.equal(bot.lastReply.text, 'hi alice, visit #2');",
            "    assert.equal(await bot.kv.get('alice'), 2);",
            '  } finally {',
            '    await bot.close();',
            '  }',
            '});',
          ].join('\n'),
        );
        const register = fileURLToPath(new URL('../../sdk/testing/register.js', import.meta.url));
        const { stdout } = await promisify(execFile)(
          process.execPath,
          ['--import', register, '--test', '--test-reporter=tap', join(dir, 'test', 'greet.test.js')],
          { cwd: dir },
        );
        assert.match(stdout, /^# pass 1$/m);
        assert.match(stdout, /^# fail 0$/m);
      } finally {
        rmSync(root, { recursive: true, force: true });
      }
    });
  });
});
