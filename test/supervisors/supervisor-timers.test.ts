import { expect } from 'chai';
import { Probe, startSupervisor } from '../support/probe.js';
import { scheduled, statusOf } from './observe.js';

/**
 * Issue 26: a supervisor leaves no timer of a child behind once it is of no use (mutation testing
 * found every cancel unchecked). A stale timer is harmless to the decision (its guard finds the
 * incarnation gone) but keeps the actor system busy; these lock that none is left.
 */
describe('supervisor timers', () => {
  it('cancels a child’s start timer once it reports ready', () => {
    const probe = new Probe();
    probe.behaviour.set('b', { manualReady: true });
    const sup = startSupervisor({
      name: 't',
      strategy: 'one_for_one',
      children: [probe.spec('a'), probe.spec('b')],
    });
    expect(scheduled(sup, 'sup.start_timeout').map((e) => e.delay)).to.deep.equal([30_000]);
    probe.ready('b');
    expect(scheduled(sup, 'sup.start_timeout')).to.deep.equal([]);
  });

  it('arms no start timer for a child ready on spawn or with an infinite start timeout', () => {
    const probe = new Probe();
    probe.behaviour.set('b', { manualReady: true });
    const sup = startSupervisor({
      name: 't',
      strategy: 'one_for_one',
      children: [probe.spec('a', { readyOn: 'spawn' }), probe.spec('b', { startTimeoutMs: 'infinity' })],
    });
    expect(scheduled(sup, 'sup.start_timeout')).to.deep.equal([]);
  });

  it('cancels the start timer of a child stopped while it starts', () => {
    const probe = new Probe();
    probe.behaviour.set('a', { manualReady: true });
    const sup = startSupervisor({ name: 't', strategy: 'one_for_one', children: [probe.spec('a')] });
    sup.actor.send({ type: 'rosey.shutdown' });
    expect(scheduled(sup, 'sup.start_timeout')).to.deep.equal([]);
    expect(sup.state().value).to.equal('stopped');
  });

  it('cancels the kill timer of a child that stops in time, and of one that crashes while stopping', () => {
    const probe = new Probe();
    probe.behaviour.set('b', { ignoreShutdown: true });
    const sup = startSupervisor({
      name: 't',
      strategy: 'one_for_one',
      children: [probe.spec('a', { shutdown: 700 }), probe.spec('b', { shutdown: 900 })],
    });
    sup.actor.send({ type: 'supervisor.terminate_child', id: 'a' });
    expect(scheduled(sup, 'sup.kill_timeout')).to.deep.equal([]);
    sup.actor.send({ type: 'supervisor.terminate_child', id: 'b' });
    expect(scheduled(sup, 'sup.kill_timeout').map((e) => e.delay)).to.deep.equal([900]);
    probe.crash('b');
    expect(scheduled(sup, 'sup.kill_timeout')).to.deep.equal([]);
    expect(sup.state().context.records.b?.status).to.equal('stopped');
  });

  it('cancels the start timer of a child asked to stop while it starts, before it has stopped', () => {
    const probe = new Probe();
    probe.behaviour.set('a', { manualReady: true, ignoreShutdown: true });
    const sup = startSupervisor({
      name: 't',
      strategy: 'one_for_one',
      children: [probe.spec('a', { shutdown: 5000 })],
    });
    sup.actor.send({ type: 'rosey.shutdown' });
    expect(statusOf(sup, 'a')).to.equal('stopping');
    expect(scheduled(sup, 'sup.start_timeout')).to.deep.equal([]);
  });

  it('cancels the start timer of a child that exits before it is ready', () => {
    const probe = new Probe();
    const sup = startSupervisor({ name: 'd', strategy: 'one_for_one', dynamic: true, children: [] });
    probe.behaviour.set('x', { manualReady: true });
    sup.actor.send({ type: 'supervisor.start_child', spec: probe.spec('x') });
    expect(scheduled(sup, 'sup.start_timeout')).to.have.length(1);
    probe.crash('x');
    expect(scheduled(sup, 'sup.start_timeout')).to.deep.equal([]);
  });

  it('cancels the start timer of a restart attempt that exits before it is ready', () => {
    const probe = new Probe();
    const sup = startSupervisor({
      name: 't',
      strategy: 'one_for_one',
      intensity: 5,
      children: [probe.spec('a', { backoff: { minMs: 1000, maxMs: 1000, randomFactor: 0 } })],
    });
    probe.behaviour.set('a', { manualReady: true });
    probe.crash('a');
    sup.clock.increment(1000);
    expect(statusOf(sup, 'a')).to.equal('starting');
    probe.crash('a'); // a:2 dies before it is ready: a waits for its next backoff
    expect(statusOf(sup, 'a')).to.equal('restarting');
    expect(scheduled(sup, 'sup.start_timeout')).to.deep.equal([]);
  });

  it('keeps one start timer per starting child: each times out on its own', () => {
    const probe = new Probe();
    for (const n of ['a', 'b']) probe.behaviour.set(n, { manualReady: true });
    const sup = startSupervisor({
      name: 'p',
      strategy: 'one_for_one',
      dynamic: true,
      concurrentStart: true,
      children: ['a', 'b'].map((n) => probe.spec(n, { startTimeoutMs: 500 })),
    });
    expect(scheduled(sup, 'sup.start_timeout')).to.have.length(2);
    probe.ready('b');
    sup.clock.increment(500);
    expect(statusOf(sup, 'a')).to.equal('failed');
    expect(sup.state().context.records.a?.lastExit?.reason).to.deep.equal({
      error: 'not ready within 500 ms',
    });
    expect(statusOf(sup, 'b')).to.equal('running');
  });

  it('keeps one restart timer per child waiting for its backoff: each restarts on time', () => {
    const probe = new Probe();
    const sup = startSupervisor({
      name: 't',
      strategy: 'one_for_one',
      intensity: 5,
      children: [
        probe.spec('a', { backoff: { minMs: 1000, maxMs: 1000, randomFactor: 0 } }),
        probe.spec('b', { backoff: { minMs: 2000, maxMs: 2000, randomFactor: 0 } }),
      ],
    });
    probe.take();
    probe.crash('a');
    probe.crash('b');
    expect(scheduled(sup, 'sup.restart_due')).to.have.length(2);
    sup.clock.increment(1000);
    expect(probe.take()).to.deep.equal(['cleanup a', 'cleanup b', 'start a']);
    sup.clock.increment(1000);
    expect(probe.take()).to.deep.equal(['start b']);
  });

  it('terminate_child of a child waiting for its backoff calls its restart timer off', () => {
    for (const dynamic of [false, true]) {
      const probe = new Probe();
      const sup = startSupervisor({
        name: 't',
        strategy: 'one_for_one',
        dynamic,
        children: [probe.spec('a', { backoff: { minMs: 1000, maxMs: 1000, randomFactor: 0 } })],
      });
      probe.crash('a');
      expect(scheduled(sup, 'sup.restart_due')).to.have.length(1);
      sup.actor.send({ type: 'supervisor.terminate_child', id: 'a' });
      expect(scheduled(sup, 'sup.restart_due'), `dynamic: ${dynamic}`).to.deep.equal([]);
      // A dynamic supervisor forgets the child; a static one keeps its spec.
      expect(statusOf(sup, 'a')).to.equal(dynamic ? undefined : 'stopped');
    }
  });
});
