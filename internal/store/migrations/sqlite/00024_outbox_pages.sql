-- +goose Up
-- Pages are outbox deliveries of kind 'page' (package escalation): each
-- row of deliveries becomes one with the same ID (so acknowledgement links
-- already sent keep working), its attempts are copied, and the jobs that
-- sent them become outbox jobs. The target is the contact's (with its
-- secrets, as the contacts table holds it); a contact removed since keeps
-- only its channel, and the page is skipped when its job runs.
INSERT INTO outbox_deliveries (id, kind, subject_kind, subject_id, incident, target, ref, payload, state, attempts, last_error,
    created_at, due_at, sent_at)
SELECT d.id, 'page', 'escalation', d.escalation_id,
    CASE WHEN e.subject_kind = 'incident' THEN e.subject_id ELSE '' END,
    COALESCE(c.target, json_object('kind', d.channel)),
    d.contact_id,
    json_object('escalation', d.escalation_id, 'user', d.username, 'contact', d.contact_id, 'channel', d.channel,
        'target', d.target, 'step', json(COALESCE(json_extract(d.doc, '$.step'), '{}'))),
    d.state, d.attempts, d.last_error, d.created_at, d.due_at, d.sent_at
FROM deliveries d
LEFT JOIN escalations e ON e.id = d.escalation_id
LEFT JOIN contacts c ON c.id = d.contact_id
WHERE true
ON CONFLICT (id) DO NOTHING;

INSERT INTO outbox_attempts (delivery_id, attempt, at, ok, status_code, latency_ms, error, message_id, reply)
SELECT delivery_id, attempt, at, ok, status_code, latency_ms, error, '', '' FROM delivery_attempts ORDER BY id;

-- Every job of a page, whatever its state: pending and held ones run as
-- outbox jobs, dead ones are listed (and retried) with the kind that died.
UPDATE jobs SET kind = 'outbox.deliver', args = json_object('id', id, 'kind', 'page'),
    last_error = CASE WHEN state = 'dead' AND last_error <> '' THEN 'page: ' || last_error ELSE last_error END
WHERE kind = 'paging.deliver';

-- Nothing reads them any more; their rows are in the outbox.
DROP TABLE delivery_attempts;
DROP TABLE deliveries;

-- +goose Down
-- The tables come back empty: the pages stay in the outbox.
CREATE TABLE deliveries (
    id            TEXT PRIMARY KEY,
    escalation_id TEXT NOT NULL,
    username      TEXT NOT NULL,
    contact_id    TEXT NOT NULL,
    channel       TEXT NOT NULL,
    target        TEXT NOT NULL,
    state         TEXT NOT NULL,
    attempts      INTEGER NOT NULL DEFAULT 0,
    last_error    TEXT NOT NULL DEFAULT '',
    created_at    TEXT NOT NULL,
    due_at        TEXT NOT NULL,
    sent_at       TEXT,
    doc           TEXT NOT NULL
);
CREATE INDEX deliveries_escalation ON deliveries (escalation_id, created_at);
CREATE TABLE delivery_attempts (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    delivery_id TEXT NOT NULL,
    attempt     INTEGER NOT NULL,
    at          TEXT NOT NULL,
    ok          INTEGER NOT NULL,
    status_code INTEGER NOT NULL,
    error       TEXT NOT NULL,
    latency_ms  REAL NOT NULL
);
CREATE INDEX delivery_attempts_delivery ON delivery_attempts (delivery_id, id);
