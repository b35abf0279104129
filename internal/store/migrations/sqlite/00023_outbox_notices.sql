-- +goose Up
-- Notice emails, stakeholder-update deliveries and update reminders are
-- outbox deliveries (kinds notice_email, stakeholder_update,
-- update_reminder). What was recorded the old way is copied into the
-- outbox, and the jobs of the old kinds become outbox jobs, so a server
-- upgraded mid-delivery still delivers. Times from JSON documents are
-- written in the store's layout (microseconds, Z).

-- A notice's emails lived in its document (email.deliveries).
INSERT INTO outbox_deliveries (id, kind, subject_kind, subject_id, incident, target, ref, payload, state, attempts, last_error,
    created_at, due_at, sent_at, message_id, reply, message_sha256, message_size)
SELECT json_extract(d.value, '$.id'), 'notice_email', 'notice', n.id, n.incident_id,
    json_object('kind', 'email', 'address', json_extract(d.value, '$.to')), '', '{}',
    json_extract(d.value, '$.state'), COALESCE(json_extract(d.value, '$.attempts'), 0), COALESCE(json_extract(d.value, '$.last_error'), ''),
    COALESCE(strftime('%Y-%m-%dT%H:%M:%f', json_extract(n.doc, '$.email.requested_at')) || '000Z', n.updated_at),
    COALESCE(strftime('%Y-%m-%dT%H:%M:%f', json_extract(n.doc, '$.email.requested_at')) || '000Z', n.updated_at),
    strftime('%Y-%m-%dT%H:%M:%f', json_extract(d.value, '$.sent_at')) || '000Z',
    COALESCE(json_extract(d.value, '$.message_id'), ''), COALESCE(json_extract(d.value, '$.reply'), ''),
    COALESCE(json_extract(d.value, '$.message_sha256'), ''), COALESCE(json_extract(d.value, '$.message_size'), 0)
FROM notices n, json_each(n.doc, '$.email.deliveries') d
WHERE json_type(n.doc, '$.email.deliveries') = 'array'
ON CONFLICT (id) DO NOTHING;

-- The notice keeps which of them it took in (their notice.sent events
-- are written), and no copy of the deliveries.
UPDATE notices SET doc = json_remove(json_set(doc, '$.email.recorded', json((
        SELECT json_group_array(json_extract(d.value, '$.id')) FROM json_each(notices.doc, '$.email.deliveries') d
        WHERE json_extract(d.value, '$.state') <> 'pending'))), '$.email.deliveries')
WHERE json_type(doc, '$.email.deliveries') = 'array';

UPDATE jobs SET kind = 'outbox.deliver', args = json_object('id', json_extract(args, '$.delivery'), 'kind', 'notice_email')
WHERE kind = 'notices.send';

-- Updates sent to subscriptions; the target is the subscription's (a
-- removed subscription's delivery is skipped when it is sent).
INSERT INTO outbox_deliveries (id, kind, subject_kind, subject_id, incident, target, ref, payload, state, attempts, last_error,
    created_at, due_at, sent_at, message_id, reply, message_sha256, message_size)
SELECT ud.id, 'stakeholder_update', 'update', ud.update_id, ud.incident_id,
    COALESCE(s.target, json_object('kind', json_extract(ud.doc, '$.channel'))), COALESCE(json_extract(ud.doc, '$.subscription_id'), ''),
    json_object('update', ud.update_id, 'name', COALESCE(json_extract(ud.doc, '$.name'), ''), 'channel', COALESCE(json_extract(ud.doc, '$.channel'), '')),
    ud.state, COALESCE(json_extract(ud.doc, '$.attempts'), 0), COALESCE(json_extract(ud.doc, '$.last_error'), ''),
    ud.created_at, ud.created_at, strftime('%Y-%m-%dT%H:%M:%f', json_extract(ud.doc, '$.sent_at')) || '000Z', '', '', '', 0
FROM update_deliveries ud LEFT JOIN update_subscriptions s ON s.id = json_extract(ud.doc, '$.subscription_id')
WHERE true
ON CONFLICT (id) DO NOTHING;

UPDATE jobs SET kind = 'outbox.deliver', args = json_object('id', json_extract(args, '$.id'), 'kind', 'stakeholder_update')
WHERE kind = 'updates.deliver';

DROP TABLE update_deliveries;

