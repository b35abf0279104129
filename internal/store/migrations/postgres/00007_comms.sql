-- +goose Up
-- Communication duties. The organisation profile obligations are matched
-- against: one row, one JSON document.
CREATE TABLE organization_profile (
    id         BIGINT PRIMARY KEY CHECK (id = 1),
    doc        TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);

-- What is known about an incident that obligations depend on (one JSON
-- document), its version for optimistic concurrency, and the generation
-- of its reminder plan: reminder jobs of an older plan do nothing.
CREATE TABLE incident_facts (
    incident_id TEXT PRIMARY KEY REFERENCES incidents (id),
    doc         TEXT NOT NULL,
    version     BIGINT NOT NULL,
    plan        BIGINT NOT NULL,
    updated_by  TEXT NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL
);

-- What was done about one phase of one duty of an incident: submitted
-- (at the time it was given, by a notice when one was recorded) or waived
-- with a reason. Once per phase.
CREATE TABLE obligation_records (
    incident_id   TEXT NOT NULL REFERENCES incidents (id),
    obligation_id TEXT NOT NULL,
    phase         TEXT NOT NULL,
    kind          TEXT NOT NULL,
    at            TIMESTAMPTZ NOT NULL,
    actor         TEXT NOT NULL,
    reason        TEXT NOT NULL DEFAULT '',
    notice_id     TEXT,
    recorded_at   TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (incident_id, obligation_id, phase)
);

-- Reminders of a duty's deadline: one row per reminder, person and
-- contact method, with the outcome of the last attempt.
CREATE TABLE obligation_reminders (
    id            TEXT PRIMARY KEY,
    incident_id   TEXT NOT NULL,
    obligation_id TEXT NOT NULL,
    phase         TEXT NOT NULL,
    mark          TEXT NOT NULL,
    due_at        TIMESTAMPTZ NOT NULL,
    username      TEXT NOT NULL,
    contact_id    TEXT NOT NULL,
    channel       TEXT NOT NULL,
    state         TEXT NOT NULL,
    attempts      BIGINT NOT NULL,
    last_error    TEXT NOT NULL,
    sent_at       TIMESTAMPTZ,
    created_at    TIMESTAMPTZ NOT NULL
);
CREATE INDEX obligation_reminders_incident ON obligation_reminders (incident_id, created_at);

-- +goose Down
DROP TABLE obligation_reminders;
DROP TABLE obligation_records;
DROP TABLE incident_facts;
DROP TABLE organization_profile;
