/**
 * Static checks on a plugin's migration SQL before Rosey runs it: the plugin may only touch its own
 * tables (`<plugin>__*`), only with ordinary DDL/DML, and in syntax the target database understands.
 *
 * This is a token-level check, not a parser: it finds table names after the keywords that introduce
 * them and fails closed (an error) where it cannot read a name. It is a guard against mistakes and a
 * first fence against hostile SQL, not a sandbox: the database's own permissions remain the real one.
 * The caller must execute the returned `statements`, which are exactly what was checked.
 */
import { namespacePrefix } from '../../contract/messages/storage.js';
import { PLUGIN_NAME } from '../../contract/subjects.js';
import type { Dialect } from '../database/open.js';
import { asciiLower, lexicalProblems, splitStatements, tokenize, type Token } from './sql-statements.js';

export interface ValidateOptions {
  plugin: string;
  dialect: Dialect;
  /** SQLite library version, e.g. `3.44.2`; decides what ALTER TABLE may do. Unknown means recent. */
  sqliteVersion?: string;
  /** Make empty SQL an error (an UP section must do something; a DOWN may be empty). */
  requireStatements?: boolean;
}

export interface ValidationResult {
  errors: string[];
  /** Destructive but legitimate operations, for the operator to confirm. */
  warnings: string[];
  statements: string[];
}

/** A set from a space-separated list, to keep long keyword lists readable. */
const words = (list: string) => new Set(list.trim().split(/\s+/));

const TRANSACTION_CONTROL = words('BEGIN COMMIT END ROLLBACK SAVEPOINT RELEASE START ABORT');
const CREATE_MODIFIERS = new Set(['OR', 'REPLACE', 'TEMP', 'TEMPORARY', 'UNIQUE']);
const QUALIFIED_OBJECTS = new Set(['VIRTUAL', 'MATERIALIZED', 'FOREIGN', 'UNLOGGED', 'GLOBAL', 'LOCAL']);
/** Words after which UPDATE is not a statement (ON UPDATE CASCADE, DO UPDATE SET, FOR UPDATE, ...). */
const NOT_AN_UPDATE_STATEMENT = new Set(['ON', 'DO', 'FOR', 'KEY', 'OF', 'BEFORE', 'AFTER', 'THEN']);
/** Functions whose argument list may contain `FROM` without it naming a table. */
const FROM_IN_ARGUMENTS = new Set(['EXTRACT', 'SUBSTRING', 'TRIM', 'OVERLAY']);
/** Clauses that end a FROM list. */
const FROM_LIST_END = words(
  'WHERE GROUP HAVING ORDER LIMIT OFFSET FETCH FOR WINDOW UNION INTERSECT EXCEPT RETURNING SET DO',
);
const SUBQUERY_START = new Set(['SELECT', 'WITH', 'VALUES', 'TABLE']);
/** Table-valued functions that read nothing but their arguments. */
const TABLE_FUNCTIONS = words(
  'json_each json_tree jsonb_each json_array_elements jsonb_array_elements generate_series unnest',
);
/**
 * Functions that reach outside the plugin's tables: files, extensions, server settings, other sessions,
 * or SQL passed as text (which this check cannot see into). A denylist, so necessarily incomplete.
 */
