-- +goose Up
CREATE TABLE counters (
    name  TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);
INSERT INTO counters (name, value) VALUES ('incident_number', 0);

-- The current-state projection, written in the same transaction as events.
CREATE TABLE incidents (
    id          TEXT PRIMARY KEY,
    number      INTEGER NOT NULL UNIQUE,
    ref         TEXT NOT NULL UNIQUE,
    title       TEXT NOT NULL,
    summary     TEXT NOT NULL,
    type        TEXT NOT NULL,
    severity    TEXT NOT NULL,
    state       TEXT NOT NULL,
    restricted  INTEGER NOT NULL,
    declared_by TEXT NOT NULL,
    declared_at TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    version     INTEGER NOT NULL,
    doc         TEXT NOT NULL
);
CREATE INDEX incidents_state_number ON incidents (state, number);
CREATE INDEX incidents_severity_number ON incidents (severity, number);
CREATE INDEX incidents_type_number ON incidents (type, number);

CREATE TABLE incident_labels (
    incident_id TEXT NOT NULL REFERENCES incidents (id),
    key         TEXT NOT NULL,
    value       TEXT NOT NULL,
    PRIMARY KEY (incident_id, key)
);
CREATE INDEX incident_labels_kv ON incident_labels (key, value);

CREATE TABLE incident_roles (
    incident_id TEXT NOT NULL REFERENCES incidents (id),
    role        TEXT NOT NULL,
    username    TEXT NOT NULL,
    PRIMARY KEY (incident_id, role, username)
);
CREATE INDEX incident_roles_user ON incident_roles (username);

-- The record: append-only, hash-chained per incident.
CREATE TABLE events (
    global_seq  INTEGER PRIMARY KEY AUTOINCREMENT,
    incident_id TEXT NOT NULL,
    seq         INTEGER NOT NULL,
    type        TEXT NOT NULL,
    actor       TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    occurred_at TEXT,
    data        TEXT NOT NULL,
    prev_hash   TEXT NOT NULL,
    hash        TEXT NOT NULL,
    UNIQUE (incident_id, seq)
);

CREATE TABLE users (
    username     TEXT PRIMARY KEY,
    display_name TEXT NOT NULL,
    email        TEXT NOT NULL,
    role         TEXT NOT NULL,
    active       INTEGER NOT NULL,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);

CREATE TABLE api_tokens (
    id           TEXT PRIMARY KEY,
    username     TEXT NOT NULL REFERENCES users (username),
    name         TEXT NOT NULL,
    hash         TEXT NOT NULL UNIQUE,
    created_at   TEXT NOT NULL,
    last_used_at TEXT,
    revoked_at   TEXT
);
CREATE INDEX api_tokens_user ON api_tokens (username);

CREATE TABLE idempotency_keys (
    username     TEXT NOT NULL,
    key          TEXT NOT NULL,
    method       TEXT NOT NULL,
    path         TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status       INTEGER NOT NULL,
    content_type TEXT NOT NULL,
    body         BLOB NOT NULL,
    created_at   TEXT NOT NULL,
    PRIMARY KEY (username, key)
);

-- +goose Down
DROP TABLE idempotency_keys;
DROP TABLE api_tokens;
DROP TABLE users;
DROP TABLE events;
DROP TABLE incident_roles;
DROP TABLE incident_labels;
DROP TABLE incidents;
DROP TABLE counters;
