import { expect } from 'chai';
import { supervisorMachine } from '../../supervisors/supervisor.machine.js';
import { Probe, startSupervisor } from '../support/probe.js';
import { logRecorder, replies, statusOf } from './observe.js';

/**
 * Issue 26: what a supervisor does with requests that arrive while it is busy (starting, in the
 * middle of a restart, shutting down), and what it logs. Mutation testing found the deferral of
 * each request kind and every log line unchecked.
 */

describe('supervisor: requests while busy, and what it logs', () => {
  it('holds every request that arrives while it starts and answers them once it has started', () => {
    const probe = new Probe();
    probe.behaviour.set('b', { manualReady: true });
    const sup = startSupervisor({
      name: 't',
      strategy: 'one_for_one',
      children: [probe.spec('a'), probe.spec('b')],
    });
    const { results, to } = replies();
    sup.actor.send({ type: 'supervisor.start_child', spec: probe.spec('c'), replyTo: to });
    sup.actor.send({ type: 'supervisor.terminate_child', id: 'a', replyTo: to });
    sup.actor.send({ type: 'supervisor.restart_child', id: 'a', replyTo: to });
    sup.actor.send({ type: 'supervisor.delete_child', id: 'a', replyTo: to });
    expect(results).to.deep.equal([]);
    expect(sup.state().value).to.equal('starting');
    probe.ready('b');
    expect(sup.state().value).to.equal('running');
    expect(results).to.deep.equal([
      { type: 'supervisor.result', op: 'start_child', id: 'c', ok: true },
      { type: 'supervisor.result', op: 'terminate_child', id: 'a', ok: true },
      { type: 'supervisor.result', op: 'restart_child', id: 'a', ok: true },
      { type: 'supervisor.result', op: 'delete_child', id: 'a', ok: false, error: 'running' },
    ]);
    expect(probe.take()).to.deep.equal([
      'start a',
      'start b',
      'start c',
      'shutdown a',
      'cleanup a',
      'start a',
    ]);
  });

  it('holds a child’s crash during the start and restarts it once the start is done', () => {
    const probe = new Probe();
    probe.behaviour.set('b', { manualReady: true });
    const sup = startSupervisor({
      name: 't',
      strategy: 'one_for_one',
      children: [probe.spec('a'), probe.spec('b')],
    });
    probe.crash('a');
    expect(sup.state().context.records.a?.status).to.equal('exited');
    expect(sup.state().context.records.a?.lastExit?.reason).to.deep.equal({ error: 'boom' });
    probe.ready('b');
    expect(probe.take()).to.deep.equal(['start a', 'start b', 'cleanup a', 'start a']);
    expect(sup.state().context.records.a?.status).to.equal('running');
    expect(sup.state().context.records.a?.restarts).to.equal(1);
  });

  it('holds requests that arrive in the middle of a restart and answers them after it', () => {
    const probe = new Probe();
    probe.behaviour.set('b', { ignoreShutdown: true });
    const sup = startSupervisor({
      name: 't',
      strategy: 'one_for_all',
      children: [probe.spec('a'), probe.spec('b', { shutdown: 1000 })],
    });
    probe.take();
    probe.crash('a');
    expect(sup.state().value).to.equal('restarting');
    const { results, to } = replies();
    sup.actor.send({ type: 'supervisor.start_child', spec: probe.spec('c'), replyTo: to });
    sup.actor.send({ type: 'supervisor.terminate_child', id: 'c', replyTo: to });
    sup.actor.send({ type: 'supervisor.delete_child', id: 'c', replyTo: to });
    sup.actor.send({ type: 'supervisor.restart_child', id: 'b', replyTo: to });
    expect(results).to.deep.equal([]);
    sup.clock.increment(1000);
    expect(results).to.deep.equal([
      { type: 'supervisor.result', op: 'start_child', id: 'c', ok: true },
      { type: 'supervisor.result', op: 'terminate_child', id: 'c', ok: true },
      { type: 'supervisor.result', op: 'delete_child', id: 'c', ok: true },
      { type: 'supervisor.result', op: 'restart_child', id: 'b', ok: false, error: 'running' },
    ]);
    expect(sup.state().context.order).to.deep.equal(['a', 'b']);
  });

  it('refuses requests while it shuts down, and those it was holding', () => {
    const probe = new Probe();
    probe.behaviour.set('a', { ignoreShutdown: true });
    probe.behaviour.set('b', { manualReady: true });
    const sup = startSupervisor({
      name: 't',
      strategy: 'one_for_one',
      children: [probe.spec('a', { shutdown: 1000 }), probe.spec('b')],
    });
    const { results, to } = replies();
    sup.actor.send({ type: 'supervisor.start_child', spec: probe.spec('c'), replyTo: to });
    sup.actor.send({ type: 'supervisor.terminate_child', id: 'a', replyTo: to });
    sup.actor.send({ type: 'rosey.shutdown' });
    const down = { ok: false, error: 'supervisor is shutting down' };
    expect(results).to.deep.equal([
      { type: 'supervisor.result', op: 'start_child', id: 'c', ...down },
      { type: 'supervisor.result', op: 'terminate_child', id: 'a', ...down },
    ]);
    results.length = 0;
    // a is still stopping (it ignores the shutdown): the supervisor is terminating.
    sup.actor.send({ type: 'supervisor.start_child', spec: probe.spec('d'), replyTo: to });
    sup.actor.send({ type: 'supervisor.restart_child', id: 'a', replyTo: to });
    sup.actor.send({ type: 'supervisor.terminate_child', id: 'a', replyTo: to });
    sup.actor.send({ type: 'supervisor.terminate_child', id: 'nope', replyTo: to });
    sup.actor.send({ type: 'supervisor.delete_child', id: 'nope', replyTo: to });
    expect(results).to.deep.equal([
      { type: 'supervisor.result', op: 'start_child', id: 'd', ...down },
      { type: 'supervisor.result', op: 'restart_child', id: 'a', ok: false, error: 'running' },
      { type: 'supervisor.result', op: 'terminate_child', id: 'a', ...down },
      { type: 'supervisor.result', op: 'terminate_child', id: 'nope', ok: false, error: 'not found' },
      { type: 'supervisor.result', op: 'delete_child', id: 'nope', ...down },
    ]);
    sup.clock.increment(1000);
    expect(sup.state().value).to.equal('stopped');
  });

  it('refuses held restart_child and delete_child requests too when it shuts down', () => {
    const probe = new Probe();
    probe.behaviour.set('b', { manualReady: true });
    const sup = startSupervisor({
      name: 't',
      strategy: 'one_for_one',
      children: [probe.spec('a'), probe.spec('b')],
    });
    const { results, to } = replies();
    sup.actor.send({ type: 'supervisor.restart_child', id: 'a', replyTo: to });
    sup.actor.send({ type: 'supervisor.delete_child', id: 'a', replyTo: to });
    sup.actor.send({ type: 'rosey.shutdown' });
    const down = { ok: false, error: 'supervisor is shutting down' };
    expect(results).to.deep.equal([
      { type: 'supervisor.result', op: 'restart_child', id: 'a', ...down },
      { type: 'supervisor.result', op: 'delete_child', id: 'a', ...down },
    ]);
  });

  it('a shutdown during the start leaves the children not yet started, and one that died, stopped', () => {
    const probe = new Probe();
    probe.behaviour.set('b', { manualReady: true });
    const sup = startSupervisor({
      name: 't',
      strategy: 'one_for_one',
      children: [probe.spec('a'), probe.spec('b'), probe.spec('c')],
    });
    expect(['a', 'b', 'c'].map((id) => statusOf(sup, id))).to.deep.equal(['running', 'starting', 'pending']);
    probe.crash('a'); // held: the start is not done
    expect(statusOf(sup, 'a')).to.equal('exited');
    sup.actor.send({ type: 'rosey.shutdown' });
    expect(sup.state().value).to.equal('stopped');
    expect(['a', 'b', 'c'].map((id) => statusOf(sup, id))).to.deep.equal(['stopped', 'stopped', 'stopped']);
    expect(probe.take()).to.deep.equal(['start a', 'start b', 'cleanup a', 'shutdown b', 'cleanup b']);
  });

  it('holds a delete_child and a crash that arrive while it waits for another child to stop, then handles both', () => {
    const probe = new Probe();
    probe.behaviour.set('c', { ignoreShutdown: true });
    const sup = startSupervisor({
      name: 't',
      strategy: 'one_for_one',
      intensity: 5,
      children: [probe.spec('a'), probe.spec('c', { shutdown: 1000 })],
    });
    probe.take();
    const { results, to } = replies();
    sup.actor.send({ type: 'supervisor.terminate_child', id: 'c', replyTo: to });
    sup.actor.send({ type: 'supervisor.delete_child', id: 'a', replyTo: to });
    probe.crash('a');
    expect(statusOf(sup, 'a')).to.equal('exited');
    sup.clock.increment(1000); // c is killed
    expect(results).to.deep.equal([
      { type: 'supervisor.result', op: 'terminate_child', id: 'c', ok: true },
      // the crash was not handled yet when the delete was replayed: a waits for its restart
      { type: 'supervisor.result', op: 'delete_child', id: 'a', ok: false, error: 'restarting' },
    ]);
    expect(probe.take()).to.deep.equal(['shutdown c', 'cleanup a', 'cleanup c', 'start a']);
    expect(statusOf(sup, 'a')).to.equal('running');
    expect(sup.state().context.records.a?.restarts).to.equal(1);
  });

  it('forgets a child whose held terminate_child comes before its held crash', () => {
    for (const dynamic of [false, true]) {
      const probe = new Probe();
      probe.behaviour.set('s', { ignoreShutdown: true });
      const sup = startSupervisor({
        name: 't',
        strategy: 'one_for_one',
        dynamic,
        intensity: 5,
        children: [
          probe.spec('p', { restart: dynamic ? 'permanent' : 'temporary' }),
          probe.spec('s', { shutdown: 1000 }),
        ],
      });
      probe.take();
      const { results, to } = replies();
      sup.actor.send({ type: 'supervisor.terminate_child', id: 's' });
      sup.actor.send({ type: 'supervisor.terminate_child', id: 'p', replyTo: to });
      probe.crash('p');
      sup.clock.increment(1000);
      expect(results, `dynamic: ${dynamic}`).to.deep.equal([
        { type: 'supervisor.result', op: 'terminate_child', id: 'p', ok: true },
      ]);
      expect(sup.state().value).to.equal('running');
      expect(sup.state().context.order, `dynamic: ${dynamic}`).to.deep.equal(dynamic ? [] : ['s']);
      expect(probe.take()).to.deep.equal(['shutdown s', 'cleanup p', 'cleanup s']);
    }
  });

  it('answers terminate_child of a child that does not stop once it is killed', () => {
    const probe = new Probe();
    probe.behaviour.set('a', { ignoreShutdown: true });
    const sup = startSupervisor({
      name: 't',
      strategy: 'one_for_one',
      children: [probe.spec('a', { shutdown: 500 })],
    });
    const { results, to } = replies();
    sup.actor.send({ type: 'supervisor.terminate_child', id: 'a', replyTo: to });
    expect(results).to.deep.equal([]);
    sup.clock.increment(500);
    expect(results).to.deep.equal([{ type: 'supervisor.result', op: 'terminate_child', id: 'a', ok: true }]);
    expect(statusOf(sup, 'a')).to.equal('stopped');
  });

  it('answers not found to terminate_child of an unknown child while running', () => {
    const probe = new Probe();
    const sup = startSupervisor({ name: 't', strategy: 'one_for_one', children: [probe.spec('a')] });
    const { results, to } = replies();
    sup.actor.send({ type: 'supervisor.terminate_child', id: 'zz', replyTo: to });
    expect(results).to.deep.equal([
      { type: 'supervisor.result', op: 'terminate_child', id: 'zz', ok: false, error: 'not found' },
    ]);
    expect(sup.state().value).to.equal('running');
  });

  it('logs exits, restarts, kills, failed starts and giving up, each naming its supervisor', () => {
    const probe = new Probe();
    const { logger, take } = logRecorder();
    probe.behaviour.set('c', { ignoreShutdown: true });
    const sup = startSupervisor({
      name: 't',
      strategy: 'one_for_one',
      intensity: 3,
      period: 60,
      logger,
      children: [
        probe.spec('a'),
        probe.spec('b', { restart: 'transient' }),
        probe.spec('c', { shutdown: 500 }),
        probe.spec('d', { backoff: { minMs: 100, maxMs: 100, randomFactor: 0 } }),
      ],
    });
    take();
    probe.exitNormally('b');
    expect(take()).to.deep.equal(['info b exited (normal); not restarted']);
    probe.crash('d');
    expect(take()).to.deep.equal(['warn d exited (crashed: boom)', 'info restarting d in 100 ms']);
    sup.clock.increment(100);
    take();
    probe.behaviour.set('a', { failStart: true });
    probe.crash('a');
    expect(take()).to.deep.equal([
      'warn a exited (crashed: boom)',
      'warn a failed to restart (crashed: a cannot start); trying again',
      'warn a exited (crashed: a cannot start)',
      'error giving up: reached max restart intensity (3 in 60 s); last exit of a: crashed: a cannot start',
    ]);
    sup.clock.increment(500);
    expect(take()).to.deep.equal(['warn c did not stop within 500 ms; killed']);
    expect(sup.state().value).to.equal('failed');
  });

  it('logs the reason it was asked to shut down with', () => {
    for (const [reason, line] of [
      ['bye', 'debug shutting down: bye'],
      [undefined, 'debug shutting down'],
    ] as const) {
      const log = logRecorder();
      const sup = startSupervisor({ name: 't', strategy: 'one_for_one', logger: log.logger, children: [] });
      sup.actor.send({ type: 'rosey.shutdown', ...(reason ? { reason } : {}) });
      expect(log.take()).to.include(line);
    }
  });

  it('logs a child that fails its first start, and giving the start up, as errors', () => {
    const probe = new Probe();
    const log = logRecorder();
    probe.behaviour.set('b', { failStart: true });
    const sup = startSupervisor({
      name: 't',
      strategy: 'one_for_one',
      logger: log.logger,
      children: [probe.spec('a'), probe.spec('b')],
    });
    expect(sup.state().value).to.equal('failed');
    expect(log.take().filter((l) => l.startsWith('error'))).to.deep.equal([
      'error failed to start b: b cannot start',
    ]);
  });

  it('logs a restart_child that could not start the child as an error', () => {
    const probe = new Probe();
    const log = logRecorder();
    const sup = startSupervisor({
      name: 't',
      strategy: 'one_for_one',
      logger: log.logger,
      children: [probe.spec('a')],
    });
    sup.actor.send({ type: 'supervisor.terminate_child', id: 'a' });
    probe.behaviour.set('a', { failStart: true });
    log.take();
    sup.actor.send({ type: 'supervisor.restart_child', id: 'a' });
    expect(log.take().filter((l) => !l.startsWith('debug'))).to.deep.equal([
      'error a failed to start: crashed: a cannot start',
    ]);
  });

  it('logs a child supervisor that gave up as a warning, though it exited shutdown', () => {
    const probe = new Probe();
    const log = logRecorder('root');
    startSupervisor({
      name: 'root',
      strategy: 'one_for_one',
      intensity: 5,
      logger: log.logger,
      children: [
        {
          id: 'sub',
          type: 'supervisor',
          logic: supervisorMachine,
          input: { name: 'sub', strategy: 'one_for_one', intensity: 0, children: [probe.spec('y')] },
        },
      ],
    });
    log.take();
    probe.crash('y');
    const [exited] = log.take().filter((l) => !l.startsWith('debug'));
    expect(exited).to.match(/^warn sub exited \(shutdown \(reached max restart intensity/);
  });

  it('logs a child that fails to start under start_child as an error, and answers why', () => {
    const probe = new Probe();
    const { logger, take } = logRecorder();
    const sup = startSupervisor({ name: 't', strategy: 'one_for_one', logger, children: [] });
    probe.behaviour.set('x', { failStart: true });
    const { results, to } = replies();
    sup.actor.send({ type: 'supervisor.start_child', spec: probe.spec('x'), replyTo: to });
    expect(take()).to.deep.equal(['error x failed to start: crashed: x cannot start']);
    expect(results).to.deep.equal([
      { type: 'supervisor.result', op: 'start_child', id: 'x', ok: false, error: 'crashed: x cannot start' },
    ]);
  });
});
