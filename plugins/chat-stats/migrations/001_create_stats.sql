-- One row per user and channel (bounded: a user's row is updated, never appended to), and one per
-- channel for its high-water mark. Times are epoch milliseconds (UTC).
-- here_since: start of the stretch Rosey counts as connected (the join it saw, or the first line of
-- someone already there); NULL while the user is not known to be in the channel.

-- UP
CREATE TABLE chat_stats__users (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  platform TEXT NOT NULL,
  channel TEXT NOT NULL,
  user_key TEXT NOT NULL,
  name TEXT NOT NULL,
  lines INTEGER NOT NULL DEFAULT 0,
  first_seen BIGINT NOT NULL,
  last_seen BIGINT NOT NULL,
  last_action TEXT NOT NULL,
  here_since BIGINT,
  connected_ms BIGINT NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX ux_chat_stats__users_user ON chat_stats__users (platform, channel, user_key);
CREATE INDEX idx_chat_stats__users_lines ON chat_stats__users (platform, channel, lines);
CREATE TABLE chat_stats__channels (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  platform TEXT NOT NULL,
  channel TEXT NOT NULL,
  peak_users INTEGER NOT NULL DEFAULT 0,
  peak_at BIGINT
);
CREATE UNIQUE INDEX ux_chat_stats__channels_channel ON chat_stats__channels (platform, channel);

-- UP: postgresql
CREATE TABLE chat_stats__users (
  id SERIAL PRIMARY KEY,
  platform TEXT NOT NULL,
  channel TEXT NOT NULL,
  user_key TEXT NOT NULL,
  name TEXT NOT NULL,
  lines INTEGER NOT NULL DEFAULT 0,
  first_seen BIGINT NOT NULL,
  last_seen BIGINT NOT NULL,
  last_action TEXT NOT NULL,
  here_since BIGINT,
  connected_ms BIGINT NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX ux_chat_stats__users_user ON chat_stats__users (platform, channel, user_key);
CREATE INDEX idx_chat_stats__users_lines ON chat_stats__users (platform, channel, lines);
CREATE TABLE chat_stats__channels (
  id SERIAL PRIMARY KEY,
  platform TEXT NOT NULL,
  channel TEXT NOT NULL,
  peak_users INTEGER NOT NULL DEFAULT 0,
  peak_at BIGINT
);
CREATE UNIQUE INDEX ux_chat_stats__channels_channel ON chat_stats__channels (platform, channel);

-- DOWN
DROP INDEX ux_chat_stats__channels_channel;
DROP TABLE chat_stats__channels;
DROP INDEX idx_chat_stats__users_lines;
DROP INDEX ux_chat_stats__users_user;
DROP TABLE chat_stats__users;
