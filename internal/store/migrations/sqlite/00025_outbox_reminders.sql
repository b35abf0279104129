-- +goose Up
-- Duty reminders are outbox deliveries of kind duty_reminder (package
-- duties): each row of obligation_reminders becomes one, with its ID, its
-- outcome and its attempt count. A reminder that was waiting for a retry
-- stays pending, with an outbox.deliver job due now, when its reminder job
-- is still waiting (the job gives the plan the delivery checks it against);
-- else nothing would have sent it again, and it is failed. The reminder
-- jobs (duties.remind) keep their shape.
INSERT INTO outbox_deliveries (id, kind, subject_kind, subject_id, incident, target, ref, payload, state, attempts, last_error,
    created_at, due_at, sent_at)
SELECT r.id, 'duty_reminder', 'duty', r.obligation_id || ':' || r.phase, r.incident_id,
    COALESCE(c.target, json_object('kind', r.channel)), r.contact_id,
    json_object('incident', r.incident_id, 'plan', COALESCE(j.plan, 0), 'obligation', r.obligation_id, 'phase', r.phase,
        'mark', r.mark, 'due_at', r.due_at, 'user', r.username, 'contact', r.contact_id, 'channel', r.channel),
    CASE
        WHEN r.state = 'sent' THEN 'sent'
        WHEN r.state = 'no_contact' THEN 'skipped'
        WHEN r.last_error LIKE 'retrying: %' AND j.plan IS NOT NULL THEN 'pending'
        ELSE 'failed'
    END,
    r.attempts,
    CASE WHEN r.last_error LIKE 'retrying: %' THEN substr(r.last_error, 11) ELSE r.last_error END,
    r.created_at,
    CASE WHEN r.last_error LIKE 'retrying: %' AND j.plan IS NOT NULL THEN strftime('%Y-%m-%dT%H:%M:%S', 'now') || '.000000Z' ELSE r.created_at END,
    r.sent_at
FROM obligation_reminders r
LEFT JOIN contacts c ON c.id = r.contact_id
LEFT JOIN (
    SELECT json_extract(args, '$.incident') AS incident, json_extract(args, '$.obligation') AS obligation,
        json_extract(args, '$.phase') AS phase, json_extract(args, '$.mark') AS mark, MAX(json_extract(args, '$.plan')) AS plan
    FROM jobs WHERE kind = 'duties.remind' AND state IN ('pending', 'running')
    GROUP BY 1, 2, 3, 4
) j ON j.incident = r.incident_id AND j.obligation = r.obligation_id AND j.phase = r.phase AND j.mark = r.mark
ON CONFLICT (id) DO NOTHING;

INSERT INTO jobs (id, kind, args, run_at, state, attempt, max_attempts, last_error, created_at)
SELECT d.id, 'outbox.deliver', json_object('id', d.id, 'kind', d.kind), d.due_at, 'pending', 0, 8, '', d.due_at
FROM outbox_deliveries d
WHERE d.kind = 'duty_reminder' AND d.state = 'pending' AND NOT EXISTS (SELECT 1 FROM jobs WHERE jobs.id = d.id);

DROP TABLE obligation_reminders;

-- +goose Down
CREATE TABLE obligation_reminders (
    id            TEXT PRIMARY KEY,
    incident_id   TEXT NOT NULL,
    obligation_id TEXT NOT NULL,
    phase         TEXT NOT NULL,
    mark          TEXT NOT NULL,
    due_at        TEXT NOT NULL,
    username      TEXT NOT NULL,
    contact_id    TEXT NOT NULL,
    channel       TEXT NOT NULL,
    state         TEXT NOT NULL,
    attempts      INTEGER NOT NULL,
    last_error    TEXT NOT NULL,
    sent_at       TEXT,
    created_at    TEXT NOT NULL
);
CREATE INDEX obligation_reminders_incident ON obligation_reminders (incident_id, created_at);
INSERT INTO obligation_reminders (id, incident_id, obligation_id, phase, mark, due_at, username, contact_id, channel, state, attempts,
    last_error, sent_at, created_at)
SELECT d.id, d.incident, json_extract(d.payload, '$.obligation'), json_extract(d.payload, '$.phase'), json_extract(d.payload, '$.mark'),
    strftime('%Y-%m-%dT%H:%M:%S', json_extract(d.payload, '$.due_at')) || '.000000Z', json_extract(d.payload, '$.user'), d.ref,
    COALESCE(json_extract(d.payload, '$.channel'), ''),
    CASE WHEN d.state = 'sent' THEN 'sent' WHEN d.state = 'skipped' AND d.ref = '' THEN 'no_contact' ELSE 'failed' END,
    d.attempts,
    CASE WHEN d.state = 'pending' THEN 'retrying: ' || d.last_error ELSE d.last_error END,
    d.sent_at, d.created_at
FROM outbox_deliveries d WHERE d.kind = 'duty_reminder';
DELETE FROM jobs WHERE kind = 'outbox.deliver' AND id IN (SELECT id FROM outbox_deliveries WHERE kind = 'duty_reminder');
DELETE FROM outbox_attempts WHERE delivery_id IN (SELECT id FROM outbox_deliveries WHERE kind = 'duty_reminder');
DELETE FROM outbox_deliveries WHERE kind = 'duty_reminder';
