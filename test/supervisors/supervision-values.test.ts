import { expect } from 'chai';
import { backoffDelay } from '../../supervisors/backoff.js';
import { childExit, childInfo, childReady } from '../../supervisors/child-protocol.js';
import { resolveChildSpec } from '../../supervisors/child-spec.js';
import {
  describeExit,
  exitFromError,
  exitFromOutput,
  exitText,
  ExitSignal,
  failureFromOutput,
} from '../../supervisors/exit-reason.js';
import { restartGroup } from '../../supervisors/restart-group.js';
import { supervisorMachine } from '../../supervisors/supervisor.machine.js';
import { Probe } from '../support/probe.js';

/**
 * Issue 26: the small pure parts of supervision (exit reasons, spec defaults, the child protocol's
 * events, backoff's cap, restart groups), each checked on its own where mutation testing found a
 * change no supervisor test noticed.
 */
describe('supervision values', () => {
  describe('exit reasons', () => {
    it('describes each kind of exit for logs and status', () => {
      expect(describeExit('normal')).to.equal('normal');
      expect(describeExit('shutdown')).to.equal('shutdown');
      expect(describeExit({ shutdown: 'bye' })).to.equal('shutdown: bye');
      expect(describeExit({ error: 'boom' })).to.equal('crashed: boom');
    });

    it('exitText is the reason alone', () => {
      expect(exitText('normal')).to.equal('normal');
      expect(exitText({ shutdown: 'bye' })).to.equal('bye');
      expect(exitText({ error: 'boom' })).to.equal('boom');
    });

    it('an ExitSignal carries its reason through exitFromError, with a readable message', () => {
      const signal = new ExitSignal({ shutdown: 'done' });
      expect(signal.name).to.equal('ExitSignal');
      expect(signal.message).to.equal('shutdown: done');
      expect(exitFromError(signal)).to.deep.equal({ shutdown: 'done' });
      expect(exitFromError(new ExitSignal('normal'))).to.equal('normal');
    });

    it('maps whatever was thrown to a crash: an Error with its stack, a string, a value, a cycle', () => {
      const error = new Error('bad');
      expect(exitFromError(error)).to.deep.equal({ error: 'bad', stack: error.stack });
      expect(exitFromError('plain')).to.deep.equal({ error: 'plain' });
      expect(exitFromError({ code: 7 })).to.deep.equal({ error: '{"code":7}' });
      const cycle: { self?: unknown } = {};
      cycle.self = cycle;
      expect(exitFromError(cycle)).to.deep.equal({ error: '[object Object]' });
    });

    it('reads {exit: reason} from a finished actor’s output and takes anything else as normal', () => {
      expect(exitFromOutput({ exit: 'shutdown' })).to.equal('shutdown');
      expect(exitFromOutput({ exit: 'normal' })).to.equal('normal');
      expect(exitFromOutput({ exit: { shutdown: 'x' } })).to.deep.equal({ shutdown: 'x' });
      expect(exitFromOutput({ exit: { error: 'x' } })).to.deep.equal({ error: 'x' });
      expect(exitFromOutput({ exit: 42 })).to.equal('normal');
      expect(exitFromOutput({ exit: 'weird' })).to.equal('normal');
      expect(exitFromOutput({ exit: { other: 1 } })).to.equal('normal');
      expect(exitFromOutput({ exit: null })).to.equal('normal');
      expect(exitFromOutput(null)).to.equal('normal');
      expect(exitFromOutput('done')).to.equal('normal');
      expect(exitFromOutput(undefined)).to.equal('normal');
    });

    it('reads a supervisor’s account of giving up from its output only when it is text', () => {
      expect(failureFromOutput({ exit: 'shutdown', failure: 'why' })).to.equal('why');
      expect(failureFromOutput({ failure: 5 })).to.equal(undefined);
      expect(failureFromOutput({ exit: 'shutdown' })).to.equal(undefined);
      expect(failureFromOutput(null)).to.equal(undefined);
      expect(failureFromOutput('text')).to.equal(undefined);
    });
  });

  describe('child specs', () => {
    it('resolves OTP’s defaults for a worker: permanent, 5000 ms shutdown, 30 s start, ready on event', () => {
      const logic = new Probe().logic;
      expect(resolveChildSpec({ id: 'w', logic })).to.deep.equal({
        id: 'w',
        logic,
        type: 'worker',
        restart: 'permanent',
        shutdown: 5000,
        startTimeoutMs: 30_000,
        readyOn: 'event',
      });
    });

    it('resolves a supervisor child’s defaults: infinity to stop and to start', () => {
      const spec = resolveChildSpec({ id: 's', logic: supervisorMachine, type: 'supervisor' });
      expect(spec.shutdown).to.equal('infinity');
      expect(spec.startTimeoutMs).to.equal('infinity');
      expect(spec.type).to.equal('supervisor');
    });

    it('keeps what the spec says over the defaults', () => {
      const logic = new Probe().logic;
      const spec = resolveChildSpec({
        id: 'w',
        logic,
        type: 'supervisor',
        restart: 'temporary',
        shutdown: 10,
        startTimeoutMs: 20,
        readyOn: 'spawn',
      });
      expect(spec).to.include({ restart: 'temporary', shutdown: 10, startTimeoutMs: 20, readyOn: 'spawn' });
    });
  });

  describe('the child protocol', () => {
    it('builds ready, info and exit events carrying the child’s actor id', () => {
      const self = { id: 'a:1' };
      expect(childReady(self)).to.deep.equal({ type: 'rosey.child.ready', id: 'a:1' });
      expect(childReady(self, { pid: 1 })).to.deep.equal({
        type: 'rosey.child.ready',
        id: 'a:1',
        info: { pid: 1 },
      });
      expect(childInfo(self, { port: 2 })).to.deep.equal({
        type: 'rosey.child.info',
        id: 'a:1',
        info: { port: 2 },
      });
      expect(childExit(self, { error: 'x' })).to.deep.equal({
        type: 'rosey.child.exit',
        id: 'a:1',
        reason: { error: 'x' },
      });
    });
  });

  describe('backoff', () => {
    const options = { minMs: 0, maxMs: 1000, randomFactor: 0 };

    it('waits maxMs from the 30th attempt on, without overflowing 2^attempt', () => {
      expect(backoffDelay(29, options)).to.equal(0);
      expect(backoffDelay(30, options)).to.equal(1000);
      expect(backoffDelay(2000, options)).to.equal(1000);
    });
  });

  describe('restart groups', () => {
    it('refuses a child it does not know', () => {
      expect(() => restartGroup('one_for_one', ['a'], 'b', () => false)).to.throw("unknown child 'b'");
    });

    it('never stops the failed child as a sibling, and restarts it even when it is temporary', () => {
      const temporary = (id: string) => id !== 'c';
      expect(restartGroup('one_for_all', ['a', 'b', 'c'], 'b', temporary)).to.deep.equal({
        stop: ['c', 'a'],
        start: ['b', 'c'],
      });
      expect(restartGroup('rest_for_one', ['a', 'b', 'c'], 'a', () => false)).to.deep.equal({
        stop: ['c', 'b'],
        start: ['a', 'b', 'c'],
      });
      expect(restartGroup('one_for_one', ['a', 'b'], 'b', () => true)).to.deep.equal({
        stop: [],
        start: ['b'],
      });
    });
  });
});
