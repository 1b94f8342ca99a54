import { expect } from 'chai';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeJson } from '../../contract/envelope.js';
import { subjects } from '../../contract/subjects.js';
import { spawnCli } from '../support/cli.js';
import { freshDatabase } from '../support/databases.js';
import { fakeClient } from '../support/fake-cytube/client.js';
import { startFakeCytube } from '../support/fake-cytube/index.js';
import { fakePlatform } from '../support/fake-platform.js';
import { client, eventually, tempDir, useNatsServer } from '../support/nats.js';

const RESTARTS = 3;

/** The figures the issue asks for go to the test output: printed, never asserted. */
const print = (line: string) => process.stdout.write(`${line}\n`);
/** One command every 10 ms: 100 commands/s on the bus, from 50 users. */
const STREAM_INTERVAL_MS = 10;

type Outcome = 'plugin' | 'starting' | 'unknown' | 'other';

function outcomeOf(text: string): Outcome {
  if (/ rolled \d+d\d+| flipped a coin: /.test(text)) return 'plugin';
  if (/is starting — try again in a moment|is not available yet: .* still starting/.test(text))
    return 'starting';
  if (text.startsWith('Unknown command')) return 'unknown';
  return 'other';
}

/**
 * Issue 28: `rosey start` (external NATS, PostgreSQL, a fake CyTube channel) under a steady stream
 * of commands for installed plugins (100/s on the bus, 5/s said in the channel), killed with -9 and
 * started again three times. Before the fix, each restarted
 * router answered hundreds of `Unknown command !roll — try !help.` while dice had not announced
 * itself yet.
 */
