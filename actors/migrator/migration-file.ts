/**
 * Plugin migration files: `plugins/<plugin>/migrations/NNN_description.sql`, split into `-- UP` and
 * `-- DOWN` sections, optionally per database (`-- UP: postgresql`, `-- DOWN: sqlite`).
 */
import type { Dialect } from '../database/open.js';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { splitStatements } from './sql-statements.js';

export const DIALECTS: readonly Dialect[] = ['sqlite', 'postgresql'];

export type Direction = 'up' | 'down';
/** `any` is the generic section, used by a database that has no section of its own. */
export type SectionKey = Dialect | 'any';
/** Raw section text (comments kept). A key is absent when the file has no such section. */
export type Sections = Partial<Record<SectionKey, string>>;

export interface ParsedMigration {
  version: number;
  description: string;
  fileName: string;
  /** sha-256 (hex) of the exact file text, so an edited, already-applied migration can be noticed. */
  checksum: string;
  up: Sections;
  down: Sections;
}

export class MigrationFormatError extends Error {
  constructor(
    readonly file: string,
    readonly reason: string,
  ) {
    super(`${file}: ${reason}`);
    this.name = 'MigrationFormatError';
  }
}

const FILE_NAME = /^(\d{3,})_([a-z0-9_]+)\.sql$/;
const MARKER = /^--\s*(UP|DOWN)\b(.*)$/i;
/** What follows UP/DOWN: an optional colon, a first word, and any further text. */
const MARKER_REST = /^\s*(:?)\s*([A-Za-z0-9_]+)(.*)$/;
// Names people reach for that are not ours: reading them as a generic section would run, say,
// PostgreSQL SQL on SQLite, so they are refused instead.
const DIALECT_LOOKALIKES = new Set(['postgres', 'pg', 'pgsql', 'sqlite3', 'mysql', 'mariadb', 'mssql']);

export function parseMigrationFileName(
  fileName: string,
): { version: number; description: string } | undefined {
  const match = FILE_NAME.exec(fileName);
  if (!match) return undefined;
  const version = Number(match[1]);
  if (!Number.isSafeInteger(version)) return undefined;
  return { version, description: match[2] ?? '' };
}

interface Marker {
  direction: Direction;
  key: SectionKey;
}

/** A `-- UP` / `-- DOWN` line, or undefined for any other line (including `-- UPDATE ...`). */
function readMarker(line: string, file: string): Marker | undefined {
  const match = MARKER.exec(line.trim());
  if (!match) return undefined;
  const direction = (match[1] ?? '').toLowerCase() as Direction;
  const rest = match[2] ?? '';
  // `-- UP-to-date` or `-- Up.` is prose, not a marker.
  if (rest !== '' && !/^[\s:]/.test(rest)) return undefined;
  const words = MARKER_REST.exec(rest);
  const first = words?.[2]?.toLowerCase() ?? '';
  const dialect = DIALECTS.find((d) => d === first);
  if (dialect && words?.[1] === ':' && (words[3] ?? '').trim() === '') return { direction, key: dialect };
  // A database name anywhere else is a near miss: reading it as the generic section would run one
  // database's SQL on the other.
  if (dialect) {
    throw new MigrationFormatError(
      file,
      `write '${markerText(direction, dialect)}' alone on its line, not '${line.trim()}'`,
    );
  }
  if (DIALECT_LOOKALIKES.has(first)) {
    throw new MigrationFormatError(
      file,
      `unknown database '${first}' in '${line.trim()}' (expected sqlite or postgresql)`,
    );
  }
  return { direction, key: 'any' };
}

function markerText(direction: Direction, key: SectionKey): string {
  return `-- ${direction.toUpperCase()}${key === 'any' ? '' : `: ${key}`}`;
}

/** Whether a section holds at least one statement (comments and `;` alone do not count). */
export function hasStatements(sql: string | undefined, dialect?: Dialect): boolean {
  return sql !== undefined && splitStatements(sql, dialect).length > 0;
}

