package storetest

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/firebreak-ir/firebreak/internal/errs"
	"github.com/firebreak-ir/firebreak/internal/notify"
	"github.com/firebreak-ir/firebreak/internal/outbox"
)

// RunOutbox runs the outbox's part of the contract against backend b:
// deliveries written with their jobs (once, however often planned), held
// jobs, attempts and states recorded with the job settled in the same
// write, listing with filters and a cursor, and a dead delivery reopened
// by retrying its job.
func RunOutbox(t *testing.T, b Backend) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s *Setup)
	}{
		{"WritesDeliveriesWithJobsOnce", testOutboxWrite},
		{"RecordsAttemptsAndSettlesJobs", testOutboxRecord},
		{"ListsWithFiltersAndCursor", testOutboxList},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.fn(t, NewSetup(t, b))
		})
	}
}

func delivery(id, kind, subject string, at time.Time) outbox.Delivery {
	return outbox.Delivery{ID: id, Kind: kind, Subject: outbox.Subject{Kind: "update", ID: subject, Incident: "inc-" + subject},
		Target: notify.Target{Kind: notify.KindWebhook, Address: "https://hooks.example.test/secret-path-token", Secret: "0123456789abcdef"},
		Ref:    "ref-" + id, Payload: json.RawMessage(`{"n":1}`), CreatedAt: at}
}

func testOutboxWrite(t *testing.T, s *Setup) {
	now := s.Clock.Now()
	later := delivery("d2", "status_email", "u1", now)
	later.DueAt = now.Add(time.Hour)
	w := outbox.Plan(now, delivery("d1", "status_email", "u1", now), later)
	if len(w.Jobs) != 2 || w.Jobs[0].Kind != outbox.JobDeliver || w.Jobs[0].ID != "d1" || !w.Jobs[1].RunAt.Equal(later.DueAt) {
		t.Fatalf("planned jobs %+v", w.Jobs)
	}
	var args struct{ ID, Kind string }
	if err := json.Unmarshal(w.Jobs[0].Args, &args); err != nil || args.ID != "d1" || args.Kind != "status_email" {
		t.Fatalf("job args %s: %+v", w.Jobs[0].Args, args)
	}
	if ids := w.IDs(now); len(ids) != 1 || ids[0] != "d1" {
		t.Fatalf("due now: %v", ids)
	}
	if err := s.DB.WriteOutbox(ctx, w); err != nil {
		t.Fatal(err)
	}
	// Planned again (a job that plans ran twice): nothing new.
	if err := s.DB.WriteOutbox(ctx, w); err != nil {
		t.Fatalf("planning again: %v", err)
	}
	got := must(s.DB.OutboxDelivery(ctx, "d1"))(t)
	want := w.Deliveries[0]
	if got.Kind != want.Kind || got.Subject != want.Subject || got.Target != want.Target || got.Ref != "ref-d1" ||
		string(got.Payload) != `{"n":1}` || got.State != outbox.Pending || !got.CreatedAt.Equal(now) || !got.DueAt.Equal(now) {
		t.Fatalf("stored %+v, want %+v", got, want)
	}
	if got.To() != "https://hooks.example.test/…" {
		t.Fatalf("shown as %q", got.To())
	}
	_, err := s.DB.OutboxDelivery(ctx, "nope")
	wantCode(t, err, errs.NotFound)
	jobs := must(s.DB.Claim(ctx, "w", now, time.Minute, 10))(t)
	if len(jobs) != 1 || jobs[0].ID != "d1" {
		t.Fatalf("due jobs %+v (the later one waits)", jobs)
	}
	// A delivery planned settled is a record without a job.
	rec := delivery("d3", "duty_reminder", "u2", now)
	rec.State, rec.LastError = outbox.Skipped, "bob has no verified contact method"
	if w := outbox.Plan(now, rec); len(w.Jobs) != 0 {
		t.Fatalf("a settled delivery got a job: %+v", w.Jobs)
	}
	err = s.DB.WriteOutbox(ctx, outbox.Writes{Deliveries: []outbox.Delivery{{Kind: "x"}}})
	wantCode(t, err, errs.Invalid)
}

