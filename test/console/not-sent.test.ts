import { expect } from 'chai';
import { createActor } from 'xstate';
import { consoleMachine } from '../../actors/console/console.machine.js';
import { eventually } from '../support/nats.js';
import { testConsole } from './test-console.js';

// Issue 15, defect 6: lines typed while the bus was away were dropped with a log line only; the
// user was told nothing.
describe('console: a line the bus cannot take', () => {
  it('is refused in so many words, naming the line', async () => {
    // No connection: every line waits, and the queue is bounded.
    const { input, terminal } = testConsole();
    const actor = createActor(consoleMachine, { input });
    actor.start();
    try {
      for (let n = 1; n <= 201; n++) terminal.input.write(`!roll line ${n}\n`);
      await eventually(() => terminal.printed.includes('\n') && terminal.printed, 'a notice');
      expect(terminal.printed.trim().split('\n')).to.deep.equal([
        '* not sent (200 messages are already waiting for the message bus): !roll line 201',
      ]);
    } finally {
      actor.stop();
    }
  });

  it('Ctrl-C while lines still wait for the bus leaves at once: nothing more is waited for', async () => {
    const { input, terminal } = testConsole({ stopOnEof: true });
    const actor = createActor(consoleMachine, { input });
    actor.start();
    try {
      terminal.input.end('!roll\n');
      await eventually(() => actor.getSnapshot().value === 'delivering', 'delivering');
      terminal.output.emit('error', new Error('EPIPE'));
      // No bus to ask to stop: the request fails at once and the console is done asking.
      await eventually(() => actor.getSnapshot().value === 'idle', 'idle');
    } finally {
      actor.stop();
    }
  });
});
