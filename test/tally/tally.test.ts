import { expect } from 'chai';
import { Tally, type TallyEvent } from '../../actors/tally/tally.js';

const line: TallyEvent = { type: 'chat.line', platform: 'console' };

describe('tally: what a process tells its listeners', () => {
  it('tells every attached listener, in its own turn, until each detaches', () => {
    const tally = new Tally();
    const a: TallyEvent[] = [];
    const b: TallyEvent[] = [];
    const detachA = tally.attach((e) => a.push(e));
    tally.attach((e) => b.push(e));
    tally.emit(line);
    expect(a).to.deep.equal([line]);
    expect(b).to.deep.equal([line]);
    detachA();
    detachA(); // twice is harmless
    tally.emit(line);
    expect(a).to.have.length(1);
    expect(b).to.have.length(2);
    expect(tally.attached).to.equal(1);
  });

  it('with nobody listening, an emit does nothing', () => {
    expect(() => new Tally().emit(line)).not.to.throw();
  });

  it('one function attached twice is two listeners, each detached alone', () => {
    const tally = new Tally();
    let count = 0;
    const handler = () => (count += 1);
    const first = tally.attach(handler);
    tally.attach(handler);
    tally.emit(line);
    expect(count).to.equal(2);
    first();
    tally.emit(line);
    expect(count).to.equal(3);
  });

  it('a listener attached while an emit runs hears the next event, not this one', async () => {
    const tally = new Tally();
    const late: TallyEvent[] = [];
    // What a restarted metrics actor did: attach from inside the failure of the one before.
    tally.attach(
      () => {
        throw new Error('count broke');
      },
      () => tally.attach((e) => late.push(e)),
    );
    tally.emit(line);
    await Promise.resolve();
    expect(late).to.deep.equal([]);
    tally.emit(line);
    expect(late).to.deep.equal([line]);
  });

  it('a listener that throws is detached and told after the emit; the emitter and the others go on', async () => {
    const tally = new Tally();
    const failures: unknown[] = [];
    const heard: TallyEvent[] = [];
    tally.attach(
      () => {
        throw new Error('count broke');
      },
      (error) => failures.push(error),
    );
    tally.attach((e) => heard.push(e));
    expect(() => tally.emit(line)).not.to.throw();
    expect(failures, 'not within the emit').to.have.length(0);
    expect(() => tally.emit(line)).not.to.throw();
    await Promise.resolve();
    expect(failures).to.have.length(1);
    expect((failures[0] as Error).message).to.equal('count broke');
    expect(heard).to.have.length(2);
    expect(tally.attached).to.equal(1);
  });
});
