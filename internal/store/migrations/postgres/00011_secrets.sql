-- +goose Up
-- Tokens of a deactivated user are revoked, so reactivating the user does
-- not bring them back. Users deactivated before this rule lose theirs now.
UPDATE api_tokens SET revoked_at = now()
WHERE revoked_at IS NULL AND username IN (SELECT username FROM users WHERE NOT active);

-- Calendar feed URLs are derived from a server key, the feed and the
-- person who holds the URL, and the holder's generation: rotating bumps it,
-- and every URL the person held stops working. Deactivation rotates too.
CREATE TABLE calendar_feeds (
    username   TEXT PRIMARY KEY REFERENCES users (username),
    generation INTEGER NOT NULL,
    rotated_at TIMESTAMPTZ NOT NULL,
    rotated_by TEXT NOT NULL
);

-- The sweep deletes remembered answers by age.
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);

-- +goose Down
DROP INDEX idempotency_keys_created;
DROP TABLE calendar_feeds;
