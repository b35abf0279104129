-- +goose Up
-- The evidence of each incident as it stands now (issue #16). Every row
-- is what the incident's evidence.* events fold to: doc is the item, the
-- columns repeat what is checked and listed; audit verify compares both
-- with the events. Rows are never deleted: disposal marks them.
CREATE TABLE evidence (
    incident_id TEXT NOT NULL REFERENCES incidents (id),
    number      INTEGER NOT NULL,
    kind        TEXT NOT NULL,
    sha256      TEXT NOT NULL,
    size        INTEGER NOT NULL,
    holder      TEXT NOT NULL,
    disposed    INTEGER NOT NULL,
    version     INTEGER NOT NULL,
    doc         TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    PRIMARY KEY (incident_id, number)
);
CREATE INDEX evidence_sha256 ON evidence (sha256);

-- +goose Down
DROP TABLE evidence;
