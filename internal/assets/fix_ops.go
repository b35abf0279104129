package assets

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/firebreak-ir/firebreak/internal/errs"
	"github.com/firebreak-ir/firebreak/internal/incident"
)

// cve is the form of a CVE identifier; a vulnerability that starts with
// "CVE-" must have it.
var cve = regexp.MustCompile(`^CVE-\d{4}-\d{4,}$`)

// FixInput is a fix added to an incident, or all of a fix's fields when
// one is updated.
type FixInput struct {
	Vulnerability string     `json:"vulnerability"`
	Assets        []string   `json:"assets,omitempty"` // kind:identifier
	Kind          FixKind    `json:"kind"`
	Description   string     `json:"description"`
	AppliedAt     *time.Time `json:"applied_at,omitempty"`
	AppliedBy     string     `json:"applied_by,omitempty"`
	VerifiedAt    *time.Time `json:"verified_at,omitempty"`
	VerifiedHow   string     `json:"verified_how,omitempty"`
}

func (in *FixInput) check(now time.Time) *checker {
	in.Vulnerability, in.Description = strings.TrimSpace(in.Vulnerability), strings.TrimSpace(in.Description)
	in.AppliedBy, in.VerifiedHow = strings.TrimSpace(in.AppliedBy), strings.TrimSpace(in.VerifiedHow)
	var c checker
	c.text("vulnerability", in.Vulnerability, MaxText, true)
	if up := strings.ToUpper(in.Vulnerability); strings.HasPrefix(up, "CVE-") && !strings.ContainsAny(up, " \t\n") {
		if !cve.MatchString(up) {
			c.add("vulnerability", "a CVE identifier reads CVE-YYYY-NNNN")
		}
		in.Vulnerability = up
	}
	oneOf(&c, "kind", in.Kind, FixKinds, true)
	c.text("description", in.Description, MaxText, true)
	c.text("applied_by", in.AppliedBy, MaxName, false)
	c.text("verified_how", in.VerifiedHow, MaxText, false)
	if len(in.Assets) > MaxFixAssets {
		c.add("assets", fmt.Sprintf("at most %d", MaxFixAssets))
	}
	for _, p := range []struct {
		field string
		t     **time.Time
	}{{"applied_at", &in.AppliedAt}, {"verified_at", &in.VerifiedAt}} {
		if *p.t != nil {
			t := incident.Now(**p.t)
			*p.t = &t
			if t.After(now.Add(5 * time.Minute)) {
				c.add(p.field, "is in the future")
			}
		}
	}
	if in.VerifiedAt != nil && in.VerifiedHow == "" {
		c.add("verified_how", "say how the fix was verified")
	}
	if in.VerifiedAt != nil && in.AppliedAt == nil {
		c.add("applied_at", "a fix is verified once applied: say when it was")
	}
	return &c
}

// resolve checks that every asset a fix names is on the incident, and
// orders them.
func (in *FixInput) resolve(c *checker, r *Records) {
	seen := map[string]bool{}
	var out []string
	for _, k := range in.Assets {
		k = strings.TrimSpace(k)
		kind, id, ok := strings.Cut(k, ":")
		if !ok || r.asset(Kind(kind), id) < 0 {
			c.add("assets", fmt.Sprintf("%q is not an asset of this incident (kind:identifier)", k))
			continue
		}
		if !seen[k] {
			seen[k] = true
			out = append(out, k)
		}
	}
	in.Assets = out
}

