-- +goose Up
-- The triage queue is listed and paged in the order rank, last_seen
-- descending, id descending (see store.QueuePage). These indexes walk it in
-- that order and let a cursor seek to where a page ended, so a page costs
-- the same however long the queue is: one for waiting entries (the
-- default listing, whose WHERE repeats this predicate), one for all.
CREATE INDEX alert_groups_waiting_order ON alert_groups (rank, last_seen DESC, id DESC)
    WHERE status IN ('new', 'acknowledged', 'snoozed');
CREATE INDEX alert_groups_order ON alert_groups (rank, last_seen DESC, id DESC);

-- +goose Down
DROP INDEX alert_groups_order;
DROP INDEX alert_groups_waiting_order;
