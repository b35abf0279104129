-- +goose Up
-- Notice emails, stakeholder-update deliveries and update reminders are
-- outbox deliveries (kinds notice_email, stakeholder_update,
-- update_reminder). What was recorded the old way is copied into the
-- outbox, and the jobs of the old kinds become outbox jobs, so a server
-- upgraded mid-delivery still delivers.

-- A notice's emails lived in its document (email.deliveries).
INSERT INTO outbox_deliveries (id, kind, subject_kind, subject_id, incident, target, ref, payload, state, attempts, last_error,
    created_at, due_at, sent_at, message_id, reply, message_sha256, message_size)
SELECT d->>'id', 'notice_email', 'notice', n.id, n.incident_id,
    jsonb_build_object('kind', 'email', 'address', d->>'to')::text, '', '{}',
    d->>'state', COALESCE((d->>'attempts')::bigint, 0), COALESCE(d->>'last_error', ''),
    COALESCE((n.doc::jsonb->'email'->>'requested_at')::timestamptz, n.updated_at),
    COALESCE((n.doc::jsonb->'email'->>'requested_at')::timestamptz, n.updated_at),
    (d->>'sent_at')::timestamptz,
    COALESCE(d->>'message_id', ''), COALESCE(d->>'reply', ''), COALESCE(d->>'message_sha256', ''), COALESCE((d->>'message_size')::bigint, 0)
FROM notices n CROSS JOIN LATERAL jsonb_array_elements(n.doc::jsonb->'email'->'deliveries') d
WHERE jsonb_typeof(n.doc::jsonb->'email'->'deliveries') = 'array'
ON CONFLICT (id) DO NOTHING;

