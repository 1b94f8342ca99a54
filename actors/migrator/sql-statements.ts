/**
 * A small SQL lexer shared by the migration runner and the migration validator.
 *
 * It knows just enough to never mistake the inside of a string, quoted identifier or comment for code.
 * Quoting rules differ per database, and a lexer that disagrees with the database is a way to smuggle
 * SQL past the validator, so the dialect is a parameter: SQLite has `` `x` `` and `[x]` identifiers and
 * no dollar quotes; PostgreSQL has `$tag$...$tag$`, `E'\''` strings and nested block comments. Without a
 * dialect the PostgreSQL rules apply.
 */
import type { Dialect } from '../database/open.js';

export type TokenKind = 'word' | 'quoted-ident' | 'string' | 'number' | 'punct';

export interface Token {
  kind: TokenKind;
  /** Exactly as written, quotes included. */
  text: string;
  /** Words in ASCII upper case, the way both databases match keywords; other kinds as written. */
  upper: string;
  /** Identifiers and strings with their quoting undone; other kinds as written. */
  value: string;
  /** Offset in the lexed text. */
  start: number;
}

interface Lexeme {
  kind: TokenKind | 'line-comment' | 'block-comment';
  start: number;
  end: number;
  value: string;
}

interface Scan {
  lexemes: Lexeme[];
  problems: { at: number; what: string }[];
}

