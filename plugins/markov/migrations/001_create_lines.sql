-- What the markov plugin learned, per channel (the model is rebuilt from these at start), and who
-- asked it not to learn from them.

-- UP
CREATE TABLE markov__lines (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  platform TEXT NOT NULL,
  channel TEXT NOT NULL,
  user_key TEXT NOT NULL,
  text TEXT NOT NULL
);
CREATE INDEX idx_markov__lines_place ON markov__lines (platform, channel, id);
CREATE TABLE markov__optouts (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  platform TEXT NOT NULL,
  user_key TEXT NOT NULL
);
CREATE UNIQUE INDEX idx_markov__optouts_user ON markov__optouts (platform, user_key);

-- UP: postgresql
CREATE TABLE markov__lines (
  id SERIAL PRIMARY KEY,
  platform TEXT NOT NULL,
  channel TEXT NOT NULL,
  user_key TEXT NOT NULL,
  text TEXT NOT NULL
);
CREATE INDEX idx_markov__lines_place ON markov__lines (platform, channel, id);
CREATE TABLE markov__optouts (
  id SERIAL PRIMARY KEY,
  platform TEXT NOT NULL,
  user_key TEXT NOT NULL
);
CREATE UNIQUE INDEX idx_markov__optouts_user ON markov__optouts (platform, user_key);

-- DOWN
DROP INDEX idx_markov__optouts_user;
DROP TABLE markov__optouts;
DROP INDEX idx_markov__lines_place;
DROP TABLE markov__lines;
