import { err, type Err, type ErrorCode } from '../../contract/result.js';

/** A storage request that cannot be carried out, with the code and line the caller will see. */
export class StorageError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'StorageError';
  }

  toResult(): Err {
    return err(this.code, this.message);
  }
}

export const fail = (code: ErrorCode, message: string): never => {
  throw new StorageError(code, message);
};

interface DriverError {
  code?: string;
  errno?: number;
  message?: string;
  detail?: string;
}

/**
 * What a database error means for the caller. The message keeps the database's own words but not
 * the SQL (knex puts the statement in front of it).
 */
export function fromDatabaseError(error: unknown): StorageError {
  if (error instanceof StorageError) return error;
  const e = (error ?? {}) as DriverError;
  const raw = e.message ?? String(error);
  const message = raw.includes(' - ') ? raw.slice(raw.lastIndexOf(' - ') + 3) : raw;
  const line = message.split('\n')[0]!.slice(0, 300);
  const code = e.code ?? '';
  if (code === '23505' || /UNIQUE constraint failed|PRIMARY KEY must be unique/i.test(message)) {
    return new StorageError('CONFLICT', line);
  }
  if (
    ['23502', '23514', '23503', '22P02', '22003', '22001', '22007', '22008'].includes(code) ||
    /(NOT NULL|CHECK|FOREIGN KEY) constraint failed|datatype mismatch/i.test(message)
  ) {
    return new StorageError('VALIDATION_ERROR', line);
  }
  // SQLite: a full disk, or max_page_count reached; PostgreSQL: disk_full. Told apart from other
  // database errors because the operator, not the plugin, has to act (free space).
  if (code === 'SQLITE_FULL' || code === '53100') {
    return new StorageError('STORAGE_FULL', `storage is full: ${line}`);
  }
  if (code === 'SQLITE_BUSY' || /database is locked/i.test(message)) {
    return new StorageError('DATABASE_ERROR', 'the database is busy; try again');
  }
  return new StorageError('DATABASE_ERROR', line);
}
