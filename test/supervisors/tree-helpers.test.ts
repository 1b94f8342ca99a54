import { expect } from 'chai';
import { createActor, fromCallback, setup, type AnyActorRef } from 'xstate';
import { childInfo, childReady } from '../../supervisors/child-protocol.js';
import { findChild } from '../../supervisors/child-ref.js';
import { describeTree, findNode, type TreeNode } from '../../supervisors/describe-tree.js';
import { killChild } from '../../supervisors/kill-child.js';
import { requestRestart } from '../../supervisors/restart-child.js';
import { runTree, startTree, StoppedDuringStart } from '../../supervisors/run-tree.js';
import { supervisorMachine } from '../../supervisors/supervisor.machine.js';
import { Probe, startSupervisor } from '../support/probe.js';
import { childActor, replies } from './observe.js';

/**
 * Issue 26: the helpers that read or drive a running tree from outside (`rosey status`, `rosey
 * restart`, the chaos suite) had no test of their own in test/supervisors/; mutation testing left
 * every line of them unchecked here.
 */

/** A worker machine with nested states, started at once, so status shows `up.idle`. */
const nestedWorker = setup({}).createMachine({
  initial: 'up',
  states: { up: { initial: 'idle', states: { idle: {} } } },
});

/** A worker machine in two parallel regions with no inner states: status shows `left,right`. */
const parallelWorker = setup({}).createMachine({
  type: 'parallel',
  states: { left: {}, right: {} },
});

/** A callback worker that reports facts with its ready event and once more after it. */
const withInfo = fromCallback(({ sendBack, self }) => {
  sendBack(childReady(self, { pid: 42 }));
  sendBack(childInfo(self, { port: 4222 }));
});

/** root (one_for_one) ├─ a (probe) ├─ info ├─ nested ├─ parallel └─ inner (dynamic) └─ b (probe) */
function tree(probe: Probe) {
  return startSupervisor({
    name: 'root',
    strategy: 'one_for_one',
    intensity: 10,
    children: [
      probe.spec('a'),
      { id: 'info', logic: withInfo },
      { id: 'nested', logic: nestedWorker, readyOn: 'spawn' },
      { id: 'parallel', logic: parallelWorker, readyOn: 'spawn' },
      {
        id: 'inner',
        type: 'supervisor',
        logic: supervisorMachine,
        input: { name: 'inner', strategy: 'one_for_one', dynamic: true, children: [probe.spec('b')] },
      },
    ],
  });
}

