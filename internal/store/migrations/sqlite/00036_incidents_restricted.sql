-- +goose Up
-- The restricted incidents by number, for a ranked search's visibility
-- check (store/search.go, hiddenMatch): each of up to 1,000 matches is
-- probed here instead of in incidents, whose number index and wide rows
-- cost a page read or two per match across a large table; this index
-- holds only the restricted incidents, so it is small and its pages are
-- shared by many probes.
CREATE INDEX incidents_restricted ON incidents (number) WHERE restricted;

-- +goose Down
DROP INDEX incidents_restricted;
