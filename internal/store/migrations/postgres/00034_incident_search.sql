-- +goose Up
-- Full-text search over each incident's title, summary, timeline notes
-- and post-mortem (store/search.go keeps it in step in the transaction
-- that writes the incident). The 'english' configuration stems as the
-- SQLite side's porter tokenizer does (and drops English stop words); the
-- weights rank a hit in the title above one in the summary above one in
-- the notes. A tsvector holds at most 1 MB, so only the first 200,000
-- characters of the notes and of the post-mortem are indexed.
CREATE TABLE incident_search (
    number     BIGINT PRIMARY KEY,
    title      TEXT NOT NULL,
    summary    TEXT NOT NULL,
    timeline   TEXT NOT NULL,
    postmortem TEXT NOT NULL,
    doc        TSVECTOR GENERATED ALWAYS AS (
        setweight(to_tsvector('english', title), 'A') ||
        setweight(to_tsvector('english', summary), 'B') ||
        setweight(to_tsvector('english', left(timeline, 200000)), 'C') ||
        setweight(to_tsvector('english', left(postmortem, 200000)), 'C')) STORED
);
CREATE INDEX incident_search_doc ON incident_search USING GIN (doc);

-- The existing incidents, built as incident.TimelineText and
-- incident.PostmortemText build them (chr(2) and chr(3) mark hits in
-- snippets, so never stay in the text).
INSERT INTO incident_search (number, title, summary, timeline, postmortem)
SELECT i.number,
    replace(replace(i.title, chr(2), ' '), chr(3), ' '),
    replace(replace(i.summary, chr(2), ' '), chr(3), ' '),
    COALESCE((SELECT string_agg(replace(replace(e.data::jsonb->>'body', chr(2), ' '), chr(3), ' '), E'\n' ORDER BY e.seq)
        FROM events e WHERE e.incident_id = i.id AND e.type = 'timeline.entry_added' AND e.data::jsonb->>'body' <> ''), ''),
    COALESCE((SELECT string_agg(replace(replace(p.v, chr(2), ' '), chr(3), ' '), E'\n' ORDER BY p.k, p.j) FROM (
        SELECT 1 AS k, 0::bigint AS j, d->>'summary' AS v
        UNION ALL SELECT 2, 0, d->>'impact'
        UNION ALL SELECT 3, t.o, t.x->>'text' FROM jsonb_array_elements(CASE WHEN jsonb_typeof(d->'timeline') = 'array' THEN d->'timeline' ELSE '[]' END) WITH ORDINALITY AS t(x, o)
        UNION ALL SELECT 4, t.o, t.x->>'text' FROM jsonb_array_elements(CASE WHEN jsonb_typeof(d->'root_causes') = 'array' THEN d->'root_causes' ELSE '[]' END) WITH ORDINALITY AS t(x, o)
        UNION ALL SELECT 5, t.o, t.x->>'text' FROM jsonb_array_elements(CASE WHEN jsonb_typeof(d->'contributing_factors') = 'array' THEN d->'contributing_factors' ELSE '[]' END) WITH ORDINALITY AS t(x, o)
        UNION ALL SELECT 6, t.o, t.x FROM jsonb_array_elements_text(CASE WHEN jsonb_typeof(d->'whys') = 'array' THEN d->'whys' ELSE '[]' END) WITH ORDINALITY AS t(x, o)
        UNION ALL SELECT 7, 0, d->>'went_well'
        UNION ALL SELECT 8, 0, d->>'hard'
        UNION ALL SELECT 9, 0, d->>'lessons'
    ) p WHERE p.v IS NOT NULL AND p.v <> ''), '')
FROM incidents i, LATERAL (SELECT i.doc::jsonb->'postmortem'->'doc' AS d) pm;

-- +goose Down
DROP TABLE incident_search;
