import { expect } from 'chai';
import { fromCallback } from 'xstate';
import { childInfo, childReady } from '../../supervisors/child-protocol.js';
import { FAILED_KEPT } from '../../supervisors/supervisor-tx.js';
import { supervisorMachine } from '../../supervisors/supervisor.machine.js';
import { Probe, startSupervisor } from '../support/probe.js';
import { logRecorder, scheduled, statusOf } from './observe.js';

/**
 * Issue 26: what a supervisor keeps about each child (status, last exit, facts, the restart it
 * waits for) through group restarts, stops and failures; mutation testing found these unchecked.
 */

const backoff = { minMs: 1000, maxMs: 1000, randomFactor: 0 };

describe('supervisor: what it keeps about its children', () => {
  describe('group restarts', () => {
    it('a child with a pending backoff restart is restarted with the group of a sibling that crashes, and not again', () => {
      const probe = new Probe();
      const sup = startSupervisor({
        name: 't',
        strategy: 'rest_for_one',
        intensity: 5,
        children: [probe.spec('a'), probe.spec('b', { backoff })],
      });
      probe.take();
      probe.crash('b'); // b waits 1 s for its restart
      probe.crash('a'); // rest_for_one: a's group is a and b; b joins it
      expect(probe.take()).to.deep.equal(['cleanup b', 'cleanup a', 'start a', 'start b']);
      expect(scheduled(sup, 'sup.restart_due')).to.deep.equal([]); // b's own timer is called off
      sup.clock.increment(5000);
      expect(probe.take()).to.deep.equal([]);
      expect(sup.state().context.records.b?.restarts).to.equal(1);
      expect(sup.state().context.restartLog).to.have.length(1);
    });

    it('siblings stopped for a group restart wait as restarting while a slower one stops', () => {
      const probe = new Probe();
      probe.behaviour.set('b', { ignoreShutdown: true });
      const sup = startSupervisor({
        name: 't',
        strategy: 'one_for_all',
        intensity: 5,
        children: [probe.spec('a'), probe.spec('b', { shutdown: 1000 }), probe.spec('c')],
      });
      probe.take();
      probe.crash('a');
      // c has stopped, b is being stopped.
      expect(['a', 'b', 'c'].map((id) => statusOf(sup, id))).to.deep.equal([
        'restarting',
        'stopping',
        'restarting',
      ]);
      sup.clock.increment(1000);
      expect(['a', 'b', 'c'].map((id) => statusOf(sup, id))).to.deep.equal(['running', 'running', 'running']);
    });

    it('terminate_child of a sibling waiting for a group restart keeps it out of that restart', () => {
      const probe = new Probe();
      const sup = startSupervisor({
        name: 't',
        strategy: 'one_for_all',
        intensity: 5,
        children: [probe.spec('a', { backoff }), probe.spec('b'), probe.spec('c')],
      });
      probe.crash('a');
      probe.take();
      sup.actor.send({ type: 'supervisor.terminate_child', id: 'b' });
      sup.clock.increment(1000);
      expect(probe.take()).to.deep.equal(['start a', 'start c']);
      expect(statusOf(sup, 'b')).to.equal('stopped');
    });
  });

  describe('stops', () => {
    it('keeps the specs of the children it stopped for a shutdown', () => {
      const probe = new Probe();
      const sup = startSupervisor({
        name: 't',
        strategy: 'one_for_one',
        children: [probe.spec('a'), probe.spec('b', { restart: 'transient' })],
      });
      sup.actor.send({ type: 'rosey.shutdown' });
      expect(sup.state().context.order).to.deep.equal(['a', 'b']);
      expect(['a', 'b'].map((id) => statusOf(sup, id))).to.deep.equal(['stopped', 'stopped']);
    });

    it('does not ask a child that is already stopping to stop again when it shuts down', () => {
      const probe = new Probe();
      probe.behaviour.set('a', { ignoreShutdown: true });
      const sup = startSupervisor({
        name: 't',
        strategy: 'one_for_one',
        children: [probe.spec('a', { shutdown: 1000 })],
      });
      probe.take();
      sup.actor.send({ type: 'supervisor.terminate_child', id: 'a' });
      sup.clock.increment(600);
      sup.actor.send({ type: 'rosey.shutdown' });
      expect(probe.take()).to.deep.equal(['shutdown a']);
      sup.clock.increment(400); // the first kill timer, not one armed again at the shutdown
      expect(sup.state().value).to.equal('stopped');
      expect(sup.state().context.records.a?.lastExit?.reason).to.deep.equal({ shutdown: 'killed' });
    });

    it("records a brutal_kill child's exit as {shutdown: brutal_kill}", () => {
      const probe = new Probe();
      const sup = startSupervisor({
        name: 't',
        strategy: 'one_for_one',
        children: [probe.spec('a', { shutdown: 'brutal_kill' })],
      });
      sup.actor.send({ type: 'supervisor.terminate_child', id: 'a' });
      expect(sup.state().context.records.a?.lastExit?.reason).to.deep.equal({ shutdown: 'brutal_kill' });
    });
  });

  describe('facts and failures', () => {
    it('keeps the facts a child reported before it was ready', () => {
      const early = fromCallback(({ sendBack, self }) => {
        sendBack(childInfo(self, { pid: 7 }));
        sendBack(childReady(self));
      });
      const sup = startSupervisor({
        name: 't',
        strategy: 'one_for_one',
        children: [{ id: 'x', logic: early }],
      });
      expect(sup.state().context.records.x?.info).to.deep.equal({ pid: 7 });
    });

    it(`forgets the oldest failure first beyond ${FAILED_KEPT} failed children, whatever their start order, and never a running child`, () => {
      const probe = new Probe();
      const sup = startSupervisor({
        name: 'd',
        strategy: 'one_for_one',
        dynamic: true,
        intensity: 100,
        children: [],
      });
      const ids = Array.from({ length: FAILED_KEPT + 2 }, (_, i) => `p${i}`);
      sup.actor.send({ type: 'supervisor.start_child', spec: probe.spec('keep') });
      for (const id of ids) {
        sup.actor.send({ type: 'supervisor.start_child', spec: probe.spec(id, { restart: 'temporary' }) });
      }
      // The last started fails first: the failure times, not the start order, say which is oldest.
      const realNow = Date.now;
      let now = realNow();
      Date.now = () => (now += 10);
      try {
        for (const id of [...ids].reverse()) probe.crash(id);
      } finally {
        Date.now = realNow;
      }
      const records = sup.state().context.records;
      expect(records.keep?.status).to.equal('running');
      expect(records).to.not.have.property(ids.at(-1)!);
      expect(records).to.not.have.property(ids.at(-2)!);
      expect(sup.state().context.order).to.deep.equal(['keep', ...ids.slice(0, -2)]);
    });

    it('a dynamic supervisor forgets a transient child supervisor that gave up (shutdown is normal for it)', () => {
      const probe = new Probe();
      const log = logRecorder('d');
      const sup = startSupervisor({
        name: 'd',
        strategy: 'one_for_one',
        dynamic: true,
        logger: log.logger,
        children: [],
      });
      const sub = { name: 'p', strategy: 'one_for_one', intensity: 0, children: [probe.spec('y')] };
      sup.actor.send({
        type: 'supervisor.start_child',
        spec: { id: 'p', type: 'supervisor', restart: 'transient', logic: supervisorMachine, input: sub },
      });
      probe.crash('y');
      expect(sup.state().context.records).to.not.have.property('p');
      expect(log.take().filter((l) => l.startsWith('error'))).to.deep.equal([]);
    });

    it('logs a temporary child of a dynamic supervisor that failed for good as an error, and its start as debug', () => {
      const probe = new Probe();
      const log = logRecorder('d');
      const sup = startSupervisor({
        name: 'd',
        strategy: 'one_for_one',
        dynamic: true,
        logger: log.logger,
        children: [],
      });
      sup.actor.send({ type: 'supervisor.start_child', spec: probe.spec('p', { restart: 'temporary' }) });
      expect(log.take()).to.include('debug child p started');
      probe.crash('p');
      expect(log.take()).to.deep.equal([
        'warn p exited (crashed: boom); not restarted',
        'error p failed and will not be restarted: crashed: boom',
      ]);
      expect(statusOf(sup, 'p')).to.equal('failed');
    });
  });
});
