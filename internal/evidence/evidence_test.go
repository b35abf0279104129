package evidence_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"mime/multipart"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/firebreak-ir/firebreak/internal/errs"
	"github.com/firebreak-ir/firebreak/internal/evidence"
	"github.com/firebreak-ir/firebreak/internal/incident"
	"github.com/firebreak-ir/firebreak/internal/store/storetest"
)

type fixture struct {
	*storetest.Setup
	ev    *evidence.Service
	files *evidence.Files
	inc   incident.Incident
}

func newFixture(t *testing.T, b storetest.Backend, max int64) *fixture {
	t.Helper()
	s := storetest.NewSetup(t, b)
	files := evidence.NewFiles(filepath.Join(t.TempDir(), "evidence"))
	ev := evidence.New(evidence.Deps{Store: s.DB, Incidents: s.Incidents, Files: files, MaxBytes: max, Now: s.Clock.Now})
	inc, err := s.Incidents.Declare(context.Background(), "alice", incident.DeclareInput{Title: "Laptop stolen", Source: incident.SourceInternal})
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{Setup: s, ev: ev, files: files, inc: inc}
}

var (
	alice = incident.Viewer{User: "alice"}
	bob   = incident.Viewer{User: "bob"}
)

func sum(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

func wantCode(t *testing.T, what string, err error, code errs.Code, field string) {
	t.Helper()
	e, ok := errs.As(err)
	if !ok || e.Code != code || (field != "" && e.Field != field) {
		t.Fatalf("%s: %v, want %s on %q", what, err, code, field)
	}
}

func TestCustody(t *testing.T) {
	storetest.ForEachBackend(t, func(t *testing.T, b storetest.Backend) {
		ctx := context.Background()
		f := newFixture(t, b, 1<<20)
		data := []byte("auth.log excerpt\nFailed password for root\n")
		it, err := f.ev.AddFile(ctx, alice, f.inc.Ref, evidence.FileInput{Name: "auth.log", ContentType: "text/html",
			Acquisition: evidence.AcquisitionInput{Source: "web-01", Method: "scp from the host"}}, bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		if it.ID != "EV-1" || it.SHA256 != sum(data) || it.Size != int64(len(data)) || it.Holder != "alice" || it.Kind != evidence.KindFile ||
			it.Acquisition.By != "alice" || it.Acquisition.Source != "web-01" || it.Location != evidence.StoreLocation {
			t.Fatalf("added %+v", it)
		}
		// The same bytes again are a second item over the one stored copy.
		it2, err := f.ev.AddFile(ctx, bob, f.inc.Ref, evidence.FileInput{Name: "copy.log"}, bytes.NewReader(data))
		if err != nil || it2.ID != "EV-2" || it2.SHA256 != it.SHA256 {
			t.Fatalf("second add: %+v %v", it2, err)
		}
		if got, size, err := f.files.Check(ctx, it.SHA256); err != nil || got != it.SHA256 || size != it.Size {
			t.Fatalf("stored file: %s %d %v", got, size, err)
		}
		size := int64(64 << 30)
		ext, err := f.ev.AddExternal(ctx, alice, f.inc.Ref, evidence.ExternalInput{Name: "Disk image of LAPTOP-7", SHA256: strings.Repeat("AB", 32),
			Hashes: map[string]string{"md5": strings.Repeat("0f", 16)}, Size: &size, Location: "Safe 2, room 4.12", Holder: "carol",
			Acquisition: evidence.AcquisitionInput{By: "carol", Source: "LAPTOP-7", Method: "FTK Imager over write blocker"}})
		if err != nil || ext.ID != "EV-3" || ext.SHA256 != strings.Repeat("ab", 32) || ext.Hashes["md5"] != strings.Repeat("0f", 16) || ext.Holder != "carol" {
			t.Fatalf("external: %+v %v", ext, err)
		}

		f.Clock.Advance(time.Hour)
		moved, err := f.ev.Transfer(ctx, alice, f.inc.Ref, "ev-3", evidence.TransferInput{To: "dave (forensics lab)", Purpose: "imaging analysis", Location: "Lab locker 9"})
		if err != nil || moved.Holder != "dave (forensics lab)" || moved.Location != "Lab locker 9" || moved.Version != 2 {
			t.Fatalf("transfer: %+v %v", moved, err)
		}
		got, file, err := f.ev.Open(ctx, bob, f.inc.Ref, "EV-1")
		if err != nil {
			t.Fatal(err)
		}
		read, err := io.ReadAll(file)
		_ = file.Close()
		if err != nil || !bytes.Equal(read, data) || got.ID != "EV-1" {
			t.Fatalf("download: %q %v", read, err)
		}
		if _, _, err := f.ev.Open(ctx, bob, f.inc.Ref, "EV-3"); errs.CodeOf(err) != errs.Rule {
			t.Fatalf("download of an external item: %v", err)
		}
		gone, err := f.ev.Dispose(ctx, alice, f.inc.Ref, "3", evidence.DisposeInput{Reason: "returned to owner after case closed", AuthorisedBy: "legal (E. Ng)"})
		if err != nil || !gone.Disposed() || gone.Disposal.AuthorisedBy != "legal (E. Ng)" || gone.Disposal.By != "alice" {
			t.Fatalf("dispose: %+v %v", gone, err)
		}
		_, err = f.ev.Dispose(ctx, alice, f.inc.Ref, "EV-3", evidence.DisposeInput{Reason: "again", AuthorisedBy: "x"})
		wantCode(t, "dispose twice", err, errs.Conflict, "id")
		_, err = f.ev.Transfer(ctx, alice, f.inc.Ref, "EV-3", evidence.TransferInput{To: "erin", Purpose: "p", Location: "l"})
		wantCode(t, "transfer after disposal", err, errs.Rule, "id")
		_, err = f.ev.Transfer(ctx, alice, f.inc.Ref, "EV-9", evidence.TransferInput{To: "erin", Purpose: "p", Location: "l"})
		wantCode(t, "transfer of a missing item", err, errs.NotFound, "id")

		r, err := f.ev.Report(ctx, bob, f.inc.Ref)
		if err != nil {
			t.Fatal(err)
		}
		_, events, err := f.Incidents.Timeline(ctx, alice, f.inc.Ref)
		if err != nil {
			t.Fatal(err)
		}
		last := events[len(events)-1]
		if len(r.Items) != 3 || r.LastHash != last.Hash || r.LastSeq != last.Seq || last.Type != evidence.EvDisposed {
			t.Fatalf("report: %d items, last %d %s; chain ends %d %s %s", len(r.Items), r.LastSeq, r.LastHash, last.Seq, last.Hash, last.Type)
		}
		types := func(h evidence.History) string {
			var s []string
			for _, c := range h.Custody {
				s = append(s, c.Type+" by "+c.Actor)
			}
			return strings.Join(s, ", ")
		}
		if got := types(r.Items[0]); got != "evidence.added by alice, evidence.accessed by bob" {
			t.Errorf("EV-1 custody: %s", got)
		}
		if got := types(r.Items[2]); got != "evidence.added by alice, evidence.transferred by alice, evidence.disposed by alice" {
			t.Errorf("EV-3 custody: %s", got)
		}
		for _, e := range events {
			if line, ok := evidence.DescribeEvent(e); strings.HasPrefix(e.Type, "evidence.") && (!ok || line == "") {
				t.Errorf("event %s is not described", e.Type)
			}
		}
		h, err := f.ev.Item(ctx, alice, f.inc.Ref, "EV-3")
		if err != nil || len(h.Custody) != 3 || !strings.Contains(h.Custody[1].Detail, "Lab locker 9") {
			t.Fatalf("item history: %+v %v", h, err)
		}
	})
}

func TestRestrictedIncidentIsHidden(t *testing.T) {
	storetest.ForEachBackend(t, func(t *testing.T, b storetest.Backend) {
		ctx := context.Background()
		f := newFixture(t, b, 1<<20)
		secret, err := f.Incidents.Declare(ctx, "alice", incident.DeclareInput{Title: "Insider", Source: incident.SourceInternal, Restricted: true})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.ev.AddFile(ctx, alice, secret.Ref, evidence.FileInput{Name: "mail.eml"}, strings.NewReader("x")); err != nil {
			t.Fatal(err)
		}
		_, err = f.ev.AddFile(ctx, bob, secret.Ref, evidence.FileInput{Name: "a"}, strings.NewReader("y"))
		wantCode(t, "bob adds to a restricted incident", err, errs.NotFound, "")
		_, err = f.ev.List(ctx, bob, secret.Ref)
		wantCode(t, "bob lists a restricted incident", err, errs.NotFound, "")
		_, _, err = f.ev.Open(ctx, bob, secret.Ref, "EV-1")
		wantCode(t, "bob downloads from a restricted incident", err, errs.NotFound, "")
		// bob's upload was refused before its bytes were kept.
		if _, _, err := f.files.Check(ctx, sum([]byte("y"))); !os.IsNotExist(err) {
			t.Fatalf("bytes of a refused upload were kept: %v", err)
		}
	})
}

func TestLimitsAndValidation(t *testing.T) {
	storetest.ForEachBackend(t, func(t *testing.T, b storetest.Backend) {
		ctx := context.Background()
		f := newFixture(t, b, 16)
		_, err := f.ev.AddFile(ctx, alice, f.inc.Ref, evidence.FileInput{Name: "big.bin"}, bytes.NewReader(make([]byte, 17)))
		wantCode(t, "file over the limit", err, errs.Invalid, "file")
		if _, err := f.ev.AddFile(ctx, alice, f.inc.Ref, evidence.FileInput{Name: "fits.bin"}, bytes.NewReader(make([]byte, 16))); err != nil {
			t.Fatalf("file at the limit: %v", err)
		}
		if left, _ := os.ReadDir(filepath.Join(f.files.Dir, "tmp")); len(left) != 0 {
			t.Fatalf("uploads left behind: %v", left)
		}
		size := int64(10)
		future := f.Clock.Now().Add(24 * time.Hour)
		ok := evidence.ExternalInput{Name: "USB stick", SHA256: strings.Repeat("a", 64), Size: &size, Location: "Safe"}
		for _, tt := range []struct {
			name  string
			edit  func(*evidence.ExternalInput)
			field string
		}{
			{"no name", func(in *evidence.ExternalInput) { in.Name = " " }, "name"},
			{"short sha256", func(in *evidence.ExternalInput) { in.SHA256 = "abc" }, "sha256"},
			{"unknown digest", func(in *evidence.ExternalInput) { in.Hashes = map[string]string{"crc32": "00"} }, "hashes.crc32"},
			{"bad md5", func(in *evidence.ExternalInput) { in.Hashes = map[string]string{"md5": "zz"} }, "hashes.md5"},
			{"no size", func(in *evidence.ExternalInput) { in.Size = nil }, "size"},
			{"no location", func(in *evidence.ExternalInput) { in.Location = "" }, "location"},
			{"two-line location", func(in *evidence.ExternalInput) { in.Location = "a\nb" }, "location"},
			{"long name", func(in *evidence.ExternalInput) { in.Name = strings.Repeat("n", 201) }, "name"},
			{"acquired in the future", func(in *evidence.ExternalInput) { in.Acquisition.At = &future }, "acquisition.at"},
		} {
			in := ok
			tt.edit(&in)
			_, err := f.ev.AddExternal(ctx, alice, f.inc.Ref, in)
			wantCode(t, tt.name, err, errs.Invalid, tt.field)
		}
		_, err = f.ev.Transfer(ctx, alice, f.inc.Ref, "EV-1", evidence.TransferInput{To: "bob"})
		wantCode(t, "transfer without purpose", err, errs.Invalid, "purpose")
		_, err = f.ev.Dispose(ctx, alice, f.inc.Ref, "EV-1", evidence.DisposeInput{Reason: "done"})
		wantCode(t, "disposal without authority", err, errs.Invalid, "authorised_by")
		items, err := f.ev.List(ctx, alice, f.inc.Ref)
		if err != nil || len(items) != 1 {
			t.Fatalf("items after refusals: %+v %v", items, err)
		}
	})
}

func FuzzParseID(f *testing.F) {
	for _, s := range []string{"EV-1", "ev-12", "7", "EV-", "EV-0", "-1", "EV-99999999999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := evidence.ParseID(s)
		if err != nil {
			return
		}
		if n < 1 {
			t.Fatalf("ParseID(%q) = %d", s, n)
		}
		if m, err := evidence.ParseID(evidence.IDOf(n)); err != nil || m != n {
			t.Fatalf("ParseID(IDOf(%d)) = %d, %v", n, m, err)
		}
	})
}

func TestReportHTMLEscapes(t *testing.T) {
	r := evidence.Report{Ref: "INC-1", Title: "<script>x</script>", LastSeq: 3, LastHash: "abc",
		Items: []evidence.History{{Item: evidence.Item{ID: "EV-1", Name: "<b>n</b>", SHA256: "ff"},
			Custody: []evidence.Custody{{Seq: 2, Actor: "alice", Detail: "added evidence EV-1", Hash: "h2"}}}}}
	var b strings.Builder
	if err := r.WriteHTML(&b); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	if strings.Contains(out, "<script>x") || strings.Contains(out, "<b>n") || !strings.Contains(out, "#3 with hash") && !strings.Contains(out, "event #3") ||
		!strings.Contains(out, "<code>abc</code>") || !strings.Contains(out, "#2 h2") {
		t.Fatalf("report page:\n%s", out)
	}
}

func FuzzUploadFields(f *testing.F) {
	f.Add("--b\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nlog\r\n--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.log\"\r\n\r\nbytes\r\n--b--\r\n")
	f.Add("--b\r\nContent-Disposition: form-data; name=\"acquired_at\"\r\n\r\nnot a time\r\n--b--\r\n")
	f.Fuzz(func(t *testing.T, body string) {
		in, part, err := evidence.UploadFields(multipart.NewReader(strings.NewReader(body), "b"))
		if err != nil {
			if _, ok := errs.As(err); !ok {
				t.Fatalf("not a problem for the user: %v", err)
			}
			return
		}
		if part == nil || part.FormName() != "file" {
			t.Fatalf("no file part: %+v", in)
		}
	})
}
