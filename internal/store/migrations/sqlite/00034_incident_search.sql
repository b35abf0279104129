-- +goose Up
-- Full-text search over each incident's title, summary, timeline notes
-- and post-mortem (store/search.go keeps it in step in the transaction
-- that writes the incident). One row per incident, rowid = its number;
-- porter stemming over unicode61, so "failing" finds "failed".
CREATE VIRTUAL TABLE incident_fts USING fts5 (
    title, summary, timeline, postmortem,
    tokenize = 'porter unicode61 remove_diacritics 2'
);

-- The existing incidents, built as incident.TimelineText and
-- incident.PostmortemText build them (char(2) and char(3) mark hits in
-- snippets, so never stay in the text).
INSERT INTO incident_fts (rowid, title, summary, timeline, postmortem)
SELECT i.number,
    replace(replace(i.title, char(2), ' '), char(3), ' '),
    replace(replace(i.summary, char(2), ' '), char(3), ' '),
    COALESCE((SELECT group_concat(replace(replace(json_extract(e.data, '$.body'), char(2), ' '), char(3), ' '), char(10) ORDER BY e.seq)
        FROM events e WHERE e.incident_id = i.id AND e.type = 'timeline.entry_added' AND json_extract(e.data, '$.body') <> ''), ''),
    COALESCE((SELECT group_concat(replace(replace(p.v, char(2), ' '), char(3), ' '), char(10) ORDER BY p.k, p.j) FROM (
        SELECT 1 AS k, 0 AS j, json_extract(i.doc, '$.postmortem.doc.summary') AS v
        UNION ALL SELECT 2, 0, json_extract(i.doc, '$.postmortem.doc.impact')
        UNION ALL SELECT 3, t.key, json_extract(t.value, '$.text') FROM json_each(i.doc, '$.postmortem.doc.timeline') t
        UNION ALL SELECT 4, t.key, json_extract(t.value, '$.text') FROM json_each(i.doc, '$.postmortem.doc.root_causes') t
        UNION ALL SELECT 5, t.key, json_extract(t.value, '$.text') FROM json_each(i.doc, '$.postmortem.doc.contributing_factors') t
        UNION ALL SELECT 6, t.key, t.value FROM json_each(i.doc, '$.postmortem.doc.whys') t
        UNION ALL SELECT 7, 0, json_extract(i.doc, '$.postmortem.doc.went_well')
        UNION ALL SELECT 8, 0, json_extract(i.doc, '$.postmortem.doc.hard')
        UNION ALL SELECT 9, 0, json_extract(i.doc, '$.postmortem.doc.lessons')
    ) p WHERE p.v IS NOT NULL AND p.v <> ''), '')
FROM incidents i;

-- +goose Down
DROP TABLE incident_fts;