// Both databases treat every non-ASCII character as an identifier character, so non-ASCII spaces are
// not whitespace here either; `$` may continue (never start) an identifier.
const WHITESPACE = /[ \t\n\r\f\v]+/y;
const WORD = /[A-Za-z_\u0080-\uffff][A-Za-z0-9_$\u0080-\uffff]*/y;
const NUMBER = /(?:0[xX][0-9A-Fa-f]+|(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)/y;
const DOLLAR_TAG = /\$(?:[A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$/y;
const SQLITE_PARAMETER = /\$[A-Za-z0-9_$\u0080-\uffff]*/y;

function stickyMatch(re: RegExp, text: string, at: number): string | undefined {
  re.lastIndex = at;
  return re.exec(text)?.[0];
}

/** ASCII-only case folding: what both databases do to keywords and unquoted names. */
export function asciiUpper(text: string): string {
  return text.replace(/[a-z]/g, (c) => c.toUpperCase());
}

export function asciiLower(text: string): string {
  return text.replace(/[A-Z]/g, (c) => c.toLowerCase());
}

/** A quoted run where the closing quote is escaped by doubling it (`'it''s'`, `"a""b"`). */
function scanQuoted(sql: string, from: number, quote: string): { end: number; value: string } | undefined {
  let value = '';
  let i = from + 1;
  for (;;) {
    const next = sql.indexOf(quote, i);
    if (next < 0) return undefined;
    value += sql.slice(i, next);
    if (sql[next + 1] === quote) {
      value += quote;
      i = next + 2;
    } else {
      return { end: next + 1, value };
    }
  }
}

/** PostgreSQL `E'...'`: a backslash escapes the next character, including a quote. */
function scanEscapeString(sql: string, from: number): { end: number; value: string } | undefined {
  let value = '';
  for (let i = from + 1; i < sql.length; i++) {
    const c = sql[i];
    if (c === '\\') {
      value += sql.slice(i, i + 2);
      i++;
    } else if (c === "'") {
      if (sql[i + 1] !== "'") return { end: i + 1, value };
      value += "'";
      i++;
    } else {
      value += c;
    }
  }
  return undefined;
}

function scanBlockComment(sql: string, from: number, nested: boolean): number | undefined {
  let depth = 0;
  for (let i = from; i < sql.length; i++) {
    if (sql.startsWith('/*', i)) {
      if (nested || depth === 0) depth++;
      i++;
    } else if (sql.startsWith('*/', i)) {
      depth--;
      i++;
      if (depth === 0) return i + 1;
    }
  }
  return undefined;
}

function scan(sql: string, dialect: Dialect): Scan {
  const lexemes: Lexeme[] = [];
  const problems: Scan['problems'] = [];
  const pg = dialect === 'postgresql';
  const push = (kind: Lexeme['kind'], start: number, end: number, value = sql.slice(start, end)) => {
    lexemes.push({ kind, start, end, value });
    return end;
  };
  // An unterminated literal swallows the rest of the text: nothing after it can be trusted as code.
  const unterminated = (kind: TokenKind | 'block-comment', start: number, what: string) => {
    problems.push({ at: start, what });
    return push(kind, start, sql.length, sql.slice(start));
  };

  let i = 0;
  while (i < sql.length) {
    const c = sql[i] ?? '';
    const space = stickyMatch(WHITESPACE, sql, i);
    if (space) {
      i += space.length;
      continue;
    }
    if (sql.startsWith('--', i)) {
      const eol = sql.slice(i).search(/[\r\n]/);
      i = push('line-comment', i, eol < 0 ? sql.length : i + eol);
      continue;
    }
    if (sql.startsWith('/*', i)) {
      const end = scanBlockComment(sql, i, pg);
      i =
        end === undefined
          ? unterminated('block-comment', i, 'unterminated /* comment')
          : push('block-comment', i, end);
      continue;
    }
    if (c === "'" || c === '"' || (!pg && c === '`')) {
      const quoted = scanQuoted(sql, i, c);
      const kind = c === "'" ? 'string' : 'quoted-ident';
      i = quoted
        ? push(kind, i, quoted.end, quoted.value)
        : unterminated(kind, i, c === "'" ? 'unterminated string' : `unterminated ${c}quoted identifier`);
      continue;
    }
    if (!pg && c === '[') {
      const close = sql.indexOf(']', i + 1);
      i =
        close < 0
          ? unterminated('quoted-ident', i, 'unterminated [identifier]')
          : push('quoted-ident', i, close + 1, sql.slice(i + 1, close));
      continue;
    }
    if (c === '$') {
      if (pg) {
        const tag = stickyMatch(DOLLAR_TAG, sql, i);
        if (tag) {
          const close = sql.indexOf(tag, i + tag.length);
          i =
            close < 0
              ? unterminated('string', i, `unterminated ${tag}-quoted string`)
              : push('string', i, close + tag.length, sql.slice(i + tag.length, close));
          continue;
        }
      } else {
        // SQLite reads `$name` as a parameter; `$a$` is one parameter, not a quote.
        const parameter = stickyMatch(SQLITE_PARAMETER, sql, i) ?? '$';
        i = push('word', i, i + parameter.length);
        continue;
      }
    }
    const word = stickyMatch(WORD, sql, i);
    if (word) {
      if (pg && (word === 'E' || word === 'e') && sql[i + 1] === "'") {
        const escaped = scanEscapeString(sql, i + 1);
        i = escaped
          ? push('string', i, escaped.end, escaped.value)
          : unterminated('string', i, 'unterminated string');
        continue;
      }
      i = push('word', i, i + word.length);
      continue;
    }
    const number = stickyMatch(NUMBER, sql, i);
    if (number) {
      i = push('number', i, i + number.length);
      continue;
    }
    i = push('punct', i, i + 1);
  }
  return { lexemes, problems };
}

function lineOf(sql: string, at: number): number {
  return sql.slice(0, at).split('\n').length;
}

/**
 * The statements of a script, split on top-level `;`, each trimmed and with its comments removed, so
 * what a caller executes is exactly what a validator looked at. Empty statements are dropped.
 */
export function splitStatements(sql: string, dialect: Dialect = 'postgresql'): string[] {
  const statements: string[] = [];
  let current = '';
  let cursor = 0;
  const flush = () => {
    const statement = current.trim();
    if (statement) statements.push(statement);
    current = '';
  };
  for (const lexeme of scan(sql, dialect).lexemes) {
    if (lexeme.kind === 'line-comment' || lexeme.kind === 'block-comment') {
      // A block comment separates tokens (`DROP/**/TABLE`); a line comment's newline stays in the text.
      current += sql.slice(cursor, lexeme.start) + (lexeme.kind === 'block-comment' ? ' ' : '');
      cursor = lexeme.end;
    } else if (lexeme.kind === 'punct' && lexeme.value === ';') {
      current += sql.slice(cursor, lexeme.start);
      cursor = lexeme.end;
      flush();
    }
  }
  current += sql.slice(cursor);
  flush();
  return statements;
}

/** The tokens of a statement (or script), comments left out. */
export function tokenize(statement: string, dialect: Dialect = 'postgresql'): Token[] {
  const tokens: Token[] = [];
  for (const { kind, start, end, value } of scan(statement, dialect).lexemes) {
    if (kind === 'line-comment' || kind === 'block-comment') continue;
    const text = statement.slice(start, end);
    tokens.push({
      kind,
      text,
      upper: kind === 'word' ? asciiUpper(text) : text,
      value: kind === 'word' || kind === 'number' || kind === 'punct' ? text : value,
      start,
    });
  }
  return tokens;
}

/** Unterminated strings, identifiers and comments, one line each, e.g. `unterminated string (line 3)`. */
export function lexicalProblems(sql: string, dialect: Dialect = 'postgresql'): string[] {
  return scan(sql, dialect).problems.map(({ at, what }) => `${what} (line ${lineOf(sql, at)})`);
}
