/**
 * What a command's body needs from whoever runs it: oclif's Command (cli/base-command.ts), or the
 * fast path that runs hot commands without loading oclif (cli/fast-path.ts). Both print the same.
 */
export interface CommandIo {
  /** One line (or block) on stdout. */
  log(text: string): void;
  /** Prints `rosey <command>: message` on stderr and exits 1. */
  fail(message: string): never;
}

/** `rosey db migrate`, as the user typed it (oclif ids use `:` between topic and command). */
export function commandLine(id: string | undefined): string {
  return ['rosey', ...(id ?? '').split(':')].filter(Boolean).join(' ');
}

/** A message on one line: every `rosey` failure is one line, never a stack trace or a paragraph. */
export function oneLine(message: string): string {
  return message
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .join(' ');
}