describe('supervision tree helpers', () => {
  describe('describeTree (rosey status)', () => {
    it('describes every child: kind, status, restarts, uptime, facts, state and nested supervisors', () => {
      const probe = new Probe();
      const sup = tree(probe);
      const records = sup.state().context.records;
      const now = records.a!.startedAt! + 1234;
      const root = describeTree(sup.actor, 'top', now);
      expect(root).to.include({ id: 'top', kind: 'supervisor', status: 'running', restarts: 0 });
      expect(root.state).to.equal('running');
      expect(root.strategy).to.equal('one_for_one');
      const ids = root.children!.map((c) => c.id);
      expect(ids).to.deep.equal(['a', 'info', 'nested', 'parallel', 'inner']);
      const a = findNode(root, 'a')!;
      expect(a).to.deep.equal({
        id: 'a',
        kind: 'worker',
        status: 'running',
        restarts: 0,
        uptimeMs: 1234,
        state: undefined,
      });
      expect(findNode(root, 'info')!.info).to.deep.equal({ pid: 42, port: 4222 });
      expect(findNode(root, 'nested')!.state).to.equal('up.idle');
      expect(findNode(root, 'parallel')!.state).to.equal('left,right');
      const inner = findNode(root, 'inner')!;
      expect(inner).to.include({ kind: 'supervisor', status: 'running', strategy: 'dynamic one_for_one' });
      expect(inner.state).to.equal('running');
      expect(inner.uptimeMs).to.equal(now - records.inner!.startedAt!);
      expect(inner.children!.map((c) => [c.id, c.kind, c.status])).to.deep.equal([
        ['b', 'worker', 'running'],
      ]);
    });

    it('shows a restarted child with its restarts and last exit, a stopped one without uptime or state', () => {
      const probe = new Probe();
      const sup = tree(probe);
      probe.crash('a', 'oops');
      // The machine does not answer rosey.shutdown: it is killed after its 5 s.
      sup.actor.send({ type: 'supervisor.terminate_child', id: 'nested' });
      sup.clock.increment(5000);
      const root = describeTree(sup.actor);
      expect(root.id).to.equal('rosey');
      const a = findNode(root, 'a')!;
      expect(a.restarts).to.equal(1);
      expect(a.lastExit).to.equal('crashed: oops');
      const nested = findNode(root, 'nested')!;
      expect(nested.status).to.equal('stopped');
      expect(nested).to.not.have.property('uptimeMs');
      expect(nested).to.not.have.property('state');
      expect(nested.lastExit).to.equal('shutdown: killed');
    });

    it('shows the state of children still starting or stopping, and an uptime only once a child was ready', () => {
      const booting = setup({}).createMachine({ initial: 'booting', states: { booting: {} } });
      const starting = startSupervisor({
        name: 'root',
        strategy: 'one_for_one',
        children: [{ id: 'b', logic: booting }],
      });
      const b = findNode(describeTree(starting.actor, 'root', Date.now()), 'b')!;
      expect(b).to.include({ status: 'starting', state: 'booting' });
      expect(b).to.not.have.property('uptimeMs');
      const stopping = startSupervisor({
        name: 'root',
        strategy: 'one_for_one',
        children: [{ id: 'n', logic: nestedWorker, readyOn: 'spawn', shutdown: 1000 }],
      });
      stopping.actor.send({ type: 'supervisor.terminate_child', id: 'n' }); // a machine: it does not answer
      const n = findNode(describeTree(stopping.actor, 'root', Date.now()), 'n')!;
      expect(n).to.include({ status: 'stopping', state: 'up.idle' });
      expect(n.uptimeMs).to.be.a('number');
    });

    it('shows the state of the workers of a nested supervisor', () => {
      const sup = startSupervisor({
        name: 'root',
        strategy: 'one_for_one',
        children: [
          {
            id: 'inner',
            type: 'supervisor',
            logic: supervisorMachine,
            input: {
              name: 'inner',
              strategy: 'one_for_one',
              children: [{ id: 'n', logic: nestedWorker, readyOn: 'spawn' }],
            },
          },
        ],
      });
      expect(findNode(describeTree(sup.actor), 'n')?.state).to.equal('up.idle');
    });

    it('refuses a root that is not a supervisor', () => {
      const worker = createActor(nestedWorker).start();
      expect(() => describeTree(worker)).to.throw('root actor is not a supervisor');
    });

    it('findNode finds a node at any depth, and nothing for an unknown id', () => {
      const node: TreeNode = {
        id: 'r',
        kind: 'supervisor',
        status: 'running',
        restarts: 0,
        children: [
          { id: 'x', kind: 'worker', status: 'running', restarts: 0 },
          {
            id: 'y',
            kind: 'supervisor',
            status: 'running',
            restarts: 0,
            children: [{ id: 'z', kind: 'worker', status: 'running', restarts: 2 }],
          },
        ],
      };
      expect(findNode(node, 'z')?.restarts).to.equal(2);
      expect(findNode(node, 'r')).to.equal(node);
      expect(findNode(node, 'nope')).to.equal(undefined);
    });
  });

  describe('findChild', () => {
    it('follows a path of ids through nested supervisors to a record and its live actor', () => {
      const probe = new Probe();
      const sup = tree(probe);
      const b = findChild(sup.actor, ['inner', 'b']);
      expect(b?.record.spec.id).to.equal('b');
      expect(b?.record.status).to.equal('running');
      expect(b?.ref?.id).to.equal(b?.record.actorId);
      expect(findChild(sup.actor, ['inner'])?.record.spec.type).to.equal('supervisor');
    });

    it('finds nothing for an unknown id, a path through a worker, or an inherited property name', () => {
      const probe = new Probe();
      const sup = tree(probe);
      expect(findChild(sup.actor, ['nope'])).to.equal(undefined);
      expect(findChild(sup.actor, ['inner', 'nope'])).to.equal(undefined);
      expect(findChild(sup.actor, ['a', 'b'])).to.equal(undefined);
      expect(findChild(sup.actor, ['constructor'])).to.equal(undefined);
      expect(findChild(sup.actor, [])).to.equal(undefined);
    });

    it('gives a stopped child its record but no actor', () => {
      const probe = new Probe();
      const sup = tree(probe);
      sup.actor.send({ type: 'supervisor.terminate_child', id: 'a' });
      const a = findChild(sup.actor, ['a']);
      expect(a?.record.status).to.equal('stopped');
      expect(a?.ref).to.equal(undefined);
    });
  });

  describe('requestRestart (OTP restart_child by path)', () => {
    it('asks the child’s own supervisor, which answers the requester once the child is up again', () => {
      const probe = new Probe();
      const sup = startSupervisor({
        name: 'root',
        strategy: 'one_for_one',
        children: [
          {
            id: 'inner',
            type: 'supervisor',
            logic: supervisorMachine,
            input: { name: 'inner', strategy: 'one_for_one', children: [probe.spec('b')] },
          },
          probe.spec('a'),
        ],
      });
      const inner = findChild(sup.actor, ['inner'])!.ref!;
      inner.send({ type: 'supervisor.terminate_child', id: 'b' });
      sup.actor.send({ type: 'supervisor.terminate_child', id: 'a' });
      probe.take();
      const { results, to } = replies();
      expect(requestRestart(sup.actor, ['inner', 'b'], to)).to.deep.equal({ ok: true });
      expect(requestRestart(sup.actor, ['a'], to)).to.deep.equal({ ok: true });
      expect(probe.take()).to.deep.equal(['start b', 'start a']);
      expect(results).to.deep.equal([
        { type: 'supervisor.result', op: 'restart_child', id: 'b', ok: true },
        { type: 'supervisor.result', op: 'restart_child', id: 'a', ok: true },
      ]);
    });

    it('says why not when the path names no supervisor to ask', () => {
      const probe = new Probe();
      const sup = tree(probe);
      const { results, to } = replies();
      expect(requestRestart(sup.actor, [], to)).to.deep.equal({
        ok: false,
        why: 'an empty path names no child',
      });
      expect(requestRestart(sup.actor, ['nope', 'x'], to)).to.deep.equal({
        ok: false,
        why: 'no running supervisor nope',
      });
      expect(requestRestart(sup.actor, ['a', 'x'], to)).to.deep.equal({
        ok: false,
        why: 'a is not a supervisor',
      });
      expect(requestRestart(sup.actor, ['inner', 'b', 'x'], to)).to.deep.equal({
        ok: false,
        why: 'inner/b is not a supervisor',
      });
      const worker = createActor(nestedWorker).start();
      expect(requestRestart(worker, ['x'], to)).to.deep.equal({ ok: false, why: ' is not a supervisor' });
      expect(results).to.deep.equal([]);
    });
  });

  describe('killChild', () => {
    it('names the path as far as it goes when a child on it is missing, not running or not a supervisor', () => {
      const probe = new Probe();
      const sup = tree(probe);
      sup.actor.send({ type: 'supervisor.terminate_child', id: 'a' });
      expect(killChild(sup.actor, ['a'], 'x')).to.deep.equal({ ok: false, why: 'no running child a' });
      expect(killChild(sup.actor, ['inner', 'nope', 'c'], 'x')).to.deep.equal({
        ok: false,
        why: 'no running child inner/nope',
      });
      expect(killChild(sup.actor, ['info', 'x', 'y'], 'x')).to.deep.equal({
        ok: false,
        why: 'info is not a supervisor',
      });
      const worker = createActor(nestedWorker).start();
      expect(killChild(worker, ['x'], 'x')).to.deep.equal({ ok: false, why: ' is not a supervisor' });
    });

    it('names the whole path up to a nested child that is a worker or is not running', () => {
      const probe = new Probe();
      probe.behaviour.set('b', { ignoreShutdown: true });
      const sup = tree(probe);
      expect(killChild(sup.actor, ['inner', 'b', 'x'], 'x')).to.deep.equal({
        ok: false,
        why: 'inner/b is not a supervisor',
      });
      const inner = childActor(sup, sup.state().context.records.inner!.actorId!)!;
      inner.send({ type: 'supervisor.terminate_child', id: 'b' });
      expect(killChild(sup.actor, ['inner', 'b', 'x'], 'x')).to.deep.equal({
        ok: false,
        why: 'inner/b is stopping',
      });
    });

    it('refuses a child that is not running (here: stopping) and names its status', () => {
      const probe = new Probe();
      probe.behaviour.set('a', { ignoreShutdown: true });
      const sup = startSupervisor({
        name: 'root',
        strategy: 'one_for_one',
        children: [probe.spec('a'), probe.spec('b')],
      });
      sup.actor.send({ type: 'supervisor.terminate_child', id: 'a' });
      expect(killChild(sup.actor, ['a'], 'x')).to.deep.equal({ ok: false, why: 'a is stopping' });
    });
  });

  describe('startTree / runTree', () => {
    it('resolves ready once every child has started; shutdown stops the tree and settles finished', async () => {
      const probe = new Probe();
      const tree = await runTree({ name: 'root', strategy: 'one_for_one', children: [probe.spec('a')] });
      expect(tree.actor.getSnapshot().value).to.equal('running');
      expect(tree.actor.system.get('root')).to.equal(tree.actor);
      expect(await tree.shutdown('bye')).to.deep.equal({ exit: 'shutdown' });
      expect(await tree.finished).to.deep.equal({ exit: 'shutdown' });
      expect(probe.take()).to.deep.equal(['start a', 'shutdown a', 'cleanup a']);
    });

    it('rejects ready with the supervisor’s one-line reason when a child fails to start', async () => {
      const probe = new Probe();
      probe.behaviour.set('b', { failStart: true });
      const tree = startTree({
        name: 'root',
        strategy: 'one_for_one',
        children: [probe.spec('a'), probe.spec('b')],
      });
      const error = await tree.ready.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).to.be.instanceOf(Error);
      expect((error as Error).message).to.equal('failed to start b: b cannot start');
      expect((await tree.finished).exit).to.deep.equal({ shutdown: 'failed to start b: b cannot start' });
    });

    it('rejects ready with StoppedDuringStart when a shutdown comes before the start is done', async () => {
      const probe = new Probe();
      probe.behaviour.set('a', { manualReady: true });
      const tree = startTree({ name: 'root', strategy: 'one_for_one', children: [probe.spec('a')] });
      const finished = tree.shutdown();
      const error = await tree.ready.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).to.be.instanceOf(StoppedDuringStart);
      expect((error as Error).message).to.equal('stopped while starting');
      expect((error as Error).name).to.equal('StoppedDuringStart');
      expect(await finished).to.deep.equal({ exit: 'shutdown' });
    });

    it('rejects ready and settles finished with the error when the supervisor itself fails', async () => {
      const logic = new Probe().logic;
      const tree = startTree({
        name: 'root',
        strategy: 'one_for_one',
        children: [
          { id: 'a', logic },
          { id: 'a', logic },
        ],
      });
      const error = await tree.ready.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).to.be.instanceOf(Error);
      expect((error as Error).message).to.equal("duplicate child id 'a'");
      expect(await tree.finished).to.deep.equal({ exit: { error: "Error: duplicate child id 'a'" } });
    });

    it('keeps ready resolved when the tree later stops', async () => {
      const probe = new Probe();
      const tree = startTree({ name: 'root', strategy: 'one_for_one', children: [probe.spec('a')] });
      await tree.ready;
      await tree.shutdown();
      await tree.ready;
      const refs = tree.actor.getSnapshot().children as Record<string, AnyActorRef | undefined>;
      expect(Object.values(refs).filter(Boolean)).to.deep.equal([]);
    });
  });
});