describe('rosey start, killed -9 and started again under a stream of commands', function () {
  this.timeout(180_000);
  const nats = useNatsServer();

  it('never calls an installed command unknown; every command sent to a listening router is answered by the plugin or told "starting"', async () => {
    const database = await freshDatabase('postgresql');
    if (database.kind !== 'postgresql') throw new Error('expected PostgreSQL');
    const cwd = tempDir('rosey-restart-');
    // The channel side of the issue: a user in a (fake) CyTube channel says !roll 5 times a second.
    const cytube = await startFakeCytube({
      accounts: { alice: 'alicepass', testbot: 'botpass123' },
      channels: { testchan: { ranks: { alice: 1, testbot: 2 } } },
    });
    writeFileSync(
      join(cwd, 'rosey.yaml'),
      [
        'dataDir: data',
        'log: { stderrLevel: silent }',
        `nats: { url: "${nats.url}" }`,
        `database: { url: "${database.url}" }`,
        `platforms: { cytube: { server: "${cytube.baseUrl}", channel: testchan, username: testbot } }`,
        '',
      ].join('\n'),
    );
    const alice = await fakeClient(cytube.baseUrl, 'testchan', {
      name: 'alice',
      password: 'alicepass',
      localAddress: '127.0.78.11',
    });
    const inChannel = setInterval(() => alice.say('!roll 1d6'), 200);
    const botSaid = () =>
      alice.received<{ username: string; msg: string }>('chatMsg').filter((m) => m.username === 'testbot');
    const nc = await client(nats.url);
    const platform = await fakePlatform(nc);
    const sent: Array<{ id: string; at: number; text: string }> = [];
    const commands = ['!roll', '!dice 2d6', '!coin', '!flip'];
    let n = 0;
    const stream = setInterval(() => {
      const text = commands[n % commands.length]!;
      const id = platform.say(text, { user: `user${n % 50}` });
      sent.push({ id, at: performance.now(), text });
      n++;
    }, STREAM_INTERVAL_MS);

    /** From each start: when the process was spawned, and when its router listened. */
    const starts: Array<{ spawnedAt: number; listeningAt: number; firstAnswerMs?: number }> = [];
    const routerListens = () =>
      eventually(
        async () => {
          try {
            await nc.request(subjects.routerCommands, encodeJson({}), { timeout: 200 });
            return true;
          } catch {
            return false;
          }
        },
        'the router listening',
        60_000,
      );
    const firstPluginAnswerAfter = (since: number) =>
      eventually(
        () => {
          const ids = new Set(sent.filter((s) => s.at >= since).map((s) => s.id));
          return platform.replies.some(
            (r) => r.correlationId && ids.has(r.correlationId) && outcomeOf(r.text) === 'plugin',
          );
        },
        'a real answer',
        60_000,
      );
    let rosey: ReturnType<typeof spawnCli> | undefined;
    const start = async () => {
      const spawnedAt = performance.now();
      rosey = spawnCli(['start', '-c', 'rosey.yaml'], { cwd, env: { CYTUBE_PASSWORD: 'botpass123' } });
      await routerListens();
      const entry: (typeof starts)[number] = { spawnedAt, listeningAt: performance.now() };
      starts.push(entry);
      const channelBefore = botSaid().length;
      await firstPluginAnswerAfter(spawnedAt);
      entry.firstAnswerMs = Math.round(performance.now() - spawnedAt);
      // The connector joins last: the next kill comes once the bot answers in the channel too.
      await alice.until(() => botSaid().length > channelBefore, 30_000, 'the bot answering in the channel');
    };

    /**
     * Commands sent while a router listened, up to a mark, must each get their answer. Those sent
     * after the mark may still be waiting in the process when it is killed, and are lost with it.
     */
    const windows: Array<{ from: number; to: number }> = [];
    const inWindows = (at: number) => windows.some((w) => at >= w.from && at <= w.to);
    const answeredUpToNow = async () => {
      const window = { from: starts.at(-1)!.listeningAt, to: performance.now() };
      windows.push(window);
      await eventually(
        () => {
          const ids = new Set(platform.replies.map((r) => r.correlationId));
          return sent.every((s) => s.at < window.from || s.at > window.to || ids.has(s.id));
        },
        'an answer to every command sent while the router listened',
        30_000,
      ).catch(() => {});
    };
    try {
      await start();
      for (let i = 0; i < RESTARTS; i++) {
        // A little steady state, then the whole process dies at once.
        await new Promise((resolve) => setTimeout(resolve, 500));
        await answeredUpToNow();
        const dying = rosey!;
        process.kill(dying.child.pid!, 'SIGKILL');
        await dying.exited;
        await start();
      }
      await new Promise((resolve) => setTimeout(resolve, 500));
    } finally {
      clearInterval(stream);
      clearInterval(inChannel);
    }
    try {
      await answeredUpToNow();
      const listenedTo = sent.filter((s) => inWindows(s.at));

      const byId = new Map(platform.replies.map((r) => [r.correlationId, r.text]));
      const counts: Record<Outcome | 'unanswered', number> = {
        plugin: 0,
        starting: 0,
        unknown: 0,
        other: 0,
        unanswered: 0,
      };
      const afterRestart = { ...counts };
      const firstRestartAt = starts[1]!.spawnedAt;
      const others: string[] = [];
      for (const s of sent) {
        const text = byId.get(s.id);
        const outcome = text === undefined ? 'unanswered' : outcomeOf(text);
        counts[outcome]++;
        if (s.at >= firstRestartAt) afterRestart[outcome]++;
        if (outcome === 'other' && others.length < 5) others.push(text!);
      }
      const unansweredWhileListening = listenedTo.filter((s) => !byId.has(s.id)).length;
      const unknownReplies = platform.replies.filter((r) => outcomeOf(r.text) === 'unknown').length;
      // The figures of the issue: printed, never asserted (a loaded machine is slower).
      print(
        `      ${sent.length} commands sent; all: ${JSON.stringify(counts)}; sent after the first restart began: ${JSON.stringify(afterRestart)}; ` +
          `unanswered although a router listened: ${unansweredWhileListening}`,
      );
      print(
        `      start → first real answer: ${starts.map((s) => `${s.firstAnswerMs} ms`).join(', ')} (first start, then each restart)`,
      );
      if (others.length > 0) print(`      other answers, e.g.: ${others.join(' | ')}`);

      const channel = botSaid();
      const channelUnknown = channel.filter((m) => m.msg.includes('Unknown command')).length;
      print(
        `      in the channel: ${channel.length} answers from the bot, ${channel.filter((m) => /rolled 1d6/.test(m.msg)).length} rolls, ${channelUnknown} "Unknown command"`,
      );

      expect(unknownReplies, 'replies "Unknown command"').to.equal(0);
      expect(channelUnknown, 'channel answers "Unknown command"').to.equal(0);
      expect(
        channel.some((m) => /rolled 1d6/.test(m.msg)),
        'a roll answered in the channel',
      ).to.equal(true);
      expect(counts.other, `other answers: ${others.join(' | ')}`).to.equal(0);
      expect(unansweredWhileListening, 'commands a listening router never answered').to.equal(0);
      expect(afterRestart.plugin).to.be.greaterThan(0);
    } finally {
      rosey!.child.kill('SIGTERM');
      await rosey!.exited;
      await nc.close();
      await alice.close();
      await cytube.stop();
    }
  });
});
