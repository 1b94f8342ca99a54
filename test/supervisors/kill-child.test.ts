import { expect } from 'chai';
import { killChild } from '../../supervisors/kill-child.js';
import type { SupervisorContext } from '../../supervisors/supervisor-state.js';
import { supervisorMachine } from '../../supervisors/supervisor.machine.js';
import { Probe, startSupervisor } from '../support/probe.js';
import { childActor } from './observe.js';

/** root (one_for_one) ├─ a   └─ inner (rest_for_one) ├─ b └─ c */
function nested(probe: Probe) {
  const sup = startSupervisor({
    name: 'root',
    strategy: 'one_for_one',
    children: [
      probe.spec('a'),
      {
        id: 'inner',
        type: 'supervisor',
        logic: supervisorMachine,
        input: { name: 'inner', strategy: 'rest_for_one', children: [probe.spec('b'), probe.spec('c')] },
      },
    ],
  });
  expect(probe.take()).to.deep.equal(['start a', 'start b', 'start c']);
  return sup;
}

describe('killChild (OTP exit(Child, kill))', () => {
  it('crashes the named child: its own supervisor stops and restarts it by its strategy and counts it', () => {
    const probe = new Probe();
    const sup = nested(probe);
    expect(killChild(sup.actor, ['inner', 'b'], 'chaos')).to.deep.equal({ ok: true });
    // rest_for_one: c was started after b, so it goes too; a, beside inner, is untouched.
    expect(probe.take()).to.deep.equal(['cleanup b', 'shutdown c', 'cleanup c', 'start b', 'start c']);
    const inner = childActor(sup, sup.state().context.records.inner!.actorId!)!.getSnapshot() as {
      context: SupervisorContext;
    };
    expect(inner.context.records.b?.restarts).to.equal(1);
    expect(inner.context.records.b?.lastExit?.reason).to.deep.equal({ error: 'chaos' });
    expect(sup.state().context.records.inner?.restarts).to.equal(0);
  });

  it('kills a whole subtree when the path names a supervisor', () => {
    const probe = new Probe();
    const sup = nested(probe);
    expect(killChild(sup.actor, ['inner'], 'chaos')).to.deep.equal({ ok: true });
    expect(probe.take()).to.include.members(['cleanup b', 'cleanup c', 'start b', 'start c']);
    expect(sup.state().context.records.inner?.restarts).to.equal(1);
    expect(sup.state().context.records.a?.restarts).to.equal(0);
  });

  it('names what is wrong with a path instead of killing something else', () => {
    const probe = new Probe();
    const sup = nested(probe);
    expect(killChild(sup.actor, ['inner', 'x'], 'chaos')).to.deep.equal({
      ok: false,
      why: 'no running child inner/x',
    });
    expect(killChild(sup.actor, ['a', 'b'], 'chaos')).to.deep.equal({
      ok: false,
      why: 'a is not a supervisor',
    });
    expect(killChild(sup.actor, [], 'chaos')).to.deep.equal({
      ok: false,
      why: 'an empty path names no child',
    });
    expect(probe.take()).to.deep.equal([]);
  });
});
