-- +goose Up
-- One outbox for every outgoing message (package outbox): a delivery is
-- one message of a kind to one target, about a subject; its attempts are
-- kept. The job that sends a delivery has the delivery's ID.
CREATE TABLE outbox_deliveries (
    id             TEXT PRIMARY KEY,
    kind           TEXT NOT NULL,
    subject_kind   TEXT NOT NULL,
    subject_id     TEXT NOT NULL,
    incident       TEXT NOT NULL DEFAULT '',
    target         TEXT NOT NULL,
    ref            TEXT NOT NULL DEFAULT '',
    payload        TEXT NOT NULL,
    state          TEXT NOT NULL,
    attempts       INTEGER NOT NULL DEFAULT 0,
    last_error     TEXT NOT NULL DEFAULT '',
    created_at     TEXT NOT NULL,
    due_at         TEXT NOT NULL,
    sent_at        TEXT,
    message_id     TEXT NOT NULL DEFAULT '',
    reply          TEXT NOT NULL DEFAULT '',
    message_sha256 TEXT NOT NULL DEFAULT '',
    message_size   INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX outbox_deliveries_subject ON outbox_deliveries (subject_kind, subject_id);
CREATE INDEX outbox_deliveries_state ON outbox_deliveries (state, due_at);
CREATE INDEX outbox_deliveries_incident ON outbox_deliveries (incident, created_at);
CREATE INDEX outbox_deliveries_created ON outbox_deliveries (created_at, id);

CREATE TABLE outbox_attempts (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    delivery_id TEXT NOT NULL,
    attempt     INTEGER NOT NULL,
    at          TEXT NOT NULL,
    ok          INTEGER NOT NULL,
    status_code INTEGER NOT NULL,
    latency_ms  REAL NOT NULL,
    error       TEXT NOT NULL,
    message_id  TEXT NOT NULL,
    reply       TEXT NOT NULL
);
CREATE INDEX outbox_attempts_delivery ON outbox_attempts (delivery_id, id);

-- +goose Down
DROP TABLE outbox_attempts;
DROP TABLE outbox_deliveries;