// AddFix adds a fix to an incident (fix.added); it is named F1, F2… in
// the order added.
func (s *Service) AddFix(ctx context.Context, actor incident.Viewer, ref string, in FixInput) (Fix, error) {
	ck := in.check(incident.Now(s.Now()))
	if err := ck.err(); err != nil {
		return Fix{}, err
	}
	done, err := s.change(ctx, actor, ref, func(c *change) ([]incident.Change, error) {
		if err := open(&c.inc); err != nil {
			return nil, err
		}
		var rc checker
		in.resolve(&rc, &c.rec)
		if err := rc.err(); err != nil {
			return nil, err
		}
		if len(c.rec.Fixes) >= MaxRecords {
			return nil, errs.E(errs.Invalid, "vulnerability", "%s has %d fixes, the most one incident keeps", c.inc.Ref, MaxRecords)
		}
		f := Fix{ID: fmt.Sprintf("F%d", len(c.rec.Fixes)+1)}
		f.set(in, c.now)
		return []incident.Change{{Type: EvFixAdded, Data: f.data(nil)}}, nil
	})
	if err != nil {
		return Fix{}, err
	}
	return done.Fixes[0], nil
}

// UpdateFix replaces a fix's fields (fix.updated naming those that
// changed); an update that changes nothing records nothing.
func (s *Service) UpdateFix(ctx context.Context, actor incident.Viewer, ref, id string, in FixInput) (Fix, error) {
	ck := in.check(incident.Now(s.Now()))
	if err := ck.err(); err != nil {
		return Fix{}, err
	}
	id = strings.ToUpper(strings.TrimSpace(id))
	var out Fix
	done, err := s.change(ctx, actor, ref, func(c *change) ([]incident.Change, error) {
		if err := open(&c.inc); err != nil {
			return nil, err
		}
		i := slices.IndexFunc(c.rec.Fixes, func(f Fix) bool { return f.ID == id })
		if i < 0 {
			return nil, errs.E(errs.NotFound, "id", "no fix %s on %s", id, c.inc.Ref)
		}
		var rc checker
		in.resolve(&rc, &c.rec)
		if err := rc.err(); err != nil {
			return nil, err
		}
		old := c.rec.Fixes[i]
		f := old
		f.set(in, c.now)
		changed := old.diff(f)
		out = old
		if len(changed) == 0 {
			return nil, nil
		}
		return []incident.Change{{Type: EvFixUpdated, Data: f.data(changed)}}, nil
	})
	if err != nil || len(done.Fixes) == 0 { // an update that changed nothing
		return out, err
	}
	return done.Fixes[0], nil
}

func (f *Fix) set(in FixInput, now time.Time) {
	f.Vulnerability, f.Assets, f.Kind, f.Description = in.Vulnerability, in.Assets, in.Kind, in.Description
	f.AppliedAt, f.AppliedBy, f.VerifiedAt, f.VerifiedHow = in.AppliedAt, in.AppliedBy, in.VerifiedAt, in.VerifiedHow
	f.UpdatedAt = now
}

func (f Fix) data(changed []string) FixData {
	return FixData{ID: f.ID, Vulnerability: f.Vulnerability, Assets: f.Assets, Kind: f.Kind, Description: f.Description,
		AppliedAt: f.AppliedAt, AppliedBy: f.AppliedBy, VerifiedAt: f.VerifiedAt, VerifiedHow: f.VerifiedHow, Changed: changed}
}

// diff names the fields that differ between two versions of a fix.
func (f Fix) diff(g Fix) []string {
	var out []string
	add := func(name string, same bool) {
		if !same {
			out = append(out, name)
		}
	}
	eqT := func(a, b *time.Time) bool { return (a == nil) == (b == nil) && (a == nil || a.Equal(*b)) }
	add("vulnerability", f.Vulnerability == g.Vulnerability)
	add("assets", slices.Equal(f.Assets, g.Assets))
	add("kind", f.Kind == g.Kind)
	add("description", f.Description == g.Description)
	add("applied_at", eqT(f.AppliedAt, g.AppliedAt))
	add("applied_by", f.AppliedBy == g.AppliedBy)
	add("verified_at", eqT(f.VerifiedAt, g.VerifiedAt))
	add("verified_how", f.VerifiedHow == g.VerifiedHow)
	return out
}
