import { expect } from 'chai';
import { createActor, setup, type AnyActorRef } from 'xstate';
import {
  restartRequestActor,
  type RestartAnswerEvent,
  type RestartRequestInput,
} from '../../actors/control/restart-request.actor.js';
import { startTree, type RunningTree } from '../../supervisors/run-tree.js';
import { eventually } from '../support/nats.js';
import { Probe } from '../support/probe.js';

/** One restart request on its own, under a parent that keeps every answer it is sent. */
function request(input: Omit<RestartRequestInput, 'replyId'>) {
  const answers: RestartAnswerEvent[] = [];
  const parent = createActor(
    setup({
      types: { events: {} as RestartAnswerEvent },
      actors: { restartRequest: restartRequestActor },
    }).createMachine({
      invoke: { src: 'restartRequest', input: { ...input, replyId: 'r1' } },
      on: { 'control.restart.answer': { actions: ({ event }) => answers.push(event) } },
    }),
  );
  parent.start();
  return { parent, answers };
}

/** Resolves after every timer already set for at most `ms` has fired (timers fire in expiry order). */
const pastTimers = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('control: one restart request', () => {
  const probe = new Probe();
  let tree: RunningTree;
  let root: AnyActorRef;
  before(async () => {
    tree = startTree({
      name: 'rosey',
      strategy: 'one_for_one',
      intensity: 10,
      children: [probe.spec('job')],
    });
    await tree.ready;
    root = tree.actor;
  });
  after(async () => {
    await tree?.shutdown();
  });

  it('answers once: a timeout after the supervisor’s answer says nothing more', async () => {
    const { parent, answers } = request({ root, path: 'job', timeoutMs: 20 });
    try {
      await eventually(() => answers.length > 0, 'the answer');
      await pastTimers(60);
      expect(answers.map((a) => !a.result.ok && a.result.error.code)).to.deep.equal(['CONFLICT']);
    } finally {
      parent.stop();
    }
  });

  it('a request stopped before its answer leaves no timer behind (it would hold the process open)', () => {
    const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const before = timers();
    const { parent } = request({ root, path: 'job', timeoutMs: 60_000 });
    expect(timers()).to.equal(before + 1);
    parent.stop();
    expect(timers()).to.equal(before);
  });
});
