import { Command, Errors } from '@oclif/core';

/**
 * Every `rosey` command fails the same way: one line on stderr (`rosey <command>: reason`) and a
 * non-zero exit, never a stack trace or a wrapped paragraph.
 */
export abstract class RoseyCommand extends Command {
  /** Prints the reason and exits 1. */
  protected fail(message: string): never {
    process.stderr.write(`rosey ${this.id ?? ''}: ${message}\n`.replace(' :', ':'));
    return this.exit(1);
  }

  protected override async catch(
    error: Error & { exitCode?: number; oclif?: { exit?: number } },
  ): Promise<unknown> {
    if (error instanceof Errors.ExitError) throw error;
    const exit = error.oclif?.exit ?? 2;
    const line = error.message
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean)
      .join(' ');
    process.stderr.write(`rosey ${this.id ?? ''}: ${line}\n`.replace(' :', ':'));
    return this.exit(exit === 0 ? 1 : exit);
  }
}
