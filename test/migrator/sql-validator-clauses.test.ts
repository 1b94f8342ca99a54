import { expect } from 'chai';
import { DIALECTS } from '../../actors/migrator/migration-file.js';
import type { Dialect } from '../../actors/database/open.js';
import { validateMigrationSql } from '../../actors/migrator/sql-validator.js';

const check = (sql: string, dialect: Dialect) =>
  validateMigrationSql(sql, { plugin: 'quote-db', dialect }).errors;

const outside = (name: string, what = 'table') =>
  `statement 1: ${what} ${name} is outside the namespace of plugin quote-db (quote_db__*)`;

/**
 * Every clause that names a table, view or sequence, one statement each: a name outside the
 * plugin's namespace is refused wherever it stands, and the words that only look like a table list
 * (ON CONFLICT, USING (cols), IS DISTINCT FROM, EXTRACT(… FROM …)) are not read as one.
 */
describe('migration SQL validator: each clause that names something', () => {
  const both: Array<[string, string[]]> = [
    ['DELETE FROM quote_db__a USING other_t WHERE quote_db__a.id = other_t.id', [outside('other_t')]],
    ['DELETE FROM quote_db__a USING quote_db__b WHERE quote_db__a.id = quote_db__b.id', []],
    ['SELECT * FROM quote_db__a JOIN quote_db__b USING (id)', []],
    ['INSERT INTO quote_db__a (x) VALUES (1) ON CONFLICT (x) DO UPDATE SET x = 2', []],
    ['INSERT INTO quote_db__a SELECT x FROM quote_db__b ON CONFLICT (x) DO NOTHING', []],
    ['WITH r AS NOT MATERIALIZED (SELECT 1) SELECT * FROM r', []],
    ['WITH r AS MATERIALIZED (SELECT 1) SELECT * FROM r', []],
    ['WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 3) SELECT * FROM r', []],
    ['SELECT (WITH r AS (SELECT 1) SELECT * FROM r), * FROM r', [outside('r')]],
    ["SELECT nextval(pg_get_serial_sequence('other_t', 'id'))", [outside('other_t')]],
    ["SELECT nextval(pg_get_serial_sequence('quote_db__a', 'id'))", []],
    [
      "SELECT nextval(pg_get_serial_sequence(x, 'id'))",
      ['statement 1: cannot check the sequence given to nextval(); pass its name as a string literal'],
    ],
    ["SELECT nextval('other_seq')", [outside('other_seq', 'sequence')]],
    ['SELECT nextval(\'"quote_db__seq"\')', []],
    ['SELECT * FROM LATERAL other_t', [outside('other_t')]],
    ['SELECT * FROM ONLY other_t', [outside('other_t')]],
    ['UPDATE ONLY other_t SET x = 1 WHERE x = 0', [outside('other_t')]],
    ['CREATE TABLE quote_db__c (x int) INHERITS (other_t)', [outside('other_t')]],
    ['CREATE TABLE quote_db__c PARTITION OF other_t FOR VALUES IN (1)', [outside('other_t')]],
    ['ALTER TABLE quote_db__c INHERIT other_t', [outside('other_t')]],
    ['ALTER TABLE quote_db__c NO INHERIT other_t', []],
    ['ALTER TABLE quote_db__c ATTACH PARTITION other_t FOR VALUES IN (1)', [outside('other_t')]],
    ['ALTER TABLE quote_db__c DETACH PARTITION other_t', [outside('other_t')]],
    ['CREATE TABLE quote_db__c (x int REFERENCES other_t (id))', [outside('other_t')]],
    ['CREATE TABLE quote_db__c (x int, FOREIGN KEY (x) REFERENCES other_t (id))', [outside('other_t')]],
    ['ALTER TABLE quote_db__c RENAME TO other_t', [outside('other_t')]],
    ['ALTER TABLE quote_db__c RENAME COLUMN x TO y', []],
    ['CREATE OR REPLACE VIEW other_v AS SELECT 1', [outside('other_v', 'view')]],
    ['CREATE TEMP VIEW other_v AS SELECT 1', [outside('other_v', 'view')]],
    ['SELECT x IS DISTINCT FROM y FROM quote_db__a', []],
    ['SELECT x IS NOT DISTINCT FROM y FROM quote_db__a', []],
    ['SELECT EXTRACT(year FROM now())', []],
    ["SELECT substring('abc' FROM 2)", []],
    ["SELECT trim(both 'x' FROM 'xax')", []],
    [
      'DROP INDEX CONCURRENTLY quote_db__i',
      [
        'statement 1: DROP INDEX CONCURRENTLY cannot run inside the transaction Rosey wraps each migration in',
      ],
    ],
    ['CREATE TABLE quote_db__c (x int, CONSTRAINT c CHECK (x > 0))', []],
    ['CREATE TABLE quote_db__c (x int, PRIMARY KEY (x))', []],
    ['CREATE TABLE quote_db__c (x int, UNIQUE (x))', []],
    ['CREATE TABLE quote_db__c (x int, CHECK (x > 0))', []],
    // A refused CREATE names the object in full.
    ...[
      ['CREATE FOREIGN TABLE quote_db__f (x int) SERVER s', 'CREATE FOREIGN TABLE'],
      ['CREATE UNLOGGED TABLE quote_db__u (x int)', 'CREATE UNLOGGED TABLE'],
      ['CREATE GLOBAL TEMPORARY TABLE quote_db__g (x int)', 'CREATE GLOBAL TEMPORARY'],
      ['CREATE LOCAL TEMP TABLE quote_db__l (x int)', 'CREATE LOCAL TEMP'],
    ].map(([sql, label]): [string, string[]] => [
      sql!,
      [`statement 1: ${label} is not allowed in a migration`],
    ]),
  ];
  for (const [sql, expected] of both) {
    it(sql, () => {
      for (const dialect of DIALECTS) expect(check(sql, dialect), dialect).to.deep.equal(expected);
    });
  }

  // What differs between the two databases.
  const each: Array<[string, string[], string[]]> = [
    // SQLite reads a CTE's name inside its own body as the CTE (PostgreSQL only when RECURSIVE).
    ['WITH r AS (SELECT * FROM r) SELECT 1', [], [outside('r')]],
    ['CREATE TABLE quote_db__c (LIKE other_t)', [], [outside('other_t')]],
    ['CREATE TABLE quote_db__c (x int, LIKE other_t)', [], [outside('other_t')]],
    ...['SMALLSERIAL', 'BIGSERIAL', 'SERIAL4'].map((type): [string, string[], string[]] => [
      `CREATE TABLE quote_db__c (id ${type})`,
      [`statement 1: ${type} is PostgreSQL syntax; use INTEGER PRIMARY KEY AUTOINCREMENT`],
      [],
    ]),
    [
      'ALTER TABLE quote_db__c ADD x SERIAL',
      ['statement 1: SERIAL is PostgreSQL syntax; use INTEGER PRIMARY KEY AUTOINCREMENT'],
      [],
    ],
    ['ALTER TABLE quote_db__c ADD x int', [], []],
    ['CREATE TABLE quote_db__c (x int) WITHOUT ROWID', [], ['statement 1: WITHOUT ROWID is SQLite syntax']],
    [
      'INSERT OR IGNORE INTO quote_db__a VALUES (1)',
      [],
      [
        'statement 1: INSERT OR IGNORE is SQLite syntax; use INSERT ... ON CONFLICT (...) DO UPDATE / DO NOTHING',
      ],
    ],
  ];
  for (const [sql, sqlite, postgresql] of each) {
    it(`${sql} (by database)`, () => {
      expect(check(sql, 'sqlite'), 'sqlite').to.deep.equal(sqlite);
      expect(check(sql, 'postgresql'), 'postgresql').to.deep.equal(postgresql);
    });
  }

  it('reads the SQLite version from its start, with or without a patch number', () => {
    const dropColumn = (sqliteVersion: string) =>
      validateMigrationSql('ALTER TABLE quote_db__a DROP COLUMN x', {
        plugin: 'quote-db',
        dialect: 'sqlite',
        sqliteVersion,
      }).errors;
    const refused = (v: string) => [
      `statement 1: SQLite ${v} cannot DROP COLUMN (needs 3.35.0): rebuild the table instead`,
    ];
    expect(dropColumn('3.34')).to.deep.equal(refused('3.34'));
    expect(dropColumn('3.34.10')).to.deep.equal(refused('3.34.10'));
    expect(dropColumn('3.35')).to.deep.equal([]);
    // Not a version at all: taken as recent.
    expect(dropColumn('v3.34.0')).to.deep.equal([]);
  });
});
