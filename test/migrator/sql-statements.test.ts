import { expect } from 'chai';
import { lexicalProblems, splitStatements, tokenize } from '../../actors/migrator/sql-statements.js';

describe('migration SQL statements', () => {
  describe('splitStatements', () => {
    it('splits on top-level semicolons, trims, and drops empty statements', () => {
      expect(splitStatements('  SELECT 1;\n\nSELECT 2 ;;  ;\n')).to.deep.equal(['SELECT 1', 'SELECT 2']);
    });

    it('returns nothing for empty, blank or comment-only input', () => {
      expect(splitStatements('')).to.deep.equal([]);
      expect(splitStatements('  \n\t')).to.deep.equal([]);
      expect(splitStatements('-- nothing here\n/* nor here; */\n;')).to.deep.equal([]);
    });

    it('keeps a last statement without a semicolon', () => {
      expect(splitStatements('SELECT 1; SELECT 2')).to.deep.equal(['SELECT 1', 'SELECT 2']);
    });

    it('keeps ; and -- inside single-quoted strings, with doubled quotes', () => {
      const sql = "INSERT INTO t VALUES ('a;b -- not a comment', 'it''s; fine'); SELECT 1";
      expect(splitStatements(sql)).to.deep.equal([
        "INSERT INTO t VALUES ('a;b -- not a comment', 'it''s; fine')",
        'SELECT 1',
      ]);
    });

    it('keeps ; inside double-quoted identifiers, with doubled quotes', () => {
      expect(splitStatements('SELECT "a;""b" FROM t; SELECT 2')).to.deep.equal([
        'SELECT "a;""b" FROM t',
        'SELECT 2',
      ]);
    });

    it('removes line comments, including ones holding a semicolon', () => {
      expect(
        splitStatements('SELECT 1 -- first; still comment\n, 2;\n-- DROP TABLE x;\nSELECT 3'),
      ).to.deep.equal(['SELECT 1 \n, 2', 'SELECT 3']);
    });

    it('removes block comments, keeping the tokens around them apart', () => {
      expect(splitStatements('DROP/* ; */TABLE x; /* whole\nline; */ SELECT 1')).to.deep.equal([
        'DROP TABLE x',
        'SELECT 1',
      ]);
    });

    it('treats comment markers inside strings as text', () => {
      expect(splitStatements("SELECT '/* not; a comment */', '--'; SELECT 2")).to.deep.equal([
        "SELECT '/* not; a comment */', '--'",
        'SELECT 2',
      ]);
    });

    it('keeps PostgreSQL dollar-quoted strings whole', () => {
      const sql = "SELECT $$a; 'b'$$; SELECT $fn$ x; $$ y; $fn$; SELECT 3";
      expect(splitStatements(sql)).to.deep.equal([
        "SELECT $$a; 'b'$$",
        'SELECT $fn$ x; $$ y; $fn$',
        'SELECT 3',
      ]);
    });

    it('does not read $1 parameters or $ inside identifiers as dollar quotes', () => {
      expect(splitStatements('SELECT a$b$ FROM t; SELECT $1; SELECT 2')).to.deep.equal([
        'SELECT a$b$ FROM t',
        'SELECT $1',
        'SELECT 2',
      ]);
    });

    it('honours backslash escapes in PostgreSQL E-strings only', () => {
      expect(splitStatements("SELECT E'it\\'s; ok'; SELECT 2")).to.deep.equal([
        "SELECT E'it\\'s; ok'",
        'SELECT 2',
      ]);
      // In a standard string a backslash is just a character.
      expect(splitStatements("SELECT 'a\\'; SELECT 2")).to.deep.equal(["SELECT 'a\\'", 'SELECT 2']);
    });

    it('nests PostgreSQL block comments but not SQLite ones', () => {
      const sql = '/* a /* b */ SELECT 1; */ SELECT 2';
      expect(splitStatements(sql, 'postgresql')).to.deep.equal(['SELECT 2']);
      expect(splitStatements(sql, 'sqlite')).to.deep.equal(['SELECT 1', '*/ SELECT 2']);
    });

    it('lexes SQLite quoting: backticks and brackets, and no dollar quotes', () => {
      expect(splitStatements('SELECT `a;b`, [c;d] FROM t; SELECT 2', 'sqlite')).to.deep.equal([
        'SELECT `a;b`, [c;d] FROM t',
        'SELECT 2',
      ]);
      // SQLite reads `$a$` as a parameter, so the semicolons in between are real.
      expect(splitStatements('SELECT $a$; DROP TABLE x; $a$', 'sqlite')).to.deep.equal([
        'SELECT $a$',
        'DROP TABLE x',
        '$a$',
      ]);
    });

    it('keeps everything after an unterminated string in one statement', () => {
      expect(splitStatements("SELECT 'oops; DROP TABLE x;")).to.deep.equal(["SELECT 'oops; DROP TABLE x;"]);
    });
  });

  describe('tokenize', () => {
    it('yields words, quoted identifiers, strings, numbers and punctuation', () => {
      const tokens = tokenize(`select "Quote""s", 'it''s', 3.5e2 from t -- c\n/* d */;`);
      expect(tokens.map((t) => [t.kind, t.text])).to.deep.equal([
        ['word', 'select'],
        ['quoted-ident', '"Quote""s"'],
        ['punct', ','],
        ['string', "'it''s'"],
        ['punct', ','],
        ['number', '3.5e2'],
        ['word', 'from'],
        ['word', 't'],
        ['punct', ';'],
      ]);
    });

    it('gives words an upper-case form and quoted tokens their unquoted value', () => {
      const [word, ident, string, dollar] = tokenize(`Create "Quote""s" 'it''s' $x$ a'b $x$`);
      expect(word).to.include({ text: 'Create', upper: 'CREATE', value: 'Create' });
      expect(ident).to.include({ upper: '"Quote""s"', value: 'Quote"s' });
      expect(string).to.include({ value: "it's" });
      expect(dollar).to.include({ kind: 'string', value: " a'b " });
    });

    it('upper-cases ASCII only, as the databases do', () => {
      // U+017F (long s) upper-cases to S in JavaScript, but no database reads it as a keyword.
      expect(tokenize('ſelect')[0]?.upper).to.equal('ſELECT');
    });

    it('reads SQLite bracket and backtick identifiers', () => {
      expect(tokenize('[a b] `c``d`', 'sqlite').map((t) => [t.kind, t.value])).to.deep.equal([
        ['quoted-ident', 'a b'],
        ['quoted-ident', 'c`d'],
      ]);
    });
  });

  describe('lexicalProblems', () => {
    it('reports unterminated strings, identifiers, comments and dollar quotes with their line', () => {
      expect(lexicalProblems("SELECT 1;\nSELECT 'x")).to.deep.equal(['unterminated string (line 2)']);
      expect(lexicalProblems('SELECT "x')).to.deep.equal(['unterminated "quoted identifier (line 1)']);
      expect(lexicalProblems('SELECT 1 /* x')).to.deep.equal(['unterminated /* comment (line 1)']);
      expect(lexicalProblems('SELECT $q$ x')).to.deep.equal(['unterminated $q$-quoted string (line 1)']);
      expect(lexicalProblems('SELECT [x', 'sqlite')).to.deep.equal(['unterminated [identifier] (line 1)']);
    });

    it('finds nothing wrong in well-formed SQL', () => {
      expect(lexicalProblems('SELECT \'a\', "b", $$c$$ /* d */ -- e')).to.deep.equal([]);
    });
  });
});
