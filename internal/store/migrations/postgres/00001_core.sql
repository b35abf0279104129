-- +goose Up
CREATE TABLE counters (
    name  TEXT PRIMARY KEY,
    value BIGINT NOT NULL
);
INSERT INTO counters (name, value) VALUES ('incident_number', 0);

-- The current-state projection, written in the same transaction as events.
CREATE TABLE incidents (
    id          TEXT PRIMARY KEY,
    number      BIGINT NOT NULL UNIQUE,
    ref         TEXT NOT NULL UNIQUE,
    title       TEXT NOT NULL,
    summary     TEXT NOT NULL,
    type        TEXT NOT NULL,
    severity    TEXT NOT NULL,
    state       TEXT NOT NULL,
    restricted  BOOLEAN NOT NULL,
    declared_by TEXT NOT NULL,
    declared_at TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL,
    version     BIGINT NOT NULL,
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
    global_seq  BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    incident_id TEXT NOT NULL,
    seq         BIGINT NOT NULL,
    type        TEXT NOT NULL,
    actor       TEXT NOT NULL,
    recorded_at TIMESTAMPTZ NOT NULL,
    occurred_at TIMESTAMPTZ,
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
    active       BOOLEAN NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL
);

CREATE TABLE api_tokens (
    id           TEXT PRIMARY KEY,
    username     TEXT NOT NULL REFERENCES users (username),
    name         TEXT NOT NULL,
    hash         TEXT NOT NULL UNIQUE,
    created_at   TIMESTAMPTZ NOT NULL,
    last_used_at TIMESTAMPTZ,
    revoked_at   TIMESTAMPTZ
);
CREATE INDEX api_tokens_user ON api_tokens (username);

CREATE TABLE idempotency_keys (
    username     TEXT NOT NULL,
    key          TEXT NOT NULL,
    method       TEXT NOT NULL,
    path         TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status       BIGINT NOT NULL,
    content_type TEXT NOT NULL,
    body         BYTEA NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
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
