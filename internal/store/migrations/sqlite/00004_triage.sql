-- +goose Up
-- Integrations: where signals come in. Only the SHA-256 of each secret.
CREATE TABLE integrations (
    id         TEXT PRIMARY KEY,
    kind       TEXT NOT NULL,
    name       TEXT NOT NULL UNIQUE,
    service    TEXT NOT NULL,
    team       TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    disabled   INTEGER NOT NULL DEFAULT 0
);

-- Alert groups are the triage queue's entries; doc is the alert.Group and
-- the triage state as JSON, the columns are what queries need.
CREATE TABLE alert_groups (
    id            TEXT PRIMARY KEY,
    key           TEXT NOT NULL,
    status        TEXT NOT NULL,
    closed        INTEGER NOT NULL,
    incident_id   TEXT,
    rank          INTEGER NOT NULL,
    first_seen    TEXT NOT NULL,
    last_seen     TEXT NOT NULL,
    snoozed_until TEXT,
    doc           TEXT NOT NULL
);
CREATE INDEX alert_groups_open_key ON alert_groups (key, last_seen) WHERE closed = 0;
CREATE INDEX alert_groups_queue ON alert_groups (status, rank, last_seen);
CREATE INDEX alert_groups_incident ON alert_groups (incident_id);

CREATE TABLE alert_items (
    id          TEXT PRIMARY KEY,
    group_id    TEXT NOT NULL,
    path        TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    status      TEXT NOT NULL,
    first_seen  TEXT NOT NULL,
    last_seen   TEXT NOT NULL,
    doc         TEXT NOT NULL
);
CREATE INDEX alert_items_latest ON alert_items (path, fingerprint, first_seen);
CREATE INDEX alert_items_group ON alert_items (group_id, first_seen);

-- Every triage action, on the record.
CREATE TABLE triage_log (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    group_id TEXT NOT NULL,
    action   TEXT NOT NULL,
    actor    TEXT NOT NULL,
    at       TEXT NOT NULL,
    data     TEXT NOT NULL
);
CREATE INDEX triage_log_group ON triage_log (group_id, id);

-- +goose Down
DROP TABLE triage_log;
DROP TABLE alert_items;
DROP TABLE alert_groups;
DROP TABLE integrations;
