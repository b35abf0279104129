-- +goose Up
-- The public status page (package status). Nothing here is copied from an
-- internal incident: a public incident has its own title and updates,
-- written for customers, and only links to the incident it speaks for.

-- The page's own settings: one row.
CREATE TABLE status_page (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    page_id    TEXT NOT NULL,
    name       TEXT NOT NULL,
    time_zone  TEXT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE status_components (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    description TEXT NOT NULL,
    group_name  TEXT NOT NULL,
    position    BIGINT NOT NULL,
    state       TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL
);

-- Every change of a component's state: the 90-day history is drawn from
-- them.
CREATE TABLE status_component_changes (
    id           BIGSERIAL PRIMARY KEY,
    component_id TEXT NOT NULL REFERENCES status_components (id) ON DELETE CASCADE,
    old_state    TEXT NOT NULL,
    new_state    TEXT NOT NULL,
    at           TIMESTAMPTZ NOT NULL
);
CREATE INDEX status_component_changes_at ON status_component_changes (at, id);

-- Public incidents and maintenances. incident_id links one to the internal
-- incident it speaks for (at most one each); restricted_ok records that an
-- administrator confirmed publishing it while that incident is restricted.
CREATE TABLE status_incidents (
    id              TEXT PRIMARY KEY,
    incident_id     TEXT UNIQUE,
    incident_ref    TEXT NOT NULL,
    kind            TEXT NOT NULL,
    title           TEXT NOT NULL,
    impact          TEXT NOT NULL,
    status          TEXT NOT NULL,
    components      TEXT NOT NULL,
    restricted_ok   BOOLEAN NOT NULL,
    scheduled_for   TIMESTAMPTZ,
    scheduled_until TIMESTAMPTZ,
    created_by      TEXT NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL,
    monitoring_at   TIMESTAMPTZ,
    resolved_at     TIMESTAMPTZ
);
CREATE INDEX status_incidents_updated ON status_incidents (updated_at);

CREATE TABLE status_updates (
    id          TEXT PRIMARY KEY,
    incident_id TEXT NOT NULL REFERENCES status_incidents (id) ON DELETE CASCADE,
    status      TEXT NOT NULL,
    body        TEXT NOT NULL,
    components  TEXT NOT NULL,
    notify      BOOLEAN NOT NULL,
    created_by  TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX status_updates_incident ON status_updates (incident_id, created_at);

-- Email subscribers. A pending one keeps only the SHA-256 of its
-- confirmation token, until it is confirmed or expires.
CREATE TABLE status_subscribers (
    id           TEXT PRIMARY KEY,
    email        TEXT NOT NULL UNIQUE,
    state        TEXT NOT NULL,
    token_hash   TEXT UNIQUE,
    expires_at   TIMESTAMPTZ,
    created_at   TIMESTAMPTZ NOT NULL,
    confirmed_at TIMESTAMPTZ
);
CREATE INDEX status_subscribers_state ON status_subscribers (state, created_at);

-- +goose Down
DROP TABLE status_subscribers;
DROP TABLE status_updates;
DROP TABLE status_incidents;
DROP TABLE status_component_changes;
DROP TABLE status_components;
DROP TABLE status_page;
