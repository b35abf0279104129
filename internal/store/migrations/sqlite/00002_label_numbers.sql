-- +goose Up
-- A label filter walks that label's incidents newest first and stops after a
-- page: with the incident number beside each label, (key, value, number) is
-- in list order whether the label is on ten incidents or on all of them.
-- Without it a rare label meant probing every incident from the newest down.
-- Numbers never change, so the copy cannot go stale.
ALTER TABLE incident_labels ADD COLUMN number INTEGER NOT NULL DEFAULT 0;
UPDATE incident_labels SET number = (SELECT i.number FROM incidents i WHERE i.id = incident_labels.incident_id);
CREATE INDEX incident_labels_kv_number ON incident_labels (key, value, number);
DROP INDEX incident_labels_kv;

-- +goose Down
CREATE INDEX incident_labels_kv ON incident_labels (key, value);
DROP INDEX incident_labels_kv_number;
ALTER TABLE incident_labels DROP COLUMN number;
