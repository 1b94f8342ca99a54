import { expect } from 'chai';
import { Probe, startSupervisor } from '../support/probe.js';
import { scheduled } from './observe.js';

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
});
