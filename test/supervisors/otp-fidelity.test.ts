import { expect } from 'chai';
import { describeTree } from '../../supervisors/describe-tree.js';
import { FAILED_KEPT } from '../../supervisors/supervisor-tx.js';
import { supervisorMachine } from '../../supervisors/supervisor.machine.js';
import { Probe, startSupervisor } from '../support/probe.js';
import { logRecorder, replies, statusOf } from './observe.js';

/**
 * Issue 23: the places where Rosey's supervisor differed from Erlang/OTP 25's `supervisor`, run
 * side by side. Each test names the OTP behaviour it locks; times are simulated (whole seconds
 * matter here, so the clock starts at 0 and crashes are placed on exact milliseconds).
 */

describe('supervisor: OTP fidelity (issue 23)', () => {
  describe('1. the exit reason of a supervisor that gives up', () => {
    it('exits with reason shutdown (OTP), the human-readable reason going to the log and to `failure`', () => {
      const probe = new Probe();
      const log = logRecorder();
      const { logger } = log;
      const sup = startSupervisor({
        name: 't',
        strategy: 'one_for_one',
        intensity: 1,
        period: 5,
        logger,
        children: [probe.spec('a')],
      });
      probe.crash('a');
      probe.crash('a');
      expect(sup.state().value).to.equal('failed');
      const why = 'reached max restart intensity (1 in 5 s); last exit of a: crashed: boom';
      expect(sup.state().output).to.deep.equal({ exit: 'shutdown', failure: why });
      expect(log.lines).to.include(`error giving up: ${why}`);
    });

    it('a nested supervisor that gives up is seen by its parent as exiting shutdown; status says why', () => {
      const probe = new Probe();
      const sup = startSupervisor({
        name: 'root',
        strategy: 'one_for_one',
        children: [
          {
            id: 'sub',
            type: 'supervisor',
            restart: 'transient',
            logic: supervisorMachine,
            input: { name: 'sub', strategy: 'one_for_one', intensity: 0, children: [probe.spec('y')] },
          },
        ],
      });
      probe.crash('y');
      const lastExit = sup.state().context.records.sub?.lastExit;
      expect(lastExit?.reason).to.equal('shutdown');
      expect(lastExit?.failure).to.match(/^reached max restart intensity \(0 in 5 s\)/);
      // transient: `shutdown` is a normal exit, so it is not restarted (OTP)
      expect(statusOf(sup, 'sub')).to.equal('stopped');
      const node = describeTree(sup.actor).children?.find((c) => c.id === 'sub');
      expect(node?.lastExit).to.match(
        /^shutdown \(reached max restart intensity \(0 in 5 s\); last exit of y/,
      );
    });
  });

  describe('2. the intensity window (OTP add_restart: whole seconds, T >= Now - Period)', () => {
    const oneChild = (probe: Probe, intensity: number, period: number) =>
      startSupervisor({ name: 't', strategy: 'one_for_one', intensity, period, children: [probe.spec('a')] });

    it('gives up when a restart lies exactly on the period edge (OTP keeps T >= Now - Period, whole seconds)', () => {
      const probe = new Probe();
      const sup = oneChild(probe, 1, 2);
      probe.crash('a'); // second 0
      sup.clock.increment(2000);
      probe.crash('a'); // second 2: 0 >= 2 - 2, still inside
      expect(sup.state().value).to.equal('failed');
    });

    it('gives up on crashes 2.5 s apart with period 2 s when the first lies early in its second (OTP)', () => {
      const probe = new Probe();
      const sup = oneChild(probe, 1, 2);
      probe.crash('a'); // 0.0 s → second 0
      sup.clock.increment(2500);
      probe.crash('a'); // 2.5 s → second 2
      expect(sup.state().value).to.equal('failed');
    });

    it('counts whole seconds: 2.001 s apart can be outside a 2 s window and 2.099 s apart inside it', () => {
      const outside = new Probe();
      const a = oneChild(outside, 1, 2);
      a.clock.increment(999);
      outside.crash('a'); // second 0
      a.clock.increment(2001);
      outside.crash('a'); // 3.000 s → second 3: 0 < 3 - 2, forgotten
      expect(a.state().value).to.equal('running');

      const inside = new Probe();
      const b = oneChild(inside, 1, 2);
      b.clock.increment(900);
      inside.crash('a'); // second 0
      b.clock.increment(2099);
      inside.crash('a'); // 2.999 s → second 2: 0 >= 2 - 2, kept
      expect(b.state().value).to.equal('failed');
    });

    it('stops a crash loop spaced just over period/intensity (3 in 60 s, every 20.1 s) on its 4th crash (OTP)', () => {
      const probe = new Probe();
      const sup = oneChild(probe, 3, 60);
      for (let crash = 1; crash <= 3; crash++) {
        probe.crash('a');
        sup.clock.increment(20_100);
        expect(sup.state().value, `after crash ${crash}`).to.equal('running');
      }
      probe.crash('a'); // at 60.3 s = second 60: the one at second 0 is still inside (0 >= 60 - 60)
      expect(sup.state().value).to.equal('failed');
    });
  });

  describe('3. a group restart is counted at the crash, before the siblings stop (OTP)', () => {
    for (const strategy of ['rest_for_one', 'one_for_all'] as const) {
      /** a, b, c; c is slow to stop (it has to be killed after its shutdown time) on the first crash. */
      const slowSibling = (probe: Probe, slowMs: number, slowAgain: boolean) => {
        probe.behaviour.set('c', { ignoreShutdown: true });
        const sup = startSupervisor({
          name: 't',
          strategy,
          intensity: 1,
          period: 2,
          children: [probe.spec('a'), probe.spec('b'), probe.spec('c', { shutdown: slowMs })],
        });
        probe.take();
        probe.crash('b'); // at 0 s: counted at second 0
        if (!slowAgain) probe.behaviour.set('c', {}); // its next incarnation stops when asked
        sup.clock.increment(slowMs);
        expect(probe.take()).to.include.members([
          'cleanup b',
          'shutdown c',
          'cleanup c',
          'start b',
          'start c',
        ]);
        return sup;
      };

      it(`${strategy}: restarts on a second crash 3 s after the first, though c took 1.5 s to stop (OTP)`, () => {
        const probe = new Probe();
        const sup = slowSibling(probe, 1500, false);
        sup.clock.increment(1500);
        probe.crash('b'); // at 3.0 s: the restart of second 0 is outside the window (0 < 3 - 2)
        expect(sup.state().value).to.equal('running');
        expect(statusOf(sup, 'b')).to.equal('running');
        expect(sup.state().context.restartLog).to.deep.equal([3]);
      });

      it(`${strategy}: gives up on a second crash 0.5 s after the restart that c delayed by 1.8 s (OTP)`, () => {
        const probe = new Probe();
        const sup = slowSibling(probe, 1800, true);
        sup.clock.increment(500);
        probe.crash('b'); // at 2.3 s = second 2: the restart of second 0 is inside (0 >= 2 - 2)
        // Given up at once: c is being stopped for the shutdown, not for a restart.
        expect(sup.state().value).to.deep.equal({ terminating: 'escalating' });
        expect(statusOf(sup, 'b')).to.equal('stopped');
        sup.clock.increment(1800);
        expect(sup.state().value).to.equal('failed');
        expect(probe.take()).to.not.include('start b');
      });
    }
  });

  describe('4. dynamic supervisors keep no finished children (OTP), only a bounded list of failures', () => {
    const dynamic = () =>
      startSupervisor({
        name: 'plugins',
        strategy: 'one_for_one',
        dynamic: true,
        intensity: 3,
        children: [],
      });

    it('forgets a child start_child could not start: OTP lists only the running child', () => {
      const probe = new Probe();
      probe.behaviour.set('p2', { failStart: true });
      const sup = dynamic();
      const { results, to } = replies();
      sup.actor.send({ type: 'supervisor.start_child', spec: probe.spec('p1', { restart: 'transient' }) });
      sup.actor.send({
        type: 'supervisor.start_child',
        spec: probe.spec('p2', { restart: 'transient' }),
        replyTo: to,
      });
      expect(results).to.deep.equal([
        {
          type: 'supervisor.result',
          op: 'start_child',
          id: 'p2',
          ok: false,
          error: 'crashed: p2 cannot start',
        },
      ]);
      expect(sup.state().context.order).to.deep.equal(['p1']);
      expect(Object.keys(sup.state().context.records)).to.deep.equal(['p1']);
    });

    it('forgets a transient child that exited normally: OTP lists nothing', () => {
      const probe = new Probe();
      const sup = dynamic();
      sup.actor.send({ type: 'supervisor.start_child', spec: probe.spec('p1', { restart: 'transient' }) });
      probe.exitNormally('p1');
      expect(sup.state().context.order).to.deep.equal([]);
      expect(Object.keys(sup.state().context.records)).to.deep.equal([]);
    });

    it('keeps a temporary sub-supervisor that gave up as failed (a plugin), though it exited shutdown', () => {
      const probe = new Probe();
      const sup = dynamic();
      const sub = { name: 'p', strategy: 'one_for_one', intensity: 0, children: [probe.spec('y')] };
      sup.actor.send({
        type: 'supervisor.start_child',
        spec: { id: 'p', type: 'supervisor', restart: 'temporary', logic: supervisorMachine, input: sub },
      });
      probe.crash('y');
      const record = sup.state().context.records.p;
      expect(record?.status).to.equal('failed');
      expect(record?.lastExit?.reason).to.equal('shutdown');
      expect(record?.lastExit?.failure).to.match(/^reached max restart intensity/);
    });

    it('forgets a temporary child that exited normally (OTP)', () => {
      const probe = new Probe();
      const sup = dynamic();
      sup.actor.send({ type: 'supervisor.start_child', spec: probe.spec('p1', { restart: 'temporary' }) });
      probe.exitNormally('p1');
      expect(Object.keys(sup.state().context.records)).to.deep.equal([]);
    });

    it(`keeps at most ${FAILED_KEPT} failed temporary children, forgetting the oldest failure first`, () => {
      const probe = new Probe();
      const sup = dynamic();
      const ids = Array.from({ length: FAILED_KEPT + 2 }, (_, i) => `p${i}`);
      for (const id of ids) {
        sup.actor.send({ type: 'supervisor.start_child', spec: probe.spec(id, { restart: 'temporary' }) });
        probe.crash(id);
      }
      const records = sup.state().context.records;
      expect(Object.keys(records)).to.have.length(FAILED_KEPT);
      expect(records).to.not.have.property('p0');
      expect(records).to.not.have.property('p1');
      expect(records[`p${FAILED_KEPT + 1}`]?.status).to.equal('failed');
      expect(sup.state().context.order).to.deep.equal(ids.slice(2));
    });
  });

  describe('5. start_child with the id of a terminated static child', () => {
    it('answers already_present and starts nothing (OTP {error, already_present})', () => {
      const probe = new Probe();
      const sup = startSupervisor({ name: 't', strategy: 'one_for_one', children: [probe.spec('a')] });
      const { results, to } = replies();
      sup.actor.send({ type: 'supervisor.terminate_child', id: 'a' });
      probe.take();
      sup.actor.send({ type: 'supervisor.start_child', spec: probe.spec('a'), replyTo: to });
      expect(results).to.deep.equal([
        { type: 'supervisor.result', op: 'start_child', id: 'a', ok: false, error: 'already present' },
      ]);
      expect(probe.take()).to.deep.equal([]);
      expect(statusOf(sup, 'a')).to.equal('stopped');
    });
  });

  describe('6. terminate_child of a static child', () => {
    it('drops a temporary child’s spec (OTP): delete_child then answers not_found', () => {
      const probe = new Probe();
      const sup = startSupervisor({
        name: 't',
        strategy: 'one_for_one',
        children: [probe.spec('a'), probe.spec('t', { restart: 'temporary' })],
      });
      const { results, to } = replies();
      sup.actor.send({ type: 'supervisor.terminate_child', id: 't', replyTo: to });
      sup.actor.send({ type: 'supervisor.delete_child', id: 't', replyTo: to });
      expect(results).to.deep.equal([
        { type: 'supervisor.result', op: 'terminate_child', id: 't', ok: true },
        { type: 'supervisor.result', op: 'delete_child', id: 't', ok: false, error: 'not found' },
      ]);
      expect(sup.state().context.order).to.deep.equal(['a']);
    });

    it('answers ok for a child that is already down and keeps its spec (OTP)', () => {
      const probe = new Probe();
      const sup = startSupervisor({
        name: 't',
        strategy: 'one_for_one',
        children: [probe.spec('a', { restart: 'transient' })],
      });
      probe.exitNormally('a');
      expect(statusOf(sup, 'a')).to.equal('stopped');
      const { results, to } = replies();
      sup.actor.send({ type: 'supervisor.terminate_child', id: 'a', replyTo: to });
      expect(results).to.deep.equal([
        { type: 'supervisor.result', op: 'terminate_child', id: 'a', ok: true },
      ]);
      expect(statusOf(sup, 'a')).to.equal('stopped');
    });

    it('calls off the pending restart of a child waiting for its backoff, keeping its spec (OTP)', () => {
      const probe = new Probe();
      const sup = startSupervisor({
        name: 't',
        strategy: 'one_for_one',
        children: [probe.spec('a', { backoff: { minMs: 1000, maxMs: 1000, randomFactor: 0 } })],
      });
      probe.crash('a');
      expect(statusOf(sup, 'a')).to.equal('restarting');
      sup.actor.send({ type: 'supervisor.terminate_child', id: 'a' });
      probe.take();
      sup.clock.increment(5000);
      expect(probe.take()).to.deep.equal([]);
      expect(statusOf(sup, 'a')).to.equal('stopped');
    });
  });

  describe('7. restart_child', () => {
    const withChildren = (probe: Probe) =>
      startSupervisor({
        name: 't',
        strategy: 'rest_for_one',
        intensity: 0,
        children: [probe.spec('a'), probe.spec('b'), probe.spec('t', { restart: 'temporary' })],
      });

    it('starts a terminated child again, only that one, and answers ok once it is started (OTP)', () => {
      const probe = new Probe();
      probe.behaviour.set('a', { manualReady: true });
      const sup = withChildren(probe);
      probe.ready('a');
      const { results, to } = replies();
      sup.actor.send({ type: 'supervisor.terminate_child', id: 'a' });
      probe.take();
      sup.actor.send({ type: 'supervisor.restart_child', id: 'a', replyTo: to });
      expect(probe.take()).to.deep.equal(['start a']);
      expect(results).to.deep.equal([]);
      probe.ready('a');
      expect(results).to.deep.equal([{ type: 'supervisor.result', op: 'restart_child', id: 'a', ok: true }]);
      expect(statusOf(sup, 'a')).to.equal('running');
      // Not a restart after a failure: the intensity (0 here) is not touched, as in OTP.
      expect(sup.state().context.restartLog).to.deep.equal([]);
      expect(sup.state().value).to.equal('running');
    });

    it('answers running for a running child, not_found for an unknown one (OTP)', () => {
      const probe = new Probe();
      const sup = withChildren(probe);
      const { results, to } = replies();
      sup.actor.send({ type: 'supervisor.restart_child', id: 'b', replyTo: to });
      sup.actor.send({ type: 'supervisor.restart_child', id: 'zz', replyTo: to });
      expect(results).to.deep.equal([
        { type: 'supervisor.result', op: 'restart_child', id: 'b', ok: false, error: 'running' },
        { type: 'supervisor.result', op: 'restart_child', id: 'zz', ok: false, error: 'not found' },
      ]);
    });

    it('answers not_found for a terminated temporary child, whose spec OTP does not keep', () => {
      const probe = new Probe();
      const sup = withChildren(probe);
      const { results, to } = replies();
      sup.actor.send({ type: 'supervisor.terminate_child', id: 't' });
      sup.actor.send({ type: 'supervisor.restart_child', id: 't', replyTo: to });
      expect(results).to.deep.equal([
        { type: 'supervisor.result', op: 'restart_child', id: 't', ok: false, error: 'not found' },
      ]);
    });

    it('answers restarting for a child waiting for its restart (OTP {error, restarting})', () => {
      const probe = new Probe();
      const sup = startSupervisor({
        name: 't',
        strategy: 'one_for_one',
        children: [probe.spec('a', { backoff: { minMs: 1000, maxMs: 1000, randomFactor: 0 } })],
      });
      const { results, to } = replies();
      probe.crash('a');
      sup.actor.send({ type: 'supervisor.restart_child', id: 'a', replyTo: to });
      sup.actor.send({ type: 'supervisor.delete_child', id: 'a', replyTo: to });
      expect(results).to.deep.equal([
        { type: 'supervisor.result', op: 'restart_child', id: 'a', ok: false, error: 'restarting' },
        { type: 'supervisor.result', op: 'delete_child', id: 'a', ok: false, error: 'restarting' },
      ]);
    });

    it('is refused by a dynamic supervisor, whose children are started anew (OTP: simple_one_for_one)', () => {
      const probe = new Probe();
      const sup = startSupervisor({ name: 'd', strategy: 'one_for_one', dynamic: true, children: [] });
      const { results, to } = replies();
      sup.actor.send({ type: 'supervisor.start_child', spec: probe.spec('p', { restart: 'temporary' }) });
      probe.crash('p');
      sup.actor.send({ type: 'supervisor.restart_child', id: 'p', replyTo: to });
      expect(results).to.deep.equal([
        {
          type: 'supervisor.result',
          op: 'restart_child',
          id: 'p',
          ok: false,
          error: 'a dynamic supervisor restarts no child by id',
        },
      ]);
      expect(statusOf(sup, 'p')).to.equal('failed');
    });

    it('answers why when the start fails and keeps the spec; the supervisor runs on (OTP)', () => {
      const probe = new Probe();
      const sup = withChildren(probe);
      const { results, to } = replies();
      sup.actor.send({ type: 'supervisor.terminate_child', id: 'a' });
      probe.behaviour.set('a', { failStart: true });
      sup.actor.send({ type: 'supervisor.restart_child', id: 'a', replyTo: to });
      expect(results).to.deep.equal([
        {
          type: 'supervisor.result',
          op: 'restart_child',
          id: 'a',
          ok: false,
          error: 'crashed: a cannot start',
        },
      ]);
      expect(statusOf(sup, 'a')).to.equal('stopped');
      expect(sup.state().value).to.equal('running');
      probe.behaviour.set('a', {});
      sup.actor.send({ type: 'supervisor.restart_child', id: 'a', replyTo: to });
      expect(results.at(-1)).to.deep.equal({
        type: 'supervisor.result',
        op: 'restart_child',
        id: 'a',
        ok: true,
      });
    });

    it('waits for a restart in progress, then is carried out', () => {
      const probe = new Probe();
      probe.behaviour.set('b', { ignoreShutdown: true });
      const sup = startSupervisor({
        name: 't',
        strategy: 'one_for_one',
        intensity: 5,
        children: [probe.spec('a', { restart: 'transient' }), probe.spec('b', { shutdown: 1000 })],
      });
      probe.exitNormally('a');
      const { results, to } = replies();
      sup.actor.send({ type: 'supervisor.terminate_child', id: 'b' }); // b takes 1 s to stop
      sup.actor.send({ type: 'supervisor.restart_child', id: 'a', replyTo: to });
      expect(results).to.deep.equal([]);
      sup.clock.increment(1000);
      expect(results).to.deep.equal([{ type: 'supervisor.result', op: 'restart_child', id: 'a', ok: true }]);
    });

    it('is refused while the supervisor shuts down', () => {
      const probe = new Probe();
      probe.behaviour.set('b', { ignoreShutdown: true });
      const sup = startSupervisor({
        name: 't',
        strategy: 'one_for_one',
        children: [probe.spec('a', { restart: 'transient' }), probe.spec('b', { shutdown: 1000 })],
      });
      probe.exitNormally('a');
      const { results, to } = replies();
      sup.actor.send({ type: 'rosey.shutdown' });
      sup.actor.send({ type: 'supervisor.restart_child', id: 'a', replyTo: to });
      expect(results).to.deep.equal([
        {
          type: 'supervisor.result',
          op: 'restart_child',
          id: 'a',
          ok: false,
          error: 'supervisor is shutting down',
        },
      ]);
    });
  });
});