-- The notice keeps which of them it took in (their notice.sent events
-- are written), and no copy of the deliveries.
UPDATE notices SET doc = (jsonb_set(doc::jsonb, '{email,recorded}', COALESCE((
        SELECT jsonb_agg(d->'id') FROM jsonb_array_elements(doc::jsonb->'email'->'deliveries') d
        WHERE d->>'state' <> 'pending'), '[]'::jsonb)) #- '{email,deliveries}')::text
WHERE jsonb_typeof(doc::jsonb->'email'->'deliveries') = 'array';

UPDATE jobs SET kind = 'outbox.deliver', args = jsonb_build_object('id', args::jsonb->>'delivery', 'kind', 'notice_email')::text
WHERE kind = 'notices.send';

-- Updates sent to subscriptions; the target is the subscription's (a
-- removed subscription's delivery is skipped when it is sent).
INSERT INTO outbox_deliveries (id, kind, subject_kind, subject_id, incident, target, ref, payload, state, attempts, last_error,
    created_at, due_at, sent_at, message_id, reply, message_sha256, message_size)
SELECT ud.id, 'stakeholder_update', 'update', ud.update_id, ud.incident_id,
    COALESCE(s.target, jsonb_build_object('kind', ud.doc::jsonb->>'channel')::text), COALESCE(ud.doc::jsonb->>'subscription_id', ''),
    jsonb_build_object('update', ud.update_id, 'name', COALESCE(ud.doc::jsonb->>'name', ''), 'channel', COALESCE(ud.doc::jsonb->>'channel', ''))::text,
    ud.state, COALESCE((ud.doc::jsonb->>'attempts')::bigint, 0), COALESCE(ud.doc::jsonb->>'last_error', ''),
    ud.created_at, ud.created_at, (ud.doc::jsonb->>'sent_at')::timestamptz, '', '', '', 0
FROM update_deliveries ud LEFT JOIN update_subscriptions s ON s.id = ud.doc::jsonb->>'subscription_id'
ON CONFLICT (id) DO NOTHING;

UPDATE jobs SET kind = 'outbox.deliver', args = jsonb_build_object('id', args::jsonb->>'id', 'kind', 'stakeholder_update')::text
WHERE kind = 'updates.deliver';

DROP TABLE update_deliveries;

-- A reminder to a person that was still to go becomes one delivery per
-- verified contact method of theirs, as new reminders are.
INSERT INTO outbox_deliveries (id, kind, subject_kind, subject_id, incident, target, ref, payload, state, attempts, last_error,
    created_at, due_at, sent_at, message_id, reply, message_sha256, message_size)
SELECT j.id || '.' || c.id, 'update_reminder', 'incident', j.args::jsonb->>'incident', j.args::jsonb->>'incident',
    c.target, c.id, jsonb_build_object('user', j.args::jsonb->'user', 'due', j.args::jsonb->'due', 'last', j.args::jsonb->'last')::text,
    'pending', 0, '', j.created_at, j.run_at, NULL, '', '', '', 0
FROM jobs j JOIN contacts c ON c.username = j.args::jsonb->>'user' AND c.verified_at IS NOT NULL
WHERE j.kind = 'updates.remind_user' AND j.state IN ('pending', 'running')
ON CONFLICT (id) DO NOTHING;

INSERT INTO jobs (id, kind, args, run_at, state, attempt, max_attempts, last_error, created_at)
SELECT j.id || '.' || c.id, 'outbox.deliver', jsonb_build_object('id', j.id || '.' || c.id, 'kind', 'update_reminder')::text, j.run_at, 'pending', 0,
    j.max_attempts, '', j.created_at
FROM jobs j JOIN contacts c ON c.username = j.args::jsonb->>'user' AND c.verified_at IS NOT NULL
WHERE j.kind = 'updates.remind_user' AND j.state IN ('pending', 'running')
ON CONFLICT (id) DO NOTHING;

DELETE FROM jobs WHERE kind = 'updates.remind_user' AND state IN ('pending', 'running');

-- +goose Down
CREATE TABLE update_deliveries (
    id          TEXT PRIMARY KEY,
    incident_id TEXT NOT NULL,
    update_id   TEXT NOT NULL,
    state       TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    doc         TEXT NOT NULL
);
CREATE INDEX update_deliveries_incident ON update_deliveries (incident_id, created_at);

INSERT INTO update_deliveries (id, incident_id, update_id, state, created_at, doc)
SELECT id, incident, subject_id, CASE state WHEN 'skipped' THEN 'failed' ELSE state END, created_at,
    jsonb_build_object('id', id, 'update_id', subject_id, 'incident_id', incident, 'subscription_id', ref, 'name', payload::jsonb->>'name',
        'channel', payload::jsonb->>'channel', 'target', '', 'state', CASE state WHEN 'skipped' THEN 'failed' ELSE state END,
        'attempts', attempts, 'last_error', last_error, 'created_at', created_at, 'sent_at', sent_at)::text
FROM outbox_deliveries WHERE kind = 'stakeholder_update';

UPDATE notices SET doc = jsonb_set(doc::jsonb #- '{email,recorded}', '{email,deliveries}', COALESCE((
        SELECT jsonb_agg(jsonb_build_object('id', o.id, 'to', o.target::jsonb->>'address', 'state', o.state, 'attempts', o.attempts,
            'last_error', o.last_error, 'message_id', o.message_id, 'reply', o.reply, 'sent_at', o.sent_at,
            'message_sha256', o.message_sha256, 'message_size', o.message_size) ORDER BY o.created_at, o.id)
        FROM outbox_deliveries o WHERE o.kind = 'notice_email' AND o.subject_id = notices.id), '[]'::jsonb))::text
WHERE jsonb_typeof(doc::jsonb->'email') = 'object';

UPDATE jobs SET kind = 'notices.send', args = jsonb_build_object('notice', (SELECT subject_id FROM outbox_deliveries o WHERE o.id = jobs.args::jsonb->>'id'),
        'delivery', args::jsonb->>'id')::text
WHERE kind = 'outbox.deliver' AND args::jsonb->>'kind' = 'notice_email';
UPDATE jobs SET kind = 'updates.deliver', args = jsonb_build_object('id', args::jsonb->>'id')::text
WHERE kind = 'outbox.deliver' AND args::jsonb->>'kind' = 'stakeholder_update';
-- Reminders not sent yet are not put back: the next one is planned.
DELETE FROM jobs WHERE kind = 'outbox.deliver' AND args::jsonb->>'kind' = 'update_reminder';
DELETE FROM outbox_attempts WHERE delivery_id IN (SELECT id FROM outbox_deliveries WHERE kind IN ('notice_email', 'stakeholder_update', 'update_reminder'));
DELETE FROM outbox_deliveries WHERE kind IN ('notice_email', 'stakeholder_update', 'update_reminder');
