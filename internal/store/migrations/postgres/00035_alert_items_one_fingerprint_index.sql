-- +goose Up
-- One index serves both lookups by fingerprint: dedup's latest item of a
-- path and fingerprint (store.LatestItem, PreloadItems), and the firing
-- items of a fingerprint on any path (store.FiringGroups, status read from
-- the index). Every new alert inserts into each index of alert_items at a
-- random key (fingerprints are hashes), so each index dropped is one page
-- fewer written per alert by the single writer.
DROP INDEX alert_items_fingerprint;
DROP INDEX alert_items_latest;
CREATE INDEX alert_items_fingerprint ON alert_items (fingerprint, path, first_seen, status);

-- +goose Down
DROP INDEX alert_items_fingerprint;
CREATE INDEX alert_items_latest ON alert_items (path, fingerprint, first_seen);
CREATE INDEX alert_items_fingerprint ON alert_items (fingerprint, status);
