-- +goose Up
-- A label filter walks that label's incidents newest first and stops after a
-- page: with the incident number beside each label, (key, value, number) is
-- in list order whether the label is on ten incidents or on all of them.
-- Numbers never change, so the copy cannot go stale.
ALTER TABLE incident_labels ADD COLUMN number BIGINT;
UPDATE incident_labels l SET number = i.number FROM incidents i WHERE i.id = l.incident_id;
ALTER TABLE incident_labels ALTER COLUMN number SET NOT NULL;
CREATE INDEX incident_labels_kv_number ON incident_labels (key, value, number);
DROP INDEX incident_labels_kv;

-- +goose Down
CREATE INDEX incident_labels_kv ON incident_labels (key, value);
DROP INDEX incident_labels_kv_number;
ALTER TABLE incident_labels DROP COLUMN number;
