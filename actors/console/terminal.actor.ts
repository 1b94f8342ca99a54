import { createInterface } from 'node:readline';
import { fromCallback } from 'xstate';

export interface TerminalInput {
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream;
  /** A person at a TTY: show a prompt and keep it below printed replies. */
  interactive: boolean;
  prompt: string;
}

export type TerminalEvent =
  { type: 'term.line'; text: string } | { type: 'term.eof' } | { type: 'term.interrupt' };
export type TerminalCommand = { type: 'term.print'; text: string };

/**
 * Owns the terminal: reads one chat line per input line, prints replies, and reports end of input.
 * Interactive mode redraws the prompt under each printed reply; piped mode prints bare lines.
 */
export const terminal = fromCallback<TerminalCommand, TerminalInput>(({ input, sendBack, receive }) => {
  const rl = createInterface({
    input: input.input,
    output: input.interactive ? input.output : undefined,
    terminal: input.interactive,
    crlfDelay: Infinity,
  });
  let closed = false;
  rl.on('line', (line) => sendBack({ type: 'term.line', text: line }));
  rl.on('close', () => {
    if (!closed) sendBack({ type: 'term.eof' });
    closed = true;
  });
  rl.on('SIGINT', () => sendBack({ type: 'term.interrupt' }));
  // Whoever read our output has gone (`rosey dev | head -1`): stop printing, end the session.
  let outputClosed = false;
  const onOutputError = () => {
    if (outputClosed) return;
    outputClosed = true;
    sendBack({ type: 'term.interrupt' });
  };
  input.output.on('error', onOutputError);
  if (input.interactive) {
    rl.setPrompt(input.prompt);
    rl.prompt();
  }

  receive((command) => {
    if (command.type !== 'term.print' || outputClosed) return;
    if (input.interactive && !closed) {
      input.output.write('\r\x1b[K');
      input.output.write(command.text + '\n');
      rl.prompt(true);
    } else {
      input.output.write(command.text + '\n');
    }
  });

  return () => {
    closed = true;
    input.output.off('error', onOutputError);
    rl.close();
  };
});
