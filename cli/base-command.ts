import { userInfo } from 'node:os';
import { Command, Errors } from '@oclif/core';
import { commandLine, oneLine, type CommandIo } from './command-io.js';

/**
 * Every `rosey` command fails the same way: one line on stderr (`rosey <command>: reason`) and a
 * non-zero exit, never a stack trace or a wrapped paragraph.
 */
export abstract class RoseyCommand extends Command {
  /** Prints the reason and exits 1. */
  protected fail(message: string): never {
    process.stderr.write(`${this.prefix()}: ${message}\n`);
    return this.exit(1);
  }

  /** `rosey db migrate`, as the user typed it. */
  private prefix(): string {
    return commandLine(this.id);
  }

  /** This command's output and failure, for a body shared with the fast path (cli/fast-path.ts). */
  protected io(): CommandIo {
    return { log: (text) => this.log(text), fail: (message) => this.fail(message) };
  }

  /** Who is running the command, for audit trails. */
  protected actor(): string {
    let name = process.env.USER;
    try {
      name ??= userInfo().username;
    } catch {
      // no passwd entry for this uid (containers): fall through to the uid
    }
    return `cli:${name ?? process.getuid?.() ?? 'unknown'}`;
  }

  protected override async catch(
    error: Error & { exitCode?: number; oclif?: { exit?: number } },
  ): Promise<unknown> {
    if (error instanceof Errors.ExitError) throw error;
    const exit = error.oclif?.exit ?? 2;
    process.stderr.write(`${this.prefix()}: ${oneLine(error.message)}\n`);
    return this.exit(exit === 0 ? 1 : exit);
  }
}
