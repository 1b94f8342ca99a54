-- Votes: a score per quote, changed only by atomic $inc bounded to [-100, 100] with $max/$min, and
-- who voted on what (one row per quote and voter: its primary key makes a second vote a CONFLICT).
-- Data migration: quotes added more than a year before this migration runs start at 5, so the
-- long-standing favourites lead `!quote top` until the channel has voted.
-- Rolling back drops the scores and the votes, and keeps every quote and its other columns.

-- UP
ALTER TABLE quote_db__quotes ADD COLUMN score INTEGER NOT NULL DEFAULT 0;
CREATE INDEX idx_quote_db__quotes_score ON quote_db__quotes (score);
CREATE TABLE quote_db__votes (
  quote_id INTEGER NOT NULL,
  voter TEXT NOT NULL,
  PRIMARY KEY (quote_id, voter)
);
UPDATE quote_db__quotes SET score = 5
  WHERE timestamp < CAST(strftime('%s', 'now') AS INTEGER) - 365 * 24 * 3600;

-- UP: postgresql
ALTER TABLE quote_db__quotes ADD COLUMN score INTEGER NOT NULL DEFAULT 0;
CREATE INDEX idx_quote_db__quotes_score ON quote_db__quotes (score);
CREATE TABLE quote_db__votes (
  quote_id INTEGER NOT NULL,
  voter TEXT NOT NULL,
  PRIMARY KEY (quote_id, voter)
);
UPDATE quote_db__quotes SET score = 5
  WHERE timestamp < CAST(EXTRACT(EPOCH FROM now()) AS BIGINT) - 365 * 24 * 3600;

-- DOWN
DROP TABLE quote_db__votes;
DROP INDEX idx_quote_db__quotes_score;
ALTER TABLE quote_db__quotes DROP COLUMN score;
