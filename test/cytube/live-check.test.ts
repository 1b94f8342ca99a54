/**
 * Issue 21, item 1: `npm run test:e2e:cytube` passed without the bot answering. It took a `rolled
 * 1d6` line from the channel's history replay (an earlier run's answer), even with the bot unable
 * to speak. These tests point the check's tester (test/live/roll-check.ts) at the fake CyTube with
 * such a line in the history; test/e2e/cytube-live-script.test.ts runs the script itself there.
 */
import { expect } from 'chai';
import { fakeClient, type FakeClient } from '../support/fake-cytube/client.js';
import { startFakeCytube, type FakeCytube } from '../support/fake-cytube/index.js';
import { askForRoll, ROLL, rollAnswerWatcher } from '../live/roll-check.js';

const ACCOUNTS = { alice: 'alicepass', testbot: 'botpass123' };
const OLD = Date.now() - 3_600_000;
/** An answer from an earlier run with the same tester name, still in the channel's history. */
const replayed = (tester: string) => ({
  username: 'testbot',
  msg: `${tester} rolled 1d6: 4 = 4`,
  meta: {},
  time: OLD,
});

describe('test:e2e:cytube: only an answer to this run’s own line passes', function () {
  this.timeout(120_000);

  describe('the rule', () => {
    it('ignores the join burst, lines before its own, and answers to someone else', () => {
      const w = rollAnswerWatcher('testbot', 'e2e1');
      expect(w.onChat(replayed('e2e1'), false)).to.equal(undefined);
      w.sent();
      // In the channel, but its own line has not come back yet.
      expect(w.onChat({ ...replayed('e2e1'), time: OLD + 1 }, true)).to.equal(undefined);
      expect(w.onChat({ username: 'e2e1', msg: ROLL, time: 1000 }, true)).to.equal(undefined);
      expect(w.onChat({ username: 'testbot', msg: 'alice rolled 1d6: 2 = 2', time: 1001 }, true)).to.equal(
        undefined,
      );
      expect(w.onChat({ username: 'someone', msg: 'e2e1 rolled 1d6: 2 = 2', time: 1001 }, true)).to.equal(
        undefined,
      );
      expect(w.onChat({ username: 'testbot', msg: 'e2e1 rolled 1d6: 5 = 5', time: 999 }, true)).to.equal(
        undefined,
      );
      expect(w.onChat({ username: 'TestBot', msg: 'e2e1 rolled 1d6: 5 = 5', time: 1002 }, true)).to.equal(
        'e2e1 rolled 1d6: 5 = 5',
      );
    });
  });

  describe('the tester against the fake CyTube', () => {
    let cytube: FakeCytube;
    let bot: FakeClient | undefined;
    afterEach(async () => {
      await bot?.close();
      bot = undefined;
      await cytube.stop();
    });

    /** A stand-in bot that answers every `!roll 1d6` (or stays silent). */
    async function startBot(answers: boolean) {
      bot = await fakeClient(cytube.baseUrl, 'testchan', {
        name: 'testbot',
        password: 'botpass123',
        localAddress: '127.0.21.50',
      });
      if (answers)
        bot.socket.on('chatMsg', (m: { username: string; msg: string }) => {
          if (m.msg === ROLL) bot!.say(`${m.username} rolled 1d6: 3 = 3`);
        });
    }

    const check = (tester: string, timeoutMs = 3000) =>
      askForRoll({
        server: cytube.baseUrl,
        channel: 'testchan',
        bot: 'testbot',
        tester,
        timeoutMs,
        localAddress: '127.0.21.51',
      });

    it('a replayed answer with this run’s tester name does not pass when the bot stays silent', async () => {
      cytube = await startFakeCytube({
        accounts: ACCOUNTS,
        channels: { testchan: { ranks: { alice: 5 }, history: [replayed('e2e1')] } },
      });
      await startBot(false);
      let outcome: unknown;
      try {
        outcome = await check('e2e1');
      } catch (error) {
        outcome = error;
      }
      expect(outcome).to.be.instanceOf(Error);
      expect((outcome as Error).message).to.match(/^no answer from testbot to e2e1's !roll 1d6/);
    });

    it('an answer to its own line passes, with the history replaying an old one', async () => {
      cytube = await startFakeCytube({
        accounts: ACCOUNTS,
        channels: { testchan: { ranks: { alice: 5 }, history: [replayed('e2e2')] } },
      });
      await startBot(true);
      expect(await check('e2e2', 10_000)).to.equal('e2e2 rolled 1d6: 3 = 3');
    });
  });
});
