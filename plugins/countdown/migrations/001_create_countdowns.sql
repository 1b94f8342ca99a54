-- The countdowns of every channel. Times are epoch milliseconds (UTC).
-- sent_until: alerts of the current occurrence whose instant is at or before it were handled
-- (posted, or skipped as stale); it is what makes each alert fire once across restarts.

-- UP
CREATE TABLE countdown__countdowns (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  platform TEXT NOT NULL,
  channel TEXT NOT NULL,
  name TEXT NOT NULL,
  creator TEXT NOT NULL,
  target_at BIGINT NOT NULL,
  repeat_ms BIGINT,
  repeat_label TEXT,
  sent_until BIGINT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX ux_countdown__countdowns_name ON countdown__countdowns (platform, channel, name);

-- UP: postgresql
CREATE TABLE countdown__countdowns (
  id SERIAL PRIMARY KEY,
  platform TEXT NOT NULL,
  channel TEXT NOT NULL,
  name TEXT NOT NULL,
  creator TEXT NOT NULL,
  target_at BIGINT NOT NULL,
  repeat_ms BIGINT,
  repeat_label TEXT,
  sent_until BIGINT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX ux_countdown__countdowns_name ON countdown__countdowns (platform, channel, name);

-- DOWN
DROP INDEX ux_countdown__countdowns_name;
DROP TABLE countdown__countdowns;
