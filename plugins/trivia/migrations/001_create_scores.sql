-- The per-channel trivia leaderboard: one row per user and channel, counters updated with $inc.

-- UP
CREATE TABLE trivia__scores (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  platform TEXT NOT NULL,
  channel TEXT NOT NULL,
  player_key TEXT NOT NULL,
  player TEXT NOT NULL,
  points INTEGER NOT NULL DEFAULT 0,
  correct INTEGER NOT NULL DEFAULT 0,
  games INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX idx_trivia__scores_player ON trivia__scores (platform, channel, player_key);
CREATE INDEX idx_trivia__scores_points ON trivia__scores (platform, channel, points);

-- UP: postgresql
CREATE TABLE trivia__scores (
  id SERIAL PRIMARY KEY,
  platform TEXT NOT NULL,
  channel TEXT NOT NULL,
  player_key TEXT NOT NULL,
  player TEXT NOT NULL,
  points INTEGER NOT NULL DEFAULT 0,
  correct INTEGER NOT NULL DEFAULT 0,
  games INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX idx_trivia__scores_player ON trivia__scores (platform, channel, player_key);
CREATE INDEX idx_trivia__scores_points ON trivia__scores (platform, channel, points);

-- DOWN
DROP INDEX idx_trivia__scores_points;
DROP INDEX idx_trivia__scores_player;
DROP TABLE trivia__scores;
