-- +goose Up
-- On-call configuration: teams, services, schedules and escalation
-- policies, one JSON document per object, keyed by kind and name. The
-- paging service checks references across the whole set inside the
-- transaction that changes it, so a change never leaves a dangling name.
CREATE TABLE oncall_objects (
    kind       TEXT NOT NULL,
    name       TEXT NOT NULL,
    doc        TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (kind, name)
);

-- Contact methods. The target holds the address and any secret (a webhook
-- URL embeds its token), which paging needs in the clear to deliver; the
-- verification code is kept only as its SHA-256.
CREATE TABLE contacts (
    id          TEXT PRIMARY KEY,
    username    TEXT NOT NULL,
    name        TEXT NOT NULL,
    kind        TEXT NOT NULL,
    target      TEXT NOT NULL,
    code_hash   TEXT NOT NULL DEFAULT '',
    code_expires TIMESTAMPTZ,
    verified_at TIMESTAMPTZ,
    source      TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    UNIQUE (username, name)
);

-- Notification rules: contact this method this long after a page.
CREATE TABLE notification_rules (
    id            TEXT PRIMARY KEY,
    username      TEXT NOT NULL,
    contact_id    TEXT NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    delay_seconds BIGINT NOT NULL,
    UNIQUE (contact_id, delay_seconds)
);
CREATE INDEX notification_rules_user ON notification_rules (username);

-- Escalations: one subject (an incident or a queue entry) climbing one
-- policy's steps until someone acknowledges.
CREATE TABLE escalations (
    id           TEXT PRIMARY KEY,
    subject_kind TEXT NOT NULL,
    subject_id   TEXT NOT NULL,
    cause        TEXT NOT NULL,
    state        TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    doc          TEXT NOT NULL,
    UNIQUE (subject_kind, subject_id, cause)
);
CREATE INDEX escalations_subject ON escalations (subject_kind, subject_id);
CREATE INDEX escalations_open ON escalations (state, created_at);

-- Deliveries: one message to one contact method, and every attempt at it.
CREATE TABLE deliveries (
    id            TEXT PRIMARY KEY,
    escalation_id TEXT NOT NULL,
    username      TEXT NOT NULL,
    contact_id    TEXT NOT NULL,
    channel       TEXT NOT NULL,
    target        TEXT NOT NULL,
    state         TEXT NOT NULL,
    attempts      BIGINT NOT NULL DEFAULT 0,
    last_error    TEXT NOT NULL DEFAULT '',
    created_at    TIMESTAMPTZ NOT NULL,
    due_at        TIMESTAMPTZ NOT NULL,
    sent_at       TIMESTAMPTZ,
    doc           TEXT NOT NULL
);
CREATE INDEX deliveries_escalation ON deliveries (escalation_id, created_at);

CREATE TABLE delivery_attempts (
    id          BIGSERIAL PRIMARY KEY,
    delivery_id TEXT NOT NULL,
    attempt     BIGINT NOT NULL,
    at          TIMESTAMPTZ NOT NULL,
    ok          BOOLEAN NOT NULL,
    status_code BIGINT NOT NULL,
    error       TEXT NOT NULL,
    latency_ms  DOUBLE PRECISION NOT NULL
);
CREATE INDEX delivery_attempts_delivery ON delivery_attempts (delivery_id, id);

-- Single-use acknowledgement links that have been used.
CREATE TABLE ack_uses (
    token_id TEXT PRIMARY KEY,
    used_at  TIMESTAMPTZ NOT NULL
);

-- Server secrets generated at first start (the key that signs ack links
-- and calendar feed URLs).
CREATE TABLE server_keys (
    name       TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);

-- Durable jobs: every future action, written in the transaction of the
-- change that caused it.
CREATE TABLE jobs (
    id           TEXT PRIMARY KEY,
    kind         TEXT NOT NULL,
    args         TEXT NOT NULL,
    run_at       TIMESTAMPTZ NOT NULL,
    state        TEXT NOT NULL,
    attempt      BIGINT NOT NULL DEFAULT 0,
    max_attempts BIGINT NOT NULL,
    locked_by    TEXT,
    locked_until TIMESTAMPTZ,
    last_error   TEXT NOT NULL DEFAULT '',
    created_at   TIMESTAMPTZ NOT NULL,
    finished_at  TIMESTAMPTZ
);
CREATE INDEX jobs_due ON jobs (state, run_at);

-- +goose Down
DROP TABLE jobs;
DROP TABLE server_keys;
DROP TABLE ack_uses;
DROP TABLE delivery_attempts;
DROP TABLE deliveries;
DROP TABLE escalations;
DROP TABLE notification_rules;
DROP TABLE contacts;
DROP TABLE oncall_objects;
