-- +goose Up
-- The restricted incidents by number, for a ranked search's visibility
-- check (store/search.go, hiddenMatch), as SQLite's 00036: each of up to
-- 1,000 matches is probed here instead of in incidents, whose heap pages
-- cost a read per match across a large table; this index holds only the
-- restricted incidents, so it is small and stays in shared buffers.
CREATE INDEX incidents_restricted ON incidents (number) WHERE restricted;

-- +goose Down
DROP INDEX incidents_restricted;
