import { expect } from 'chai';
import { createActor } from 'xstate';
import { memoryReleaseActor } from '../../actors/memory-release/memory-release.actor.js';
import { captureLogger } from '../support/capture-logger.js';
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
    expect(sup.state().context.records['memory-release']?.lastExit?.reason).to.equal('shutdown');
    expect(log.lines.filter((line) => line.includes('did not stop'))).to.deep.equal([]);
    expect(sup.errors).to.deep.equal([]);
  });

  it('logs each collection at debug, and a failed one as a warning', async () => {
    const logger = captureLogger();
    const rss = { bytes: 100 * 1024 * 1024 };
    let fail = false;
    const actor = createActor(memoryReleaseActor, {
      input: {
        logger,
        everyMs: 100,
        growthBytes: 4 * 1024 * 1024,
        rss: () => rss.bytes,
        collect: () => {
          if (fail) throw new Error('no gc here');
          rss.bytes -= 3 * 1024 * 1024;
        },
      },
    }).start();
    try {
      rss.bytes += 10 * 1024 * 1024;
      await new Promise((resolve) => setTimeout(resolve, 350));
      fail = true;
      rss.bytes += 10 * 1024 * 1024;
      await new Promise((resolve) => setTimeout(resolve, 350));
    } finally {
      actor.stop();
    }
    // Stopped, it looks no more: growth after the stop is not collected.
    fail = false;
    rss.bytes += 10 * 1024 * 1024;
    await new Promise((resolve) => setTimeout(resolve, 350));
    expect(
      logger.lines.map(({ level, msg }) => `${level} ${msg.replace(/\(\d+ ms\)/, '(… ms)')}`),
    ).to.deep.equal([
      'debug quiet after a busy spell: collected, RSS 110.0 → 107.0 MB (… ms)',
      'warn memory is no longer given back when quiet: no gc here',
    ]);
  });
});
