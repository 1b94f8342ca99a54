import { expect } from 'chai';
import { createActor } from 'xstate';
import { describeTree, findNode } from '../../supervisors/describe-tree.js';
import { supervisorMachine } from '../../supervisors/supervisor.machine.js';
import { Probe, startSupervisor } from '../support/probe.js';
import { replies, scheduled, statusOf } from './observe.js';

/**
 * Issue 26: restarts that fail or come late (after a backoff, after a start that never reported
 * ready) and when the supervisor gives up on them; mutation testing found these paths unchecked.
 */

const backoff = { minMs: 1000, maxMs: 1000, randomFactor: 0 };

describe('supervisor: failed and delayed restarts', () => {
  it('counts a backoff restart when it falls due, and gives up there if it exceeds the intensity', () => {
    const probe = new Probe();
    const sup = startSupervisor({
      name: 't',
      strategy: 'one_for_one',
      intensity: 1,
      period: 60,
      children: [probe.spec('a', { backoff }), probe.spec('b')],
    });
    probe.take();
    probe.crash('a');
    sup.clock.increment(1000); // restart 1: within the intensity
    expect(statusOf(sup, 'a')).to.equal('running');
    probe.crash('a');
    expect(sup.state().value).to.equal('running'); // not counted yet: it waits for its backoff
    expect(probe.take()).to.deep.equal(['cleanup a', 'start a', 'cleanup a']);
    sup.clock.increment(1000); // restart 2 falls due: 2 in 60 s exceeds 1
    expect(sup.state().value).to.equal('failed');
    expect(probe.take()).to.deep.equal(['shutdown b', 'cleanup b']);
    expect(sup.state().context.restartLog).to.have.length(2);
    expect(sup.state().output).to.deep.equal({
      exit: 'shutdown',
      failure: 'reached max restart intensity (1 in 60 s); last exit of a: crashed: boom',
    });
  });

  it('gives up on a backoff child whose restarts keep failing, counting each attempt once', () => {
    const probe = new Probe();
    const sup = startSupervisor({
      name: 't',
      strategy: 'one_for_one',
      intensity: 2,
      period: 60,
      children: [probe.spec('a', { backoff })],
    });
    probe.take();
    probe.behaviour.set('a', { failStart: true });
    probe.crash('a');
    sup.clock.increment(1000); // attempt 1 (counted: 1) fails
    expect(sup.state().value).to.equal('running');
    expect(sup.state().context.restartLog).to.have.length(1);
    sup.clock.increment(1000); // attempt 2 (counted: 2) fails
    expect(sup.state().value).to.equal('running');
    expect(sup.state().context.restartLog).to.have.length(2);
    sup.clock.increment(1000); // attempt 3 would be the third in 60 s
    expect(sup.state().value).to.equal('failed');
    expect(probe.take()).to.deep.equal(['cleanup a', 'start a', 'cleanup a', 'start a', 'cleanup a']);
  });

  it('records the restart that exceeded the intensity before giving up (OTP add_restart)', () => {
    const probe = new Probe();
    const sup = startSupervisor({
      name: 't',
      strategy: 'one_for_one',
      intensity: 1,
      children: [probe.spec('a')],
    });
    probe.crash('a');
    probe.crash('a');
    expect(sup.state().value).to.equal('failed');
    expect(sup.state().context.restartLog).to.deep.equal([0, 0]);
  });

  it('keeps the exit of a restart attempt that failed as the child’s last exit', () => {
    const probe = new Probe();
    const sup = startSupervisor({
      name: 't',
      strategy: 'one_for_one',
      intensity: 5,
      children: [probe.spec('a', { backoff })],
    });
    probe.behaviour.set('a', { startExit: { error: 'no port' }, startExitTimes: 1 });
    probe.crash('a');
    sup.clock.increment(1000); // the attempt fails: a waits for its next backoff
    expect(statusOf(sup, 'a')).to.equal('restarting');
    expect(sup.state().context.records.a?.lastExit?.reason).to.deep.equal({ error: 'no port' });
    sup.clock.increment(1000);
    expect(statusOf(sup, 'a')).to.equal('running');
  });

  it('backs off exponentially from a child whose restarts fail before it is ready: it was not healthy again', () => {
    // The bug: the health time was read from the last incarnation that was ready, so every failed
    // attempt after the first delay counted as "healthy long enough" and reset the backoff to minMs.
    const probe = new Probe();
    const options = { minMs: 100, maxMs: 10_000, randomFactor: 0 };
    const sup = startSupervisor({
      name: 't',
      strategy: 'one_for_one',
      intensity: 100,
      period: 1,
      children: [probe.spec('a', { backoff: options })],
    });
    probe.behaviour.set('a', { failStart: true });
    probe.crash('a');
    const delays: (number | undefined)[] = [];
    for (let attempt = 0; attempt < 4; attempt++) {
      const delay = scheduled(sup, 'sup.restart_due')[0]?.delay;
      delays.push(delay);
      sup.clock.increment(delay ?? 0);
    }
    expect(delays).to.deep.equal([100, 200, 400, 800]);
  });

  it('shows no uptime for a child that is starting again, only once it is ready', () => {
    const probe = new Probe();
    const sup = startSupervisor({
      name: 't',
      strategy: 'one_for_one',
      intensity: 5,
      children: [probe.spec('a')],
    });
    probe.behaviour.set('a', { manualReady: true });
    probe.crash('a');
    expect(statusOf(sup, 'a')).to.equal('starting');
    expect(findNode(describeTree(sup.actor), 'a')).to.not.have.property('uptimeMs');
    probe.ready('a');
    expect(findNode(describeTree(sup.actor), 'a')?.uptimeMs).to.be.a('number');
  });

  it('a dynamic supervisor tries a failed restart again (it is a restart, not a start_child)', () => {
    const probe = new Probe();
    const sup = startSupervisor({
      name: 'd',
      strategy: 'one_for_one',
      dynamic: true,
      intensity: 5,
      children: [],
    });
    sup.actor.send({ type: 'supervisor.start_child', spec: probe.spec('p') });
    probe.take();
    probe.behaviour.set('p', { startExit: { error: 'once' }, startExitTimes: 1 });
    probe.crash('p');
    expect(probe.take()).to.deep.equal(['cleanup p', 'start p', 'cleanup p', 'start p']);
    expect(statusOf(sup, 'p')).to.equal('running');
    expect(sup.state().context.records.p?.restarts).to.equal(2);
  });

  it('a child that does not report ready within its start timeout is killed and restarted with that reason', () => {
    const probe = new Probe();
    probe.behaviour.set('a', { manualReady: true });
    const sup = startSupervisor({
      name: 't',
      strategy: 'one_for_one',
      intensity: 5,
      children: [probe.spec('b'), probe.spec('a', { startTimeoutMs: 700 })],
    });
    probe.ready('a');
    probe.take();
    probe.crash('a');
    expect(statusOf(sup, 'a')).to.equal('starting');
    sup.clock.increment(700);
    expect(sup.state().context.records.a?.lastExit?.reason).to.deep.equal({
      error: 'not ready within 700 ms',
    });
    expect(probe.take()).to.deep.equal(['cleanup a', 'start a', 'cleanup a', 'start a']);
  });

  it('a dynamic supervisor keeps why an initial child failed to start', () => {
    const probe = new Probe();
    probe.behaviour.set('x', { failStart: true });
    const sup = startSupervisor({
      name: 'd',
      strategy: 'one_for_one',
      dynamic: true,
      children: [probe.spec('x'), probe.spec('y')],
    });
    expect(statusOf(sup, 'x')).to.equal('failed');
    expect(sup.state().context.records.x?.lastExit?.reason).to.deep.equal({ error: 'x cannot start' });
  });

  it('max_children counts neither failed nor stopped children (Elixir DynamicSupervisor)', () => {
    const probe = new Probe();
    const dyn = startSupervisor({
      name: 'd',
      strategy: 'one_for_one',
      dynamic: true,
      maxChildren: 1,
      children: [],
    });
    const { results, to } = replies();
    dyn.actor.send({ type: 'supervisor.start_child', spec: probe.spec('p', { restart: 'temporary' }) });
    probe.crash('p');
    expect(statusOf(dyn, 'p')).to.equal('failed');
    dyn.actor.send({ type: 'supervisor.start_child', spec: probe.spec('q'), replyTo: to });
    dyn.actor.send({ type: 'supervisor.start_child', spec: probe.spec('r'), replyTo: to });

    const stat = startSupervisor({
      name: 's',
      strategy: 'one_for_one',
      maxChildren: 2,
      children: [probe.spec('a'), probe.spec('b', { restart: 'transient' })],
    });
    probe.exitNormally('b');
    expect(statusOf(stat, 'b')).to.equal('stopped');
    stat.actor.send({ type: 'supervisor.start_child', spec: probe.spec('c'), replyTo: to });
    expect(results).to.deep.equal([
      { type: 'supervisor.result', op: 'start_child', id: 'q', ok: true },
      { type: 'supervisor.result', op: 'start_child', id: 'r', ok: false, error: 'max_children reached' },
      { type: 'supervisor.result', op: 'start_child', id: 'c', ok: true },
    ]);
  });

  it('counts restarts on the monotonic clock when given none', () => {
    const probe = new Probe();
    const actor = createActor(supervisorMachine, {
      input: { name: 't', strategy: 'one_for_one', root: true, intensity: 1, children: [probe.spec('a')] },
    });
    actor.start();
    probe.crash('a');
    expect(actor.getSnapshot().value).to.equal('running');
    probe.crash('a'); // two restarts within 5 s of performance.now()
    expect(actor.getSnapshot().value).to.equal('failed');
  });
});
