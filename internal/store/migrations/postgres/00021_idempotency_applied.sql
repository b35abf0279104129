-- +goose Up
-- A command run under an Idempotency-Key marks its key in the command's own
-- transaction: claim names the reservation the request holds (a retry that
-- takes over an abandoned reservation gets a new one, and writes under the
-- old claim are refused); applied says the command committed; created_kind
-- and created_id name what it created, so a retry after a crash between the
-- commit and the stored answer is answered from that, never run again.
-- status -1: applied, but the answer was never stored.
ALTER TABLE idempotency_keys ADD COLUMN claim TEXT NOT NULL DEFAULT '';
ALTER TABLE idempotency_keys ADD COLUMN applied INTEGER NOT NULL DEFAULT 0;
ALTER TABLE idempotency_keys ADD COLUMN created_kind TEXT NOT NULL DEFAULT '';
ALTER TABLE idempotency_keys ADD COLUMN created_id TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE idempotency_keys DROP COLUMN created_id;
ALTER TABLE idempotency_keys DROP COLUMN created_kind;
ALTER TABLE idempotency_keys DROP COLUMN applied;
ALTER TABLE idempotency_keys DROP COLUMN claim;
