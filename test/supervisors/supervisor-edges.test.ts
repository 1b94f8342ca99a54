import { expect } from 'chai';
import { sendParent, setup } from 'xstate';
import { backoffDelay, backoffResetAfter } from '../../supervisors/backoff.js';
import { childReady } from '../../supervisors/child-protocol.js';
import { validateChildSpecs, type ChildSpec } from '../../supervisors/child-spec.js';
import { exitFromOutput } from '../../supervisors/exit-reason.js';
import { Probe, startSupervisor } from '../support/probe.js';
import { childActor, replies, scheduled, statusOf } from './observe.js';

/**
 * Issue 26: behaviours of the supervisor that mutation testing found no test for. Each test names
 * the behaviour it locks.
 */

const backoff = { minMs: 1000, maxMs: 1000, randomFactor: 0 };

describe('supervisor: edges no test checked (issue 26)', () => {
  describe('child specs are validated (OTP check_childspecs)', () => {
    const logic = new Probe().logic;
    const refusals: [string, ChildSpec[], RegExp][] = [
      ['a spec without an id', [{ id: '', logic }], /child spec without an id/],
      [
        'two specs with one id',
        [
          { id: 'a', logic },
          { id: 'a', logic },
        ],
        /duplicate child id 'a'/,
      ],
      ['a negative shutdown', [{ id: 'a', logic, shutdown: -1 }], /child 'a': shutdown must be >= 0/],
      ['a shutdown that is not a number', [{ id: 'a', logic, shutdown: NaN }], /shutdown must be >= 0/],
      ['a negative backoff minimum', [{ id: 'a', logic, backoff: { ...backoff, minMs: -1 } }], /backoff/],
      [
        'a backoff maximum below its minimum',
        [{ id: 'a', logic, backoff: { ...backoff, maxMs: 999 } }],
        /backoff/,
      ],
      [
        'a negative jitter',
        [{ id: 'a', logic, backoff: { ...backoff, randomFactor: -0.5 } }],
        /randomFactor/,
      ],
    ];
    for (const [what, specs, message] of refusals) {
      it(`refuses ${what}`, () => {
        expect(() => validateChildSpecs(specs)).to.throw(message);
      });
    }

    it('accepts the edges: shutdown 0, brutal_kill, infinity, minMs = maxMs = 0', () => {
      expect(() =>
        validateChildSpecs([
          { id: 'a', logic, shutdown: 0 },
          { id: 'b', logic, shutdown: 'brutal_kill' },
          { id: 'c', logic, shutdown: 'infinity', backoff: { minMs: 0, maxMs: 0, randomFactor: 0 } },
        ]),
      ).to.not.throw();
    });

    it('a supervisor given invalid children fails to start, starting none of them', () => {
      const probe = new Probe();
      const sup = startSupervisor({
        name: 't',
        strategy: 'one_for_one',
        children: [probe.spec('a'), probe.spec('a')],
      });
      expect(sup.state().status).to.equal('error');
      expect(String(sup.errors[0])).to.match(/duplicate child id 'a'/);
      expect(probe.take()).to.deep.equal([]);
    });

    it('start_child refuses an invalid spec with the reason, and starts nothing', () => {
      const probe = new Probe();
      const sup = startSupervisor({ name: 't', strategy: 'one_for_one', children: [] });
      const { results, to } = replies();
      sup.actor.send({
        type: 'supervisor.start_child',
        spec: probe.spec('a', { shutdown: -5 }),
        replyTo: to,
      });
      expect(results).to.have.length(1);
      expect(results[0]).to.deep.include({ op: 'start_child', id: 'a', ok: false });
      expect(results[0]?.error).to.match(/shutdown must be >= 0/);
      expect(probe.take()).to.deep.equal([]);
    });

    it('a supervisor given no list of children starts with none', () => {
      const sup = startSupervisor({ name: 't', strategy: 'one_for_one' });
      expect(sup.state().value).to.equal('running');
      expect(sup.state().context.order).to.deep.equal([]);
    });

    it('a dynamic supervisor with a strategy other than one_for_one is refused (Elixir DynamicSupervisor)', () => {
      for (const strategy of ['one_for_all', 'rest_for_one'] as const) {
        const sup = startSupervisor({ name: 'd', strategy, dynamic: true, children: [] });
        expect(sup.state().status, strategy).to.equal('error');
        expect(String(sup.errors[0])).to.match(/a dynamic supervisor is one_for_one/);
      }
    });
  });

  describe('timers', () => {
    it('a shutdown calls off the restart timers of children waiting for their backoff', () => {
      const probe = new Probe();
      probe.behaviour.set('slow', { ignoreShutdown: true });
      const sup = startSupervisor({
        name: 't',
        strategy: 'one_for_one',
        children: [probe.spec('a', { backoff }), probe.spec('slow', { shutdown: 10_000 })],
      });
      probe.crash('a');
      expect(scheduled(sup, 'sup.restart_due')).to.have.length(1);
      sup.actor.send({ type: 'rosey.shutdown' });
      // Still stopping `slow`: the supervisor runs, and a's restart timer would still be pending.
      expect(sup.state().value).to.deep.equal({ terminating: 'stopping' });
      expect(scheduled(sup, 'sup.restart_due')).to.deep.equal([]);
    });

    it('giving up calls off the restart timers of children waiting for their backoff', () => {
      const probe = new Probe();
      probe.behaviour.set('slow', { ignoreShutdown: true });
      const sup = startSupervisor({
        name: 't',
        strategy: 'one_for_one',
        intensity: 0,
        children: [probe.spec('a', { backoff }), probe.spec('b'), probe.spec('slow', { shutdown: 10_000 })],
      });
      probe.crash('a');
      expect(scheduled(sup, 'sup.restart_due')).to.have.length(1);
      probe.crash('b');
      expect(sup.state().value).to.deep.equal({ terminating: 'escalating' });
      expect(scheduled(sup, 'sup.restart_due')).to.deep.equal([]);
    });

    it("an 'infinity' child gets no kill timer: it is waited for as long as it takes (OTP)", () => {
      const probe = new Probe();
      probe.behaviour.set('sub', { ignoreShutdown: true });
      const sup = startSupervisor({
        name: 't',
        strategy: 'one_for_one',
        children: [probe.spec('a'), probe.spec('sub', { shutdown: 'infinity' })],
      });
      probe.take();
      sup.actor.send({ type: 'rosey.shutdown' });
      expect(scheduled(sup, 'sup.kill_timeout')).to.deep.equal([]);
      sup.clock.increment(24 * 3600 * 1000);
      expect(probe.take()).to.deep.equal(['shutdown sub']);
      probe.exit('sub', 'shutdown');
      expect(probe.take()).to.deep.equal(['cleanup sub', 'shutdown a', 'cleanup a']);
      expect(sup.state().value).to.equal('stopped');
    });

    it('a worker gets a kill timer of its shutdown time, gone once it has stopped', () => {
      const probe = new Probe();
      probe.behaviour.set('a', { ignoreShutdown: true });
      const sup = startSupervisor({
        name: 't',
        strategy: 'one_for_one',
        children: [probe.spec('a', { shutdown: 700 })],
      });
      sup.actor.send({ type: 'supervisor.terminate_child', id: 'a' });
      expect(scheduled(sup, 'sup.kill_timeout').map((e) => e.delay)).to.deep.equal([700]);
      sup.clock.increment(699);
      expect(statusOf(sup, 'a')).to.equal('stopping');
      sup.clock.increment(1);
      expect(statusOf(sup, 'a')).to.equal('stopped');
      expect(scheduled(sup, 'sup.kill_timeout')).to.deep.equal([]);
    });
  });

  describe('shutdown', () => {
    it('skips children that are already down: only the live ones get rosey.shutdown', () => {
      const probe = new Probe();
      const sup = startSupervisor({
        name: 't',
        strategy: 'one_for_one',
        children: [probe.spec('a'), probe.spec('b', { backoff }), probe.spec('c')],
      });
      probe.crash('b');
      probe.take();
      sup.actor.send({ type: 'rosey.shutdown' });
      expect(probe.take()).to.deep.equal(['shutdown c', 'cleanup c', 'shutdown a', 'cleanup a']);
      expect(statusOf(sup, 'b')).to.equal('stopped');
    });
  });

  describe('restart types under group strategies', () => {
    it('rest_for_one stops a temporary sibling after the dead child and does not restart it (OTP)', () => {
      const probe = new Probe();
      const sup = startSupervisor({
        name: 't',
        strategy: 'rest_for_one',
        children: [
          probe.spec('a'),
          probe.spec('b'),
          probe.spec('t', { restart: 'temporary' }),
          probe.spec('c'),
        ],
      });
      probe.take();
      probe.crash('b');
      expect(probe.take()).to.deep.equal([
        'cleanup b',
        'shutdown c',
        'cleanup c',
        'shutdown t',
        'cleanup t',
        'start b',
        'start c',
      ]);
      expect(sup.state().context.order).to.deep.equal(['a', 'b', 'c']);
    });

    it('one_for_all restarts a transient sibling it stopped, whatever the sibling’s own exit (OTP)', () => {
      const probe = new Probe();
      const sup = startSupervisor({
        name: 't',
        strategy: 'one_for_all',
        children: [probe.spec('a'), probe.spec('tr', { restart: 'transient' })],
      });
      probe.take();
      probe.crash('a');
      expect(probe.take()).to.deep.equal(['cleanup a', 'shutdown tr', 'cleanup tr', 'start a', 'start tr']);
      expect(statusOf(sup, 'tr')).to.equal('running');
    });
  });

  describe('how a finishing actor’s exit is read', () => {
    const finishing = setup({ types: { input: {} as { output: unknown } } }).createMachine({
      entry: sendParent(({ self }) => childReady(self)),
      context: ({ input }) => input,
      on: { finish: '.done' },
      initial: 'idle',
      states: { idle: {}, done: { type: 'final' } },
      output: ({ context }) => context.output,
    });
    const finish = (output: unknown) => {
      const sup = startSupervisor({
        name: 't',
        strategy: 'one_for_one',
        intensity: 5,
        children: [{ id: 'm', logic: finishing, input: { output }, restart: 'transient' }],
      });
      childActor(sup, 'm:1')?.send({ type: 'finish' });
      return sup.state().context.records.m;
    };

    it('an explicit {exit: {error}} is a crash: a transient child is restarted', () => {
      const record = finish({ exit: { error: 'bad state' } });
      expect(record?.status).to.equal('running');
      expect(record?.restarts).to.equal(1);
      expect(record?.lastExit?.reason).to.deep.equal({ error: 'bad state' });
    });

    it('an explicit {exit: {shutdown: why}} or shutdown is a normal exit: a transient child stays down', () => {
      for (const exit of [{ shutdown: 'done' }, 'shutdown'] as const) {
        const record = finish({ exit });
        expect(record?.status).to.equal('stopped');
        expect(record?.lastExit?.reason).to.deep.equal(exit);
      }
    });

    it('reads any other output as normal', () => {
      for (const output of [
        undefined,
        null,
        42,
        { exit: 'nonsense' },
        { exit: { other: 1 } },
        { result: 1 },
      ]) {
        expect(exitFromOutput(output), JSON.stringify(output)).to.equal('normal');
      }
      expect(exitFromOutput({ exit: 'normal' })).to.equal('normal');
    });
  });

  describe('backoff', () => {
    it('resets after the child stayed up exactly resetAfterMs, not a millisecond before', () => {
      const probe = new Probe();
      const options = { minMs: 100, maxMs: 10_000, randomFactor: 0, resetAfterMs: 2000 };
      const sup = startSupervisor({
        name: 't',
        strategy: 'one_for_one',
        intensity: 100,
        period: 1,
        children: [probe.spec('a', { backoff: options })],
      });
      const crashAfter = (upMs: number) => {
        sup.clock.increment(upMs);
        probe.take();
        probe.crash('a');
        const delay = scheduled(sup, 'sup.restart_due')[0]?.delay;
        sup.clock.increment(delay ?? 0);
        return delay;
      };
      expect(crashAfter(0)).to.equal(100);
      expect(crashAfter(0)).to.equal(200);
      expect(crashAfter(1999)).to.equal(400); // up 1999 ms: still unhealthy
      expect(crashAfter(2000)).to.equal(100); // up 2000 ms: healthy again
    });

    it('resetAfterMs defaults to minMs (Akka)', () => {
      expect(backoffResetAfter({ minMs: 300, maxMs: 1000, randomFactor: 0 })).to.equal(300);
      expect(backoffResetAfter({ minMs: 300, maxMs: 1000, randomFactor: 0, resetAfterMs: 50 })).to.equal(50);
    });

    it('caps the exponential part at maxMs before the jitter, so the delay stays within maxMs·(1 + randomFactor)', () => {
      const options = { minMs: 100, maxMs: 1000, randomFactor: 0.5 };
      expect(backoffDelay(0, options, () => 0)).to.equal(100);
      expect(backoffDelay(3, options, () => 0)).to.equal(800);
      expect(backoffDelay(4, options, () => 0)).to.equal(1000);
      expect(backoffDelay(4, options, () => 0.999999)).to.equal(1500);
      expect(backoffDelay(29, options, () => 0.5)).to.equal(1250);
      expect(backoffDelay(30, options, () => 0.5)).to.equal(1250);
      expect(backoffDelay(1000, options, () => 0)).to.equal(1000);
    });
  });
});
