-- +goose Up
-- Response plans, versioned (package plan). A row is never updated: an
-- edit is a new version, a deletion a tombstone version (deleted set,
-- empty hash), so an incident that recorded a plan's name, version and
-- hash can always read what it applied. doc is the plan as JSON.
CREATE TABLE plan_versions (
    name       TEXT NOT NULL,
    version    INTEGER NOT NULL,
    hash       TEXT NOT NULL,
    source     TEXT NOT NULL CHECK (source IN ('builtin', 'file', 'api')),
    doc        TEXT NOT NULL,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    deleted    INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (name, version)
);

-- +goose Down
DROP TABLE plan_versions;