const DENIED_FUNCTIONS = words(`
  load_extension readfile writefile edit fts3_tokenizer
  set_config pg_reload_conf pg_rotate_logfile pg_terminate_backend pg_cancel_backend
  pg_read_file pg_read_binary_file pg_ls_dir pg_stat_file pg_file_write lo_import lo_export
  dblink dblink_connect dblink_exec ts_stat
  query_to_xml query_to_xmlschema query_to_xml_and_xmlschema cursor_to_xml
  table_to_xml table_to_xmlschema table_to_xml_and_xmlschema
  schema_to_xml schema_to_xmlschema schema_to_xml_and_xmlschema
  database_to_xml database_to_xmlschema database_to_xml_and_xmlschema
`);
const SEQUENCE_FUNCTIONS = new Set(['nextval', 'setval', 'currval']);
const SERIAL_TYPES = new Set(['SERIAL', 'BIGSERIAL', 'SMALLSERIAL', 'SERIAL2', 'SERIAL4', 'SERIAL8']);
const TABLE_CONSTRAINTS = new Set(['CONSTRAINT', 'PRIMARY', 'UNIQUE', 'FOREIGN', 'CHECK', 'EXCLUDE']);
/** `DROP <these>` inside ALTER TABLE does not drop a column. */
const NOT_A_COLUMN = new Set(['CONSTRAINT', 'DEFAULT', 'NOT', 'IDENTITY', 'EXPRESSION']);

type What = 'table' | 'view' | 'index' | 'sequence';

interface Name {
  /** Unquoted parts, e.g. `['main', 'quote_db__quotes']`. */
  parts: string[];
  at: number;
  end: number;
}

interface Cte {
  name: string;
  withAt: number;
  bodyEnd: number;
  scopeEnd: number;
  recursive: boolean;
}

interface Context {
  plugin: string;
  prefix: string;
  dialect: Dialect;
  sqliteVersion: string | undefined;
  errors: string[];
  warnings: string[];
}

function versionBelow(version: string | undefined, minimum: readonly number[]): boolean {
  const match = /^(\d+)\.(\d+)(?:\.(\d+))?/.exec(version ?? '');
  if (!match) return false;
  const parts = [Number(match[1]), Number(match[2]), Number(match[3] ?? 0)];
  for (let k = 0; k < minimum.length; k++) {
    const have = parts[k] ?? 0;
    const need = minimum[k] ?? 0;
    if (have !== need) return have < need;
  }
  return false;
}

const display = (name: Name) => name.parts.join('.');

class StatementCheck {
  private readonly tokens: Token[];
  /** For each `(`/`[`: the index of its closer (tokens.length when unclosed). */
  private readonly match: number[] = [];
  /** For each token: the index of the innermost opener around it, or -1. */
  private readonly parent: number[] = [];
  private readonly ctes: Cte[] = [];
  private balanced = true;
  private kind: string | undefined;

  constructor(
    text: string,
    private readonly n: number,
    private readonly ctx: Context,
  ) {
    this.tokens = tokenize(text, ctx.dialect);
    const stack: number[] = [];
    for (let i = 0; i < this.tokens.length; i++) {
      this.parent[i] = stack.at(-1) ?? -1;
      if (this.isOpener(i)) stack.push(i);
      else if (this.isCloser(i)) {
        const opener = stack.pop();
        if (opener === undefined) this.balanced = false;
        else {
          this.match[opener] = i;
          this.parent[i] = this.parent[opener] ?? -1;
        }
      }
    }
    for (const opener of stack) this.match[opener] = this.tokens.length;
    if (stack.length > 0) this.balanced = false;
  }

  run(): void {
    this.kind = this.classify();
    if (!this.kind) return;
    if (!this.balanced) {
      this.error('unbalanced parentheses');
      return;
    }
    this.tokens.forEach((token, i) => {
      if (token.kind !== 'word' || token.upper !== 'WITH') return;
      const read = this.readWith(i);
      if (read) this.ctes.push(...read.ctes);
      if (i === 0) this.checkWithVerb(read?.end);
    });
    this.tokens.forEach((token, i) => {
      if (token.kind === 'word') this.keyword(i, token.upper);
      if ((token.kind === 'word' || token.kind === 'quoted-ident') && this.punct(i + 1, '(')) this.call(i);
    });
    if (this.kind === 'ALTER TABLE') this.alterTable();
    if (this.ctx.dialect === 'sqlite') this.sqliteSyntax();
    else this.postgresqlSyntax();
  }

  // ---- token helpers ----

