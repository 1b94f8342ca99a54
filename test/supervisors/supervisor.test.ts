import { expect } from 'chai';
import { createActor, fromCallback, sendParent, setup, type EventObject } from 'xstate';
import { childReady } from '../../supervisors/child-protocol.js';
import { supervisorMachine } from '../../supervisors/supervisor.machine.js';
import { Probe, startSupervisor } from '../support/probe.js';
import { childActor, statusOf } from './observe.js';

describe('supervisor (OTP semantics)', () => {
  describe('start and stop order', () => {
    it('starts children left to right, each fully started before the next', () => {
      const probe = new Probe();
      probe.behaviour.set('a', { manualReady: true });
      const sup = startSupervisor({
        name: 't',
        strategy: 'one_for_one',
        children: ['a', 'b', 'c'].map((n) => probe.spec(n)),
      });
      expect(probe.take()).to.deep.equal(['start a']);
      expect(sup.state().value).to.equal('starting');
      probe.ready('a');
      expect(probe.take()).to.deep.equal(['start b', 'start c']);
      expect(sup.state().value).to.equal('running');
    });

    it('stops children right to left on shutdown and finishes with exit reason shutdown', () => {
      const probe = new Probe();
      const sup = startSupervisor({
        name: 't',
        strategy: 'one_for_one',
        children: ['a', 'b', 'c'].map((n) => probe.spec(n)),
      });
      probe.take();
      sup.actor.send({ type: 'rosey.shutdown' });
      expect(probe.take()).to.deep.equal([
        'shutdown c',
        'cleanup c',
        'shutdown b',
        'cleanup b',
        'shutdown a',
        'cleanup a',
      ]);
      expect(sup.state().status).to.equal('done');
      expect(sup.state().output).to.deep.equal({ exit: 'shutdown' });
    });

    it('a child failing during the start stops those already started (in reverse) and fails the start', () => {
      const probe = new Probe();
      probe.behaviour.set('c', { failStart: true });
      const sup = startSupervisor({
        name: 't',
        strategy: 'one_for_one',
        children: ['a', 'b', 'c', 'd'].map((n) => probe.spec(n)),
      });
      expect(probe.take()).to.deep.equal([
        'start a',
        'start b',
        'start c',
        'cleanup c',
        'shutdown b',
        'cleanup b',
        'shutdown a',
        'cleanup a',
      ]);
      expect(sup.state().status).to.equal('done');
      expect(sup.state().value).to.equal('failed');
      const exit = sup.state().output?.exit;
      expect(exit)
        .to.have.property('shutdown')
        .that.matches(/failed to start c: c cannot start/);
    });

    it('a child that never reports ready fails the start after its start timeout', () => {
      const probe = new Probe();
      probe.behaviour.set('b', { manualReady: true });
      const sup = startSupervisor({
        name: 't',
        strategy: 'one_for_one',
        children: [probe.spec('a'), probe.spec('b', { startTimeoutMs: 1000 })],
      });
      sup.clock.increment(999);
      expect(sup.state().value).to.equal('starting');
      sup.clock.increment(1);
      expect(sup.state().value).to.equal('failed');
      expect(probe.take()).to.deep.equal(['start a', 'start b', 'cleanup b', 'shutdown a', 'cleanup a']);
    });
  });

  describe('shutdown timeout', () => {
    it('waits the shutdown time for a graceful exit, then kills the child', () => {
      const probe = new Probe();
      probe.behaviour.set('b', { ignoreShutdown: true });
      const sup = startSupervisor({
        name: 't',
        strategy: 'one_for_one',
        children: [probe.spec('a'), probe.spec('b', { shutdown: 2000 })],
      });
      probe.take();
      sup.actor.send({ type: 'rosey.shutdown' });
      expect(probe.take()).to.deep.equal(['shutdown b']);
      sup.clock.increment(1999);
      expect(probe.take()).to.deep.equal([]);
      sup.clock.increment(1);
      expect(probe.take()).to.deep.equal(['cleanup b', 'shutdown a', 'cleanup a']);
      expect(sup.state().value).to.equal('stopped');
    });

    it('brutal_kill stops the child at once without asking', () => {
      const probe = new Probe();
      const sup = startSupervisor({
        name: 't',
        strategy: 'one_for_one',
        children: [probe.spec('a'), probe.spec('b', { shutdown: 'brutal_kill' })],
      });
      probe.take();
      sup.actor.send({ type: 'rosey.shutdown' });
      expect(probe.take()).to.deep.equal(['cleanup b', 'shutdown a', 'cleanup a']);
    });
  });

  describe('strategies', () => {
    const three = (probe: Probe, strategy: 'one_for_one' | 'one_for_all' | 'rest_for_one') => {
      const sup = startSupervisor({
        name: 't',
        strategy,
        intensity: 10,
        children: ['a', 'b', 'c'].map((n) => probe.spec(n)),
      });
      probe.take();
      return sup;
    };

    it('one_for_one restarts only the dead child', () => {
      const probe = new Probe();
      const sup = three(probe, 'one_for_one');
      probe.crash('b');
      expect(probe.take()).to.deep.equal(['cleanup b', 'start b']);
      expect(sup.state().context.records.b?.restarts).to.equal(1);
      expect(sup.state().context.records.a?.restarts).to.equal(0);
    });

    it('one_for_all stops all the others in reverse order, then restarts all in order', () => {
      const probe = new Probe();
      three(probe, 'one_for_all');
      probe.crash('b');
      expect(probe.take()).to.deep.equal([
        'cleanup b',
        'shutdown c',
        'cleanup c',
        'shutdown a',
        'cleanup a',
        'start a',
        'start b',
        'start c',
      ]);
    });

    it('rest_for_one stops the children started after the dead one, then restarts it and them', () => {
      const probe = new Probe();
      const sup = three(probe, 'rest_for_one');
      probe.crash('b');
      expect(probe.take()).to.deep.equal(['cleanup b', 'shutdown c', 'cleanup c', 'start b', 'start c']);
      expect(sup.state().context.records.a?.incarnation).to.equal(1);
    });

    it('one crash under one_for_all counts as one restart', () => {
      const probe = new Probe();
      const sup = startSupervisor({
        name: 't',
        strategy: 'one_for_all',
        intensity: 1,
        children: ['a', 'b', 'c'].map((n) => probe.spec(n)),
      });
      probe.crash('a');
      expect(sup.state().value).to.equal('running');
      expect(sup.state().context.restartLog).to.have.length(1);
    });
  });

  describe('restart types', () => {
    it('permanent children are restarted even after a normal exit', () => {
      const probe = new Probe();
      startSupervisor({
        name: 't',
        strategy: 'one_for_one',
        children: [probe.spec('a', { restart: 'permanent' })],
      });
      probe.take();
      probe.exitNormally('a');
      expect(probe.take()).to.deep.equal(['cleanup a', 'start a']);
    });

    it('transient children are restarted after a crash but not after a normal exit', () => {
      const probe = new Probe();
      const sup = startSupervisor({
        name: 't',
        strategy: 'one_for_one',
        intensity: 5,
        children: [probe.spec('a', { restart: 'transient' })],
      });
      probe.take();
      probe.crash('a');
      expect(probe.take()).to.deep.equal(['cleanup a', 'start a']);
      probe.exitNormally('a');
      expect(probe.take()).to.deep.equal(['cleanup a']);
      expect(statusOf(sup, 'a')).to.equal('stopped');
    });

    it('transient children treat {shutdown, _} as a normal exit', () => {
      const probe = new Probe();
      const sup = startSupervisor({
        name: 't',
        strategy: 'one_for_one',
        children: [probe.spec('a', { restart: 'transient' })],
      });
      probe.take();
      probe.exit('a', { shutdown: 'done here' });
      expect(probe.take()).to.deep.equal(['cleanup a']);
      expect(statusOf(sup, 'a')).to.equal('stopped');
    });

    it('temporary children are never restarted and are removed', () => {
      const probe = new Probe();
      const sup = startSupervisor({
        name: 't',
        strategy: 'one_for_one',
        children: [probe.spec('a', { restart: 'temporary' })],
      });
      probe.take();
      probe.crash('a');
      expect(probe.take()).to.deep.equal(['cleanup a']);
      expect(sup.state().context.records).to.not.have.property('a');
      expect(sup.state().context.order).to.deep.equal([]);
    });

    it('a temporary sibling stopped by one_for_all is not restarted', () => {
      const probe = new Probe();
      const sup = startSupervisor({
        name: 't',
        strategy: 'one_for_all',
        children: [probe.spec('a'), probe.spec('t', { restart: 'temporary' }), probe.spec('c')],
      });
      probe.take();
      probe.crash('a');
      expect(probe.take()).to.deep.equal([
        'cleanup a',
        'shutdown c',
        'cleanup c',
        'shutdown t',
        'cleanup t',
        'start a',
        'start c',
      ]);
      expect(sup.state().context.order).to.deep.equal(['a', 'c']);
    });
  });

  describe('restart intensity', () => {
    it('allows MaxR restarts within MaxT seconds and escalates on the next one', () => {
      const probe = new Probe();
      const sup = startSupervisor({
        name: 't',
        strategy: 'one_for_one',
        intensity: 2,
        period: 5,
        children: ['a', 'b'].map((n) => probe.spec(n)),
      });
      probe.take();
      probe.crash('b');
      sup.clock.increment(1000);
      probe.crash('b');
      expect(sup.state().value).to.equal('running');
      sup.clock.increment(1000);
      probe.take();
      probe.crash('b');
      // Checked before restarting: b is not started again; everything stops in reverse order.
      expect(probe.take()).to.deep.equal(['cleanup b', 'shutdown a', 'cleanup a']);
      expect(sup.state().value).to.equal('failed');
      expect(sup.state().output?.exit).to.equal('shutdown');
      expect(sup.state().output?.failure).to.match(/max restart intensity/);
    });

    it('forgets restarts older than MaxT', () => {
      const probe = new Probe();
      const sup = startSupervisor({
        name: 't',
        strategy: 'one_for_one',
        intensity: 1,
        period: 5,
        children: [probe.spec('a')],
      });
      probe.crash('a');
      // Whole seconds, T >= Now - Period: the restart at second 0 is forgotten from second 6 on.
      sup.clock.increment(6000);
      probe.crash('a');
      expect(sup.state().value).to.equal('running');
      sup.clock.increment(10);
      probe.crash('a');
      expect(sup.state().value).to.equal('failed');
    });

    it('intensity 0 means the first crash stops the supervisor', () => {
      const probe = new Probe();
      const sup = startSupervisor({
        name: 't',
        strategy: 'one_for_one',
        intensity: 0,
        children: [probe.spec('a')],
      });
      probe.crash('a');
      expect(sup.state().value).to.equal('failed');
    });

    it('a restart whose start fails is retried and each attempt counts', () => {
      const probe = new Probe();
      const sup = startSupervisor({
        name: 't',
        strategy: 'one_for_one',
        intensity: 3,
        period: 60,
        children: [probe.spec('a')],
      });
      probe.take();
      probe.behaviour.set('a', { failStart: true });
      probe.crash('a');
      // crash → restart 1 fails → restart 2 fails → restart 3 fails → 4th exceeds intensity 3
      expect(probe.take()).to.deep.equal([
        'cleanup a',
        'start a',
        'cleanup a',
        'start a',
        'cleanup a',
        'start a',
        'cleanup a',
      ]);
      expect(sup.state().value).to.equal('failed');
    });
  });

  describe('restart attempts (try_again_restart)', () => {
    it('retries a child whose restart ends during its start, whatever its restart type, and finishes the group', () => {
      const probe = new Probe();
      const sup = startSupervisor({
        name: 't',
        strategy: 'one_for_all',
        intensity: 5,
        children: [probe.spec('a'), probe.spec('b', { restart: 'transient' }), probe.spec('c')],
      });
      probe.take();
      probe.behaviour.set('b', { startExit: 'normal', startExitTimes: 1 });
      probe.crash('a');
      // The group's restart: a starts, b ends while starting, so (one_for_all) a stops and all start again.
      expect(probe.take()).to.deep.equal([
        'cleanup a',
        'shutdown c',
        'cleanup c',
        'shutdown b',
        'cleanup b',
        'start a',
        'start b',
        'cleanup b',
        'shutdown a',
        'cleanup a',
        'start a',
        'start b',
        'start c',
      ]);
      expect(['a', 'b', 'c'].map((id) => statusOf(sup, id))).to.deep.equal(['running', 'running', 'running']);
      expect(sup.state().context.restartLog).to.have.length(2);
    });
  });

  describe('backoff', () => {
    it('delays a restart by min * 2^n * (1 + random * factor), counting it when it is attempted', () => {
      const probe = new Probe();
      const sup = startSupervisor({
        name: 't',
        strategy: 'one_for_one',
        intensity: 10,
        period: 60,
        random: () => 0.5,
        children: [
          probe.spec('a', { backoff: { minMs: 100, maxMs: 1000, randomFactor: 0.2, resetAfterMs: 10_000 } }),
        ],
      });
      probe.take();
      probe.crash('a');
      expect(probe.take()).to.deep.equal(['cleanup a']);
      expect(statusOf(sup, 'a')).to.equal('restarting');
      expect(sup.state().context.restartLog).to.have.length(0);
      sup.clock.increment(109); // 100 * 1.1 = 110
      expect(probe.take()).to.deep.equal([]);
      sup.clock.increment(1);
      expect(probe.take()).to.deep.equal(['start a']);
      expect(sup.state().context.restartLog).to.have.length(1);
      probe.crash('a');
      sup.clock.increment(219); // 200 * 1.1 = 220
      expect(probe.take()).to.deep.equal(['cleanup a']);
      sup.clock.increment(1);
      expect(probe.take()).to.deep.equal(['start a']);
    });

    it('caps the delay at maxMs and resets it after the child has been healthy for resetAfterMs', () => {
      const probe = new Probe();
      const sup = startSupervisor({
        name: 't',
        strategy: 'one_for_one',
        intensity: 100,
        period: 1,
        children: [
          probe.spec('a', { backoff: { minMs: 100, maxMs: 300, randomFactor: 0, resetAfterMs: 5000 } }),
        ],
      });
      for (const delay of [100, 200, 300, 300]) {
        probe.take();
        probe.crash('a');
        sup.clock.increment(delay - 1);
        expect(probe.take(), `before ${delay}`).to.deep.equal(['cleanup a']);
        sup.clock.increment(1);
        expect(probe.take(), `after ${delay}`).to.deep.equal(['start a']);
      }
      sup.clock.increment(5000);
      probe.crash('a');
      sup.clock.increment(100);
      expect(probe.take()).to.deep.equal(['cleanup a', 'start a']);
    });

    it('a shutdown during a backoff wait cancels the pending restart', () => {
      const probe = new Probe();
      const sup = startSupervisor({
        name: 't',
        strategy: 'one_for_one',
        children: [probe.spec('a', { backoff: { minMs: 1000, maxMs: 1000, randomFactor: 0 } })],
      });
      probe.take();
      probe.crash('a');
      sup.actor.send({ type: 'rosey.shutdown' });
      expect(sup.state().value).to.equal('stopped');
      sup.clock.increment(5000);
      expect(probe.take()).to.deep.equal(['cleanup a']);
    });
  });

  describe('child failures reaching the supervisor', () => {
    it('handles an error thrown inside a child (xstate.error.actor.*) without failing itself', () => {
      const probe = new Probe();
      const sup = startSupervisor({ name: 't', strategy: 'one_for_one', children: [probe.spec('a')] });
      probe.take();
      const child = childActor(sup, 'a:1');
      child?.send({ type: 'probe.throw' });
      expect(sup.state().status).to.equal('active');
      expect(probe.take()).to.deep.equal(['start a']);
      expect(sup.state().context.records.a?.lastExit?.reason).to.deep.include({ error: 'a threw' });
    });

    it('treats a machine child reaching a final state as a normal exit', () => {
      const finishing = setup({}).createMachine({
        entry: sendParent(({ self }) => childReady(self)),
        on: { finish: '.done' },
        initial: 'idle',
        states: { idle: {}, done: { type: 'final' } },
      });
      const sup = startSupervisor({
        name: 't',
        strategy: 'one_for_one',
        children: [{ id: 'm', logic: finishing, restart: 'transient' }],
      });
      expect(sup.state().context.records.m?.status).to.equal('running');
      childActor(sup, 'm:1')?.send({ type: 'finish' });
      expect(sup.state().context.records.m?.status).to.equal('stopped');
      expect(sup.state().context.records.m?.lastExit?.reason).to.equal('normal');
    });
  });

  describe('nested supervisors', () => {
    const nested = (probe: Probe, restart: 'permanent' | 'transient') =>
      startSupervisor({
        name: 'root',
        strategy: 'one_for_one',
        intensity: 5,
        children: [
          probe.spec('x'),
          {
            id: 'sub',
            type: 'supervisor',
            restart,
            logic: supervisorMachine,
            input: { name: 'sub', strategy: 'one_for_one', intensity: 0, children: [probe.spec('y')] },
          },
        ],
      });

    it('a permanent sub-supervisor that gives up is restarted by its parent, counting one restart', () => {
      const probe = new Probe();
      const sup = nested(probe, 'permanent');
      expect(statusOf(sup, 'sub')).to.equal('running');
      probe.take();
      probe.crash('y');
      expect(probe.take()).to.deep.equal(['cleanup y', 'start y']);
      expect(sup.state().context.records.sub?.restarts).to.equal(1);
      expect(sup.state().context.restartLog).to.have.length(1);
      expect(statusOf(sup, 'x')).to.equal('running');
    });

    it('a transient sub-supervisor that gives up (exit {shutdown, _}) is not restarted', () => {
      const probe = new Probe();
      const sup = nested(probe, 'transient');
      probe.take();
      probe.crash('y');
      expect(probe.take()).to.deep.equal(['cleanup y']);
      expect(statusOf(sup, 'sub')).to.equal('stopped');
      expect(sup.state().value).to.equal('running');
    });

    it('shutdown propagates depth-first: the sub-supervisor stops its own children first', () => {
      const probe = new Probe();
      const sup = nested(probe, 'permanent');
      probe.take();
      sup.actor.send({ type: 'rosey.shutdown' });
      expect(probe.take()).to.deep.equal(['shutdown y', 'cleanup y', 'shutdown x', 'cleanup x']);
    });
  });

  describe('dynamic one-for-one', () => {
    const dynamic = (probe: Probe, extra: { maxChildren?: number } = {}) =>
      startSupervisor({
        name: 'plugins',
        strategy: 'one_for_one',
        dynamic: true,
        intensity: 3,
        children: [],
        ...extra,
      });

    const results: EventObject[] = [];
    const replyTo = () => {
      const actor = createActor(fromCallback(({ receive }) => receive((e) => results.push(e))));
      actor.start();
      return actor;
    };

    beforeEach(() => results.splice(0));

    it('starts and terminates children on request and replies to the requester', () => {
      const probe = new Probe();
      const sup = dynamic(probe);
      const to = replyTo();
      sup.actor.send({ type: 'supervisor.start_child', spec: probe.spec('p1'), replyTo: to });
      sup.actor.send({ type: 'supervisor.start_child', spec: probe.spec('p2'), replyTo: to });
      sup.actor.send({ type: 'supervisor.start_child', spec: probe.spec('p1'), replyTo: to });
      expect(results).to.deep.equal([
        { type: 'supervisor.result', op: 'start_child', id: 'p1', ok: true },
        { type: 'supervisor.result', op: 'start_child', id: 'p2', ok: true },
        { type: 'supervisor.result', op: 'start_child', id: 'p1', ok: false, error: 'already started' },
      ]);
      sup.actor.send({ type: 'supervisor.terminate_child', id: 'p1', replyTo: to });
      expect(results.at(-1)).to.deep.equal({
        type: 'supervisor.result',
        op: 'terminate_child',
        id: 'p1',
        ok: true,
      });
      expect(sup.state().context.order).to.deep.equal(['p2']);
      expect(probe.take()).to.deep.equal(['start p1', 'start p2', 'shutdown p1', 'cleanup p1']);
    });

    it('accepts child ids that are also Object.prototype names', () => {
      const probe = new Probe();
      const sup = dynamic(probe);
      const to = replyTo();
      for (const id of ['constructor', 'toString', 'hasOwnProperty']) {
        sup.actor.send({ type: 'supervisor.start_child', spec: probe.spec(id), replyTo: to });
      }
      expect(results.map((r) => (r as unknown as { ok: boolean }).ok)).to.deep.equal([true, true, true]);
      probe.crash('constructor');
      expect(statusOf(sup, 'constructor')).to.equal('running');
      expect(sup.state().context.records['constructor']?.restarts).to.equal(1);
    });

    it('terminates a brutal_kill child, replies, and forgets it', () => {
      const probe = new Probe();
      const sup = dynamic(probe);
      const to = replyTo();
      sup.actor.send({ type: 'supervisor.start_child', spec: probe.spec('p', { shutdown: 'brutal_kill' }) });
      sup.actor.send({ type: 'supervisor.terminate_child', id: 'p', replyTo: to });
      expect(results).to.deep.equal([
        { type: 'supervisor.result', op: 'terminate_child', id: 'p', ok: true },
      ]);
      expect(sup.state().context.records).to.not.have.property('p');
      expect(probe.take()).to.deep.equal(['start p', 'cleanup p']);
    });

    it('answers a terminate_child cut short by a shutdown as terminate_child', () => {
      const probe = new Probe();
      probe.behaviour.set('p', { ignoreShutdown: true });
      const sup = dynamic(probe);
      const to = replyTo();
      sup.actor.send({ type: 'supervisor.start_child', spec: probe.spec('p', { shutdown: 1000 }) });
      sup.actor.send({ type: 'supervisor.terminate_child', id: 'p', replyTo: to });
      sup.actor.send({ type: 'rosey.shutdown' });
      expect(results).to.deep.equal([
        {
          type: 'supervisor.result',
          op: 'terminate_child',
          id: 'p',
          ok: false,
          error: 'supervisor is shutting down',
        },
      ]);
      sup.clock.increment(1000);
      expect(sup.state().value).to.equal('stopped');
    });

    it('start_child on a static supervisor appends the child; delete_child forgets it once stopped (OTP)', () => {
      const probe = new Probe();
      const sup = startSupervisor({ name: 't', strategy: 'rest_for_one', children: [probe.spec('a')] });
      const to = replyTo();
      sup.actor.send({ type: 'supervisor.start_child', spec: probe.spec('b'), replyTo: to });
      expect(sup.state().context.order).to.deep.equal(['a', 'b']);
      // Running children cannot be deleted; terminated ones keep their spec until they are.
      sup.actor.send({ type: 'supervisor.delete_child', id: 'a', replyTo: to });
      sup.actor.send({ type: 'supervisor.terminate_child', id: 'a', replyTo: to });
      expect(statusOf(sup, 'a')).to.equal('stopped');
      sup.actor.send({ type: 'supervisor.delete_child', id: 'a', replyTo: to });
      sup.actor.send({ type: 'supervisor.delete_child', id: 'zz', replyTo: to });
      expect(results).to.deep.equal([
        { type: 'supervisor.result', op: 'start_child', id: 'b', ok: true },
        { type: 'supervisor.result', op: 'delete_child', id: 'a', ok: false, error: 'running' },
        { type: 'supervisor.result', op: 'terminate_child', id: 'a', ok: true },
        { type: 'supervisor.result', op: 'delete_child', id: 'a', ok: true },
        { type: 'supervisor.result', op: 'delete_child', id: 'zz', ok: false, error: 'not found' },
      ]);
      expect(sup.state().context.order).to.deep.equal(['b']);
      expect(probe.take()).to.deep.equal(['start a', 'start b', 'shutdown a', 'cleanup a']);
    });

    it('a static supervisor reports a child start_child could not start and does not keep it', () => {
      const probe = new Probe();
      probe.behaviour.set('bad', { failStart: true });
      const sup = startSupervisor({ name: 't', strategy: 'one_for_one', children: [probe.spec('a')] });
      const to = replyTo();
      sup.actor.send({ type: 'supervisor.start_child', spec: probe.spec('bad'), replyTo: to });
      expect(results).to.deep.equal([
        {
          type: 'supervisor.result',
          op: 'start_child',
          id: 'bad',
          ok: false,
          error: 'crashed: bad cannot start',
        },
      ]);
      expect(sup.state().value).to.equal('running');
      expect(sup.state().context.order).to.deep.equal(['a']);
      expect(statusOf(sup, 'a')).to.equal('running');
    });

    it('refuses children beyond max_children', () => {
      const probe = new Probe();
      const sup = dynamic(probe, { maxChildren: 1 });
      const to = replyTo();
      sup.actor.send({ type: 'supervisor.start_child', spec: probe.spec('p1'), replyTo: to });
      sup.actor.send({ type: 'supervisor.start_child', spec: probe.spec('p2'), replyTo: to });
      expect(results.at(-1)).to.deep.include({ id: 'p2', ok: false, error: 'max_children reached' });
    });

    it('reports a child that fails to start and keeps running', () => {
      const probe = new Probe();
      probe.behaviour.set('bad', { failStart: true });
      const sup = startSupervisor({
        name: 'plugins',
        strategy: 'one_for_one',
        dynamic: true,
        children: [probe.spec('bad', { restart: 'temporary' }), probe.spec('good')],
      });
      expect(sup.state().value).to.equal('running');
      expect(statusOf(sup, 'bad')).to.equal('failed');
      expect(statusOf(sup, 'good')).to.equal('running');
    });

    it('keeps a temporary child that crashed as failed, not restarted', () => {
      const probe = new Probe();
      const sup = dynamic(probe);
      sup.actor.send({ type: 'supervisor.start_child', spec: probe.spec('p', { restart: 'temporary' }) });
      probe.crash('p');
      expect(statusOf(sup, 'p')).to.equal('failed');
      expect(probe.take()).to.deep.equal(['start p', 'cleanup p']);
    });

    it('stops all children at once on shutdown', () => {
      const probe = new Probe();
      probe.behaviour.set('p1', { ignoreShutdown: true });
      const sup = dynamic(probe);
      sup.actor.send({ type: 'supervisor.start_child', spec: probe.spec('p1', { shutdown: 1000 }) });
      sup.actor.send({ type: 'supervisor.start_child', spec: probe.spec('p2') });
      probe.take();
      sup.actor.send({ type: 'rosey.shutdown' });
      expect(probe.take()).to.deep.equal(['shutdown p2', 'shutdown p1', 'cleanup p2']);
      sup.clock.increment(1000);
      expect(probe.take()).to.deep.equal(['cleanup p1']);
      expect(sup.state().value).to.equal('stopped');
    });
  });
});
