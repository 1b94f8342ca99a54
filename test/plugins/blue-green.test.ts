import { expect } from 'chai';
import type { NatsConnection } from '../../contract/nats.js';
import { createActor, fromCallback, setup, type AnyActorRef, type AnyEventObject } from 'xstate';
import { BusLink } from '../../actors/bus/bus-link.js';
import {
  blueGreenMachine,
  DEFAULT_RELOAD_TIMING,
  type BlueGreenInput,
  type ReloadTiming,
} from '../../actors/plugin-manager/blue-green.machine.js';
import { requests, type RequestContext } from '../../actors/plugin-manager/reload-requests.js';
import { decodeJson, encodeJson } from '../../contract/envelope.js';
import type { ReloadOutcome } from '../../contract/messages/plugins.js';
import { err, ok, type Result } from '../../contract/result.js';
import { subjects } from '../../contract/subjects.js';
import type { ChildSpec } from '../../supervisors/child-spec.js';
import type { ChildResultEvent } from '../../supervisors/supervisor-state.js';
import { captureLogger } from '../support/capture-logger.js';
import { client, useNatsServer } from '../support/nats.js';

/**
 * The blue-green reload machine on its own, on a real nats-server, with the test playing every peer
 * it talks to: the router (route, hold, drain, release, unpin), the two generations (health,
 * snapshot, restore, down), the migrator and the plugin's supervisor. Each peer's answer is
 * scripted, so each branch of the reload is reached on purpose and without waiting on a clock, and
 * every request and supervisor call is logged in the order the reload made it.
 * (test/plugins/reload.test.ts runs whole reloads with real plugin processes.)
 */

type Op = ChildResultEvent['op'];
/** An answer (now or later), or `silent`: no answer at all, so the request runs into its timeout. */
type Reply = Result<unknown> | Promise<Result<unknown>> | 'silent';

interface Script {
  route?: (generation: number) => Reply;
  hold?: () => Reply;
  drain?: () => Reply;
  release?: () => Reply;
  unpin?: () => Reply;
  /** `attempt` counts from 1. */
  health?: (attempt: number) => Reply;
  snapshot?: () => Reply;
  restore?: () => Reply;
  /** Green's answer to `events` (`release`: handle what it held). */
  greenEvents?: () => Reply;
  /** Blue's answer to `events` `resume` when asked (a failed hand-off). */
  blueResume?: () => Reply;
  migrate?: () => Reply;
  /** The supervisor's error for an operation; it succeeds without one. */
  supervisor?: Partial<Record<Op, string | { withoutReason: true }>>;
  /** Runs when a request arrives, before its answer (e.g. to make green go down right then). */
  during?: Partial<Record<string, () => void>>;
}

const PLUGIN = 'flip';
const BLUE = { generation: 1, version: '1.0.0' };
const GREEN = { generation: 2, version: '2.0.0' };
const FAST: ReloadTiming = {
  healthAttempts: 3,
  healthTimeoutMs: 2000,
  healthIntervalMs: 1,
  drainTimeoutMs: 5000,
  graceMs: 1,
  migrateTimeoutMs: 5000,
};
/** How every reload that gets as far as a new generation begins: blue pinned, green started. */
const GREEN_STARTED = ['route 1', 'start_child flip@2'];
/** How a reload that gives green up ends: green stopped and forgotten, blue's pin lifted. */
const GREEN_GIVEN_UP = ['terminate_child flip@2', 'delete_child flip@2', 'unpin'];
const healthy = ok({ status: 'ok', uptimeMs: 5, inFlight: 0, rss: 1 });
const GREEN_FIGURES = {
  listening: true,
  held: false,
  queued: 0,
  limit: 1000,
  handled: 3,
  dropped: 0,
  failed: 0,
  invalid: 0,
};
const unhealthy = err('UNHEALTHY', 'the plugin reports itself unhealthy');

