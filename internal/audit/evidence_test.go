package audit_test

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/firebreak-ir/firebreak/internal/audit"
	"github.com/firebreak-ir/firebreak/internal/evidence"
	"github.com/firebreak-ir/firebreak/internal/incident"
	"github.com/firebreak-ir/firebreak/internal/store/storetest"
)

// TestVerifyChecksEvidence: evidence as written verifies; a custody event,
// an evidence row or a stored file changed behind Firebreak's back is
// named by its incident and item.
func TestVerifyChecksEvidence(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	type built struct {
		s     *storetest.Setup
		files *evidence.Files
		inc   incident.Incident
		log   evidence.Item
	}
	build := func(t *testing.T) built {
		t.Helper()
		s := storetest.NewSetup(t, storetest.Backend{Name: "sqlite", Open: storetest.OpenSQLite})
		files := evidence.NewFiles(filepath.Join(t.TempDir(), "evidence"))
		ev := evidence.New(evidence.Deps{Store: s.DB, Incidents: s.Incidents, Files: files, Now: s.Clock.Now})
		inc, err := s.Incidents.Declare(ctx, "alice", incident.DeclareInput{Title: "Phished mailbox", Source: incident.SourceInternal})
		if err != nil {
			t.Fatal(err)
		}
		alice := incident.Viewer{User: "alice"}
		log, err := ev.AddFile(ctx, alice, inc.Ref, evidence.FileInput{Name: "headers.eml"}, strings.NewReader("Received: from evil.example\n"))
		if err != nil {
			t.Fatal(err)
		}
		size := int64(4096)
		if _, err := ev.AddExternal(ctx, alice, inc.Ref, evidence.ExternalInput{Name: "Memory dump", SHA256: strings.Repeat("c", 64), Size: &size, Location: "Safe 1"}); err != nil {
			t.Fatal(err)
		}
		if _, err := ev.Transfer(ctx, alice, inc.Ref, "EV-2", evidence.TransferInput{To: "bob", Purpose: "analysis", Location: "Lab"}); err != nil {
			t.Fatal(err)
		}
		_, f, err := ev.Open(ctx, incident.Viewer{User: "bob"}, inc.Ref, "EV-1")
		if err != nil {
			t.Fatal(err)
		}
		_ = f.Close()
		return built{s: s, files: files, inc: inc, log: log}
	}
	verify := func(t *testing.T, b built, forge func(f forger)) audit.Report {
		t.Helper()
		if forge != nil {
			raw, err := sql.Open("sqlite", b.s.DSN)
			if err != nil {
				t.Fatal(err)
			}
			forge(forger{t: t, db: raw})
			if err := raw.Close(); err != nil {
				t.Fatal(err)
			}
		}
		rep, err := audit.VerifyWith(ctx, b.s.DB, audit.Options{EvidenceFiles: b.files})
		if err != nil {
			t.Fatal(err)
		}
		return rep
	}
	t.Run("untouched", func(t *testing.T) {
		if rep := verify(t, build(t), nil); !rep.OK() {
			t.Fatalf("the untouched record does not verify: %v", rep.Problems)
		}
	})
	cases := []struct {
		name  string
		forge func(b built) func(f forger)
		want  func(b built) []string
	}{
		{"a custody event's data changed", func(b built) func(f forger) {
			return func(f forger) {
				f.exec(`UPDATE events SET data = replace(data, '"to":"bob"', '"to":"mallory"') WHERE type = 'evidence.transferred'`)
			}
		}, func(b built) []string {
			return []string{b.inc.Ref + " seq 4:"}
		}},
		{"a custody event's data changed and the chain re-sealed", func(b built) func(f forger) {
			return func(f forger) {
				f.reseal(b.inc.ID, func(evs []incident.Event) []incident.Event {
					for i, e := range evs {
						if e.Type == evidence.EvTransferred {
							evs[i].Data = []byte(strings.Replace(string(e.Data), `"to":"bob"`, `"to":"mallory"`, 1))
						}
					}
					return evs
				})
			}
		}, func(b built) []string {
			return []string{b.inc.Ref + ": evidence EV-2 holder is \"bob\" but the events say \"mallory\""}
		}},
		{"an evidence row's hash changed", func(b built) func(f forger) {
			return func(f forger) {
				f.exec(`UPDATE evidence SET sha256 = ? WHERE number = 1`, strings.Repeat("0", 64))
			}
		}, func(b built) []string {
			return []string{b.inc.Ref + ": evidence EV-1 sha256 is \"" + strings.Repeat("0", 64) + "\" but the events say \"" + b.log.SHA256 + "\""}
		}},
		{"an evidence row's size changed", func(b built) func(f forger) {
			return func(f forger) { f.exec(`UPDATE evidence SET size = 1 WHERE number = 2`) }
		}, func(b built) []string {
			return []string{b.inc.Ref + ": evidence EV-2 size is 1 but the events say 4096"}
		}},
		{"an evidence row removed", func(b built) func(f forger) {
			return func(f forger) { f.exec(`DELETE FROM evidence WHERE number = 2`) }
		}, func(b built) []string {
			return []string{b.inc.Ref + ": evidence lacks EV-2 (Memory dump) that the events add"}
		}},
		{"a stored file's bytes changed", func(b built) func(f forger) {
			return func(f forger) {
				p := filepath.Join(b.files.Dir, b.log.SHA256[:2], b.log.SHA256)
				if err := os.Chmod(p, 0o600); err != nil {
					f.t.Fatal(err)
				}
				if err := os.WriteFile(p, []byte("Received: from good.example\n"), 0o600); err != nil {
					f.t.Fatal(err)
				}
			}
		}, func(b built) []string {
			return []string{b.inc.Ref + ": evidence EV-1 (headers.eml): its stored file no longer hashes to sha256 " + b.log.SHA256[:16]}
		}},
		{"a stored file removed", func(b built) func(f forger) {
			return func(f forger) {
				if err := os.Remove(filepath.Join(b.files.Dir, b.log.SHA256[:2], b.log.SHA256)); err != nil {
					f.t.Fatal(err)
				}
			}
		}, func(b built) []string {
			return []string{b.inc.Ref + ": evidence EV-1 (headers.eml): its file " + b.log.SHA256[:16] + "… is missing"}
		}},
	}
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := build(t)
			rep := verify(t, b, tt.forge(b))
			if rep.OK() {
				t.Fatal("verify found nothing")
			}
			expect(t, tt.name, rep, tt.want(b))
		})
	}
}
