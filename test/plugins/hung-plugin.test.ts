import { expect } from 'chai';
import type { NatsConnection } from '../../contract/nats.js';
import { decodeJson } from '../../contract/envelope.js';
import { pluginDownSchema } from '../../contract/messages/commands.js';
import { commandTimeoutSchema } from '../../contract/messages/router.js';
import { subjects } from '../../contract/subjects.js';
import { describeTree, findNode } from '../../supervisors/describe-tree.js';
import { isAlive } from '../support/cli.js';
import { captureLogger } from '../support/capture-logger.js';
import { fakePlatform } from '../support/fake-platform.js';
import { startMiniRosey } from '../support/mini-rosey.js';
import { client, eventually, useNatsServer } from '../support/nats.js';

type Mini = Awaited<ReturnType<typeof startMiniRosey>>;

const hostOf = (mini: Mini, plugin: string) => findNode(describeTree(mini.tree.actor), `${plugin}@1`);

/** What the liveness mechanism says on the bus about echo generation 1, in the order it happened. */
async function watchEcho(nc: NatsConnection) {
  const seen: Array<{ kind: 'timeout' | 'health' | 'down'; data: unknown }> = [];
  const record = (kind: 'timeout' | 'health' | 'down') => ({
    callback: (_e: unknown, msg: { data: Uint8Array }) => {
      const decoded = decodeJson(msg.data);
      seen.push({ kind, data: decoded.ok ? decoded.data : undefined });
    },
  });
  nc.subscribe(subjects.commandTimeout('echo', 1), record('timeout'));
  nc.subscribe(subjects.pluginHealth('echo', 1), record('health'));
  nc.subscribe(subjects.pluginDown('echo', 1), record('down'));
  await nc.flush();
  return seen;
}

/**
 * Issue 15, defect 7: a hung plugin (SIGSTOP) made every command time out for 55 s, until three
 * periodic health checks 15 s apart had failed. A command timeout is evidence now: the router
 * reports it, the host probes the process at once, and replaces it if the probe goes unanswered.
 * Periodic checks are pushed out of reach here (10 min apart), so only that path can replace it.
 */
describe('a hung plugin is replaced on a command timeout (real nats-server, real OS processes)', function () {
  this.timeout(60_000);
  const nats = useNatsServer();
  let nc: NatsConnection;
  let mini: Mini | undefined;
  /** Processes the test stopped: continued and killed whatever happens, so none leaks. */
  const stopped: number[] = [];
  const PROBE_MS = 1500;

  beforeEach(async () => {
    nc = await client(nats.url);
  });

  afterEach(async () => {
    for (const pid of stopped.splice(0)) {
      if (!isAlive(pid)) continue;
      process.kill(pid, 'SIGCONT');
      process.kill(pid, 'SIGKILL');
    }
    await mini?.tree.shutdown();
    mini = undefined;
    await nc.close();
  });

  it('SIGSTOP: the first timed-out command triggers one probe, the process is killed and replaced, commands are answered again', async () => {
    const logger = captureLogger();
    mini = await startMiniRosey({
      url: nats.url,
      plugins: ['echo'],
      logger,
      host: { healthIntervalMs: 600_000, probeTimeoutMs: PROBE_MS },
    });
    const seen = await watchEcho(nc);
    const platform = await fakePlatform(nc);
    const first = hostOf(mini, 'echo')!.info!.pid as number;
    stopped.push(first);
    process.kill(first, 'SIGSTOP');

    // Every command sent to the hung process gets an answer: the timeout reply.
    platform.say('!echo one');
    platform.say('!echo two');
    await eventually(
      () =>
        platform.replies.filter((r) => r.text === '!echo timed out: echo did not answer in time.').length ===
        2,
      'a timeout reply to each line',
    );

    const second = await eventually(
      () => {
        const node = hostOf(mini!, 'echo');
        return node?.status === 'running' && node.info?.pid !== first
          ? (node.info!.pid as number)
          : undefined;
      },
      'a new echo process',
      30_000,
    );
    platform.say('!pid');
    await platform.reply((r) => r.text === `pid ${second}`);

    // How it was replaced: the router's report of the first timeout, then one probe, then the kill.
    const down = seen.findIndex((s) => s.kind === 'down');
    expect(down, JSON.stringify(seen)).to.be.greaterThan(0);
    const before = seen.slice(0, down).map((s) => s.kind);
    expect(before[0]).to.equal('timeout');
    expect(before.filter((k) => k === 'health')).to.have.length(1);
    expect(commandTimeoutSchema.parse(seen[0]!.data)).to.deep.equal({
      plugin: 'echo',
      generation: 1,
      command: 'echo',
      timeoutMs: 1000,
    });
    const reason = `hung: a command timed out and it did not answer a health probe within ${PROBE_MS} ms (killed)`;
    expect(pluginDownSchema.parse(seen[down]!.data).reason).to.equal(reason);
    expect(hostOf(mini, 'echo')!.restarts).to.equal(1);
    expect(hostOf(mini, 'echo')!.lastExit).to.equal(`crashed: ${reason}`);
    // SIGKILL reaches a stopped process; SIGTERM would have waited for a SIGCONT.
    await eventually(() => !isAlive(first), 'the stopped process gone');
  });

  it('a slow plugin that answers the probe is left alone', async () => {
    const logger = captureLogger();
    mini = await startMiniRosey({
      url: nats.url,
      plugins: ['echo'],
      logger,
      host: { healthIntervalMs: 600_000, probeTimeoutMs: PROBE_MS },
    });
    const seen = await watchEcho(nc);
    const platform = await fakePlatform(nc);
    const pid = hostOf(mini, 'echo')!.info!.pid as number;

    // Twice the probe's deadline, and longer than the router's command timeout (1000 ms).
    platform.say(`!slow ${2 * PROBE_MS}`);
    await platform.reply((r) => r.text === '!slow timed out: echo did not answer in time.');
    await eventually(
      () => logger.lines.some((l) => l.msg === 'echo answered the probe: slow, not hung; it keeps running'),
      'the probe answered',
      10_000,
    );
    expect(seen.map((s) => s.kind)).to.deep.equal(['timeout', 'health']);
    expect(hostOf(mini, 'echo')).to.deep.include({ status: 'running', restarts: 0 });
    expect(hostOf(mini, 'echo')!.info!.pid).to.equal(pid);
    platform.say('!pid');
    await platform.reply((r) => r.text === `pid ${pid}`);
    expect(seen.some((s) => s.kind === 'down')).to.equal(false);
  });
});
