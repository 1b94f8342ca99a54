import { PassThrough } from 'node:stream';
import { BusLink } from '../../actors/bus/bus-link.js';
import type { ConsoleInput } from '../../actors/console/console.machine.js';
import { quietLogger } from '../../contract/log.js';

/** The console's terminal in a test: two in-memory streams, and everything printed so far. */
export interface TestTerminal {
  input: PassThrough;
  output: PassThrough;
  printed: string;
}

/**
 * A console's input for a test, piped (not interactive) and on a link of its own unless given one,
 * with the terminal it reads and prints to.
 */
export function testConsole(over: Partial<ConsoleInput> = {}): {
  input: ConsoleInput;
  terminal: TestTerminal;
} {
  const terminal: TestTerminal = { input: new PassThrough(), output: new PassThrough(), printed: '' };
  terminal.output.on('data', (chunk: Buffer) => (terminal.printed += chunk.toString('utf8')));
  const input: ConsoleInput = {
    link: new BusLink(),
    logger: quietLogger,
    botName: 'Rosey',
    user: 'tester',
    rank: 1,
    input: terminal.input,
    output: terminal.output,
    interactive: false,
    stopOnEof: false,
    settleTimeoutMs: 1000,
    rootSystemId: 'root',
    ...over,
  };
  return { input, terminal };
}
