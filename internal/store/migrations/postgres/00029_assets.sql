-- +goose Up
-- The records kept beside an incident (issue #16): the inventory of
-- assets, shared across incidents (the same kind and identifier are the
-- same asset), each incident's affected assets with their state, its
-- compromised credentials and its fixes. Each per-incident row holds its
-- record as JSON (doc) with the columns queries need beside it; every
-- change is also an event on the incident's chain (asset., credential.,
-- fix.).
CREATE TABLE assets (
    kind        TEXT NOT NULL,
    identifier  TEXT NOT NULL,
    owner       TEXT NOT NULL,
    criticality TEXT NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (kind, identifier)
);

CREATE TABLE incident_assets (
    incident_id TEXT NOT NULL REFERENCES incidents (id),
    kind        TEXT NOT NULL,
    identifier  TEXT NOT NULL,
    state       TEXT NOT NULL,
    accepted    BOOLEAN NOT NULL,
    seq         BIGINT NOT NULL, -- of the event that added it: the order added
    added_at    TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL,
    doc         TEXT NOT NULL,
    PRIMARY KEY (incident_id, kind, identifier),
    FOREIGN KEY (kind, identifier) REFERENCES assets (kind, identifier)
);
CREATE INDEX incident_assets_asset ON incident_assets (kind, identifier);

CREATE TABLE incident_credentials (
    incident_id TEXT NOT NULL REFERENCES incidents (id),
    id          TEXT NOT NULL,
    state       TEXT NOT NULL,
    seq         BIGINT NOT NULL, -- of the event that added it: the order added
    added_at    TIMESTAMPTZ NOT NULL,
    doc         TEXT NOT NULL,
    PRIMARY KEY (incident_id, id)
);

CREATE TABLE incident_fixes (
    incident_id TEXT NOT NULL REFERENCES incidents (id),
    id          TEXT NOT NULL,
    seq         BIGINT NOT NULL, -- of the event that added it: the order added
    added_at    TIMESTAMPTZ NOT NULL,
    doc         TEXT NOT NULL,
    PRIMARY KEY (incident_id, id)
);

-- +goose Down
DROP TABLE incident_fixes;
DROP TABLE incident_credentials;
DROP TABLE incident_assets;
DROP TABLE assets;
