/** pino-roll ships no types: the part of its API Rosey uses (README of pino-roll 4). */
declare module 'pino-roll' {
  import type { EventEmitter } from 'node:events';

  /** The sonic-boom stream pino-roll returns (sonic-boom's own types describe it in full). */
  export interface RollingStream extends EventEmitter {
    /** The file being written now. */
    readonly file: string | null;
    readonly fd: number;
    readonly destroyed: boolean;
    write(data: string): boolean;
    flush(cb: (error?: Error) => void): void;
    flushSync(): void;
    end(): void;
  }

  export interface RollOptions {
    file: string;
    size?: string | number;
    frequency?: 'daily' | 'hourly' | number;
    dateFormat?: string;
    extension?: string;
    symlink?: boolean;
    limit?: { count: number; removeOtherLogFiles?: boolean };
    mkdir?: boolean;
    sync?: boolean;
  }

  export default function build(options: RollOptions): Promise<RollingStream>;
}
