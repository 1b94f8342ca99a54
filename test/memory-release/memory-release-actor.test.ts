import { expect } from 'chai';
import { memoryReleaseActor } from '../../actors/memory-release/memory-release.actor.js';
import { startSupervisor } from '../support/probe.js';
import { logRecorder } from '../supervisors/observe.js';

/**
 * The actor under `services` that gives main's memory back once Rosey is quiet
 * (contract/idle-memory.ts, tested in test/contract/idle-memory.test.ts). Its first version did
 * not answer the supervisor's shutdown: every stop of Rosey waited 5 s for it and logged
 * "memory-release did not stop within 5000 ms; killed" (the docs test caught the line).
 */
describe('memory-release actor', () => {
  it('exits at once when its supervisor shuts down, without waiting for the kill timeout', () => {
    const log = logRecorder();
    const sup = startSupervisor({
      name: 't',
      strategy: 'one_for_one',
      logger: log.logger,
      children: [
        { id: 'memory-release', logic: memoryReleaseActor, readyOn: 'spawn', input: { logger: log.logger } },
      ],
    });
    expect(sup.state().context.records['memory-release']?.status).to.equal('running');
    sup.actor.send({ type: 'rosey.shutdown' });
    // The simulated clock has not moved: only the child's own exit can have ended the shutdown.
    expect(sup.state().status).to.equal('done');
    expect(log.lines.filter((line) => line.includes('did not stop'))).to.deep.equal([]);
    expect(sup.errors).to.deep.equal([]);
  });
});
