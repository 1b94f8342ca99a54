import { expect } from 'chai';
import { DIALECTS } from '../../actors/migrator/migration-file.js';
import { type Dialect } from '../../actors/database/open.js';
import { validateMigrationSql, type ValidateOptions } from '../../actors/migrator/sql-validator.js';
import { namespacePrefix } from '../../contract/messages/storage.js';

function check(sql: string, dialect: Dialect = 'sqlite', options: Partial<ValidateOptions> = {}) {
  return validateMigrationSql(sql, { plugin: 'quote-db', dialect, ...options });
}

/** Errors of `sql`, the same on both databases. */
function errors(sql: string): string[] {
  const [sqlite, postgresql] = DIALECTS.map((d) => check(sql, d).errors);
  expect(postgresql, 'postgresql and sqlite disagree').to.deep.equal(sqlite);
  return sqlite ?? [];
}

const outside = (name: string, n = 1, what = 'table') =>
  `statement ${n}: ${what} ${name} is outside the namespace of plugin quote-db (quote_db__*)`;

describe('migration SQL validator', () => {
  describe('namespace', () => {
    it('derives the prefix from the plugin name', () => {
      expect(namespacePrefix('quote-db')).to.equal('quote_db__');
      expect(namespacePrefix('dice')).to.equal('dice__');
    });

    it("accepts a migration that only touches the plugin's own tables", () => {
      const sql = `
        CREATE TABLE IF NOT EXISTS quote_db__quotes (
          id INTEGER PRIMARY KEY,
          author_id INTEGER REFERENCES quote_db__authors (id) ON DELETE CASCADE ON UPDATE CASCADE,
          text TEXT NOT NULL CHECK (text <> '')
        );
        CREATE TEMP TABLE quote_db__scratch (x INTEGER);
        CREATE UNIQUE INDEX IF NOT EXISTS ux_quote_db__quotes_text ON quote_db__quotes (text);
        CREATE INDEX idx_quote_db__quotes_author ON quote_db__quotes (author_id);
        CREATE INDEX quote_db__quotes_by_id ON quote_db__quotes (id);
        CREATE INDEX uq_quote_db__x ON quote_db__quotes (id);
        CREATE VIEW IF NOT EXISTS quote_db__recent AS SELECT * FROM quote_db__quotes ORDER BY id DESC LIMIT 10;
        INSERT INTO quote_db__quotes (text) VALUES ('hello');
        INSERT INTO quote_db__archive SELECT q.* FROM quote_db__quotes q
          JOIN quote_db__authors a ON a.id = q.author_id, quote_db__other o
          WHERE q.id IN (SELECT id FROM quote_db__flagged);
        UPDATE quote_db__quotes SET text = upper(text) WHERE id = 1;
        DELETE FROM quote_db__quotes WHERE id NOT IN (SELECT id FROM quote_db__keep);
        ALTER TABLE quote_db__quotes ADD COLUMN score INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE quote_db__quotes RENAME TO quote_db__quotes_v2;
        SELECT count(*) FROM quote_db__quotes;
      `;
      for (const dialect of DIALECTS) {
        const result = check(sql, dialect);
        expect(result.errors, dialect).to.deep.equal([]);
        expect(result.warnings, dialect).to.deep.equal([]);
        expect(result.statements).to.have.length(14);
      }
    });

    it('names the statement, table, plugin and prefix', () => {
      expect(errors('SELECT 1; SELECT * FROM trivia__scores')).to.deep.equal([outside('trivia__scores', 2)]);
    });

    it('checks every place a table name appears', () => {
      const cases: [string, string][] = [
        ['CREATE TABLE trivia__x (id INTEGER)', 'trivia__x'],
        ['CREATE TABLE IF NOT EXISTS trivia__x (id INTEGER)', 'trivia__x'],
        ['CREATE TEMPORARY TABLE rosey_tmp (id INTEGER)', 'rosey_tmp'],
        ['CREATE TABLE quote_db__x AS SELECT * FROM rosey_kv', 'rosey_kv'],
        ['DROP TABLE rosey_kv', 'rosey_kv'],
        ['DROP TABLE IF EXISTS rosey_kv', 'rosey_kv'],
        ['ALTER TABLE rosey_kv ADD COLUMN x TEXT', 'rosey_kv'],
        ['ALTER TABLE quote_db__x RENAME TO rosey_kv2', 'rosey_kv2'],
        ['INSERT INTO rosey_kv (key) VALUES (1)', 'rosey_kv'],
        ['UPDATE rosey_kv SET value = 1 WHERE key = 2', 'rosey_kv'],
        ['DELETE FROM rosey_audit WHERE id = 1', 'rosey_audit'],
        ['SELECT * FROM trivia__x', 'trivia__x'],
        ['SELECT * FROM quote_db__a a LEFT OUTER JOIN trivia__b b ON a.id = b.id', 'trivia__b'],
        ['SELECT * FROM quote_db__a NATURAL JOIN trivia__b', 'trivia__b'],
        ['SELECT * FROM quote_db__a, quote_db__b, trivia__c AS c', 'trivia__c'],
        ['SELECT * FROM quote_db__a WHERE id IN (SELECT id FROM trivia__x)', 'trivia__x'],
        ['SELECT (SELECT max(id) FROM rosey_kv) FROM quote_db__a', 'rosey_kv'],
        ['SELECT * FROM quote_db__a WHERE EXISTS (SELECT 1 FROM (SELECT * FROM rosey_kv) k)', 'rosey_kv'],
        ['CREATE TABLE quote_db__a (id INTEGER, k TEXT REFERENCES rosey_kv (key))', 'rosey_kv'],
        ['CREATE TABLE quote_db__a (id INTEGER, FOREIGN KEY (id) REFERENCES trivia__b (id))', 'trivia__b'],
        ['CREATE INDEX idx_quote_db__a ON trivia__a (id)', 'trivia__a'],
        ['CREATE VIEW quote_db__v AS SELECT * FROM quote_db__a JOIN rosey_kv ON true', 'rosey_kv'],
        ['SELECT * FROM quote_db__a WHERE id = 1 UNION SELECT * FROM trivia__a', 'trivia__a'],
      ];
      for (const [sql, table] of cases) expect(errors(sql), sql).to.deep.equal([outside(table)]);
    });

    it('catches trivia__x in a subquery of an INSERT ... SELECT', () => {
      const sql = `INSERT INTO quote_db__quotes (text)
        SELECT t FROM (SELECT question AS t FROM trivia__x WHERE 1 = 1) AS sub`;
      expect(errors(sql)).to.deep.equal([outside('trivia__x')]);
    });

    it('catches a JOIN to rosey_kv', () => {
      expect(errors('SELECT q.* FROM quote_db__quotes q JOIN rosey_kv k ON k.key = q.text')).to.deep.equal([
        outside('rosey_kv'),
      ]);
    });

    it('checks every table of a multi-table DROP TABLE', () => {
      const result = check('DROP TABLE IF EXISTS quote_db__a, trivia__b, "rosey_kv"');
      expect(result.errors).to.deep.equal([outside('trivia__b'), outside('rosey_kv')]);
      expect(result.warnings).to.deep.equal([
        'statement 1: DROP TABLE quote_db__a deletes the table and every row in it',
      ]);
    });

    it('compares quoted and unquoted names case-insensitively', () => {
      expect(errors('SELECT * FROM "quote_db__quotes"')).to.deep.equal([]);
      expect(errors('SELECT * FROM QUOTE_DB__Quotes')).to.deep.equal([]);
      expect(errors('select * from "Quote_DB__quotes"')).to.deep.equal([]);
      expect(errors('SELECT * FROM "trivia__x"')).to.deep.equal([outside('trivia__x')]);
      expect(errors('SELECT * FROM ROSEY_KV')).to.deep.equal([outside('ROSEY_KV')]);
    });

    it('reads SQLite-only quoting: backticks, brackets and string literals used as names', () => {
      const sqlite = (sql: string) => check(sql, 'sqlite').errors;
      expect(sqlite('SELECT * FROM `quote_db__a` JOIN [quote_db__b] ON true')).to.deep.equal([]);
      expect(sqlite('SELECT * FROM `rosey_kv`')).to.deep.equal([outside('rosey_kv')]);
      expect(sqlite('SELECT * FROM [rosey_kv]')).to.deep.equal([outside('rosey_kv')]);
      expect(sqlite("SELECT * FROM 'rosey_kv'")).to.deep.equal([outside('rosey_kv')]);
    });

    it('refuses schema-qualified names, even inside the namespace', () => {
      for (const name of ['main.quote_db__quotes', 'temp.quote_db__quotes', 'public.quote_db__quotes']) {
        expect(errors(`SELECT * FROM ${name}`), name).to.deep.equal([
          `statement 1: schema-qualified name ${name} is not allowed; write the bare table name`,
        ]);
      }
      expect(errors('CREATE TABLE "main"."quote_db__q" (id INTEGER)')).to.deep.equal([
        'statement 1: schema-qualified name main.quote_db__q is not allowed; write the bare table name',
      ]);
      expect(errors('INSERT INTO main.quote_db__q VALUES (1)')).to.have.length(1);
    });

    it('needs the whole prefix, and something after it', () => {
      expect(errors('SELECT * FROM quote_db_x')).to.deep.equal([outside('quote_db_x')]);
      expect(errors('SELECT * FROM quote_db__')).to.deep.equal([outside('quote_db__')]);
      expect(errors('SELECT * FROM quotedb__x')).to.deep.equal([outside('quotedb__x')]);
      // Plugin quote-db-extra owns quote_db_extra__*, which is not quote-db's.
      expect(errors('SELECT * FROM quote_db_extra__x')).to.deep.equal([outside('quote_db_extra__x')]);
    });

    it('refuses the databases’ own catalogues', () => {
      expect(check('SELECT * FROM sqlite_master', 'sqlite').errors).to.deep.equal([outside('sqlite_master')]);
      expect(check('SELECT * FROM pg_catalog.pg_class', 'postgresql').errors).to.have.length(1);
      expect(check('SELECT * FROM information_schema.tables', 'postgresql').errors).to.have.length(1);
    });

    it('names indexes after the plugin', () => {
      const indexError = (name: string) =>
        `statement 1: index ${name} is outside the namespace of plugin quote-db (quote_db__* or idx_quote_db__*)`;
      expect(errors('CREATE INDEX idx_quotes_author ON quote_db__quotes (author)')).to.deep.equal([
        indexError('idx_quotes_author'),
      ]);
      expect(errors('CREATE UNIQUE INDEX rosey_kv_x ON quote_db__quotes (author)')).to.deep.equal([
        indexError('rosey_kv_x'),
      ]);
      expect(errors('DROP INDEX IF EXISTS idx_trivia__x')).to.deep.equal([indexError('idx_trivia__x')]);
      expect(errors('DROP INDEX idx_quote_db__quotes_author')).to.deep.equal([]);
      expect(errors('DROP INDEX ux_quote_db__a, uq_quote_db__b')).to.deep.equal([]);
      expect(check('CREATE INDEX ON quote_db__quotes (author)', 'postgresql').errors).to.deep.equal([]);
    });

    it('checks view names and DROP VIEW', () => {
      expect(errors('CREATE VIEW rosey_v AS SELECT 1')).to.deep.equal([outside('rosey_v', 1, 'view')]);
      expect(check('CREATE OR REPLACE VIEW trivia__v AS SELECT 1', 'postgresql').errors).to.deep.equal([
        outside('trivia__v', 1, 'view'),
      ]);
      expect(errors('DROP VIEW IF EXISTS quote_db__v, trivia__v')).to.deep.equal([
        outside('trivia__v', 1, 'view'),
      ]);
    });

    it('lets a CTE name stand for a table after it is defined', () => {
      expect(errors('WITH recent AS (SELECT * FROM quote_db__q) SELECT * FROM recent')).to.deep.equal([]);
      expect(
        errors(
          'WITH a AS (SELECT 1), b AS (SELECT * FROM a) INSERT INTO quote_db__q SELECT * FROM b JOIN a ON true',
        ),
      ).to.deep.equal([]);
      expect(
        errors('WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 5) SELECT * FROM n'),
      ).to.deep.equal([]);
      // A CTE may even shadow a core table's name: the query then reads the CTE.
      expect(errors('WITH rosey_kv AS (SELECT 1) SELECT * FROM rosey_kv')).to.deep.equal([]);
    });

    it('does not let a CTE name cover a real table elsewhere', () => {
      // Without RECURSIVE, PostgreSQL reads a name used before its CTE is defined as the real table...
      const earlier = 'WITH a AS (SELECT * FROM rosey_kv), rosey_kv AS (SELECT 1) SELECT * FROM a';
      expect(check(earlier, 'postgresql').errors).to.deep.equal([outside('rosey_kv')]);
      // ...while SQLite and WITH RECURSIVE see every CTE of the list.
      expect(check(earlier, 'sqlite').errors).to.deep.equal([]);
      expect(check(earlier.replace('WITH', 'WITH RECURSIVE'), 'postgresql').errors).to.deep.equal([]);
      // Outside the subquery that defines it, too.
      const sql =
        'INSERT INTO quote_db__q SELECT * FROM rosey_kv WHERE EXISTS (WITH rosey_kv AS (SELECT 1) SELECT * FROM rosey_kv)';
      expect(errors(sql)).to.deep.equal([outside('rosey_kv')]);
      // Writes always go to real tables.
      expect(errors('WITH rosey_kv AS (SELECT 1) DELETE FROM rosey_kv WHERE true')).to.deep.equal([
        outside('rosey_kv'),
      ]);
      expect(errors('WITH rosey_kv AS (SELECT 1) INSERT INTO rosey_kv SELECT * FROM rosey_kv')).to.deep.equal(
        [outside('rosey_kv')],
      );
    });

    it('descends into parenthesised joins', () => {
      expect(check('SELECT * FROM (rosey_kv)', 'sqlite').errors).to.deep.equal([outside('rosey_kv')]);
      expect(errors('SELECT * FROM (quote_db__a JOIN (rosey_kv) ON true)')).to.deep.equal([
        outside('rosey_kv'),
      ]);
      expect(errors('SELECT * FROM (SELECT 1) AS s, (VALUES (1)) AS v(x)')).to.deep.equal([]);
    });

    it('allows harmless table-valued functions only', () => {
      expect(check("SELECT value FROM json_each('[1,2]')", 'sqlite').errors).to.deep.equal([]);
      expect(check('SELECT * FROM generate_series(1, 3)', 'postgresql').errors).to.deep.equal([]);
      expect(check("SELECT * FROM pragma_table_info('rosey_kv')", 'sqlite').errors).to.deep.equal([
        'statement 1: function pragma_table_info() is not allowed in a migration',
      ]);
      expect(errors('SELECT * FROM quote_db__a, my_func(1)')).to.deep.equal([
        'statement 1: table-valued function my_func() is not allowed after FROM',
      ]);
    });

    it('has no false alarms on FROM that does not name a table', () => {
      const sql = `SELECT extract(year FROM created), substring(text FROM 2 FOR 3), trim(leading 'x' FROM text)
        FROM quote_db__q WHERE a IS DISTINCT FROM b AND c IS NOT DISTINCT FROM d`;
      expect(check(sql, 'postgresql').errors).to.deep.equal([]);
    });

    it('has no false alarms on upserts and foreign key actions', () => {
      const pg = `INSERT INTO quote_db__q (id, a, b) SELECT id, a, b FROM quote_db__src WHERE true
        ON CONFLICT (id) DO UPDATE SET a = excluded.a, b = excluded.b`;
      expect(check(pg, 'postgresql').errors).to.deep.equal([]);
      expect(check(pg, 'sqlite').errors).to.deep.equal([]);
      expect(
        errors(
          'CREATE TABLE quote_db__c (p INTEGER REFERENCES quote_db__p (id) ON UPDATE SET NULL ON DELETE CASCADE)',
        ),
      ).to.deep.equal([]);
    });

    describe('PostgreSQL ways to reach another table', () => {
      const pg = (sql: string) => check(sql, 'postgresql').errors;

      it('UPDATE ... FROM and DELETE ... USING', () => {
        expect(
          pg('UPDATE quote_db__a SET x = k.value FROM rosey_kv k WHERE k.key = quote_db__a.k'),
        ).to.deep.equal([outside('rosey_kv')]);
        expect(pg('DELETE FROM quote_db__a USING quote_db__b, rosey_kv WHERE true')).to.deep.equal([
          outside('rosey_kv'),
        ]);
        expect(pg('DELETE FROM quote_db__a a USING quote_db__b b WHERE a.id = b.id')).to.deep.equal([]);
      });

      it('inheritance, partitions and LIKE', () => {
        expect(pg('CREATE TABLE quote_db__a (x INT) INHERITS (quote_db__base, rosey_kv)')).to.deep.equal([
          outside('rosey_kv'),
        ]);
        expect(pg('ALTER TABLE quote_db__a INHERIT rosey_kv')).to.deep.equal([outside('rosey_kv')]);
        expect(
          pg('CREATE TABLE quote_db__p PARTITION OF rosey_audit FOR VALUES FROM (1) TO (10)'),
        ).to.deep.equal([outside('rosey_audit')]);
        expect(
          pg('CREATE TABLE quote_db__p PARTITION OF quote_db__all FOR VALUES FROM (1) TO (10)'),
        ).to.deep.equal([]);
        expect(pg('ALTER TABLE quote_db__all ATTACH PARTITION rosey_kv FOR VALUES IN (1)')).to.deep.equal([
          outside('rosey_kv'),
        ]);
        expect(pg('CREATE TABLE quote_db__copy (LIKE rosey_kv INCLUDING ALL)')).to.deep.equal([
          outside('rosey_kv'),
        ]);
        expect(pg("CREATE TABLE quote_db__a (t TEXT CHECK (t LIKE 'a%'))")).to.deep.equal([]);
      });

      it('SELECT INTO and TABLE', () => {
        expect(pg('SELECT * INTO rosey_copy FROM quote_db__a')).to.deep.equal([outside('rosey_copy')]);
        expect(pg('INSERT INTO quote_db__a TABLE rosey_kv')).to.deep.equal([outside('rosey_kv')]);
        expect(pg('INSERT INTO quote_db__a (TABLE quote_db__b)')).to.deep.equal([]);
      });

      it('data-modifying CTEs', () => {
        expect(pg('WITH d AS (DELETE FROM rosey_kv RETURNING *) SELECT 1')).to.deep.equal([
          outside('rosey_kv'),
        ]);
        expect(pg('WITH u AS (UPDATE rosey_kv SET value = 1 WHERE true RETURNING *) SELECT 1')).to.deep.equal(
          [outside('rosey_kv')],
        );
      });

      it('sequence functions', () => {
        expect(pg("SELECT setval('quote_db__a_id_seq', 10)")).to.deep.equal([]);
        expect(pg("SELECT setval(pg_get_serial_sequence('quote_db__a', 'id'), 10)")).to.deep.equal([]);
        expect(pg("SELECT setval('rosey_audit_id_seq', 1)")).to.deep.equal([
          outside('rosey_audit_id_seq', 1, 'sequence'),
        ]);
        expect(pg("SELECT setval(pg_get_serial_sequence('rosey_audit', 'id'), 1)")).to.deep.equal([
          outside('rosey_audit'),
        ]);
        expect(pg("CREATE TABLE quote_db__a (id INT DEFAULT nextval('public.quote_db__s'))")).to.have.length(
          1,
        );
        expect(pg('SELECT nextval(x) FROM quote_db__a')).to.deep.equal([
          'statement 1: cannot check the sequence given to nextval(); pass its name as a string literal',
        ]);
      });
    });

    it('refuses functions that reach outside the database or run SQL from text', () => {
      expect(check("SELECT load_extension('evil')", 'sqlite').errors).to.deep.equal([
        'statement 1: function load_extension() is not allowed in a migration',
      ]);
      expect(check("SELECT set_config('search_path', 'other', false)", 'postgresql').errors).to.have.length(
        1,
      );
      expect(
        check("SELECT query_to_xml('select * from rosey_kv', true, true, '')", 'postgresql').errors,
      ).to.deep.equal(['statement 1: function query_to_xml() is not allowed in a migration']);
      expect(check("SELECT pg_catalog.pg_read_file('/etc/passwd')", 'postgresql').errors).to.have.length(1);
    });
  });

  describe('hostile text', () => {
    it('does not split or flag inside strings', () => {
      const sql = "INSERT INTO quote_db__q (text) VALUES ('x''); DROP TABLE rosey_kv; --')";
      for (const dialect of DIALECTS) {
        const result = check(sql, dialect);
        expect(result.errors, dialect).to.deep.equal([]);
        expect(result.statements).to.deep.equal([sql]);
      }
    });

    it('keeps -- inside a string from hiding the rest of the statement', () => {
      expect(errors("INSERT INTO quote_db__q VALUES ('--'); DELETE FROM rosey_kv WHERE true")).to.deep.equal([
        outside('rosey_kv', 2),
      ]);
    });

    it('sees keywords split by comments', () => {
      expect(errors('DROP /* x */ TABLE trivia__y')).to.deep.equal([outside('trivia__y')]);
      expect(errors('DROP -- x\nTABLE trivia__y')).to.deep.equal([outside('trivia__y')]);
      expect(errors('SELECT * FROM/**/rosey_kv')).to.deep.equal([outside('rosey_kv')]);
    });

    it('does not let a comment hide a statement', () => {
      expect(errors('SELECT 1 /* comment */; DELETE FROM rosey_kv WHERE true -- trailing')).to.deep.equal([
        outside('rosey_kv', 2),
      ]);
    });

    it('treats a dollar-quoted body as a string on PostgreSQL only', () => {
      const sql = 'SELECT $x$; DELETE FROM rosey_kv WHERE true; $x$';
      const pg = check(sql, 'postgresql');
      expect(pg.errors).to.deep.equal([]);
      expect(pg.statements).to.have.length(1);
      // SQLite has no dollar quotes: the DELETE is a statement of its own there.
      const sqlite = check(sql, 'sqlite');
      expect(sqlite.statements).to.have.length(3);
      expect(sqlite.errors).to.include(outside('rosey_kv', 2));
    });

    it('treats an E-string escape as PostgreSQL does', () => {
      const sql = "INSERT INTO quote_db__q VALUES (E'\\'; DELETE FROM rosey_kv WHERE true; --')";
      expect(check(sql, 'postgresql').errors).to.deep.equal([]);
      expect(check(sql, 'sqlite').errors).to.include(outside('rosey_kv', 2));
    });

    it('reports unterminated strings and unbalanced parentheses', () => {
      expect(errors("SELECT * FROM quote_db__q WHERE a = 'x")).to.deep.equal([
        'unterminated string (line 1)',
      ]);
      expect(errors('SELECT * FROM quote_db__q WHERE (a = 1')).to.deep.equal([
        'statement 1: unbalanced parentheses',
      ]);
    });

    it('never throws, whatever the text', () => {
      const alphabet = [
        "'",
        '"',
        '$',
        '$$',
        ';',
        '(',
        ')',
        '[',
        ']',
        '`',
        '--',
        '/*',
        '*/',
        'FROM',
        'WITH',
        'AS',
        'TABLE',
        'INDEX',
        'ON',
        'JOIN',
        ',',
        '.',
        'x',
        ' ',
        '\n',
        'E',
        'DROP',
        'UPDATE',
        'DELETE',
        'INTO',
        'USING',
      ];
      let seed = 42;
      const random = () => {
        seed = (seed * 1103515245 + 12345) % 2 ** 31;
        return seed / 2 ** 31;
      };
      for (let n = 0; n < 2000; n++) {
        const words = Array.from(
          { length: 1 + Math.floor(random() * 20) },
          () => alphabet[Math.floor(random() * alphabet.length)],
        );
        const sql = words.join(' ');
        for (const dialect of DIALECTS) expect(() => check(sql, dialect), sql).to.not.throw();
      }
    });
  });

  describe('statement kinds', () => {
    it('allows ordinary DDL and DML', () => {
      const sql = `
        CREATE TABLE quote_db__a (id INTEGER);
        CREATE INDEX idx_quote_db__a ON quote_db__a (id);
        CREATE UNIQUE INDEX ux_quote_db__a ON quote_db__a (id);
        CREATE VIEW quote_db__v AS SELECT * FROM quote_db__a;
        ALTER TABLE quote_db__a ADD COLUMN b TEXT;
        INSERT INTO quote_db__a (id) VALUES (1);
        UPDATE quote_db__a SET id = 2 WHERE id = 1;
        DELETE FROM quote_db__a WHERE id = 2;
        SELECT * FROM quote_db__a;
        WITH x AS (SELECT 1 AS id) INSERT INTO quote_db__a SELECT id FROM x;
        DROP VIEW quote_db__v;
        DROP INDEX idx_quote_db__a;
        DROP TABLE quote_db__a;
      `;
      expect(errors(sql)).to.deep.equal([]);
    });

    it('refuses everything else, naming the keyword', () => {
      const refused: [string, string][] = [
        ['PRAGMA writable_schema=1', 'PRAGMA is not allowed in a migration'],
        ["ATTACH DATABASE '/tmp/x.db' AS x", 'ATTACH is not allowed in a migration'],
        ['DETACH DATABASE x', 'DETACH is not allowed in a migration'],
        ['VACUUM', 'VACUUM is not allowed in a migration'],
        [
          'CREATE TRIGGER quote_db__t AFTER INSERT ON quote_db__a BEGIN SELECT 1; END',
          'CREATE TRIGGER is not allowed in a migration',
        ],
        [
          'CREATE FUNCTION quote_db__f() RETURNS int AS $$ SELECT 1 $$ LANGUAGE sql',
          'CREATE FUNCTION is not allowed',
        ],
        [
          'CREATE OR REPLACE FUNCTION f() RETURNS int AS $$ SELECT 1 $$',
          'CREATE OR REPLACE FUNCTION is not allowed',
        ],
        ['CREATE SCHEMA quote_db', 'CREATE SCHEMA is not allowed'],
        ['CREATE EXTENSION pgcrypto', 'CREATE EXTENSION is not allowed'],
        ['CREATE VIRTUAL TABLE quote_db__fts USING fts5(text)', 'CREATE VIRTUAL TABLE is not allowed'],
        ['CREATE SEQUENCE quote_db__s', 'CREATE SEQUENCE is not allowed'],
        ['CREATE MATERIALIZED VIEW quote_db__m AS SELECT 1', 'CREATE MATERIALIZED VIEW is not allowed'],
        ['DROP TRIGGER quote_db__t', 'DROP TRIGGER is not allowed'],
        ['DROP SCHEMA public CASCADE', 'DROP SCHEMA is not allowed'],
        ['ALTER INDEX idx_quote_db__a RENAME TO x', 'ALTER INDEX is not allowed'],
        ["DO $$ BEGIN EXECUTE 'DROP TABLE rosey_kv'; END $$", 'DO is not allowed in a migration'],
        ["COPY quote_db__a FROM '/etc/passwd'", 'COPY is not allowed in a migration'],
        ['GRANT ALL ON quote_db__a TO public', 'GRANT is not allowed in a migration'],
        ['REVOKE ALL ON quote_db__a FROM public', 'REVOKE is not allowed in a migration'],
        ['SET search_path TO other', 'SET is not allowed in a migration'],
        ['RESET search_path', 'RESET is not allowed in a migration'],
        ['REINDEX quote_db__a', 'REINDEX is not allowed in a migration'],
        ['ANALYZE quote_db__a', 'ANALYZE is not allowed in a migration'],
        ["LOAD 'auto_explain'", 'LOAD is not allowed in a migration'],
        ['EXPLAIN SELECT 1', 'EXPLAIN is not allowed in a migration'],
        ['TRUNCATE quote_db__a', 'TRUNCATE is not allowed; use DELETE FROM <table>'],
      ];
      for (const [sql, message] of refused) {
        for (const dialect of DIALECTS) {
          const result = check(sql, dialect);
          expect(result.errors[0], `${dialect}: ${sql}`).to.contain(`statement 1: ${message}`);
        }
      }
    });

    it('refuses transaction control: Rosey owns the transaction', () => {
      for (const keyword of [
        'BEGIN',
        'BEGIN TRANSACTION',
        'COMMIT',
        'END',
        'ROLLBACK',
        'SAVEPOINT a',
        'RELEASE a',
      ]) {
        const first = keyword.split(' ')[0];
        expect(errors(keyword), keyword).to.deep.equal([
          `statement 1: ${first} is not allowed: Rosey runs each migration in a transaction of its own`,
        ]);
      }
    });

    it('is case-insensitive about keywords', () => {
      expect(errors('pragma foreign_keys = off')).to.deep.equal([
        'statement 1: PRAGMA is not allowed in a migration',
      ]);
      expect(errors('create table quote_db__a (id integer); drop table quote_db__a')).to.deep.equal([]);
      expect(errors('Select * From rosey_kv')).to.deep.equal([outside('rosey_kv')]);
    });

    it('needs WITH to end in SELECT, INSERT, UPDATE or DELETE', () => {
      expect(errors('WITH x AS (SELECT 1) SELECT * FROM x')).to.deep.equal([]);
      expect(
        errors('WITH x AS (SELECT 1) UPDATE quote_db__a SET b = (SELECT 1 FROM x) WHERE true'),
      ).to.deep.equal([]);
      expect(
        errors('WITH x AS (SELECT 1) DELETE FROM quote_db__a WHERE id IN (SELECT * FROM x)'),
      ).to.deep.equal([]);
      expect(errors('WITH x AS (SELECT 1) PRAGMA foo')).to.deep.equal([
        'statement 1: WITH must be followed by SELECT, INSERT, UPDATE or DELETE',
      ]);
    });

    it('refuses a statement that does not start with a keyword', () => {
      expect(errors('(SELECT 1)')).to.deep.equal(["statement 1: a statement cannot start with '('"]);
    });

    it('refuses CREATE/DROP INDEX CONCURRENTLY, which cannot run in a transaction', () => {
      expect(
        check('CREATE INDEX CONCURRENTLY idx_quote_db__a ON quote_db__a (id)', 'postgresql').errors,
      ).to.deep.equal([
        'statement 1: CREATE INDEX CONCURRENTLY cannot run inside the transaction Rosey wraps each migration in',
      ]);
      expect(check('DROP INDEX CONCURRENTLY idx_quote_db__a', 'postgresql').errors).to.have.length(1);
    });
  });

  describe('SQLite syntax', () => {
    const sqlite = (sql: string, sqliteVersion?: string) => check(sql, 'sqlite', { sqliteVersion });
    const rebuild = 'rebuild the table (create the new one, copy the rows, drop the old one, rename)';

    it('refuses ALTER COLUMN', () => {
      expect(sqlite('ALTER TABLE quote_db__a ALTER COLUMN b TYPE TEXT').errors).to.deep.equal([
        `statement 1: SQLite cannot ALTER COLUMN: ${rebuild}`,
      ]);
      expect(check('ALTER TABLE quote_db__a ALTER COLUMN b TYPE TEXT', 'postgresql').errors).to.deep.equal(
        [],
      );
    });

    it('refuses ADD CONSTRAINT but allows a constraint on an added column', () => {
      expect(sqlite('ALTER TABLE quote_db__a ADD CONSTRAINT c UNIQUE (b)').errors).to.deep.equal([
        `statement 1: SQLite cannot ADD CONSTRAINT: ${rebuild}`,
      ]);
      expect(sqlite('ALTER TABLE quote_db__a ADD UNIQUE (b)').errors).to.have.length(1);
      expect(
        sqlite('ALTER TABLE quote_db__a ADD COLUMN b INT CONSTRAINT c CHECK (b > 0)').errors,
      ).to.deep.equal([]);
      expect(check('ALTER TABLE quote_db__a ADD CONSTRAINT c UNIQUE (b)', 'postgresql').errors).to.deep.equal(
        [],
      );
    });

    it('refuses DROP COLUMN before SQLite 3.35.0, and warns about it after', () => {
      const sql = 'ALTER TABLE quote_db__a DROP COLUMN b';
      expect(sqlite(sql, '3.34.1').errors).to.deep.equal([
        'statement 1: SQLite 3.34.1 cannot DROP COLUMN (needs 3.35.0): rebuild the table instead',
      ]);
      const warning = ['statement 1: DROP COLUMN b deletes the column and its data'];
      for (const version of ['3.35.0', '3.44.2', undefined]) {
        const result = sqlite(sql, version);
        expect(result.errors, version).to.deep.equal([]);
        expect(result.warnings, version).to.deep.equal(warning);
      }
      expect(sqlite('ALTER TABLE quote_db__a DROP b', '3.44.0').warnings).to.deep.equal(warning);
    });

    it('refuses RENAME COLUMN before SQLite 3.25.0', () => {
      expect(sqlite('ALTER TABLE quote_db__a RENAME COLUMN a TO b', '3.24.0').errors).to.have.length(1);
      expect(sqlite('ALTER TABLE quote_db__a RENAME COLUMN a TO b', '3.25.0').errors).to.deep.equal([]);
      expect(sqlite('ALTER TABLE quote_db__a RENAME TO quote_db__b', '3.24.0').errors).to.deep.equal([]);
    });

    it('refuses SERIAL types', () => {
      const hint = 'is PostgreSQL syntax; use INTEGER PRIMARY KEY AUTOINCREMENT';
      expect(sqlite('CREATE TABLE quote_db__a (id SERIAL PRIMARY KEY)').errors).to.deep.equal([
        `statement 1: SERIAL ${hint}`,
      ]);
      expect(sqlite('CREATE TABLE quote_db__a (x INT, id bigserial)').errors).to.deep.equal([
        `statement 1: BIGSERIAL ${hint}`,
      ]);
      expect(sqlite('ALTER TABLE quote_db__a ADD COLUMN id SERIAL').errors).to.have.length(1);
      // A column may be called serial.
      expect(sqlite('CREATE TABLE quote_db__a (serial TEXT, "serial2" INT)').errors).to.deep.equal([]);
      expect(sqlite("SELECT serial FROM quote_db__a WHERE serial = 'x'").errors).to.deep.equal([]);
      expect(check('CREATE TABLE quote_db__a (id SERIAL PRIMARY KEY)', 'postgresql').errors).to.deep.equal(
        [],
      );
    });

    it('accepts SQLite-only syntax on SQLite', () => {
      const sql = `CREATE TABLE quote_db__a (id INTEGER PRIMARY KEY AUTOINCREMENT) WITHOUT ROWID;
        INSERT OR REPLACE INTO quote_db__a VALUES (1);
        INSERT OR IGNORE INTO quote_db__a VALUES (1);
        REPLACE INTO quote_db__a VALUES (1);
        UPDATE OR IGNORE quote_db__a SET id = 2 WHERE id = 1`;
      expect(sqlite(sql).errors).to.deep.equal([]);
      expect(sqlite('REPLACE INTO rosey_kv VALUES (1)').errors).to.deep.equal([outside('rosey_kv')]);
      expect(sqlite('INSERT OR REPLACE INTO rosey_kv VALUES (1)').errors).to.deep.equal([
        outside('rosey_kv'),
      ]);
    });
  });

  describe('PostgreSQL syntax', () => {
    const pg = (sql: string) => check(sql, 'postgresql').errors;

    it('refuses AUTOINCREMENT, pointing at a postgresql section', () => {
      expect(pg('CREATE TABLE quote_db__a (id INTEGER PRIMARY KEY AUTOINCREMENT)')).to.deep.equal([
        'statement 1: AUTOINCREMENT is SQLite syntax: write the PostgreSQL version in a `-- UP: postgresql` section (e.g. id SERIAL PRIMARY KEY)',
      ]);
    });

    it('refuses INSERT OR ... and REPLACE INTO', () => {
      expect(pg('INSERT OR REPLACE INTO quote_db__a VALUES (1)')).to.deep.equal([
        'statement 1: INSERT OR REPLACE is SQLite syntax; use INSERT ... ON CONFLICT (...) DO UPDATE / DO NOTHING',
      ]);
      expect(pg('insert or ignore into quote_db__a values (1)')[0]).to.contain(
        'INSERT OR IGNORE is SQLite syntax',
      );
      expect(pg('REPLACE INTO quote_db__a VALUES (1)')).to.deep.equal([
        'statement 1: REPLACE INTO is SQLite syntax; use INSERT ... ON CONFLICT (...) DO UPDATE',
      ]);
      expect(pg('INSERT INTO quote_db__a VALUES (1) ON CONFLICT DO NOTHING')).to.deep.equal([]);
    });

    it('refuses WITHOUT ROWID', () => {
      expect(pg('CREATE TABLE quote_db__a (id INT PRIMARY KEY) WITHOUT ROWID')).to.deep.equal([
        'statement 1: WITHOUT ROWID is SQLite syntax',
      ]);
    });

    it('refuses moving a table to another schema or owner', () => {
      expect(pg('ALTER TABLE quote_db__a SET SCHEMA other')).to.deep.equal([
        'statement 1: ALTER TABLE ... SET SCHEMA is not allowed',
      ]);
      expect(pg('ALTER TABLE quote_db__a OWNER TO postgres')).to.deep.equal([
        'statement 1: ALTER TABLE ... OWNER TO is not allowed',
      ]);
    });

    it('accepts ALTER COLUMN ... DROP DEFAULT without a DROP COLUMN warning', () => {
      const result = check(
        'ALTER TABLE quote_db__a ALTER COLUMN b DROP DEFAULT, DROP CONSTRAINT c',
        'postgresql',
      );
      expect(result.errors).to.deep.equal([]);
      expect(result.warnings).to.deep.equal([]);
    });
  });

  describe('warnings', () => {
    it('warns about destructive statements without blocking them', () => {
      const result = check(
        `DROP TABLE quote_db__old;
         ALTER TABLE quote_db__a DROP COLUMN legacy;
         DELETE FROM quote_db__a;
         UPDATE quote_db__a SET b = 1;
         DROP VIEW quote_db__v`,
        'postgresql',
      );
      expect(result.errors).to.deep.equal([]);
      expect(result.warnings).to.deep.equal([
        'statement 1: DROP TABLE quote_db__old deletes the table and every row in it',
        'statement 2: DROP COLUMN legacy deletes the column and its data',
        'statement 3: DELETE FROM quote_db__a has no WHERE: it deletes every row',
        'statement 4: UPDATE quote_db__a has no WHERE: it updates every row',
        'statement 5: DROP VIEW quote_db__v: anything still reading the view will fail',
      ]);
    });

    it('does not warn when DELETE and UPDATE have a WHERE of their own', () => {
      const result = check(
        `DELETE FROM quote_db__a WHERE id = 1;
         UPDATE quote_db__a SET b = 1 WHERE id = 1;
         DELETE FROM quote_db__a WHERE id IN (SELECT id FROM quote_db__b)`,
      );
      expect(result.warnings).to.deep.equal([]);
    });

    it('still warns when the only WHERE is in a subquery', () => {
      const result = check('UPDATE quote_db__a SET b = (SELECT max(x) FROM quote_db__b WHERE y = 1)');
      expect(result.warnings).to.deep.equal([
        'statement 1: UPDATE quote_db__a has no WHERE: it updates every row',
      ]);
    });
  });

  describe('empty input', () => {
    it('is fine by default', () => {
      expect(check('')).to.deep.equal({ errors: [], warnings: [], statements: [] });
      expect(check('-- irreversible\n')).to.deep.equal({ errors: [], warnings: [], statements: [] });
    });

    it('is an error when statements are required', () => {
      expect(check('', 'sqlite', { requireStatements: true }).errors).to.deep.equal(['no SQL statements']);
      expect(check('/* */ ;', 'postgresql', { requireStatements: true }).errors).to.deep.equal([
        'no SQL statements',
      ]);
      expect(check('SELECT 1', 'sqlite', { requireStatements: true }).errors).to.deep.equal([]);
    });
  });

  it('returns the comment-free statements it checked', () => {
    expect(
      check('-- header\nCREATE TABLE quote_db__a (id INT); /* x */ SELECT 1 -- y').statements,
    ).to.deep.equal(['CREATE TABLE quote_db__a (id INT)', 'SELECT 1']);
  });

  it('throws for an impossible plugin name, which is a caller bug', () => {
    expect(() => validateMigrationSql('SELECT 1', { plugin: 'Not A Plugin', dialect: 'sqlite' })).to.throw(
      "'Not A Plugin' is not a plugin name",
    );
  });
});
