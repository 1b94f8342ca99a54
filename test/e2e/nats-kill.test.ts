import { expect } from 'chai';
import { natsKill } from '../../bench/chaos/nats-kill.js';

// Issue 15, defect 6: after a kill -9 of the embedded nats-server, 52 of 120 console lines were never
// answered and the user was told nothing (the bus waited 5 s to drain a dead connection; the
// console's publishes went nowhere meanwhile).
describe('a nats-server killed under a steady stream of console commands', function () {
  this.timeout(90_000);

  it('answers or refuses, in so many words, every line; none is silently lost, and answers again', async () => {
    const figures = await natsKill({ lines: 40, intervalMs: 50, killAfter: 10, settleMs: 30_000 });
    expect(figures.lost, JSON.stringify(figures)).to.equal(0);
    expect(figures.answered + figures.refused).to.be.at.least(figures.sent);
    // Lines sent after the kill are answered again (not merely refused).
    expect(figures.recoveryMs, JSON.stringify(figures)).to.be.a('number');
    expect(figures.warnings.filter((w) => w.includes('did not stop'))).to.deep.equal([]);
  });
});
