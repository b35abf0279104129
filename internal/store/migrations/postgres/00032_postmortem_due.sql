-- +goose Up
-- The post-mortem's due instant while an incident waits for it (recovered,
-- not published; incident.PostmortemOpenDue), NULL otherwise: the list of
-- overdue post-mortems. Kept with the projection; existing rows are filled
-- from their documents.
ALTER TABLE incidents ADD COLUMN postmortem_open_due TIMESTAMPTZ;
UPDATE incidents SET postmortem_open_due = (doc::jsonb->>'postmortem_due')::timestamptz
WHERE state = 'recovered' AND doc::jsonb->>'postmortem_due' IS NOT NULL
  AND COALESCE(doc::jsonb->'postmortem'->>'status', '') <> 'published';
CREATE INDEX incidents_postmortem_open_due ON incidents (postmortem_open_due) WHERE postmortem_open_due IS NOT NULL;

-- +goose Down
DROP INDEX incidents_postmortem_open_due;
ALTER TABLE incidents DROP COLUMN postmortem_open_due;
