import { expect } from 'chai';
import type { ChildSpec } from '../../supervisors/child-spec.js';
import { supervisorMachine, type SupervisorInput } from '../../supervisors/supervisor.machine.js';
import { Probe, startSupervisor } from '../support/probe.js';
import { childActor, liveChildren, statusOf } from './observe.js';

/**
 * A dynamic supervisor with `concurrentStart` (the plugins supervisor) starts its initial children
 * at once, instead of OTP's one after another: issue 16 measured the one-after-another start of the
 * plugin processes as most of `rosey dev`'s start time.
 */
describe('dynamic supervisor: concurrent start of the initial children', () => {
  const plugins = (children: ChildSpec[], extra: Partial<SupervisorInput> = {}) =>
    startSupervisor({
      name: 'plugins',
      strategy: 'one_for_one',
      dynamic: true,
      concurrentStart: true,
      children,
      ...extra,
    });

  it('runs with no initial children', () => {
    const sup = plugins([]);
    expect(sup.state().value).to.equal('running');
  });

  it('starts every initial child before any of them is ready', () => {
    const probe = new Probe();
    for (const n of ['a', 'b', 'c']) probe.behaviour.set(n, { manualReady: true });
    const sup = plugins(['a', 'b', 'c'].map((n) => probe.spec(n)));
    expect(probe.take()).to.deep.equal(['start a', 'start b', 'start c']);
    expect(sup.state().value).to.equal('starting');
    probe.ready('b');
    expect(sup.state().value).to.equal('starting');
    probe.ready('a');
    probe.ready('c');
    expect(sup.state().value).to.equal('running');
    expect(['a', 'b', 'c'].map((n) => statusOf(sup, n))).to.deep.equal(['running', 'running', 'running']);
  });

  it('reports ready to its parent once the last child is ready, whatever order they are ready in', () => {
    const probe = new Probe();
    for (const n of ['a', 'b', 'c']) probe.behaviour.set(n, { manualReady: true });
    const root = startSupervisor({
      name: 'root',
      strategy: 'one_for_one',
      children: [
        {
          id: 'plugins',
          type: 'supervisor',
          logic: supervisorMachine,
          input: {
            name: 'plugins',
            strategy: 'one_for_one',
            dynamic: true,
            concurrentStart: true,
            children: ['a', 'b', 'c'].map((n) => probe.spec(n)),
          } satisfies SupervisorInput,
        },
        probe.spec('after'),
      ],
    });
    expect(probe.take()).to.deep.equal(['start a', 'start b', 'start c']);
    probe.ready('c');
    probe.ready('a');
    // The next sibling of the plugins supervisor starts only once it has reported ready.
    expect(probe.take()).to.deep.equal([]);
    expect(root.state().value).to.equal('starting');
    probe.ready('b');
    expect(probe.take()).to.deep.equal(['start after']);
    expect(root.state().value).to.equal('running');
    const inner = childActor(root, 'plugins:1');
    // Status lists the children in spec order, not in the order they became ready.
    expect(inner?.getSnapshot().context.order).to.deep.equal(['a', 'b', 'c']);
  });

  it('a child that fails to start is reported as failed; the others start and the supervisor runs', () => {
    const probe = new Probe();
    probe.behaviour.set('a', { manualReady: true });
    probe.behaviour.set('b', { failStart: true });
    probe.behaviour.set('c', { manualReady: true });
    const sup = plugins(['a', 'b', 'c'].map((n) => probe.spec(n, { restart: 'temporary' })));
    expect(probe.take()).to.deep.equal(['start a', 'start b', 'start c', 'cleanup b']);
    expect(statusOf(sup, 'b')).to.equal('failed');
    expect(sup.state().value).to.equal('starting');
    probe.ready('c');
    probe.ready('a');
    expect(sup.state().value).to.equal('running');
    expect(['a', 'b', 'c'].map((n) => statusOf(sup, n))).to.deep.equal(['running', 'failed', 'running']);
    expect(probe.take()).to.deep.equal([]);
    // A failed initial start is reported, not restarted, and counts no restart.
    expect(sup.state().context.restartLog).to.deep.equal([]);
  });

  it('a child that never reports ready fails after its own start timeout, without holding the others', () => {
    const probe = new Probe();
    probe.behaviour.set('slow', { manualReady: true });
    const sup = plugins([probe.spec('a'), probe.spec('slow', { startTimeoutMs: 1000 }), probe.spec('c')]);
    expect(probe.take()).to.deep.equal(['start a', 'start slow', 'start c']);
    expect(['a', 'c'].map((n) => statusOf(sup, n))).to.deep.equal(['running', 'running']);
    sup.clock.increment(999);
    expect(sup.state().value).to.equal('starting');
    sup.clock.increment(1);
    expect(probe.take()).to.deep.equal(['cleanup slow']);
    expect(statusOf(sup, 'slow')).to.equal('failed');
    expect(sup.state().value).to.equal('running');
  });

  it('a shutdown during the start stops every child it started, at once, and leaves nothing behind', () => {
    const probe = new Probe();
    probe.behaviour.set('b', { manualReady: true });
    probe.behaviour.set('c', { manualReady: true, ignoreShutdown: true });
    const sup = plugins([
      probe.spec('a', { startTimeoutMs: 500 }),
      probe.spec('b', { startTimeoutMs: 500 }),
      probe.spec('c', { startTimeoutMs: 500, shutdown: 1000 }),
    ]);
    expect(probe.take()).to.deep.equal(['start a', 'start b', 'start c']);
    sup.actor.send({ type: 'rosey.shutdown' });
    expect(probe.take()).to.deep.equal(['shutdown c', 'shutdown b', 'shutdown a', 'cleanup b', 'cleanup a']);
    expect(sup.state().value).to.deep.equal({ terminating: 'stopping' });
    // A late ready from a child being stopped starts nothing again.
    probe.ready('c');
    sup.clock.increment(500);
    // Its start timer was called off: only the kill timer ends it.
    expect(probe.take()).to.deep.equal([]);
    sup.clock.increment(500);
    expect(probe.take()).to.deep.equal(['cleanup c']);
    expect(sup.state().value).to.equal('stopped');
    expect(sup.state().output).to.deep.equal({ exit: 'shutdown' });
    expect(liveChildren(sup)).to.deep.equal([]);
    sup.clock.increment(60_000);
    expect(probe.take()).to.deep.equal([]);
    expect(sup.errors).to.deep.equal([]);
  });

  it('a child that crashes while an earlier sibling still starts is restarted once the start is over, counted once', () => {
    const probe = new Probe();
    probe.behaviour.set('a', { manualReady: true });
    const sup = plugins([probe.spec('a'), probe.spec('b')], { intensity: 1 });
    expect(probe.take()).to.deep.equal(['start a', 'start b']);
    probe.crash('b');
    expect(probe.take()).to.deep.equal(['cleanup b']);
    expect(sup.state().value).to.equal('starting');
    expect(sup.state().context.restartLog).to.deep.equal([]);
    probe.ready('a');
    expect(probe.take()).to.deep.equal(['start b']);
    expect(sup.state().value).to.equal('running');
    expect(sup.state().context.records['b']?.restarts).to.equal(1);
    expect(sup.state().context.restartLog).to.have.length(1);
  });

  it('is refused on a static supervisor, whose children start left to right (OTP)', () => {
    const probe = new Probe();
    const sup = startSupervisor({
      name: 't',
      strategy: 'one_for_one',
      concurrentStart: true,
      children: [probe.spec('a')],
    });
    expect(sup.errors).to.have.length(1);
    expect(String(sup.errors[0])).to.match(/only a dynamic supervisor starts its children concurrently/);
    expect(probe.take()).to.deep.equal([]);
  });
});
