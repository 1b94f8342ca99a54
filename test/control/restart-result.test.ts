import { expect } from 'chai';
import { restartResult } from '../../actors/control/restart-request.actor.js';
import { REFUSAL, type ChildResultEvent } from '../../supervisors/supervisor-state.js';

const refused = (error?: string): ChildResultEvent => ({
  type: 'supervisor.result',
  op: 'restart_child',
  id: 'x',
  ok: false,
  error,
});

/**
 * Each refusal of restart_child becomes its own error code and one line naming the child and its
 * supervisor (the CLI prints the message as it is).
 */
describe('control: the answer to a restart, from the supervisor’s result', () => {
  it('a started child is named by the path asked, not by its id', () => {
    expect(restartResult('data/storage', { ...refused(), ok: true })).to.deep.equal({
      ok: true,
      data: { restarted: 'data/storage' },
    });
  });

  it('names the supervisor of a nested child by its path, and the root when there is none', () => {
    expect(restartResult('data/storage', refused(REFUSAL.shuttingDown))).to.deep.equal({
      ok: false,
      error: { code: 'SHUTTING_DOWN', message: 'data is shutting down' },
    });
    expect(restartResult('a/b/c', refused(REFUSAL.shuttingDown))).to.deep.equal({
      ok: false,
      error: { code: 'SHUTTING_DOWN', message: 'a/b is shutting down' },
    });
    expect(restartResult('job', refused(REFUSAL.shuttingDown))).to.deep.equal({
      ok: false,
      error: { code: 'SHUTTING_DOWN', message: 'the root is shutting down' },
    });
  });

  it('each refusal has its own code', () => {
    const codes = [REFUSAL.notFound, REFUSAL.running, REFUSAL.restarting, REFUSAL.dynamic].map((error) => {
      const r = restartResult('data/storage', refused(error));
      return !r.ok && r.error;
    });
    expect(codes).to.deep.equal([
      { code: 'NOT_FOUND', message: 'no child data/storage' },
      { code: 'CONFLICT', message: 'data/storage is running: restart starts a child that was stopped' },
      { code: 'BUSY', message: 'data/storage is being restarted by its supervisor' },
      { code: 'NOT_SUPPORTED', message: 'data is a dynamic supervisor: its children are started anew' },
    ]);
  });

  it('points to plugin reload only for a child of the plugins supervisor', () => {
    const r = restartResult('plugins/quotes', refused(REFUSAL.dynamic));
    expect(!r.ok && r.error.message).to.equal(
      'plugins is a dynamic supervisor: its children are started anew; `rosey plugin reload quotes` starts a failed plugin again',
    );
  });

  it('a start that failed says why, or that no reason was given', () => {
    expect(restartResult('job', refused('crashed: boom'))).to.deep.equal({
      ok: false,
      error: { code: 'INTERNAL', message: 'job failed to start: crashed: boom' },
    });
    expect(restartResult('job', refused())).to.deep.equal({
      ok: false,
      error: { code: 'INTERNAL', message: 'job failed to start: no reason given' },
    });
  });
});
