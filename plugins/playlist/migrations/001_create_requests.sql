-- Who asked for what (`!add`), so quotas and `!queue` know the requester of an item the bot queued,
-- and what played (`media` events) for `!history`. Both trimmed by the plugin as they grow.

-- UP
CREATE TABLE playlist__requests (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  platform TEXT NOT NULL,
  channel TEXT NOT NULL,
  requester_key TEXT NOT NULL,
  requester TEXT NOT NULL,
  uid INTEGER,
  type TEXT NOT NULL,
  media_id TEXT NOT NULL,
  title TEXT NOT NULL,
  added_at INTEGER NOT NULL
);
CREATE INDEX idx_playlist__requests_user ON playlist__requests (platform, channel, requester_key);
CREATE INDEX idx_playlist__requests_media ON playlist__requests (platform, channel, type, media_id);
CREATE TABLE playlist__history (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  platform TEXT NOT NULL,
  channel TEXT NOT NULL,
  type TEXT NOT NULL,
  media_id TEXT NOT NULL,
  title TEXT NOT NULL,
  seconds INTEGER NOT NULL,
  requested_by TEXT,
  played_at INTEGER NOT NULL
);
CREATE INDEX idx_playlist__history_channel ON playlist__history (platform, channel, id);

-- UP: postgresql
CREATE TABLE playlist__requests (
  id SERIAL PRIMARY KEY,
  platform TEXT NOT NULL,
  channel TEXT NOT NULL,
  requester_key TEXT NOT NULL,
  requester TEXT NOT NULL,
  uid INTEGER,
  type TEXT NOT NULL,
  media_id TEXT NOT NULL,
  title TEXT NOT NULL,
  added_at BIGINT NOT NULL
);
CREATE INDEX idx_playlist__requests_user ON playlist__requests (platform, channel, requester_key);
CREATE INDEX idx_playlist__requests_media ON playlist__requests (platform, channel, type, media_id);
CREATE TABLE playlist__history (
  id SERIAL PRIMARY KEY,
  platform TEXT NOT NULL,
  channel TEXT NOT NULL,
  type TEXT NOT NULL,
  media_id TEXT NOT NULL,
  title TEXT NOT NULL,
  seconds INTEGER NOT NULL,
  requested_by TEXT,
  played_at BIGINT NOT NULL
);
CREATE INDEX idx_playlist__history_channel ON playlist__history (platform, channel, id);

-- DOWN
DROP INDEX idx_playlist__history_channel;
DROP TABLE playlist__history;
DROP INDEX idx_playlist__requests_media;
DROP INDEX idx_playlist__requests_user;
DROP TABLE playlist__requests;
