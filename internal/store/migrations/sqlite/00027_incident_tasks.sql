-- +goose Up
-- The tasks of every incident, indexed from the projection, for "my
-- tasks" and overdue tasks across incidents. Rewritten whole with each
-- change to an incident's tasks, plans, roles or state; no task exists
-- before this migration, so there is nothing to backfill.
CREATE TABLE incident_tasks (
    incident_id TEXT NOT NULL REFERENCES incidents (id),
    number      INTEGER NOT NULL,
    key         TEXT NOT NULL,
    plan        TEXT NOT NULL,
    phase       TEXT NOT NULL,
    title       TEXT NOT NULL,
    assignee    TEXT NOT NULL,
    state       TEXT NOT NULL,
    required    INTEGER NOT NULL,
    due_at      TEXT,
    updated_at  TEXT NOT NULL,
    PRIMARY KEY (incident_id, key)
);
CREATE INDEX incident_tasks_assignee ON incident_tasks (assignee, state);
CREATE INDEX incident_tasks_open_due ON incident_tasks (due_at) WHERE state NOT IN ('done', 'skipped');

-- +goose Down
DROP TABLE incident_tasks;