func testOutboxRecord(t *testing.T, s *Setup) {
	now := s.Clock.Now()
	w := outbox.Plan(now, delivery("ok", "status_email", "u1", now), delivery("bad", "status_email", "u1", now),
		delivery("gone", "status_email", "u1", now), delivery("again", "status_email", "u1", now))
	if err := s.DB.WriteOutbox(ctx, w); err != nil {
		t.Fatal(err)
	}
	if n := len(must(s.DB.Claim(ctx, "w", now, time.Minute, 10))(t)); n != 4 {
		t.Fatalf("claimed %d", n)
	}
	at := now.Add(time.Second)
	ok := must(s.DB.OutboxDelivery(ctx, "ok"))(t)
	ok.State, ok.Attempts, ok.SentAt, ok.MessageID, ok.Reply, ok.MessageSHA256, ok.MessageSize = outbox.Sent, 1, &at, "m1@x", "250 OK", "abc", 42
	if err := s.DB.RecordOutbox(ctx, ok, &outbox.Attempt{N: 1, At: at, OK: true, StatusCode: 250, LatencyMS: 1.5, MessageID: "m1@x", Reply: "250 OK"}, true); err != nil {
		t.Fatal(err)
	}
	bad := must(s.DB.OutboxDelivery(ctx, "bad"))(t)
	bad.State, bad.Attempts, bad.LastError = outbox.Failed, 1, "notify email x: 550: no such user"
	if err := s.DB.RecordOutbox(ctx, bad, &outbox.Attempt{N: 1, At: at, StatusCode: 550, Error: bad.LastError}, true); err != nil {
		t.Fatal(err)
	}
	gone := must(s.DB.OutboxDelivery(ctx, "gone"))(t)
	gone.State, gone.LastError = outbox.Skipped, "unsubscribed"
	if err := s.DB.RecordOutbox(ctx, gone, nil, true); err != nil {
		t.Fatal(err)
	}
	again := must(s.DB.OutboxDelivery(ctx, "again"))(t)
	again.Attempts, again.LastError = 1, "timed out"
	if err := s.DB.RecordOutbox(ctx, again, &outbox.Attempt{N: 1, At: at, Error: "timed out"}, true); err != nil {
		t.Fatal(err)
	}
	err := s.DB.RecordOutbox(ctx, outbox.Delivery{ID: "nope", State: outbox.Sent}, nil, true)
	wantCode(t, err, errs.NotFound)

	got := must(s.DB.OutboxDelivery(ctx, "ok"))(t)
	if got.State != outbox.Sent || got.Attempts != 1 || got.SentAt == nil || !got.SentAt.Equal(at) || got.MessageID != "m1@x" ||
		got.Reply != "250 OK" || got.MessageSHA256 != "abc" || got.MessageSize != 42 {
		t.Fatalf("sent delivery %+v", got)
	}
	atts := must(s.DB.OutboxAttempts(ctx, "ok"))(t)
	if len(atts) != 1 || !atts[0].OK || atts[0].StatusCode != 250 || atts[0].LatencyMS != 1.5 || atts[0].Reply != "250 OK" || atts[0].Delivery != "ok" {
		t.Fatalf("attempts %+v", atts)
	}
	if a := must(s.DB.OutboxAttempts(ctx, "gone"))(t); len(a) != 0 {
		t.Fatalf("a skip recorded an attempt: %+v", a)
	}
	// Sent and skipped: their jobs are gone. Failed: dead, with the kind.
	// Still pending: its job is left to the engine.
	for _, id := range []string{"ok", "gone"} {
		wantCode(t, s.DB.Complete(ctx, id), errs.NotFound)
	}
	dead := must(s.DB.DeadJobs(ctx, 10))(t)
	if len(dead) != 1 || dead[0].ID != "bad" || dead[0].Kind != outbox.JobDeliver || !strings.HasPrefix(dead[0].LastError, "status_email: ") {
		t.Fatalf("dead jobs %+v", dead)
	}
	if err := s.DB.Complete(ctx, "again"); err != nil {
		t.Fatalf("the pending delivery's job: %v", err)
	}
	// Retrying the dead job reopens its delivery.
	if err := s.DB.RetryDeadJob(ctx, "bad"); err != nil {
		t.Fatal(err)
	}
	if got := must(s.DB.OutboxDelivery(ctx, "bad"))(t); got.State != outbox.Pending {
		t.Fatalf("after retrying its job the delivery is %s", got.State)
	}
	// (RetryDeadJob makes it due at the store's clock, the real one here.)
	jobs := must(s.DB.Claim(ctx, "w", time.Now().Add(time.Second), time.Minute, 10))(t)
	if len(jobs) != 1 || jobs[0].ID != "bad" {
		t.Fatalf("jobs after the retry %+v", jobs)
	}
	// A held job (an inline send's safety net) is leased to its holder.
	s.Clock.Advance(time.Minute)
	now = s.Clock.Now()
	held := outbox.Plan(now, delivery("held", "status_email", "u2", now))
	held.Jobs[0].Holder, held.Jobs[0].RunAt = "me", now.Add(20*time.Second)
	if err := s.DB.WriteOutbox(ctx, held); err != nil {
		t.Fatal(err)
	}
	if j := must(s.DB.Claim(ctx, "w", now.Add(10*time.Second), time.Minute, 10))(t); len(j) != 0 {
		t.Fatalf("a held job was claimed during its grace: %+v", j)
	}
	if err := s.DB.Snooze(ctx, "held", now.Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	if j := must(s.DB.Claim(ctx, "w", now.Add(2*time.Second), time.Minute, 10))(t); len(j) != 1 || j[0].ID != "held" || j[0].Attempt != 0 {
		t.Fatalf("the snoozed held job: %+v", j)
	}
}

func testOutboxList(t *testing.T, s *Setup) {
	now := s.Clock.Now()
	var ds []outbox.Delivery
	for i, k := range []string{"status_email", "duty_reminder", "status_email", "status_email", "duty_reminder"} {
		d := delivery(string(rune('a'+i)), k, []string{"u1", "u2"}[i%2], now.Add(time.Duration(i)*time.Second))
		ds = append(ds, d)
	}
	if err := s.DB.WriteOutbox(ctx, outbox.Plan(now, ds...)); err != nil {
		t.Fatal(err)
	}
	e := must(s.DB.OutboxDelivery(ctx, "e"))(t)
	e.State, e.LastError = outbox.Skipped, "no longer wanted"
	if err := s.DB.RecordOutbox(ctx, e, nil, false); err != nil {
		t.Fatal(err)
	}
	ids := func(ds []outbox.Delivery) string {
		var out []string
		for _, d := range ds {
			out = append(out, d.ID)
		}
		return strings.Join(out, ",")
	}
	for _, c := range []struct {
		q    outbox.Query
		want string
	}{
		{outbox.Query{}, "e,d,c,b,a"},
		{outbox.Query{Kind: "status_email"}, "d,c,a"},
		{outbox.Query{State: outbox.Skipped}, "e"},
		{outbox.Query{SubjectKind: "update", SubjectID: "u2"}, "d,b"},
		{outbox.Query{Incident: "inc-u1"}, "e,c,a"},
		{outbox.Query{Limit: 2}, "e,d"},
		{outbox.Query{Limit: 2, Before: "d"}, "c,b"},
		{outbox.Query{Kind: "status_email", Before: "c"}, "a"},
		{outbox.Query{Kind: "page"}, ""},
	} {
		if got := ids(must(s.DB.OutboxDeliveries(ctx, c.q))(t)); got != c.want {
			t.Errorf("%+v: got %s, want %s", c.q, got, c.want)
		}
	}
	_, err := s.DB.OutboxDeliveries(ctx, outbox.Query{Before: "zzz"})
	wantCode(t, err, errs.Invalid)
}