  private error(message: string): void {
    this.ctx.errors.push(`statement ${this.n}: ${message}`);
  }

  private warn(message: string): void {
    this.ctx.warnings.push(`statement ${this.n}: ${message}`);
  }

  private word(i: number): string | undefined {
    const token = this.tokens[i];
    return token?.kind === 'word' ? token.upper : undefined;
  }

  private punct(i: number, text: string): boolean {
    const token = this.tokens[i];
    return token?.kind === 'punct' && token.text === text;
  }

  private isOpener(i: number): boolean {
    return this.punct(i, '(') || this.punct(i, '[');
  }

  private isCloser(i: number): boolean {
    return this.punct(i, ')') || this.punct(i, ']');
  }

  private closerOf(i: number): number {
    return this.match[i] ?? this.tokens.length;
  }

  private skipIfExists(i: number): number {
    if (this.word(i) !== 'IF') return i;
    if (this.word(i + 1) === 'NOT') i++;
    return this.word(i + 1) === 'EXISTS' ? i + 2 : i + 1;
  }

  /** SQLite accepts a string literal where a name goes (`FROM 'rosey_kv'`), so strings count as names. */
  private namePart(i: number): string | undefined {
    const token = this.tokens[i];
    if (!token || (token.kind !== 'word' && token.kind !== 'quoted-ident' && token.kind !== 'string')) return;
    return token.value;
  }

  private readName(i: number): Name | undefined {
    const first = this.namePart(i);
    if (first === undefined) return undefined;
    const parts = [first];
    let end = i + 1;
    while (this.punct(end, '.')) {
      const part = this.namePart(end + 1);
      if (part === undefined) break;
      parts.push(part);
      end += 2;
    }
    return { parts, at: i, end };
  }

  /** Whether a WHERE follows at the same nesting level as token i. */
  private whereFollows(i: number): boolean {
    for (let j = i + 1; j < this.tokens.length; j++) {
      if (this.isCloser(j)) return false;
      if (this.isOpener(j)) j = this.closerOf(j);
      else if (this.word(j) === 'WHERE') return true;
    }
    return false;
  }

  // ---- statement kind ----

  private classify(): string | undefined {
    const first = this.word(0);
    if (!first) {
      this.error(`a statement cannot start with '${this.tokens[0]?.text ?? ''}'`);
      return undefined;
    }
    switch (first) {
      case 'SELECT':
      case 'INSERT':
      case 'UPDATE':
      case 'DELETE':
      case 'WITH':
        return first;
      case 'REPLACE':
        if (this.ctx.dialect === 'sqlite') return 'INSERT';
        this.error('REPLACE INTO is SQLite syntax; use INSERT ... ON CONFLICT (...) DO UPDATE');
        return undefined;
      case 'CREATE':
        return this.classifyCreate();
      case 'DROP':
      case 'ALTER': {
        const object = this.word(1);
        const allowed = first === 'DROP' ? ['TABLE', 'INDEX', 'VIEW'] : ['TABLE'];
        if (object && allowed.includes(object)) return `${first} ${object}`;
        this.error(
          `${`${first} ${object ?? this.tokens[1]?.text ?? ''}`.trim()} is not allowed in a migration`,
        );
        return undefined;
      }
      case 'TRUNCATE':
        this.error('TRUNCATE is not allowed; use DELETE FROM <table>');
        return undefined;
      default:
        if (TRANSACTION_CONTROL.has(first)) {
          this.error(`${first} is not allowed: Rosey runs each migration in a transaction of its own`);
        } else {
          this.error(`${first} is not allowed in a migration`);
        }
        return undefined;
    }
  }

