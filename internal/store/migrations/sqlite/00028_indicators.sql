-- +goose Up
-- Indicators of compromise kept beside an incident (package indicators).
-- Each change is also an indicator.* event on the incident's chain,
-- written in the same transaction. (type, value) is indexed for "seen
-- before": the same indicator in other incidents.
CREATE TABLE indicators (
    incident_id TEXT NOT NULL REFERENCES incidents (id),
    id          TEXT NOT NULL PRIMARY KEY,
    type        TEXT NOT NULL,
    value       TEXT NOT NULL,
    tlp         TEXT NOT NULL,
    state       TEXT NOT NULL,
    source      TEXT NOT NULL,
    confidence  INTEGER NOT NULL,
    notes       TEXT NOT NULL,
    first_seen  TEXT,
    last_seen   TEXT,
    created_by  TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    UNIQUE (incident_id, type, value)
);
CREATE INDEX indicators_type_value ON indicators (type, value);

-- +goose Down
DROP TABLE indicators;