export function parseMigration(fileName: string, text: string): ParsedMigration {
  const name = parseMigrationFileName(fileName);
  if (!name) {
    throw new MigrationFormatError(fileName, 'file name must look like 001_create_quotes_table.sql');
  }
  const sections: Record<Direction, Sections> = { up: {}, down: {} };
  const lines: Record<Direction, Partial<Record<SectionKey, string[]>>> = { up: {}, down: {} };
  let current: string[] | undefined; // undefined while in the header, which is ignored
  for (const line of text.split(/\r?\n/)) {
    const marker = readMarker(line, fileName);
    if (!marker) {
      current?.push(line);
      continue;
    }
    if (lines[marker.direction][marker.key]) {
      throw new MigrationFormatError(
        fileName,
        `more than one '${markerText(marker.direction, marker.key)}' section`,
      );
    }
    current = [];
    lines[marker.direction][marker.key] = current;
  }
  for (const direction of ['up', 'down'] as const) {
    for (const [key, body] of Object.entries(lines[direction]) as [SectionKey, string[]][]) {
      sections[direction][key] = body.join('\n').trim();
    }
  }
  checkSections(fileName, sections);
  return {
    ...name,
    fileName,
    checksum: createHash('sha256').update(text, 'utf8').digest('hex'),
    up: sections.up,
    down: sections.down,
  };
}

function checkSections(file: string, sections: Record<Direction, Sections>): void {
  if (Object.keys(sections.up).length === 0) throw new MigrationFormatError(file, 'has no -- UP section');
  if (Object.keys(sections.down).length === 0) throw new MigrationFormatError(file, 'has no -- DOWN section');
  for (const direction of ['up', 'down'] as const) {
    const missing = DIALECTS.filter((d) => sections[direction][d] === undefined);
    if (sections[direction].any === undefined && missing.length > 0) {
      throw new MigrationFormatError(
        file,
        `has no '${markerText(direction, 'any')}' section for ${missing.join(' and ')}`,
      );
    }
  }
  // An empty DOWN is allowed: it marks the migration irreversible, and rollback refuses it.
  for (const [key, sql] of Object.entries(sections.up) as [SectionKey, string][]) {
    const dialect = key === 'any' ? undefined : key;
    if (!hasStatements(sql, dialect)) {
      throw new MigrationFormatError(file, `'${markerText('up', key)}' section has no SQL statements`);
    }
  }
}

/** The SQL one database runs for one direction: its own section, else the generic one. */
export function sqlFor(m: ParsedMigration, direction: Direction, dialect: Dialect): string {
  return m[direction][dialect] ?? m[direction].any ?? '';
}

/** False when the DOWN section for this database is empty: the migration cannot be rolled back. */
export function isReversible(m: ParsedMigration, dialect: Dialect): boolean {
  return hasStatements(sqlFor(m, 'down', dialect), dialect);
}

/** Every `*.sql` migration in `dir`, sorted by version (gaps allowed). A missing folder has none. */
export function loadMigrationsDir(dir: string): ParsedMigration[] {
  if (!existsSync(dir)) return [];
  const where = relative(process.cwd(), dir) || dir;
  const migrations: ParsedMigration[] = [];
  for (const entry of readdirSync(dir).sort()) {
    // Case-insensitive so `001_x.SQL` is reported rather than silently skipped.
    if (!entry.toLowerCase().endsWith('.sql') || !statSync(join(dir, entry)).isFile()) continue;
    let migration: ParsedMigration;
    try {
      migration = parseMigration(entry, readFileSync(join(dir, entry), 'utf8'));
    } catch (error) {
      if (error instanceof MigrationFormatError)
        throw new MigrationFormatError(join(where, entry), error.reason);
      throw error;
    }
    const twin = migrations.find((m) => m.version === migration.version);
    if (twin) {
      throw new MigrationFormatError(
        join(where, entry),
        `version ${migration.version} is also used by ${twin.fileName}`,
      );
    }
    migrations.push(migration);
  }
  return migrations.sort((a, b) => a.version - b.version);
}