  private classifyCreate(): string | undefined {
    const modifiers: string[] = [];
    let i = 1;
    for (let w = this.word(i); w && CREATE_MODIFIERS.has(w); w = this.word(++i)) modifiers.push(w);
    const object = this.word(i);
    const only = (...allowed: string[]) => modifiers.every((m) => allowed.includes(m));
    const allowed =
      (object === 'TABLE' && only('TEMP', 'TEMPORARY')) ||
      (object === 'INDEX' && only('UNIQUE')) ||
      (object === 'VIEW' && only('OR', 'REPLACE', 'TEMP', 'TEMPORARY'));
    if (allowed) return `CREATE ${object}`;
    // Name the object in full: CREATE VIRTUAL TABLE, not CREATE VIRTUAL.
    const named = [object ?? this.tokens[i]?.text ?? ''];
    if (object && QUALIFIED_OBJECTS.has(object)) named.push(this.word(i + 1) ?? '');
    const label = ['CREATE', ...modifiers, ...named].join(' ').trim();
    this.error(`${label} is not allowed in a migration`);
    return undefined;
  }

  // ---- common table expressions ----

  /** The CTEs of the WITH at token i and the index after them, if what follows reads as CTEs. */
  private readWith(i: number): { ctes: Cte[]; end: number } | undefined {
    let j = i + 1;
    if (this.word(j) === 'RECURSIVE') j++;
    // SQLite resolves a CTE name anywhere in its WITH list, RECURSIVE or not; PostgreSQL only with it.
    const recursive = j > i + 1 || this.ctx.dialect === 'sqlite';
    const scopeEnd = this.parent[i] === -1 ? this.tokens.length : this.closerOf(this.parent[i] ?? -1);
    const found: Cte[] = [];
    for (;;) {
      const name = this.readName(j);
      if (!name || name.parts.length !== 1) return undefined;
      j = name.end;
      if (this.punct(j, '(')) j = this.closerOf(j) + 1;
      if (this.word(j) !== 'AS') return undefined;
      j++;
      if (this.word(j) === 'NOT') j++;
      if (this.word(j) === 'MATERIALIZED') j++;
      if (!this.punct(j, '(')) return undefined;
      const bodyEnd = this.closerOf(j);
      found.push({ name: asciiLower(name.parts[0] ?? ''), withAt: i, bodyEnd, scopeEnd, recursive });
      j = bodyEnd + 1;
      if (!this.punct(j, ',')) break;
      j++;
    }
    return { ctes: found, end: j };
  }

