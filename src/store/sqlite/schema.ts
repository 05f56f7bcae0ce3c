/**
 * SQLite schema. States and kinds are small integers (see STATE/KIND in sqlite-message-store.ts).
 * Partial indexes keep each hot question O(log n) whatever the depth of a queue:
 *   next ready of a channel   → messages_ready (priority desc, then publish order)
 *   due delays / ack timeouts → messages_delayed / messages_inflight
 *   what a consumer holds     → a scan of messages_inflight (few rows: bounded by prefetch)
 */
export const SCHEMA_VERSION = 2;

export const SCHEMA = `
CREATE TABLE IF NOT EXISTS messages (
  seq          INTEGER PRIMARY KEY,
  ns           TEXT    NOT NULL,
  kind         INTEGER NOT NULL,
  channel      TEXT    NOT NULL,
  client       TEXT    NOT NULL,
  id           TEXT    NOT NULL,
  state        INTEGER NOT NULL,
  priority     INTEGER NOT NULL,
  payload      TEXT    NOT NULL,
  headers      TEXT    NOT NULL,
  published_at INTEGER NOT NULL,
  available_at INTEGER NOT NULL,
  expires_at   INTEGER NOT NULL,
  attempts     INTEGER NOT NULL DEFAULT 0,
  holder       TEXT,
  deadline     INTEGER NOT NULL DEFAULT 0,
  reason       TEXT,
  dead_at      INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX IF NOT EXISTS messages_ref ON messages (ns, id, client);
CREATE INDEX IF NOT EXISTS messages_ready ON messages (ns, kind, channel, client, priority DESC, seq) WHERE state = 0;
CREATE INDEX IF NOT EXISTS messages_delayed ON messages (available_at) WHERE state = 1;
CREATE INDEX IF NOT EXISTS messages_inflight ON messages (deadline) WHERE state = 2;
DROP INDEX IF EXISTS messages_holder;
CREATE INDEX IF NOT EXISTS messages_expiry ON messages (expires_at) WHERE expires_at > 0 AND state IN (0, 1);
CREATE INDEX IF NOT EXISTS messages_dead ON messages (ns, kind, channel, dead_at, seq) WHERE state = 3;

CREATE TABLE IF NOT EXISTS channels (
  ns          TEXT    NOT NULL,
  kind        INTEGER NOT NULL,
  name        TEXT    NOT NULL,
  published   INTEGER NOT NULL DEFAULT 0,
  acked       INTEGER NOT NULL DEFAULT 0,
  redelivered INTEGER NOT NULL DEFAULT 0,
  created_at  INTEGER NOT NULL,
  PRIMARY KEY (ns, kind, name)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS dedup (
  ns         TEXT    NOT NULL,
  kind       INTEGER NOT NULL,
  channel    TEXT    NOT NULL,
  key        TEXT    NOT NULL,
  id         TEXT    NOT NULL,
  expires_at INTEGER NOT NULL,
  PRIMARY KEY (ns, kind, channel, key)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS dedup_expiry ON dedup (expires_at);

CREATE TABLE IF NOT EXISTS members (
  ns        TEXT    NOT NULL,
  room      TEXT    NOT NULL,
  client    TEXT    NOT NULL,
  joined_at INTEGER NOT NULL,
  PRIMARY KEY (ns, room, client)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS members_client ON members (ns, client);

-- One row rewritten by the health check: proof that a commit still reaches the disk.
CREATE TABLE IF NOT EXISTS probe (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  at INTEGER NOT NULL
);
`;