-- A reminder to a person that was still to go becomes one delivery per
-- verified contact method of theirs, as new reminders are.
INSERT INTO outbox_deliveries (id, kind, subject_kind, subject_id, incident, target, ref, payload, state, attempts, last_error,
    created_at, due_at, sent_at, message_id, reply, message_sha256, message_size)
SELECT j.id || '.' || c.id, 'update_reminder', 'incident', json_extract(j.args, '$.incident'), json_extract(j.args, '$.incident'),
    c.target, c.id, json_object('user', json_extract(j.args, '$.user'), 'due', json_extract(j.args, '$.due'), 'last', json_extract(j.args, '$.last')),
    'pending', 0, '', j.created_at, j.run_at, NULL, '', '', '', 0
FROM jobs j JOIN contacts c ON c.username = json_extract(j.args, '$.user') AND c.verified_at IS NOT NULL
WHERE j.kind = 'updates.remind_user' AND j.state IN ('pending', 'running')
ON CONFLICT (id) DO NOTHING;

INSERT INTO jobs (id, kind, args, run_at, state, attempt, max_attempts, last_error, created_at)
SELECT j.id || '.' || c.id, 'outbox.deliver', json_object('id', j.id || '.' || c.id, 'kind', 'update_reminder'), j.run_at, 'pending', 0,
    j.max_attempts, '', j.created_at
FROM jobs j JOIN contacts c ON c.username = json_extract(j.args, '$.user') AND c.verified_at IS NOT NULL
WHERE j.kind = 'updates.remind_user' AND j.state IN ('pending', 'running')
ON CONFLICT (id) DO NOTHING;

DELETE FROM jobs WHERE kind = 'updates.remind_user' AND state IN ('pending', 'running');

-- +goose Down
CREATE TABLE update_deliveries (
    id          TEXT PRIMARY KEY,
    incident_id TEXT NOT NULL,
    update_id   TEXT NOT NULL,
    state       TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    doc         TEXT NOT NULL
);
CREATE INDEX update_deliveries_incident ON update_deliveries (incident_id, created_at);

INSERT INTO update_deliveries (id, incident_id, update_id, state, created_at, doc)
SELECT id, incident, subject_id, CASE state WHEN 'skipped' THEN 'failed' ELSE state END, created_at,
    json_object('id', id, 'update_id', subject_id, 'incident_id', incident, 'subscription_id', ref, 'name', json_extract(payload, '$.name'),
        'channel', json_extract(payload, '$.channel'), 'target', '', 'state', CASE state WHEN 'skipped' THEN 'failed' ELSE state END,
        'attempts', attempts, 'last_error', last_error, 'created_at', created_at, 'sent_at', sent_at)
FROM outbox_deliveries WHERE kind = 'stakeholder_update';

UPDATE notices SET doc = json_set(json_remove(doc, '$.email.recorded'), '$.email.deliveries', json((
        SELECT json_group_array(json_object('id', o.id, 'to', json_extract(o.target, '$.address'), 'state', o.state, 'attempts', o.attempts,
            'last_error', o.last_error, 'message_id', o.message_id, 'reply', o.reply, 'sent_at', o.sent_at,
            'message_sha256', o.message_sha256, 'message_size', o.message_size))
        FROM outbox_deliveries o WHERE o.kind = 'notice_email' AND o.subject_id = notices.id)))
WHERE json_type(doc, '$.email') = 'object';

UPDATE jobs SET kind = 'notices.send', args = json_object('notice', (SELECT subject_id FROM outbox_deliveries o WHERE o.id = json_extract(jobs.args, '$.id')),
        'delivery', json_extract(args, '$.id'))
WHERE kind = 'outbox.deliver' AND json_extract(args, '$.kind') = 'notice_email';
UPDATE jobs SET kind = 'updates.deliver', args = json_object('id', json_extract(args, '$.id'))
WHERE kind = 'outbox.deliver' AND json_extract(args, '$.kind') = 'stakeholder_update';
-- Reminders not sent yet are not put back: the next one is planned.
DELETE FROM jobs WHERE kind = 'outbox.deliver' AND json_extract(args, '$.kind') = 'update_reminder';
DELETE FROM outbox_attempts WHERE delivery_id IN (SELECT id FROM outbox_deliveries WHERE kind IN ('notice_email', 'stakeholder_update', 'update_reminder'));
DELETE FROM outbox_deliveries WHERE kind IN ('notice_email', 'stakeholder_update', 'update_reminder');
