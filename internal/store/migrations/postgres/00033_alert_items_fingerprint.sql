-- +goose Up
-- Firing alerts by fingerprint alone, whatever their route path: a
-- PagerDuty acknowledge names only its dedup_key (store.FiringGroups).
CREATE INDEX alert_items_fingerprint ON alert_items (fingerprint, status);

-- +goose Down
DROP INDEX alert_items_fingerprint;
