import { expect } from 'chai';
import { assign, fromCallback, sendParent, setup } from 'xstate';
import { childExit, childInfo, childReady } from '../../supervisors/child-protocol.js';
import { Probe, startSupervisor } from '../support/probe.js';
import { childActor, replies, statusOf } from './observe.js';

/**
 * Issue 26: events that name a child the supervisor no longer has, or an earlier incarnation of
 * one: a late exit, a timer that fired after it was called off, a notice from an actor it never
 * started. Mutation testing found the guards that keep them from touching the current children
 * unchecked. They arrive as any event does (from a child, a stale timer, or anyone holding the ref).
 */

/** A child's ref as the notices name it: childExit, childReady and childInfo read only its id. */
const ref = (id: string) => ({ id });

describe('supervisor: stray and late events', () => {
  it('ignores an exit, ready or info notice from an actor it does not supervise', () => {
    const probe = new Probe();
    const sup = startSupervisor({ name: 't', strategy: 'one_for_one', children: [probe.spec('a')] });
    probe.take();
    sup.actor.send(childExit(ref('ghost:1'), { error: 'who?' }));
    sup.actor.send(childReady(ref('ghost:1')));
    sup.actor.send(childInfo(ref('ghost:1'), { pid: 1 }));
    expect(sup.state().status).to.equal('active');
    expect(sup.state().value).to.equal('running');
    expect(probe.take()).to.deep.equal([]);
    expect(sup.state().context.order).to.deep.equal(['a']);
  });

  it('ignores a second exit notice of an incarnation whose exit it has handled', () => {
    const probe = new Probe();
    const backoff = { minMs: 1000, maxMs: 1000, randomFactor: 0 };
    const sup = startSupervisor({
      name: 't',
      strategy: 'one_for_one',
      intensity: 1,
      children: [probe.spec('a', { backoff })],
    });
    probe.take();
    probe.crash('a');
    // a:1 is gone and a waits for its restart; its exit reported once more must not count again.
    sup.actor.send(childExit(ref('a:1'), { error: 'again' }));
    expect(sup.state().value).to.equal('running');
    sup.clock.increment(1000);
    expect(probe.take()).to.deep.equal(['cleanup a', 'start a']);
    expect(statusOf(sup, 'a')).to.equal('running');
    expect(sup.state().context.records.a?.restarts).to.equal(1);
    expect(sup.state().context.records.a?.lastExit?.reason).to.deep.equal({ error: 'boom' });
  });

  it('ignores timers of an incarnation that is no longer starting or stopping', () => {
    const probe = new Probe();
    const sup = startSupervisor({ name: 't', strategy: 'one_for_one', children: [probe.spec('a')] });
    probe.take();
    // As if a's start and kill timers had fired after they were called off.
    sup.actor.send({ type: 'sup.start_timeout', actorId: 'a:1' });
    sup.actor.send({ type: 'sup.kill_timeout', actorId: 'a:1' });
    sup.actor.send({ type: 'sup.start_timeout', actorId: 'ghost:1' });
    sup.actor.send({ type: 'sup.kill_timeout', actorId: 'ghost:1' });
    expect(sup.state().status).to.equal('active');
    expect(probe.take()).to.deep.equal([]);
    expect(statusOf(sup, 'a')).to.equal('running');
  });

  it('ignores a restart that falls due for a child with no pending restart', () => {
    const probe = new Probe();
    const sup = startSupervisor({ name: 't', strategy: 'one_for_one', children: [probe.spec('a')] });
    probe.take();
    sup.actor.send({ type: 'sup.restart_due', id: 'a' });
    expect(sup.state().value).to.equal('running');
    expect(probe.take()).to.deep.equal([]);
    expect(sup.state().context.records.a?.restarts).to.equal(0);
    expect(sup.state().context.restartLog).to.deep.equal([]);
  });

  it('a child started again under an earlier id gets a new incarnation: a late exit of the old one does not touch it', () => {
    const probe = new Probe();
    const sup = startSupervisor({ name: 'd', strategy: 'one_for_one', dynamic: true, children: [] });
    const { results, to } = replies();
    sup.actor.send({ type: 'supervisor.start_child', spec: probe.spec('p', { restart: 'temporary' }) });
    probe.crash('p');
    expect(statusOf(sup, 'p')).to.equal('failed');
    sup.actor.send({
      type: 'supervisor.start_child',
      spec: probe.spec('p', { restart: 'temporary' }),
      replyTo: to,
    });
    expect(results).to.deep.equal([{ type: 'supervisor.result', op: 'start_child', id: 'p', ok: true }]);
    expect(sup.state().context.order).to.deep.equal(['p']);
    expect(sup.state().context.records.p?.actorId).to.equal('p:2');
    sup.actor.send(childExit(ref('p:1'), { error: 'late' }));
    expect(statusOf(sup, 'p')).to.equal('running');
  });

  it('a crash held back during a group restart is not handled again once the restarted child runs', () => {
    const probe = new Probe();
    probe.behaviour.set('c', { ignoreShutdown: true });
    const sup = startSupervisor({
      name: 't',
      strategy: 'one_for_all',
      intensity: 5,
      children: [probe.spec('a'), probe.spec('b'), probe.spec('c', { shutdown: 1000 })],
    });
    probe.take();
    probe.crash('a'); // one_for_all: c (slow) is stopped first, then b
    probe.crash('b'); // b dies while c is being stopped: held until the restart is done
    sup.clock.increment(1000);
    expect(probe.take()).to.deep.equal([
      'cleanup a',
      'shutdown c',
      'cleanup b',
      'cleanup c',
      'start a',
      'start b',
      'start c',
    ]);
    // b's held crash belongs to b:1; b:2 is the one running now.
    expect(sup.state().value).to.equal('running');
    expect(sup.state().context.records.b?.actorId).to.equal('b:2');
    expect(sup.state().context.restartLog).to.have.length(1);
    expect(['a', 'b', 'c'].map((id) => sup.state().context.records[id]?.restarts)).to.deep.equal([1, 1, 1]);
  });

  it('stops what a child that threw had started itself before starting it again', () => {
    const probe = new Probe();
    const withHelper = setup({
      types: { context: {} as { tries: number } },
      actors: { helper: probe.logic },
    }).createMachine({
      context: { tries: 0 },
      entry: sendParent(({ self }) => childReady(self)),
      invoke: { src: 'helper', input: { name: 'helper', probe } },
      on: {
        fail: {
          actions: [
            assign({ tries: ({ context }) => context.tries + 1 }),
            () => {
              throw new Error('machine threw');
            },
          ],
        },
      },
    });
    const sup = startSupervisor({
      name: 't',
      strategy: 'one_for_one',
      children: [{ id: 'm', logic: withHelper }],
    });
    expect(probe.take()).to.deep.equal(['start helper']);
    childActor(sup, 'm:1')?.send({ type: 'fail' });
    expect(probe.take()).to.deep.equal(['cleanup helper', 'start helper']);
    expect(sup.state().context.records.m?.lastExit?.reason).to.deep.include({ error: 'machine threw' });
  });

  it('a callback child that reports its exit is stopped, so its cleanup runs', () => {
    const cleaned: string[] = [];
    const reportsExit = fromCallback(({ sendBack, self }) => {
      sendBack(childReady(self));
      sendBack(childExit(self, 'normal'));
      return () => cleaned.push('cleanup');
    });
    const sup = startSupervisor({
      name: 't',
      strategy: 'one_for_one',
      children: [{ id: 'x', logic: reportsExit, restart: 'transient' }],
    });
    expect(cleaned).to.deep.equal(['cleanup']);
    expect(statusOf(sup, 'x')).to.equal('stopped');
  });
});
