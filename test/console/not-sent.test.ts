import { expect } from 'chai';
import { PassThrough } from 'node:stream';
import { createActor } from 'xstate';
import { BusLink } from '../../actors/bus/bus-link.js';
import { consoleMachine } from '../../actors/console/console.machine.js';
import { quietLogger } from '../../contract/log.js';
import { eventually } from '../support/nats.js';

// Issue 15, defect 6: lines typed while the bus was away were dropped with a log line only; the
// user was told nothing.
describe('console: a line the bus cannot take', () => {
  it('is refused in so many words, naming the line', async () => {
    const input = new PassThrough();
    const output = new PassThrough();
    let printed = '';
    output.on('data', (chunk: Buffer) => (printed += chunk.toString('utf8')));
    const actor = createActor(consoleMachine, {
      input: {
        // No connection: every line waits, and the queue is bounded.
        link: new BusLink(),
        logger: quietLogger,
        botName: 'Rosey',
        user: 'tester',
        rank: 1,
        input,
        output,
        interactive: false,
        stopOnEof: false,
        settleTimeoutMs: 1000,
        rootSystemId: 'root',
      },
    });
    actor.start();
    try {
      for (let n = 1; n <= 201; n++) input.write(`!roll line ${n}\n`);
      await eventually(() => printed.includes('\n') && printed, 'a notice');
      expect(printed.trim().split('\n')).to.deep.equal([
        '* not sent (200 messages are already waiting for the message bus): !roll line 201',
      ]);
    } finally {
      actor.stop();
    }
  });

  it('Ctrl-C while lines still wait for the bus leaves at once: nothing more is waited for', async () => {
    const input = new PassThrough();
    const output = new PassThrough();
    const actor = createActor(consoleMachine, {
      input: {
        link: new BusLink(),
        logger: quietLogger,
        botName: 'Rosey',
        user: 'tester',
        rank: 1,
        input,
        output,
        interactive: false,
        stopOnEof: true,
        settleTimeoutMs: 1000,
        rootSystemId: 'root',
      },
    });
    actor.start();
    try {
      input.end('!roll\n');
      await eventually(() => actor.getSnapshot().value === 'delivering', 'delivering');
      output.emit('error', new Error('EPIPE'));
      // No bus to ask to stop: the request fails at once and the console is done asking.
      await eventually(() => actor.getSnapshot().value === 'idle', 'idle');
    } finally {
      actor.stop();
    }
  });
});
