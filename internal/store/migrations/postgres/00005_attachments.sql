-- +goose Up
-- Evidence files (report attachments, later email attachments), content-
-- addressed by SHA-256 so a retried upload stores one copy.
CREATE TABLE attachments (
    sha256       TEXT PRIMARY KEY,
    name         TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size         BIGINT NOT NULL,
    data         BYTEA NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL
);

-- +goose Down
DROP TABLE attachments;