describe('blue-green reload machine (real nats-server, scripted router, generations and supervisor)', function () {
  // A reload here takes a few NATS round trips; one that never ends is a failure, not a wait.
  this.timeout(10_000);
  const nats = useNatsServer();
  let peers: NatsConnection;
  let rosey: NatsConnection;

  beforeEach(async () => {
    peers = await client(nats.url);
    rosey = await client(nats.url);
  });

  afterEach(async () => {
    await peers.close();
    await rosey.close();
  });

  /** Runs one reload against the script; resolves with its outcome and everything it did. */
  async function reload(
    script: Script = {},
    options: {
      timing?: Partial<ReloadTiming>;
      migrate?: boolean;
      handoff?: boolean;
      access?: () => Promise<void>;
    } = {},
  ) {
    const log: string[] = [];
    const routed: number[] = [];
    const payloads: Record<string, unknown> = {};
    // What blue's event intake is told (`resume`, after a reload that paused it and did not switch).
    const blueEvents: unknown[] = [];
    let healthAttempts = 0;

    const answer = (name: string, reply: Reply | undefined, fallback: Result<unknown>) => (data: unknown) => {
      payloads[name] = data;
      script.during?.[name]?.();
      return reply ?? fallback;
    };
    const serve = (subject: string, respond: (data: unknown) => Reply) => {
      peers.subscribe(subject, {
        callback: (_error, msg) => {
          const decoded = decodeJson(msg.data);
          const reply = respond(decoded.ok ? decoded.data : undefined);
          if (reply !== 'silent')
            void Promise.resolve(reply).then((result) => msg.respond(encodeJson(result)));
        },
      });
    };
    serve(subjects.routerRoute, (data) => {
      const { generation } = data as { generation: number };
      log.push(`route ${generation}`);
      return answer(
        `route ${generation}`,
        script.route?.(generation),
        ok({ plugin: PLUGIN, generation, previous: null, inFlight: 0 }),
      )(data);
    });
    serve(subjects.routerHold, (data) => {
      log.push('hold');
      return answer('hold', script.hold?.(), ok({ plugin: PLUGIN, held: true }))(data);
    });
    serve(subjects.routerDrain, (data) => {
      log.push(`drain ${(data as { generation: number }).generation}`);
      return answer('drain', script.drain?.(), ok({ drained: true }))(data);
    });
    serve(subjects.routerRelease, (data) => {
      log.push('release');
      return answer('release', script.release?.(), ok({}))(data);
    });
    serve(subjects.routerUnpin, (data) => {
      log.push('unpin');
      return answer('unpin', script.unpin?.(), ok({}))(data);
    });
    serve(subjects.pluginHealth(PLUGIN, GREEN.generation), (data) => {
      log.push('health');
      return answer('health', script.health?.(++healthAttempts), healthy)(data);
    });
    serve(subjects.pluginSnapshot(PLUGIN, BLUE.generation), (data) => {
      log.push('snapshot');
      return answer('snapshot', script.snapshot?.(), ok({ state: { count: 41 } }))(data);
    });
    serve(subjects.pluginRestore(PLUGIN, GREEN.generation), (data) => {
      log.push('restore');
      return answer('restore', script.restore?.(), ok({}))(data);
    });
    serve(subjects.pluginEvents(PLUGIN, GREEN.generation), (data) => {
      log.push(`green ${(data as { op: string }).op}`);
      return answer('green-events', script.greenEvents?.(), ok(GREEN_FIGURES))(data);
    });
    peers.subscribe(subjects.pluginEvents(PLUGIN, BLUE.generation), {
      callback: (_error, msg) => {
        const decoded = decodeJson(msg.data);
        blueEvents.push(decoded.ok ? decoded.data : 'garbage');
        // A rollback publishes `resume`; a failed hand-off asks it, and waits for the answer.
        if (!msg.reply) return;
        log.push(`blue ${decoded.ok ? (decoded.data as { op: string }).op : 'garbage'}`);
        const reply = script.blueResume?.() ?? ok({ ...GREEN_FIGURES, handled: 7 });
        if (reply !== 'silent') void Promise.resolve(reply).then((r) => msg.respond(encodeJson(r)));
      },
    });
    serve(subjects.migrate(PLUGIN, 'apply'), (data) => {
      log.push('migrate');
      return answer(
        'migrate',
        script.migrate?.(),
        ok({ plugin: PLUGIN, dryRun: false, steps: [], currentVersion: 1, warnings: [] }),
      )(data);
    });
    await peers.flush();

    const supervisor = createActor(
      fromCallback<AnyEventObject>(({ receive }) => {
        receive((event) => {
          const { type, id, spec, replyTo } = event as {
            type: string;
            id?: string;
            spec?: ChildSpec;
            replyTo: AnyActorRef;
          };
          const op = type.replace('supervisor.', '') as Op;
          const child = op === 'start_child' ? spec!.id : id!;
          log.push(`${op} ${child}`);
          const error = script.supervisor?.[op];
          replyTo.send({
            type: 'supervisor.result',
            op,
            id: child,
            ok: error === undefined,
            ...(typeof error === 'string' ? { error } : {}),
          });
        });
      }),
    ).start();

    const link = new BusLink();
    link.set(rosey);
    const logger = captureLogger();
    const input: BlueGreenInput = {
      plugin: PLUGIN,
      supervisor,
      blue: BLUE,
      green: { ...GREEN, spec: { id: `${PLUGIN}@${GREEN.generation}`, logic: fromCallback(() => {}) } },
      migrate: options.migrate ?? false,
      handoff: options.handoff,
      access: options.access,
      timing: { ...FAST, ...options.timing },
      link,
      logger,
    };
    // The manager's part: it runs the reload as its child and hears where the route went.
    let finished!: (outcome: ReloadOutcome) => void;
    const outcome = new Promise<ReloadOutcome>((resolve) => (finished = resolve));
    const manager = setup({
      types: { events: {} as { type: 'reload.routed'; plugin: string; generation: number } },
      actors: { reload: blueGreenMachine },
    }).createMachine({
      on: { 'reload.routed': { actions: ({ event }) => routed.push(event.generation) } },
      invoke: { src: 'reload', input, onDone: { actions: ({ event }) => finished(event.output) } },
    });
    const started = performance.now();
    const actor = createActor(manager).start();
    const result = await outcome;
    const elapsedMs = performance.now() - started;
    actor.stop();
    supervisor.stop();
    // What the reload published on its way out has reached the peers.
    await rosey.flush();
    await peers.flush();
    return { outcome: result, log, routed, payloads, logger, elapsedMs, blueEvents };
  }

  const down =
    (reason = 'crashed') =>
    () =>
      peers.publish(
        subjects.pluginDown(PLUGIN, GREEN.generation),
        encodeJson({ plugin: PLUGIN, generation: GREEN.generation, reason }),
      );

  it('pins the route to blue, starts and checks green, switches, drains and retires blue, then unpins', async () => {
    const { outcome, log, routed, payloads, elapsedMs, blueEvents } = await reload({
      route: (generation) =>
        ok({ plugin: PLUGIN, generation, previous: 1, inFlight: generation === 2 ? 3 : 0 }),
    });
    expect(log).to.deep.equal([
      ...GREEN_STARTED,
      'health',
      'route 2',
      'drain 1',
      'terminate_child flip@1',
      'delete_child flip@1',
      'unpin',
    ]);
    expect(routed).to.deep.equal([2]);
    // Blue is retired, not told to hear events again.
    expect(blueEvents).to.deep.equal([]);
    expect(payloads).to.deep.include({
      'route 1': { plugin: PLUGIN, generation: 1 },
      'route 2': { plugin: PLUGIN, generation: 2 },
      drain: { plugin: PLUGIN, generation: 1 },
      unpin: { plugin: PLUGIN },
    });
    expect(outcome).to.deep.include({
      ok: true,
      plugin: PLUGIN,
      from: BLUE,
      to: GREEN,
      drained: 3,
      drainTimedOut: false,
      handedOver: false,
    });
    // No clock is asserted, only that the reload's own figures fit inside the time the test saw.
    const { switchedAfterMs, tookMs } = outcome as Extract<ReloadOutcome, { ok: true }>;
    expect(switchedAfterMs).to.be.at.least(0);
    expect(tookMs).to.be.at.least(switchedAfterMs);
    expect(tookMs).to.be.at.most(Math.ceil(elapsedMs));
  });

  it('asks an unhealthy new generation exactly healthAttempts times, then stops it and keeps blue', async () => {
    const { outcome, log, routed } = await reload(
      { health: () => unhealthy },
      { timing: { healthAttempts: 3 } },
    );
    expect(log).to.deep.equal([...GREEN_STARTED, 'health', 'health', 'health', ...GREEN_GIVEN_UP]);
    expect(routed).to.deep.equal([]);
    expect(outcome).to.deep.equal({
      ok: false,
      plugin: PLUGIN,
      stage: 'checking',
      code: 'UNHEALTHY',
      reason: 'the plugin reports itself unhealthy',
      rolledBack: false,
      serving: BLUE,
    });
  });

  it('asks only once when healthAttempts is 1', async () => {
    const { log } = await reload({ health: () => unhealthy }, { timing: { healthAttempts: 1 } });
    expect(log.filter((step) => step === 'health')).to.have.length(1);
  });

  it('switches to a new generation that becomes healthy on its last attempt', async () => {
    const { outcome, log } = await reload(
      { health: (attempt) => (attempt < 3 ? unhealthy : healthy) },
      { timing: { healthAttempts: 3 } },
    );
    expect(log.filter((step) => step === 'health')).to.have.length(3);
    expect(outcome.ok).to.equal(true);
  });

  it('counts a health reply that breaks the contract as a failed attempt', async () => {
    const { outcome } = await reload(
      { health: () => ok({ status: 'fine' }) },
      { timing: { healthAttempts: 1 } },
    );
    expect(outcome).to.deep.include({ ok: false, stage: 'checking', code: 'INTERNAL' });
    expect(!outcome.ok && outcome.reason).to.match(/health/);
  });

  it('gives green up as soon as it goes down while being checked', async () => {
    const { outcome, log } = await reload({ health: () => 'silent', during: { health: down('no memory') } });
    expect(log).to.deep.equal([...GREEN_STARTED, 'health', ...GREEN_GIVEN_UP]);
    expect(outcome).to.deep.include({
      ok: false,
      stage: 'checking',
      code: 'INTERNAL',
      reason: 'exited: no memory',
    });
  });

  it('reports drainTimedOut when blue does not finish its commands in time, and retires it all the same', async () => {
    const { outcome, log } = await reload({ drain: () => 'silent' }, { timing: { drainTimeoutMs: 200 } });
    expect(log.slice(-4)).to.deep.equal([
      'drain 1',
      'terminate_child flip@1',
      'delete_child flip@1',
      'unpin',
    ]);
    expect(outcome).to.deep.include({ ok: true, drainTimedOut: true });
  });

  it('reports drainTimedOut when the router answers the drain with an error', async () => {
    const { outcome } = await reload({ drain: () => err('TIMEOUT', 'still busy') });
    expect(outcome).to.deep.include({ ok: true, drainTimedOut: true });
  });

  it('gives the drain as long as the drain timeout, however short the health timeout is', async () => {
    // Blue takes longer to finish than a health check may take: the drain still counts as done.
    const { outcome } = await reload(
      { drain: () => new Promise((resolve) => setTimeout(() => resolve(ok({ drained: true })), 1500)) },
      { timing: { healthTimeoutMs: 1000, drainTimeoutMs: 60_000 } },
    );
    expect(outcome).to.deep.include({ ok: true, drainTimedOut: false });
  });

  it('keeps blue serving when the router refuses the switch, and stops green', async () => {
    const { outcome, log, routed } = await reload({
      route: (generation) =>
        generation === 2
          ? err('NOT_FOUND', 'no such generation')
          : ok({ plugin: PLUGIN, generation, previous: null, inFlight: 0 }),
    });
    expect(log).to.deep.equal([...GREEN_STARTED, 'health', 'route 2', ...GREEN_GIVEN_UP]);
    expect(routed).to.deep.equal([]);
    expect(outcome).to.deep.equal({
      ok: false,
      plugin: PLUGIN,
      stage: 'switching',
      code: 'NOT_FOUND',
      reason: 'no such generation',
      rolledBack: false,
      serving: BLUE,
    });
  });

  it('routes back to blue and stops green when green goes down during the grace period', async () => {
    const { outcome, log, routed, logger, blueEvents } = await reload(
      { during: { drain: down('segfault') } },
      { timing: { graceMs: 60_000 } },
    );
    // Blue serves again: it hears the channel's events again too.
    expect(blueEvents).to.deep.equal([{ op: 'resume' }]);
    expect(log).to.deep.equal([
      ...GREEN_STARTED,
      'health',
      'route 2',
      'drain 1',
      'route 1',
      ...GREEN_GIVEN_UP,
    ]);
    expect(routed).to.deep.equal([2, 1]);
    expect(outcome).to.deep.equal({
      ok: false,
      plugin: PLUGIN,
      stage: 'grace',
      code: 'ROLLED_BACK',
      reason: 'the new generation exited after the switch (segfault)',
      rolledBack: true,
      serving: BLUE,
    });
    expect(logger.lines.map((l) => `${l.level} ${l.msg}`)).to.include.members([
      'info reload: commands now go to 2.0.0 (generation 2)',
      'warn reload: 2.0.0 went down after the switch; back to 1.0.0',
    ]);
  });

  it('keeps blue ready for the grace period after the drain: green going down then still rolls back', async () => {
    // Green goes down a moment after blue has drained, well inside the minute of grace (the
    // drain's reply and a message sent right after it can reach the reload in either order).
    const { outcome, log } = await reload(
      {
        drain: () => {
          setTimeout(down('late crash'), 100);
          return ok({ drained: true });
        },
      },
      { timing: { graceMs: 60_000 } },
    );
    expect(log).not.to.include('terminate_child flip@1');
    expect(outcome).to.deep.include({ ok: false, stage: 'grace', code: 'ROLLED_BACK' });
  });

  it('uses the documented reload defaults (docs/configuration.md), a 250 ms health interval and 5 min for migrations', () => {
    expect(DEFAULT_RELOAD_TIMING).to.deep.equal({
      healthAttempts: 3,
      healthTimeoutMs: 2000,
      healthIntervalMs: 250,
      drainTimeoutMs: 30_000,
      graceMs: 5000,
      migrateTimeoutMs: 5 * 60_000,
    });
  });

  it('does not stop a green that never started', async () => {
    const { outcome, log } = await reload({ supervisor: { start_child: 'refusing to start' } });
    expect(log).to.deep.equal(['route 1', 'start_child flip@2', 'unpin']);
    expect(outcome).to.deep.include({
      ok: false,
      stage: 'starting',
      code: 'PLUGIN_ERROR',
      reason: 'refusing to start',
    });
  });

  it('says the start failed when the supervisor gives no reason', async () => {
    const { outcome } = await reload({ supervisor: { start_child: { withoutReason: true } } });
    expect(outcome).to.deep.include({ stage: 'starting', code: 'PLUGIN_ERROR', reason: 'failed' });
  });

  it('applies the migrations before green starts when the plugin has some', async () => {
    const { outcome, log, payloads } = await reload({}, { migrate: true });
    expect(log.slice(0, 3)).to.deep.equal(['route 1', 'migrate', 'start_child flip@2']);
    expect(payloads.migrate).to.deep.equal({ actor: 'rosey (reload)' });
    expect(outcome.ok).to.equal(true);
  });

  it('starts no green when its migrations fail', async () => {
    const { outcome, log } = await reload(
      { migrate: () => err('MIGRATION_FAILED', 'bad SQL') },
      { migrate: true },
    );
    expect(log).to.deep.equal(['route 1', 'migrate', 'unpin']);
    expect(outcome).to.deep.include({
      ok: false,
      stage: 'migrating',
      code: 'MIGRATION_FAILED',
      reason: 'bad SQL',
    });
  });

  it('gives the plugin its new permissions before anything else, and stops when that fails', async () => {
    const granted: string[] = [];
    const good = await reload({}, { access: () => Promise.resolve(void granted.push('granted')) });
    expect(granted).to.deep.equal(['granted']);
    expect(good.outcome.ok).to.equal(true);
    const { outcome, log } = await reload(
      {},
      { access: () => Promise.reject(new Error('nats reload failed')) },
    );
    expect(log).to.deep.equal(['unpin']);
    expect(outcome).to.deep.include({
      ok: false,
      stage: 'granting',
      code: 'INTERNAL',
      reason: 'cannot give it the new permissions: nats reload failed',
    });
  });

  describe('hand-off', () => {
    it('holds commands, drains blue, moves its snapshot to green, then switches', async () => {
      const { outcome, log, payloads } = await reload({}, { handoff: true });
      expect(log).to.deep.equal([
        ...GREEN_STARTED,
        'health',
        'hold',
        'drain 1',
        'snapshot',
        'restore',
        'route 2',
        'drain 1',
        'terminate_child flip@1',
        'delete_child flip@1',
        'unpin',
      ]);
      expect(payloads.restore).to.deep.equal({ state: { count: 41 } });
      expect(outcome).to.deep.include({ ok: true, handedOver: true });
    });

    it("holds new commands at the router for as long as the hand-off may take: blue's drain, its snapshot (a drain of its events), three health timeouts and 5 s", async () => {
      const { payloads } = await reload(
        {},
        { handoff: true, timing: { drainTimeoutMs: 1000, healthTimeoutMs: 200 } },
      );
      expect(payloads.hold).to.deep.equal({ plugin: PLUGIN, maxMs: 2 * 1000 + 3 * 200 + 5000 });
    });

    it('keeps blue and its state, releases the held commands and stops green when blue cannot be drained', async () => {
      const { outcome, log, routed, payloads } = await reload(
        { drain: () => err('TIMEOUT', 'blue still busy') },
        { handoff: true },
      );
      expect(payloads.release).to.deep.equal({ plugin: PLUGIN });
      expect(log).to.deep.equal([
        ...GREEN_STARTED,
        'health',
        'hold',
        'drain 1',
        'release',
        // Blue hears the events again, then green handles those it held before it is stopped (a
        // failed hand-off lost them), in that order: no event finds neither.
        'blue resume',
        'green release',
        ...GREEN_GIVEN_UP,
      ]);
      expect(routed).to.deep.equal([]);
      expect(outcome).to.deep.include({
        ok: false,
        stage: 'handoff',
        code: 'TIMEOUT',
        reason: 'blue still busy',
        serving: BLUE,
      });
    });

    it('releases the held commands to blue when its snapshot fails, and blue hears events again', async () => {
      const { outcome, log, blueEvents } = await reload(
        { snapshot: () => err('PLUGIN_ERROR', 'no snapshot') },
        { handoff: true },
      );
      expect(log.slice(3, 7)).to.deep.equal(['hold', 'drain 1', 'snapshot', 'release']);
      expect(blueEvents).to.deep.equal([{ op: 'resume' }]);
      expect(outcome).to.deep.include({ ok: false, stage: 'handoff', reason: 'no snapshot' });
    });

    it('switches without the state when the new version has no restore()', async () => {
      const { outcome, log, logger } = await reload(
        { restore: () => err('NOT_SUPPORTED', 'no restore') },
        { handoff: true },
      );
      expect(log).to.include('route 2');
      expect(log).not.to.include('release');
      expect(outcome).to.deep.include({ ok: true, handedOver: false });
      expect(logger.lines.map((l) => `${l.level} ${l.msg}`)).to.include(
        'warn reload: the new version has no restore(); it starts without the old state',
      );
    });

    it('releases the held commands to blue when the restore fails otherwise', async () => {
      const { outcome, log } = await reload(
        { restore: () => err('PLUGIN_ERROR', 'cannot read that state') },
        { handoff: true },
      );
      expect(log).to.include('release').and.not.to.include('route 2');
      expect(log.slice(log.indexOf('release'))).to.deep.equal([
        'release',
        'blue resume',
        'green release',
        ...GREEN_GIVEN_UP,
      ]);
      expect(outcome).to.deep.include({ ok: false, stage: 'handoff', reason: 'cannot read that state' });
    });

    it('stops when the router refuses to hold, with no command to release; green handles its events first', async () => {
      const { outcome, log } = await reload({ hold: () => err('NOT_FOUND', 'no route') }, { handoff: true });
      expect(log).to.deep.equal([...GREEN_STARTED, 'health', 'hold', 'green release', ...GREEN_GIVEN_UP]);
      expect(outcome).to.deep.include({ ok: false, stage: 'handoff', reason: 'no route' });
    });

    it('stops green all the same when it does not answer its release (an older SDK, or too busy)', async () => {
      const { outcome, log } = await reload(
        {
          restore: () => err('PLUGIN_ERROR', 'cannot read that state'),
          greenEvents: () => err('VALIDATION_ERROR', 'op: invalid option'),
        },
        { handoff: true },
      );
      expect(log.slice(-4)).to.deep.equal(['green release', ...GREEN_GIVEN_UP]);
      expect(outcome).to.deep.include({ ok: false, stage: 'handoff', reason: 'cannot read that state' });
    });

    it('when blue does not confirm it hears events again, green is not told to stop hearing them', async () => {
      const { outcome, log, logger } = await reload(
        { restore: () => err('PLUGIN_ERROR', 'cannot read that state'), blueResume: () => 'silent' },
        { handoff: true },
      );
      expect(log.slice(log.indexOf('release'))).to.deep.equal(['release', 'blue resume', ...GREEN_GIVEN_UP]);
      expect(logger.lines.some((l) => /did not confirm it hears events again/.test(l.msg))).to.equal(true);
      expect(outcome).to.deep.include({ ok: false, stage: 'handoff', reason: 'cannot read that state' });
    });

    it('releases the held commands when green goes down during the hand-off', async () => {
      const { outcome, log } = await reload(
        { snapshot: () => 'silent', during: { snapshot: down('oom') } },
        { handoff: true },
      );
      expect(log.slice(3)).to.deep.equal([
        'hold',
        'drain 1',
        'snapshot',
        'release',
        'blue resume',
        // Asked all the same: a green that is gone has no responder, which answers at once.
        'green release',
        ...GREEN_GIVEN_UP,
      ]);
      expect(outcome).to.deep.include({ ok: false, stage: 'handoff', reason: 'exited: oom' });
    });
  });

  it('sends the drain with the drain timeout and the health check with the health timeout', () => {
    const context: RequestContext = {
      input: {
        plugin: PLUGIN,
        blue: BLUE,
        green: GREEN,
        timing: { healthTimeoutMs: 7, drainTimeoutMs: 11, migrateTimeoutMs: 13 },
      },
    };
    expect(requests.drain.ask(context).timeoutMs).to.equal(11);
    expect(requests['drain-blue'].ask(context).timeoutMs).to.equal(11);
    expect(requests.migrate.ask(context).timeoutMs).to.equal(13);
    expect(requests.health.ask(context).timeoutMs).to.equal(undefined);
  });
});
