-- The quote book: one row per quote, plus a few seed quotes so `!quote` answers on a fresh install.
-- `timestamp` is when the quote was added, in Unix seconds. Rolling this migration back drops the
-- table and every quote in it: roll back to version 1 to undo 002 and 003 without losing quotes.

-- UP
CREATE TABLE quote_db__quotes (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  text TEXT NOT NULL,
  author TEXT NOT NULL DEFAULT 'Unknown',
  added_by TEXT NOT NULL,
  timestamp INTEGER NOT NULL
);
CREATE INDEX idx_quote_db__quotes_author ON quote_db__quotes (author);
INSERT INTO quote_db__quotes (text, author, added_by, timestamp) VALUES
  ('Keep #circulating the #tapes.', 'MST3K', 'rosey', 1577836800),
  ('Let it crash.', 'Joe Armstrong', 'rosey', 1577836800),
  ('Simplicity is prerequisite for reliability.', 'Edsger W. Dijkstra', 'rosey', 1577836800),
  ('Premature optimization is the root of all evil.', 'Donald Knuth', 'rosey', 1577836800),
  ('Talk is cheap. Show me the code.', 'Linus Torvalds', 'rosey', 1577836800),
  ('The only thing we have to fear is fear itself.', 'Franklin D. Roosevelt', 'rosey', 1577836800),
  ('It''s not a bug, it''s a #feature.', 'Unknown', 'rosey', 1577836800),
  ('Any sufficiently advanced technology is indistinguishable from magic.', 'Arthur C. Clarke', 'rosey', 1577836800);

-- UP: postgresql
CREATE TABLE quote_db__quotes (
  id SERIAL PRIMARY KEY,
  text TEXT NOT NULL,
  author TEXT NOT NULL DEFAULT 'Unknown',
  added_by TEXT NOT NULL,
  timestamp BIGINT NOT NULL
);
CREATE INDEX idx_quote_db__quotes_author ON quote_db__quotes (author);
INSERT INTO quote_db__quotes (text, author, added_by, timestamp) VALUES
  ('Keep #circulating the #tapes.', 'MST3K', 'rosey', 1577836800),
  ('Let it crash.', 'Joe Armstrong', 'rosey', 1577836800),
  ('Simplicity is prerequisite for reliability.', 'Edsger W. Dijkstra', 'rosey', 1577836800),
  ('Premature optimization is the root of all evil.', 'Donald Knuth', 'rosey', 1577836800),
  ('Talk is cheap. Show me the code.', 'Linus Torvalds', 'rosey', 1577836800),
  ('The only thing we have to fear is fear itself.', 'Franklin D. Roosevelt', 'rosey', 1577836800),
  ('It''s not a bug, it''s a #feature.', 'Unknown', 'rosey', 1577836800),
  ('Any sufficiently advanced technology is indistinguishable from magic.', 'Arthur C. Clarke', 'rosey', 1577836800);

-- DOWN
DROP INDEX idx_quote_db__quotes_author;
DROP TABLE quote_db__quotes;
