import { expect } from 'chai';
import type { NatsConnection } from '../../contract/nats.js';
import { request } from '../../contract/request.js';
import type { Result } from '../../contract/result.js';
import { subjects } from '../../contract/subjects.js';
import type { PluginRow } from '../../contract/messages/plugins.js';
import { routerCommandsReplySchema } from '../../contract/messages/router.js';
import { findChild } from '../../supervisors/child-ref.js';
import { describeTree, findNode } from '../../supervisors/describe-tree.js';
import { isAlive } from '../support/cli.js';
import { fakePlatform } from '../support/fake-platform.js';
import { releaseFlip, writeFlipPlugin } from '../support/flip-plugin.js';
import { startMiniRosey } from '../support/mini-rosey.js';
import { client, eventually, tempDir, useNatsServer } from '../support/nats.js';

type Mini = Awaited<ReturnType<typeof startMiniRosey>>;

/** The router's own count of what it still owes: commands in flight (held ones too), per generation, held. */
interface RouterBook {
  inFlight: number;
  flights: Record<string, number>;
  held: Record<string, unknown[]>;
}

describe('blue-green plugin reload (real nats-server, real plugin processes)', function () {
  this.timeout(120_000);
  const nats = useNatsServer();
  let nc: NatsConnection;
  let mini: Mini | undefined;
  let root: string;

  beforeEach(async () => {
    nc = await client(nats.url);
    root = tempDir('rosey-reload-');
  });

  afterEach(async () => {
    await mini?.tree.shutdown();
    mini = undefined;
    await nc.close();
  });

  const start = async (timing: Record<string, number> = {}, commandTimeoutMs?: number) => {
    mini = await startMiniRosey({
      url: nats.url,
      plugins: ['flip'],
      dirs: { flip: `${root}/flip` },
      reload: { graceMs: 300, healthIntervalMs: 50, ...timing },
      ...(commandTimeoutMs ? { config: { router: { commandTimeoutMs, defaultCooldownMs: 0 } } } : {}),
    });
    return mini;
  };

  const reload = (plugin = 'flip') =>
    request(nc, subjects.pluginControl('reload'), { plugin }, { timeoutMs: 60_000 });

  /** Resolves once the router sends the plugin's commands to `generation`. */
  const switchedTo = (generation: number) =>
    eventually(async () => {
      const r = await request(
        nc,
        subjects.routerCommands,
        {},
        { timeoutMs: 1000, reply: routerCommandsReplySchema },
      );
      return r.ok && r.data.plugins[0]?.generation === generation;
    }, 'the switch');
  const list = async (): Promise<PluginRow[]> => {
    const r = await request(nc, subjects.pluginControl('list'), {}, { timeoutMs: 5000 });
    if (!r.ok) throw new Error(r.error.message);
    return (r.data as { plugins: PluginRow[] }).plugins;
  };

  const hosts = (m: Mini) =>
    (findNode(describeTree(m.tree.actor), 'flip')?.children ?? [])
      .map((c) => c.id)
      .filter((id) => id.startsWith('flip@'));

  /**
   * Resolves once the router owes no reply: nothing in flight, nothing held. Every reply it sent
   * left on the connection that answers this request, before the answer, so the replies the test
   * has now are all there will be: no wait to see that no more come. A command sent to two
   * generations would leave a flight behind (one request counted, two sent), and fail here.
   */
  const routerDone = async (m: Mini) => {
    const settled = await request(nc, subjects.routerSettle, {}, { timeoutMs: 10_000 });
    expect(settled, 'router settle').to.deep.equal({ ok: true, data: { inFlight: 0 } });
    const book = findChild(m.tree.actor, ['router'])!.ref!.getSnapshot().context as RouterBook;
    expect({ inFlight: book.inFlight, flights: book.flights, held: book.held }).to.deep.equal({
      inFlight: 0,
      flights: {},
      held: {},
    });
  };

  const noResponders = async (subject: string) => {
    const r = await request(nc, subject, {}, { timeoutMs: 1000 });
    return !r.ok && r.error.code === 'NO_RESPONDERS';
  };

  /**
   * Sends `!c` about 300 times a second, runs `during` once blue is answering under that load, and
   * returns the counts answered, per version.
   */
  const countUnderLoad = async (total: number, during: () => Promise<Result<unknown>>) => {
    const platform = await fakePlatform(nc);
    let sent = 0;
    const driver = setInterval(() => {
      for (let i = 0; i < 3 && sent < total; i++) platform.say('!c', { user: `u${++sent % 50}` });
    }, 10);
    let outcome: Result<unknown>;
    try {
      await eventually(() => platform.replies.length >= 30, 'blue answering under load', 30_000);
      outcome = await during();
      await eventually(() => sent >= total, 'the driver to finish', 30_000);
    } finally {
      clearInterval(driver);
    }
    await eventually(() => platform.replies.length >= total, `${total} replies`, 30_000);
    await routerDone(mini!);
    const counts = platform.replies.map((r) => Number(r.text.split('#')[1])).sort((a, b) => a - b);
    const versions = new Set(platform.replies.map((r) => r.text.split('#')[0]));
    return { outcome, counts, versions, replies: platform.replies.length };
  };

  it('hands the state over: commands wait while blue drains and is snapshotted, none sees stale state', async () => {
    writeFlipPlugin(root, { version: '1.0.0', handoff: 'both' });
    await start();
    const total = 900;
    const run = await countUnderLoad(total, () => {
      writeFlipPlugin(root, { version: '2.0.0', handoff: 'both' });
      return reload();
    });
    expect(run.outcome.ok && run.outcome.data, JSON.stringify(run.outcome)).to.deep.include({
      handedOver: true,
    });
    // One counter across both generations: every number from 1 to N exactly once.
    expect(run.replies).to.equal(total);
    expect(run.counts).to.deep.equal(Array.from({ length: total }, (_, i) => i + 1));
    expect([...run.versions].sort()).to.deep.equal(['1.0.0', '2.0.0']);
  });

  it('keeps blue and its state when the new version cannot restore it; held commands go to blue', async () => {
    writeFlipPlugin(root, { version: '1.0.0', handoff: 'both' });
    await start();
    const total = 600;
    const run = await countUnderLoad(total, () => {
      writeFlipPlugin(root, { version: '2.0.0', handoff: 'restore-fails' });
      return reload();
    });
    expect(run.outcome).to.deep.equal({
      ok: false,
      error: {
        code: 'PLUGIN_ERROR',
        message:
          'reload of flip failed while handing the old generation’s state to the new one: restore failed: cannot read that state; 1.0.0 (generation 1) keeps serving',
      },
    });
    expect(run.counts).to.deep.equal(Array.from({ length: total }, (_, i) => i + 1));
    expect([...run.versions]).to.deep.equal(['1.0.0']);
    expect((await list())[0]).to.include({
      version: '1.0.0',
      generation: 1,
      state: 'running',
      reloading: false,
    });
  });

  it('restarts a plugin that has failed, cold, from its folder as it is now', async () => {
    writeFlipPlugin(root, { version: '1.0.0', mode: 'crash', crashAfterMs: 0 });
    await start();
    await eventually(async () => (await list())[0]?.state === 'failed', 'flip to fail for good', 30_000);
    writeFlipPlugin(root, { version: '1.0.1' });
    const outcome = await reload();
    expect(outcome.ok && outcome.data, JSON.stringify(outcome)).to.deep.include({
      plugin: 'flip',
      from: { generation: 1, version: '1.0.0' },
      to: { generation: 2, version: '1.0.1' },
      restarted: true,
    });
    expect((await list())[0]).to.include({ version: '1.0.1', generation: 2, state: 'running' });
    const platform = await fakePlatform(nc);
    platform.say('!v 7');
    await platform.reply((r) => r.text === '1.0.1:7');
  });

  it('swaps versions under steady load: every command answered once, v1 then v2, old process gone', async () => {
    writeFlipPlugin(root, { version: '1.0.0' });
    const m = await start();
    const platform = await fakePlatform(nc);
    const [before] = await list();
    expect(before).to.include({ name: 'flip', version: '1.0.0', generation: 1, state: 'running' });

    // About 500 commands a second for 3 s; the reload starts once v1 is answering under that load.
    const total = 1500;
    let sent = 0;
    const driver = setInterval(() => {
      for (let i = 0; i < 5 && sent < total; i++) platform.say(`!v ${++sent}`, { user: `u${sent % 50}` });
    }, 10);
    let outcome: Result<unknown> | undefined;
    try {
      await eventually(() => platform.replies.length >= 50, 'v1 answering under load', 30_000);
      writeFlipPlugin(root, { version: '2.0.0' });
      outcome = await reload();
      await eventually(() => sent >= total, 'the driver to finish', 30_000);
    } finally {
      clearInterval(driver);
    }
    expect(outcome?.ok, JSON.stringify(outcome)).to.equal(true);
    expect(outcome?.ok && outcome.data).to.deep.include({
      plugin: 'flip',
      from: { generation: 1, version: '1.0.0' },
      to: { generation: 2, version: '2.0.0' },
    });

    await eventually(() => platform.replies.length >= total, `${total} replies`, 30_000);
    await routerDone(m);
    const answers = new Map<number, string[]>();
    for (const r of platform.replies) {
      const [version, n] = r.text.split(':');
      answers.set(Number(n), [...(answers.get(Number(n)) ?? []), version!]);
    }
    const missing = [];
    const twice = [];
    for (let n = 1; n <= total; n++) {
      const got = answers.get(n) ?? [];
      if (got.length === 0) missing.push(n);
      if (got.length > 1) twice.push(n);
    }
    expect({ missing, twice }).to.deep.equal({ missing: [], twice: [] });
    expect(platform.replies.length).to.equal(total);
    // In the order the commands were sent: all v1, then all v2, one switch point.
    const sequence = Array.from({ length: total }, (_, i) => answers.get(i + 1)![0]);
    const switchAt = sequence.indexOf('2.0.0');
    expect(switchAt).to.be.greaterThan(0);
    expect(sequence.slice(0, switchAt).every((v) => v === '1.0.0')).to.equal(true);
    expect(sequence.slice(switchAt).every((v) => v === '2.0.0')).to.equal(true);

    const [after] = await list();
    expect(after).to.include({ version: '2.0.0', generation: 2, state: 'running', reloading: false });
    expect(hosts(m)).to.deep.equal(['flip@2']);
    expect(isAlive(before!.pid!)).to.equal(false);
    expect(await noResponders(subjects.execute('flip', 1))).to.equal(true);
    expect(await noResponders(subjects.pluginHealth('flip', 1))).to.equal(true);
  });

  it('lets the old generation finish the commands it has before stopping it', async () => {
    writeFlipPlugin(root, { version: '1.0.0' });
    // The command runs until the test lets it finish, so the router must not time it out first.
    await start({}, 30_000);
    // The router learns of generation 1 through its host's relay, a hop after the tree is up: a
    // command sent before that would be answered "Unknown command" (seen once under load in CI).
    await switchedTo(1);
    const platform = await fakePlatform(nc);
    platform.say('!v 1 until:switched');
    // Blue itself says it is running the command before the reload starts.
    await eventually(async () => {
      const health = await request(nc, subjects.pluginHealth('flip', 1), {}, { timeoutMs: 1000 });
      return health.ok && (health.data as { inFlight: number }).inFlight === 1;
    }, 'blue running !v 1');
    writeFlipPlugin(root, { version: '1.1.0' });
    const pending = reload();
    // The route switches to green while blue still has the command; only then may blue finish it.
    await switchedTo(2);
    releaseFlip(root, 'switched');
    const outcome = await pending;
    expect(outcome.ok && outcome.data).to.deep.include({ drained: 1, drainTimedOut: false });
    platform.say('!v 2');
    await eventually(() => platform.replies.length >= 2, 'both replies');
    expect(platform.replies.map((r) => r.text).sort()).to.deep.equal(['1.0.0:1', '1.1.0:2']);
  });

  it('keeps v1 serving when v2 never becomes healthy, and says why', async () => {
    writeFlipPlugin(root, { version: '1.0.0' });
    const m = await start({ healthAttempts: 2 });
    const platform = await fakePlatform(nc);
    writeFlipPlugin(root, { version: '2.0.0', mode: 'unhealthy' });
    const outcome = await reload();
    expect(outcome.ok).to.equal(false);
    expect(!outcome.ok && outcome.error).to.deep.equal({
      code: 'UNHEALTHY',
      message:
        'reload of flip failed while checking the new generation’s health: the plugin reports itself unhealthy; 1.0.0 (generation 1) keeps serving',
    });
    expect(hosts(m)).to.deep.equal(['flip@1']);
    platform.say('!v 7');
    expect((await platform.reply((r) => r.text.endsWith(':7'))).text).to.equal('1.0.0:7');
    const [row] = await list();
    expect(row).to.include({ version: '1.0.0', generation: 1, state: 'running', reloading: false });
    expect(await noResponders(subjects.pluginHealth('flip', 2))).to.equal(true);
  });

  it('keeps v1 serving when v2 fails to start', async () => {
    writeFlipPlugin(root, { version: '1.0.0' });
    const m = await start();
    const platform = await fakePlatform(nc);
    writeFlipPlugin(root, { version: '2.0.0', mode: 'no-start' });
    const outcome = await reload();
    expect(!outcome.ok && outcome.error.message).to.match(
      /^reload of flip failed while starting the new generation: .*refusing to start.*; 1\.0\.0 \(generation 1\) keeps serving$/,
    );
    expect(hosts(m)).to.deep.equal(['flip@1']);
    platform.say('!v 8');
    expect((await platform.reply((r) => r.text.endsWith(':8'))).text).to.equal('1.0.0:8');
  });

  it('rolls back to v1 by itself when v2 crashes right after the switch', async () => {
    writeFlipPlugin(root, { version: '1.0.0' });
    const m = await start({ graceMs: 5000 });
    const platform = await fakePlatform(nc);
    const [before] = await list();
    writeFlipPlugin(root, { version: '2.0.0', mode: 'crash', crashAfterMs: 500 });
    const outcome = await reload();
    expect(!outcome.ok && outcome.error.code).to.equal('ROLLED_BACK');
    expect(!outcome.ok && outcome.error.message).to.match(
      /^flip rolled back: the new generation exited after the switch \(.*crashing after start.*\); 1\.0\.0 \(generation 1\) serves again$/,
    );
    expect(hosts(m)).to.deep.equal(['flip@1']);
    const [after] = await list();
    expect(after).to.include({ version: '1.0.0', generation: 1, pid: before!.pid, state: 'running' });
    platform.say('!v 9');
    expect((await platform.reply((r) => r.text.endsWith(':9'))).text).to.equal('1.0.0:9');
    // The generation after a failed one is never reused.
    writeFlipPlugin(root, { version: '2.0.1' });
    const fixed = await reload();
    expect(fixed.ok && fixed.data).to.deep.include({ to: { generation: 3, version: '2.0.1' } });
    // Finished reloads leave nothing behind in the manager (XState keeps done children until stopped).
    const manager = findChild(m.tree.actor, ['plugin-manager'])!.ref!;
    expect(Object.keys(manager.getSnapshot().children as object)).to.deep.equal(['bus']);
  });

  it('refuses a second reload of the same plugin while one runs, and unknown plugins', async () => {
    writeFlipPlugin(root, { version: '1.0.0' });
    await start({ graceMs: 1000 });
    writeFlipPlugin(root, { version: '1.0.1' });
    const first = reload();
    await eventually(async () => (await list())[0]?.reloading === true, 'the first reload to run');
    const second = await reload();
    expect(second).to.deep.equal({
      ok: false,
      error: { code: 'BUSY', message: 'a reload of flip is already running' },
    });
    expect((await first).ok).to.equal(true);
    expect(await reload('nope')).to.deep.equal({
      ok: false,
      error: { code: 'NOT_FOUND', message: 'no plugin named nope (loaded: flip)' },
    });
    const bad = await request(nc, subjects.pluginControl('reload'), { plugin: '../x' }, { timeoutMs: 2000 });
    expect(!bad.ok && bad.error.code).to.equal('VALIDATION_ERROR');
  });

  it('refuses a broken manifest and keeps the running version', async () => {
    writeFlipPlugin(root, { version: '1.0.0' });
    await start();
    writeFlipPlugin(root, { version: 'two' });
    const outcome = await reload();
    expect(!outcome.ok && outcome.error.code).to.equal('VALIDATION_ERROR');
    expect(!outcome.ok && outcome.error.message).to.match(/version.*semantic version.*keeps serving$/);
    const [row] = await list();
    expect(row).to.include({ version: '1.0.0', generation: 1, state: 'running' });
  });

  it('tells a (restarted) router where a running reload has pinned the route', async () => {
    writeFlipPlugin(root, { version: '1.0.0' });
    await start({ graceMs: 2000 });
    const platform = await fakePlatform(nc);
    writeFlipPlugin(root, { version: '2.0.0' });
    const pending = reload();
    // Wait for the switch, then ask the router's view.
    await switchedTo(2);
    const routes = await request(nc, subjects.pluginControl('routes'), {}, { timeoutMs: 1000 });
    expect(routes).to.deep.equal({ ok: true, data: { routes: { flip: 2 } } });
    platform.say('!v 3');
    expect((await platform.reply((r) => r.text.endsWith(':3'))).text).to.equal('2.0.0:3');
    expect((await pending).ok).to.equal(true);
  });
});
