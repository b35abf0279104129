-- +goose Up
-- Web UI sign-in. password_hash is an argon2id PHC string; '' means the user
-- has no password and cannot sign in with one (API tokens still work).
ALTER TABLE users ADD COLUMN password_hash TEXT NOT NULL DEFAULT '';

-- Server-side sessions: only the SHA-256 of the session secret is stored.
CREATE TABLE sessions (
    id           TEXT PRIMARY KEY,
    hash         TEXT NOT NULL UNIQUE,
    username     TEXT NOT NULL REFERENCES users (username),
    created_at   TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    expires_at   TEXT NOT NULL
);
CREATE INDEX sessions_user ON sessions (username);
CREATE INDEX sessions_expires ON sessions (expires_at);

-- +goose Down
DROP TABLE sessions;
ALTER TABLE users DROP COLUMN password_hash;