  private checkWithVerb(after: number | undefined): void {
    const verb = after === undefined ? undefined : this.word(after);
    const verbs =
      this.ctx.dialect === 'sqlite'
        ? ['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'REPLACE']
        : ['SELECT', 'INSERT', 'UPDATE', 'DELETE'];
    if (!verb || !verbs.includes(verb))
      this.error('WITH must be followed by SELECT, INSERT, UPDATE or DELETE');
  }

  /**
   * A CTE is visible after its own definition, up to the end of the query it belongs to (and, when
   * recursive, inside the WITH list too). Before that, the same name means a real table.
   */
  private isCte(name: string, at: number): boolean {
    return this.ctes.some(
      (c) => c.name === name && at < c.scopeEnd && (at > c.bodyEnd || (c.recursive && at > c.withAt)),
    );
  }

  // ---- names ----

  private inNamespace(lower: string, what: What): boolean {
    const { prefix } = this.ctx;
    const starts = (p: string) => lower.startsWith(p) && lower.length > p.length;
    if (what === 'index') return [prefix, `idx_${prefix}`, `ux_${prefix}`, `uq_${prefix}`].some(starts);
    return starts(prefix);
  }

  /** Checks one name against the plugin's namespace; true when it may be used. */
  private checkName(name: Name, what: What, cteAllowed: boolean): boolean {
    if (name.parts.length > 1) {
      this.error(`schema-qualified name ${display(name)} is not allowed; write the bare ${what} name`);
      return false;
    }
    const lower = asciiLower(name.parts[0] ?? '');
    if (cteAllowed && this.isCte(lower, name.at)) return true;
    if (this.inNamespace(lower, what)) return true;
    const { plugin, prefix } = this.ctx;
    const pattern = what === 'index' ? `${prefix}* or idx_${prefix}*` : `${prefix}*`;
    this.error(`${what} ${display(name)} is outside the namespace of plugin ${plugin} (${pattern})`);
    return false;
  }

  private nameAt(i: number, after: string, what: What, cteAllowed: boolean): Name | undefined {
    const name = this.readName(i);
    if (!name) {
      this.error(`expected a ${what} name after ${after}`);
      return undefined;
    }
    return this.checkName(name, what, cteAllowed) ? name : undefined;
  }

  /** `DROP TABLE a, b`: every name is checked; returns those that passed. */
  private nameList(i: number, after: string, what: What): Name[] {
    const names: Name[] = [];
    for (;;) {
      const name = this.readName(i);
      if (!name) {
        this.error(`expected a ${what} name after ${after}`);
        return names;
      }
      if (this.checkName(name, what, false)) names.push(name);
      if (!this.punct(name.end, ',')) return names;
      i = name.end + 1;
    }
  }

  // ---- where table names appear ----

  private keyword(i: number, word: string): void {
    const prev = this.word(i - 1);
    switch (word) {
      case 'FROM':
        return this.from(i);
      case 'JOIN':
        this.fromItem(i + 1, 'JOIN');
        return;
      case 'INTO': {
        let j = i + 1;
        while (['TEMP', 'TEMPORARY', 'UNLOGGED', 'TABLE'].includes(this.word(j) ?? '')) j++;
        this.nameAt(j, 'INTO', 'table', false);
        return;
      }
      case 'UPDATE':
        return this.update(i);
      case 'REFERENCES':
        this.nameAt(i + 1, 'REFERENCES', 'table', false);
        return;
      case 'TABLE':
        return this.table(i);
      case 'VIEW':
        return this.view(i);
      case 'INDEX':
        return this.index(i);
      case 'RENAME':
        if (this.word(i + 1) === 'TO') this.nameAt(i + 2, 'RENAME TO', 'table', false);
        return;
      case 'USING':
        // DELETE ... USING <tables>; elsewhere USING names columns, an index method or a cast.
        if (
          ['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'WITH'].includes(this.kind ?? '') &&
          this.tokens.slice(0, i).some((t) => t.kind === 'word' && t.upper === 'DELETE') &&
          this.namePart(i + 1) !== undefined
        ) {
          this.fromList(i + 1, 'USING');
        }
        return;
      // PostgreSQL table inheritance and partitions tie a table to another one.
      case 'INHERITS':
        if (this.punct(i + 1, '(')) this.nameList(i + 2, 'INHERITS', 'table');
        return;
      case 'INHERIT':
        if (prev !== 'NO') this.nameAt(i + 1, 'INHERIT', 'table', false);
        return;
      case 'PARTITION':
        if (this.word(i + 1) === 'OF') this.nameAt(i + 2, 'PARTITION OF', 'table', false);
        return;
      case 'ATTACH':
      case 'DETACH':
        if (this.word(i + 1) === 'PARTITION') this.nameAt(i + 2, `${word} PARTITION`, 'table', false);
        return;
      case 'LIKE':
        // CREATE TABLE x (LIKE other ...), PostgreSQL only; elsewhere LIKE is the string operator.
        if (
          this.ctx.dialect === 'postgresql' &&
          this.kind === 'CREATE TABLE' &&
          (this.punct(i - 1, '(') || this.punct(i - 1, ','))
        ) {
          this.nameAt(i + 1, 'LIKE', 'table', false);
        }
        return;
    }
  }

  private from(i: number): void {
    const prev = this.word(i - 1);
    if (prev === 'DISTINCT' && ['IS', 'NOT'].includes(this.word(i - 2) ?? '')) return; // IS DISTINCT FROM
    if (prev === 'VALUES') return; // FOR VALUES FROM (...) TO (...)
    const opener = this.parent[i] ?? -1;
    if (opener >= 0 && FROM_IN_ARGUMENTS.has(this.word(opener - 1) ?? '')) return; // EXTRACT(year FROM x)
    if (prev === 'DELETE') {
      // The target of a DELETE is always a real table, never a CTE.
      const j = this.word(i + 1) === 'ONLY' ? i + 2 : i + 1;
      const name = this.nameAt(j, 'DELETE FROM', 'table', false);
      if (name && !this.whereFollows(i)) {
        this.warn(`DELETE FROM ${display(name)} has no WHERE: it deletes every row`);
      }
      return;
    }
    this.fromList(i + 1, 'FROM');
  }

  /**
   * Reads the table list that starts at token i: an item, then more after each top-level comma, up to
   * the clause that ends it. JOINed items are checked by the JOIN keyword itself.
   */
  private fromList(i: number, after: string): void {
    let expectItem = true;
    while (i < this.tokens.length && !this.isCloser(i)) {
      if (expectItem) {
        i = this.fromItem(i, after);
        expectItem = false;
        continue;
      }
      const word = this.word(i);
      if (word && FROM_LIST_END.has(word)) return;
      if (word === 'ON' && this.word(i + 1) === 'CONFLICT') return;
      if (this.punct(i, ',')) expectItem = true;
      i = this.isOpener(i) ? this.closerOf(i) + 1 : i + 1;
    }
  }

  /** One item of a FROM list; returns the index after it. */
  private fromItem(i: number, after: string): number {
    while (['LATERAL', 'ONLY'].includes(this.word(i) ?? '')) i++;
    if (this.punct(i, '(')) {
      // A subquery is checked through its own FROM; `(a JOIN b)` or SQLite's `(t)` is a nested list.
      if (!SUBQUERY_START.has(this.word(i + 1) ?? '')) this.fromList(i + 1, after);
      return this.closerOf(i) + 1;
    }
    const name = this.readName(i);
    if (!name) {
      this.error(`expected a table name after ${after}`);
      return i + 1;
    }
    if (this.punct(name.end, '(')) {
      const fn = asciiLower(display(name));
      if (!TABLE_FUNCTIONS.has(fn) && !this.deniedFunction(fn)) {
        this.error(`table-valued function ${display(name)}() is not allowed after ${after}`);
      }
      return this.closerOf(name.end) + 1;
    }
    this.checkName(name, 'table', true);
    return name.end;
  }

  private update(i: number): void {
    if (NOT_AN_UPDATE_STATEMENT.has(this.word(i - 1) ?? '')) return;
    let j = i + 1;
    if (this.word(j) === 'OR') j += 2; // SQLite: UPDATE OR IGNORE t
    if (this.word(j) === 'ONLY') j++;
    const name = this.nameAt(j, 'UPDATE', 'table', false);
    if (name && !this.whereFollows(i))
      this.warn(`UPDATE ${display(name)} has no WHERE: it updates every row`);
  }

  private table(i: number): void {
    const prev = this.word(i - 1);
    if (prev === 'RETURNS') return;
    let j = this.skipIfExists(i + 1);
    if (this.word(j) === 'ONLY') j++;
    if (prev === 'DROP') {
      for (const name of this.nameList(j, 'DROP TABLE', 'table')) {
        this.warn(`DROP TABLE ${display(name)} deletes the table and every row in it`);
      }
      return;
    }
    // `TABLE x` on its own is PostgreSQL shorthand for SELECT * FROM x, which may read a CTE.
    const defines = ['CREATE', 'TEMP', 'TEMPORARY', 'UNLOGGED', 'ALTER', 'INTO'].includes(prev ?? '');
    this.nameAt(j, 'TABLE', 'table', !defines);
  }

  private view(i: number): void {
    const prev = this.word(i - 1) ?? '';
    if (!['CREATE', 'TEMP', 'TEMPORARY', 'REPLACE', 'DROP'].includes(prev)) return; // SQLite allows a column named view
    const j = this.skipIfExists(i + 1);
    if (prev === 'DROP') {
      for (const name of this.nameList(j, 'DROP VIEW', 'view')) {
        this.warn(`DROP VIEW ${display(name)}: anything still reading the view will fail`);
      }
      return;
    }
    this.nameAt(j, 'VIEW', 'view', false);
  }

  private index(i: number): void {
    const prev = this.word(i - 1) ?? '';
    if (!['CREATE', 'UNIQUE', 'DROP'].includes(prev)) return;
    let j = i + 1;
    if (this.word(j) === 'CONCURRENTLY') {
      this.error(
        `${prev === 'DROP' ? 'DROP' : 'CREATE'} INDEX CONCURRENTLY cannot run inside the transaction Rosey wraps each migration in`,
      );
      j++;
    }
    j = this.skipIfExists(j);
    if (prev === 'DROP') {
      this.nameList(j, 'DROP INDEX', 'index');
      return;
    }
    // PostgreSQL may leave the index unnamed (`CREATE INDEX ON t (c)`) and names it after the table.
    if (this.word(j) !== 'ON') {
      const name = this.readName(j);
      if (!name) {
        this.error('expected an index name after CREATE INDEX');
        return;
      }
      this.checkName(name, 'index', false);
      j = name.end;
    }
    if (this.word(j) !== 'ON') {
      this.error('expected ON <table> in CREATE INDEX');
      return;
    }
    j++;
    if (this.word(j) === 'ONLY') j++;
    this.nameAt(j, 'ON', 'table', false);
  }

  // ---- function calls ----

  private deniedFunction(name: string): boolean {
    return DENIED_FUNCTIONS.has(name) || name.startsWith('pragma_');
  }

  private call(i: number): void {
    const name = asciiLower(this.tokens[i]?.value ?? '');
    if (this.deniedFunction(name)) this.error(`function ${name}() is not allowed in a migration`);
    else if (SEQUENCE_FUNCTIONS.has(name)) this.sequenceArgument(i + 2, name);
  }

  /** nextval('seq') and friends take a sequence name as text: it must be one of the plugin's. */
  private sequenceArgument(i: number, fn: string): void {
    const token = this.tokens[i];
    if (token?.kind === 'string') {
      // Text like '"Quote_DB__x_id_seq"' or 'public.x' is parsed by PostgreSQL as a (qualified) name.
      const parts = token.value.split('.').map((p) => p.replace(/^"(.*)"$/, '$1'));
      this.checkName({ parts, at: i, end: i + 1 }, 'sequence', false);
      return;
    }
    if (asciiLower(token?.value ?? '') === 'pg_get_serial_sequence' && this.punct(i + 1, '(')) {
      if (this.tokens[i + 2]?.kind === 'string') {
        this.checkName({ parts: [this.tokens[i + 2]?.value ?? ''], at: i + 2, end: i + 3 }, 'table', false);
        return;
      }
    }
    this.error(`cannot check the sequence given to ${fn}(); pass its name as a string literal`);
  }

  // ---- dialects ----

  private alterTable(): void {
    const { dialect, sqliteVersion } = this.ctx;
    const sqlite = dialect === 'sqlite';
    for (let i = 2; i < this.tokens.length; i++) {
      const word = this.word(i);
      const next = this.word(i + 1);
      if (word === 'SET' && next === 'SCHEMA') this.error('ALTER TABLE ... SET SCHEMA is not allowed');
      if (word === 'OWNER' && next === 'TO') this.error('ALTER TABLE ... OWNER TO is not allowed');
      if (sqlite && word === 'ALTER') {
        this.error(
          'SQLite cannot ALTER COLUMN: rebuild the table (create the new one, copy the rows, drop the old one, rename)',
        );
      }
      if (sqlite && word === 'ADD' && next && TABLE_CONSTRAINTS.has(next)) {
        this.error(
          'SQLite cannot ADD CONSTRAINT: rebuild the table (create the new one, copy the rows, drop the old one, rename)',
        );
      }
      if (sqlite && word === 'RENAME' && next !== 'TO' && versionBelow(sqliteVersion, [3, 25, 0])) {
        this.error(`SQLite ${sqliteVersion} cannot RENAME COLUMN (needs 3.25.0)`);
      }
      if (word === 'DROP' && !(next && NOT_A_COLUMN.has(next))) {
        const j = this.skipIfExists(next === 'COLUMN' ? i + 2 : i + 1);
        const column = this.namePart(j) ?? '?';
        if (sqlite && versionBelow(sqliteVersion, [3, 35, 0])) {
          this.error(`SQLite ${sqliteVersion} cannot DROP COLUMN (needs 3.35.0): rebuild the table instead`);
        } else {
          this.warn(`DROP COLUMN ${column} deletes the column and its data`);
        }
      }
    }
  }

  private sqliteSyntax(): void {
    if (this.kind !== 'CREATE TABLE' && this.kind !== 'ALTER TABLE') return;
    this.tokens.forEach((token, i) => {
      if (token.kind !== 'word' || !SERIAL_TYPES.has(token.upper)) return;
      // Only in type position: `(id SERIAL`, `, id SERIAL`, `ADD [COLUMN] id SERIAL`.
      const column = this.tokens[i - 1];
      const before = this.tokens[i - 2];
      const columnName = column?.kind === 'word' || column?.kind === 'quoted-ident';
      const starts =
        before?.kind === 'punct'
          ? before.text === '(' || before.text === ','
          : before?.upper === 'COLUMN' || before?.upper === 'ADD';
      if (columnName && starts) {
        this.error(`${token.upper} is PostgreSQL syntax; use INTEGER PRIMARY KEY AUTOINCREMENT`);
      }
    });
  }

  private postgresqlSyntax(): void {
    this.tokens.forEach((token, i) => {
      if (token.kind !== 'word') return;
      if (token.upper === 'AUTOINCREMENT') {
        this.error(
          'AUTOINCREMENT is SQLite syntax: write the PostgreSQL version in a `-- UP: postgresql` section (e.g. id SERIAL PRIMARY KEY)',
        );
      }
      if (token.upper === 'INSERT' && this.word(i + 1) === 'OR') {
        this.error(
          `INSERT OR ${this.word(i + 2) ?? ''} is SQLite syntax; use INSERT ... ON CONFLICT (...) DO UPDATE / DO NOTHING`,
        );
      }
      if (token.upper === 'WITHOUT' && this.word(i + 1) === 'ROWID')
        this.error('WITHOUT ROWID is SQLite syntax');
    });
  }
}

/**
 * Checks one section of migration SQL for one database. Bad SQL never throws: it becomes errors.
 * Throws only for an impossible plugin name, which is the caller's bug.
 */
export function validateMigrationSql(sql: string, options: ValidateOptions): ValidationResult {
  const { plugin, dialect } = options;
  if (!PLUGIN_NAME.test(plugin)) throw new Error(`'${plugin}' is not a plugin name`);
  const ctx: Context = {
    plugin,
    prefix: namespacePrefix(plugin),
    dialect,
    sqliteVersion: options.sqliteVersion,
    errors: [...lexicalProblems(sql, dialect)],
    warnings: [],
  };
  const statements = splitStatements(sql, dialect);
  if (statements.length === 0 && options.requireStatements) ctx.errors.push('no SQL statements');
  statements.forEach((statement, i) => new StatementCheck(statement, i + 1, ctx).run());
  return { errors: [...new Set(ctx.errors)], warnings: [...new Set(ctx.warnings)], statements };
}
