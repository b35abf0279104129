-- +goose Up
-- Notices to regulators, customers, individuals and staff: one JSON
-- document per notice (its text, approval, attachments by SHA-256,
-- submission or email deliveries), replaced at each change under an
-- optimistic version. Attachments themselves live in attachments.
CREATE TABLE notices (
    id          TEXT PRIMARY KEY,
    incident_id TEXT NOT NULL,
    status      TEXT NOT NULL,
    version     INTEGER NOT NULL,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    doc         TEXT NOT NULL
);
CREATE INDEX notices_incident ON notices (incident_id, created_at);

-- Notice templates organisations add (built-in and configured ones are
-- not stored).
CREATE TABLE notice_templates (
    name       TEXT PRIMARY KEY,
    doc        TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

-- Stakeholder updates and where they were sent.
CREATE TABLE stakeholder_updates (
    id          TEXT PRIMARY KEY,
    incident_id TEXT NOT NULL,
    posted_at   TEXT NOT NULL,
    doc         TEXT NOT NULL
);
CREATE INDEX stakeholder_updates_incident ON stakeholder_updates (incident_id, posted_at);

-- Internal channels that receive updates: one incident's (incident_id
-- set) or every unrestricted incident's (''). The target holds the
-- address and any secret, needed in the clear to deliver.
CREATE TABLE update_subscriptions (
    id          TEXT PRIMARY KEY,
    incident_id TEXT NOT NULL,
    name        TEXT NOT NULL,
    target      TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    doc         TEXT NOT NULL
);
CREATE INDEX update_subscriptions_incident ON update_subscriptions (incident_id);

CREATE TABLE update_deliveries (
    id          TEXT PRIMARY KEY,
    incident_id TEXT NOT NULL,
    update_id   TEXT NOT NULL,
    state       TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    doc         TEXT NOT NULL
);
CREATE INDEX update_deliveries_incident ON update_deliveries (incident_id, created_at);

-- Each incident's update cadence: when the next reminder goes. Reminder
-- jobs carry the generation they were written for; a newer one makes
-- them stale.
CREATE TABLE update_cadences (
    incident_id TEXT PRIMARY KEY,
    generation  INTEGER NOT NULL,
    next_due    TEXT,
    doc         TEXT NOT NULL
);

-- +goose Down
DROP TABLE update_cadences;
DROP TABLE update_deliveries;
DROP TABLE update_subscriptions;
DROP TABLE stakeholder_updates;
DROP TABLE notice_templates;
DROP TABLE notices;
