-- +goose Up
-- Action items (issue 17): follow-ups that came from an incident and
-- outlive it. Each row is what the incident's action.* events fold to
-- (package actions, Apply): doc is the item, the columns repeat what
-- lists across incidents filter and sort on; audit verify compares both
-- with the events. Numbers are global (ACT-<number>); rows are never
-- deleted.
CREATE TABLE actions (
    number      INTEGER PRIMARY KEY,
    incident_id TEXT NOT NULL REFERENCES incidents (id),
    owner       TEXT NOT NULL,
    team        TEXT NOT NULL,
    state       TEXT NOT NULL,
    priority    TEXT NOT NULL,
    due_at      TEXT NOT NULL,
    closed_at   TEXT,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    version     INTEGER NOT NULL,
    doc         TEXT NOT NULL
);
CREATE INDEX actions_incident ON actions (incident_id, number);
CREATE INDEX actions_owner ON actions (owner, due_at);
CREATE INDEX actions_due ON actions (state, due_at);

-- +goose Down
DROP TABLE actions;
