import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import {
  isReversible,
  loadMigrationsDir,
  MigrationFormatError,
  parseMigration,
  parseMigrationFileName,
  sqlFor,
} from '../../actors/migrator/migration-file.js';

const GENERIC = `-- Quotes, the first table.
-- ==================

-- UP: Apply changes
CREATE TABLE quote_db__quotes (id INTEGER PRIMARY KEY, text TEXT NOT NULL);

-- DOWN
DROP TABLE quote_db__quotes;
`;

function formatError(fn: () => unknown): MigrationFormatError {
  try {
    fn();
  } catch (error) {
    expect(error).to.be.instanceOf(MigrationFormatError);
    return error as MigrationFormatError;
  }
  throw new Error('expected a MigrationFormatError');
}

describe('migration files', () => {
  describe('parseMigrationFileName', () => {
    it('reads version and description', () => {
      expect(parseMigrationFileName('001_create_quotes_table.sql')).to.deep.equal({
        version: 1,
        description: 'create_quotes_table',
      });
      expect(parseMigrationFileName('0042_add_index2.sql')).to.deep.equal({
        version: 42,
        description: 'add_index2',
      });
    });

    it('rejects anything else', () => {
      for (const name of [
        '01_short.sql',
        '001-dash.sql',
        '001_Upper.sql',
        '001_with-dash.sql',
        '001_.sql',
        '001_x.SQL',
        '001_x.sql.bak',
        'abc_x.sql',
        '001_x',
        'dir/001_x.sql',
      ]) {
        expect(parseMigrationFileName(name), name).to.equal(undefined);
      }
    });
  });

  describe('parseMigration', () => {
    it('parses a generic migration, ignoring the header', () => {
      const m = parseMigration('001_create_quotes.sql', GENERIC);
      expect(m).to.deep.include({
        version: 1,
        description: 'create_quotes',
        fileName: '001_create_quotes.sql',
      });
      expect(m.up).to.deep.equal({
        any: 'CREATE TABLE quote_db__quotes (id INTEGER PRIMARY KEY, text TEXT NOT NULL);',
      });
      expect(m.down).to.deep.equal({ any: 'DROP TABLE quote_db__quotes;' });
      expect(m.checksum).to.equal(createHash('sha256').update(GENERIC).digest('hex'));
      expect(m.checksum).to.match(/^[0-9a-f]{64}$/);
    });

    it('changes the checksum with any change to the text, even a comment', () => {
      const a = parseMigration('001_x.sql', GENERIC);
      const b = parseMigration('001_x.sql', GENERIC.replace('first table', 'first  table'));
      expect(a.checksum).to.not.equal(b.checksum);
    });

    it('accepts markers in any case, with CRLF line ends', () => {
      const m = parseMigration('001_x.sql', '-- up\r\nSELECT 1;\r\n--Down:  revert\r\nSELECT 2;\r\n');
      expect(m.up.any).to.equal('SELECT 1;');
      expect(m.down.any).to.equal('SELECT 2;');
    });

    it('does not take -- UPDATE or -- UP-to-date for a marker', () => {
      const m = parseMigration(
        '001_x.sql',
        '-- UP\n-- UPDATE the rows below\n-- UP-to-date data\nSELECT 1;\n-- DOWN\n-- DOWNLOAD nothing\n',
      );
      expect(m.up.any).to.equal('-- UPDATE the rows below\n-- UP-to-date data\nSELECT 1;');
      expect(m.down.any).to.equal('-- DOWNLOAD nothing');
    });

    it('reads dialect sections and picks them with sqlFor', () => {
      const text = [
        '-- UP: postgresql',
        'CREATE TABLE quote_db__q (id SERIAL PRIMARY KEY);',
        '-- UP: SQLite',
        'CREATE TABLE quote_db__q (id INTEGER PRIMARY KEY AUTOINCREMENT);',
        '-- DOWN',
        'DROP TABLE quote_db__q;',
      ].join('\n');
      const m = parseMigration('002_q.sql', text);
      expect(m.up).to.have.all.keys('postgresql', 'sqlite');
      expect(sqlFor(m, 'up', 'postgresql')).to.contain('SERIAL');
      expect(sqlFor(m, 'up', 'sqlite')).to.contain('AUTOINCREMENT');
      expect(sqlFor(m, 'down', 'sqlite')).to.equal('DROP TABLE quote_db__q;');
      expect(sqlFor(m, 'down', 'postgresql')).to.equal('DROP TABLE quote_db__q;');
    });

    it('lets one dialect section override the generic one', () => {
      const m = parseMigration(
        '003_x.sql',
        '-- UP\nSELECT 1;\n-- UP: postgresql\nSELECT 2;\n-- DOWN\nSELECT 3;\n-- DOWN: sqlite\nSELECT 4;',
      );
      expect(sqlFor(m, 'up', 'sqlite')).to.equal('SELECT 1;');
      expect(sqlFor(m, 'up', 'postgresql')).to.equal('SELECT 2;');
      expect(sqlFor(m, 'down', 'sqlite')).to.equal('SELECT 4;');
      expect(sqlFor(m, 'down', 'postgresql')).to.equal('SELECT 3;');
    });

    it('allows an empty DOWN, which makes the migration irreversible', () => {
      const m = parseMigration(
        '004_x.sql',
        '-- UP\nDELETE FROM quote_db__q WHERE 1 = 0;\n-- DOWN\n-- no way back\n',
      );
      expect(m.down.any).to.equal('-- no way back');
      expect(isReversible(m, 'sqlite')).to.equal(false);
      expect(isReversible(parseMigration('001_x.sql', GENERIC), 'postgresql')).to.equal(true);
    });

    it('refuses a bad file name', () => {
      const error = formatError(() => parseMigration('1_x.sql', GENERIC));
      expect(error.message).to.equal('1_x.sql: file name must look like 001_create_quotes_table.sql');
    });

    it('refuses a file without DOWN', () => {
      expect(formatError(() => parseMigration('001_x.sql', '-- UP\nSELECT 1;')).message).to.equal(
        '001_x.sql: has no -- DOWN section',
      );
    });

    it('refuses a file without UP', () => {
      expect(formatError(() => parseMigration('001_x.sql', 'SELECT 1;\n-- DOWN\n')).message).to.equal(
        '001_x.sql: has no -- UP section',
      );
    });

    it('refuses an empty UP, generic or dialect-specific', () => {
      expect(
        formatError(() => parseMigration('001_x.sql', '-- UP\n-- nothing\n;\n-- DOWN\n')).message,
      ).to.equal("001_x.sql: '-- UP' section has no SQL statements");
      const text = '-- UP: sqlite\n/* later */\n-- UP: postgresql\nSELECT 1;\n-- DOWN\n';
      expect(formatError(() => parseMigration('001_x.sql', text)).message).to.equal(
        "001_x.sql: '-- UP: sqlite' section has no SQL statements",
      );
    });

    it('needs a generic section unless both dialects have their own', () => {
      const upOnlyPg = '-- UP: postgresql\nSELECT 1;\n-- DOWN\n';
      expect(formatError(() => parseMigration('001_x.sql', upOnlyPg)).message).to.equal(
        "001_x.sql: has no '-- UP' section for sqlite",
      );
      const downOnlySqlite = '-- UP\nSELECT 1;\n-- DOWN: sqlite\nSELECT 2;';
      expect(formatError(() => parseMigration('001_x.sql', downOnlySqlite)).message).to.equal(
        "001_x.sql: has no '-- DOWN' section for postgresql",
      );
    });

    it('refuses a repeated section', () => {
      const text = '-- UP\nSELECT 1;\n-- UP: again\nSELECT 2;\n-- DOWN\n';
      expect(formatError(() => parseMigration('001_x.sql', text)).message).to.equal(
        "001_x.sql: more than one '-- UP' section",
      );
      const pg = '-- UP\nSELECT 1;\n-- DOWN: postgresql\n-- DOWN: PostgreSQL\n-- DOWN\n';
      expect(formatError(() => parseMigration('001_x.sql', pg)).message).to.equal(
        "001_x.sql: more than one '-- DOWN: postgresql' section",
      );
    });

    it('refuses a database name it does not know rather than treating it as generic', () => {
      const error = formatError(() => parseMigration('001_x.sql', '-- UP: postgres\nSELECT 1;\n-- DOWN\n'));
      expect(error.message).to.equal(
        "001_x.sql: unknown database 'postgres' in '-- UP: postgres' (expected sqlite or postgresql)",
      );
      expect(error.message).to.not.contain('\n');
    });

    it('quotes the refused marker line without the spaces around it', () => {
      const unknown = '-- UP: pg   \nSELECT 1;\n-- DOWN\n';
      expect(formatError(() => parseMigration('001_x.sql', unknown)).message).to.equal(
        "001_x.sql: unknown database 'pg' in '-- UP: pg' (expected sqlite or postgresql)",
      );
      const near = '-- UP\nSELECT 1;\n-- DOWN: sqlite now \t\n-- DOWN: postgresql\n';
      expect(formatError(() => parseMigration('001_x.sql', near)).message).to.equal(
        "001_x.sql: write '-- DOWN: sqlite' alone on its line, not '-- DOWN: sqlite now'",
      );
    });

    it('names its errors MigrationFormatError', () => {
      expect(formatError(() => parseMigration('001_x.sql', 'SELECT 1;\n')).name).to.equal(
        'MigrationFormatError',
      );
    });

    it('refuses a database name it cannot read exactly', () => {
      const withText = '-- UP\nSELECT 1;\n-- DOWN: sqlite (irreversible)\n-- DOWN: postgresql\n';
      expect(formatError(() => parseMigration('001_x.sql', withText)).message).to.equal(
        "001_x.sql: write '-- DOWN: sqlite' alone on its line, not '-- DOWN: sqlite (irreversible)'",
      );
      const noColon = '-- UP postgresql\nSELECT 1;\n-- DOWN\n';
      expect(formatError(() => parseMigration('001_x.sql', noColon)).message).to.equal(
        "001_x.sql: write '-- UP: postgresql' alone on its line, not '-- UP postgresql'",
      );
      // Prose after the colon is fine as long as it does not start with a database name.
      expect(
        parseMigration('001_x.sql', '-- UP: create the sqlite-free table\nSELECT 1;\n-- DOWN\n').up.any,
      ).to.equal('SELECT 1;');
    });
  });

  describe('loadMigrationsDir', () => {
    let dir: string;

    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'rosey-migrations-'));
    });

    afterEach(() => {
      rmSync(dir, { recursive: true, force: true });
    });

    it('returns [] for a missing folder', () => {
      expect(loadMigrationsDir(join(dir, 'nope'))).to.deep.equal([]);
    });

    it('loads .sql files sorted by version, allowing gaps and ignoring other files', () => {
      writeFileSync(join(dir, '010_later.sql'), GENERIC);
      writeFileSync(join(dir, '002_second.sql'), GENERIC);
      writeFileSync(join(dir, '0001_first.sql'), GENERIC);
      writeFileSync(join(dir, 'README.md'), '# notes');
      mkdirSync(join(dir, '003_folder.sql'));
      const loaded = loadMigrationsDir(dir);
      expect(loaded.map((m) => [m.version, m.fileName])).to.deep.equal([
        [1, '0001_first.sql'],
        [2, '002_second.sql'],
        [10, '010_later.sql'],
      ]);
    });

    it('refuses a badly named .sql file, naming it', () => {
      writeFileSync(join(dir, '001_ok.sql'), GENERIC);
      writeFileSync(join(dir, 'create-table.sql'), GENERIC);
      const error = formatError(() => loadMigrationsDir(dir));
      expect(error.message).to.contain('create-table.sql: file name must look like');
    });

    it('refuses .SQL files instead of skipping them', () => {
      writeFileSync(join(dir, '001_ok.SQL'), GENERIC);
      expect(formatError(() => loadMigrationsDir(dir)).message).to.contain('001_ok.SQL');
    });

    it('refuses two files with one version', () => {
      writeFileSync(join(dir, '001_a.sql'), GENERIC);
      writeFileSync(join(dir, '0001_b.sql'), GENERIC);
      const error = formatError(() => loadMigrationsDir(dir));
      expect(error.message).to.match(/001_a\.sql: version 1 is also used by 0001_b\.sql$/);
    });

    it('names the folder and file when a file is malformed', () => {
      writeFileSync(join(dir, '001_a.sql'), '-- UP\nSELECT 1;\n');
      const error = formatError(() => loadMigrationsDir(dir));
      const file = join(relative(process.cwd(), dir), '001_a.sql');
      expect(error.file).to.equal(file);
      expect(error.reason).to.equal('has no -- DOWN section');
      expect(error.message).to.equal(`${file}: has no -- DOWN section`);
    });
  });
});
