package web

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/firebreak-ir/firebreak/internal/auth"
	"github.com/firebreak-ir/firebreak/internal/comms"
	"github.com/firebreak-ir/firebreak/internal/duties"
	"github.com/firebreak-ir/firebreak/internal/errs"
	"github.com/firebreak-ir/firebreak/internal/incident"
)

// The "Notification duties" panel of an incident: every duty that applies
// as a countdown, earliest first, with its basis (unverified and proposed
// ones marked, red when overdue, submitted and waived shown), the facts
// they are worked out from, and forms to change the facts, waive a duty
// with a reason, or record one as submitted. The countdowns are rendered
// here ("due in 23 h 10 min") and tick in the browser with the script.

// registerDuties adds the panel's actions and the profile page.
func (s *Server) registerDuties(page func(string, http.HandlerFunc, auth.Role)) {
	if s.duties == nil {
		return
	}
	page("POST /incidents/{ref}/facts", s.saveFacts, auth.Responder)
	page("POST /incidents/{ref}/duties/waive", s.waiveDuty, auth.Responder)
	page("POST /incidents/{ref}/duties/submit", s.submitDuty, auth.Responder)
	page("GET /admin/organization", s.orgPage, auth.Admin)
	page("POST /admin/organization", s.saveOrg, auth.Admin)
}

type dutiesPanel struct {
	Ref        string
	CanAct     bool
	IsAdmin    bool
	Now        time.Time
	Items      []dutyItem
	Open       int // duties not yet submitted or waived
	NoProfile  bool
	Facts      factsForm
	Version    int64
	UpdatedBy  string
	UpdatedAt  *time.Time
	DataTypes  []string // suggestions
	Channels   []string
	Reminders  []duties.Reminder
	Err        string // the panel could not be loaded
	FormErr    string // what the failed form was told
	FormKey    string // which form failed: "facts", or an item's key
	Submit     submitForm
	WaiveText  string
	AnchorList []string // the vocabulary, for "another anchor"
}

type dutyItem struct {
	comms.Item
	Key     string // obligation/phase, for form and element IDs
	Left    string // "due in 23 h 10 min", "overdue by 2 h 5 min"
	Done    bool   // submitted or waived
	Late    bool
	Soon    bool
	Caveat  string
	Setting string // how the due instant was worked out, when said
	// Possible: a fact the duty's conditions need is unknown (Questions);
	// Off: not yet in force.
	Possible bool
	Off      bool
}

// factsForm is the facts as the form shows and sends them: anchors as
// datetime-local values (UTC without the script; the browser's zone with
// it), counts and jurisdictions as text.
type factsForm struct {
	Anchors      []anchorField
	PersonalData bool
	DataTypes    string // comma-separated
	Individuals  string
	ByJur        string // lines JURISDICTION=COUNT
	Notes        string
	OtherAnchor  string
	OtherValue   string
	AllowFuture  bool // anchors in the future, for planning
	ConfirmEarly bool // anchors long before the incident was detected
}

type anchorField struct {
	Name  string
	Value string // datetime-local, UTC
	UTC   string // RFC 3339 of the stored instant, for the script to show locally
	Help  string
}

type submitForm struct {
	Recipient, Channel, Reference, At string
}

// anchorsShown are always on the form; others show once set or used.
var anchorsShown = []string{"aware", "discovered", "determined", "suspected"}

const localLayout = "2006-01-02T15:04"

func (s *Server) dutiesPanelFor(ctx context.Context, inc incident.Incident, u auth.User, form *factsForm) *dutiesPanel {
	if s.duties == nil {
		return nil
	}
	v := viewerOf(u)
	now := s.now()
	p := &dutiesPanel{Ref: inc.Ref, CanAct: u.Role.Allows(auth.Responder), IsAdmin: u.Role == auth.Admin, Now: now,
		Channels: []string{"regulator_portal", "email", "letter", "phone", "other"}, AnchorList: s.duties.AnchorNames(),
		DataTypes: []string{"credentials", "payment_card", "special_category", "unsecured_PHI", "health", "financial"}}
	_, st, err := s.duties.FactsState(ctx, v, inc.Ref)
	var items []comms.Item
	if err == nil {
		items, err = s.duties.Items(ctx, v, inc.Ref)
	}
	if err != nil {
		s.log.ErrorContext(ctx, "duties panel", "incident", inc.Ref, "err", err)
		p.Err = "The notification duties could not be loaded; reload in a moment."
		return p
	}
	if prof, err := s.duties.Profile(ctx); err == nil && prof.UpdatedAt == nil {
		p.NoProfile = true
	}
	p.Version, p.UpdatedBy, p.UpdatedAt = st.Version, st.UpdatedBy, st.UpdatedAt
	for _, it := range items {
		d := dutyItem{Item: it, Key: it.ObligationID + "/" + it.Phase, Caveat: duties.Caveat(it), Setting: it.Explanation,
			Done: it.Status == comms.Submitted || it.Status == comms.Waived, Possible: it.Applicability == comms.Possible,
			Off: it.Status == comms.NotInForce}
		if it.DueAt != nil && !d.Done && !d.Off {
			d.Left, d.Late = leftText(it.DueAt.Sub(now))
			d.Soon = it.Status == comms.DueSoon
		}
		if !d.Done && !d.Off {
			p.Open++
		}
		p.Items = append(p.Items, d)
	}
	if form != nil {
		p.Facts = *form
	} else {
		p.Facts = factsFormOf(st.Facts, items)
	}
	if rs, err := s.duties.Reminders(ctx, v, inc.Ref, 10); err == nil {
		p.Reminders = rs
	}
	return p
}

// leftText says how long until due, or how long overdue.
func leftText(d time.Duration) (string, bool) {
	if d <= 0 {
		return "overdue by " + duties.Countdown(d), true
	}
	return "due in " + duties.Countdown(d), false
}

// factsFormOf fills the form from stored facts: the usual anchors, those
// set, and those the duties run from.
func factsFormOf(f comms.Facts, items []comms.Item) factsForm {
	names := slices.Clone(anchorsShown)
	for _, it := range items {
		if it.Anchor != "" && !strings.HasSuffix(it.Anchor, "_submitted") && it.Anchor != "calendar_year_end" && !slices.Contains(names, it.Anchor) {
			names = append(names, it.Anchor)
		}
	}
	for _, k := range slices.Sorted(maps.Keys(f.Anchors)) {
		if !slices.Contains(names, k) {
			names = append(names, k)
		}
	}
	out := factsForm{PersonalData: f.PersonalData, DataTypes: strings.Join(f.DataTypes, ", "), Notes: f.Notes}
	for _, n := range names {
		a := anchorField{Name: n}
		if t, ok := f.Anchors[n]; ok {
			a.Value, a.UTC = t.UTC().Format(localLayout), t.UTC().Format(time.RFC3339Nano)
		}
		out.Anchors = append(out.Anchors, a)
	}
	if f.AffectedIndividuals != nil {
		out.Individuals = strconv.Itoa(*f.AffectedIndividuals)
	}
	var lines []string
	for _, k := range slices.Sorted(maps.Keys(f.AffectedByJurisdiction)) {
		lines = append(lines, fmt.Sprintf("%s=%d", k, f.AffectedByJurisdiction[k]))
	}
	out.ByJur = strings.Join(lines, "\n")
	return out
}

// readFacts reads the facts form. An anchor left at the minute it was
// shown keeps its stored instant (the form shows minutes only).
func readFacts(r *http.Request) (factsForm, duties.FactsInput, error) {
	var f factsForm
	in := duties.FactsInput{Anchors: map[string]string{}}
	for _, n := range r.PostForm["anchor_names"] {
		a := anchorField{Name: n, Value: strings.TrimSpace(r.PostFormValue("anchor_" + n)), UTC: r.PostFormValue("orig_anchor_" + n)}
		f.Anchors = append(f.Anchors, a)
		if a.Value == "" {
			continue
		}
		t, err := parseLocalTime(a.Value, r.PostFormValue("tz_anchor_"+n))
		if err != nil {
			return f, in, invalid("anchors."+n, "%s: %s", n, err.Error())
		}
		if orig, err := time.Parse(time.RFC3339Nano, a.UTC); err == nil && orig.Truncate(time.Minute).Equal(t.Truncate(time.Minute)) {
			t = &orig
		}
		in.Anchors[n] = t.UTC().Format(time.RFC3339Nano)
	}
	f.OtherAnchor, f.OtherValue = strings.TrimSpace(r.PostFormValue("other_anchor")), strings.TrimSpace(r.PostFormValue("other_value"))
	if f.OtherAnchor != "" && f.OtherValue != "" {
		t, err := parseLocalTime(f.OtherValue, r.PostFormValue("tz_other"))
		if err != nil {
			return f, in, invalid("anchors."+f.OtherAnchor, "%s: %s", f.OtherAnchor, err.Error())
		}
		in.Anchors[f.OtherAnchor] = t.UTC().Format(time.RFC3339Nano)
	}
	f.PersonalData = r.PostFormValue("personal_data") == "yes"
	in.PersonalData = f.PersonalData
	f.DataTypes = r.PostFormValue("data_types")
	for dt := range strings.SplitSeq(f.DataTypes, ",") {
		if dt = strings.TrimSpace(dt); dt != "" {
			in.DataTypes = append(in.DataTypes, dt)
		}
	}
	f.Individuals = strings.TrimSpace(r.PostFormValue("individuals"))
	if f.Individuals != "" {
		n, err := strconv.Atoi(strings.NewReplacer(",", "", " ", "", "_", "").Replace(f.Individuals))
		if err != nil {
			return f, in, invalid("affected_individuals", "People affected: %q is not a number", f.Individuals)
		}
		in.AffectedIndividuals = &n
	}
	f.ByJur = r.PostFormValue("by_jurisdiction")
	for line := range strings.SplitSeq(f.ByJur, "\n") {
		if line = strings.TrimSpace(line); line == "" {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		n, err := strconv.Atoi(strings.NewReplacer(",", "", " ", "", "_", "").Replace(v))
		if !ok || err != nil {
			return f, in, invalid("affected_by_jurisdiction", "each line is JURISDICTION=COUNT, such as US-CA=600; %q is not", line)
		}
		if in.AffectedByJurisdiction == nil {
			in.AffectedByJurisdiction = map[string]int{}
		}
		in.AffectedByJurisdiction[strings.TrimSpace(k)] = n
	}
	f.Notes = r.PostFormValue("notes")
	in.Notes = f.Notes
	f.AllowFuture, f.ConfirmEarly = r.PostFormValue("allow_future") == "yes", r.PostFormValue("confirm_early_anchors") == "yes"
	in.AllowFuture, in.ConfirmEarlyAnchors = f.AllowFuture, f.ConfirmEarly
	return f, in, nil
}

// dutiesFailed shows the incident again with the panel's form as typed
// and what was wrong.
func (s *Server) dutiesFailed(w http.ResponseWriter, r *http.Request, err error, key string, f *factsForm, sub submitForm, reason string) {
	status := codeOf(err)
	if status == 0 {
		s.fail(w, r, err)
		return
	}
	d, ok := s.loadIncident(w, r, incidentForm{})
	if !ok {
		return
	}
	d.Duties = s.dutiesPanelFor(r.Context(), d.Inc, userFrom(r), f)
	d.setSection(returnSection(r, "duties"))
	if d.Duties != nil {
		d.Duties.FormErr, d.Duties.FormKey, d.Duties.Submit, d.Duties.WaiveText = fieldText(err), key, sub, reason
	}
	d.Error = "Not saved: " + fieldText(err)
	if status == http.StatusConflict {
		d.Stale = sectionURL(d.Inc.Ref, d.Section) + "#duties"
	}
	s.render(w, r, status, "incident", d)
}

func (s *Server) dutiesDone(w http.ResponseWriter, r *http.Request, flash string) {
	http.Redirect(w, r, backURL(r, r.PathValue("ref"), "duties", flash), http.StatusSeeOther)
}

func (s *Server) saveFacts(w http.ResponseWriter, r *http.Request) {
	if !parseForm(w, r) {
		return
	}
	f, in, err := readFacts(r)
	if err == nil {
		var version *int64
		if v, perr := strconv.ParseInt(r.PostFormValue("facts_version"), 10, 64); perr == nil {
			version = &v
		}
		_, err = s.duties.PutFacts(r.Context(), viewerOf(userFrom(r)), r.PathValue("ref"), in, version)
	}
	if err != nil {
		s.dutiesFailed(w, r, err, "facts", &f, submitForm{}, "")
		return
	}
	s.dutiesDone(w, r, "Facts saved; the duties are worked out again.")
}

func (s *Server) waiveDuty(w http.ResponseWriter, r *http.Request) {
	if !parseForm(w, r) {
		return
	}
	id, phase, reason := r.PostFormValue("obligation"), r.PostFormValue("phase"), r.PostFormValue("reason")
	if err := s.duties.Waive(r.Context(), viewerOf(userFrom(r)), r.PathValue("ref"), id, phase, reason); err != nil {
		s.dutiesFailed(w, r, err, id+"/"+phase, nil, submitForm{}, reason)
		return
	}
	s.dutiesDone(w, r, "Waived "+id+" "+phase+".")
}

func (s *Server) submitDuty(w http.ResponseWriter, r *http.Request) {
	if !parseForm(w, r) {
		return
	}
	id, phase := r.PostFormValue("obligation"), r.PostFormValue("phase")
	f := submitForm{Recipient: r.PostFormValue("recipient"), Channel: r.PostFormValue("channel"), Reference: r.PostFormValue("reference"), At: r.PostFormValue("at")}
	sub := duties.Submission{ObligationID: id, Phase: phase, Recipient: f.Recipient, Channel: f.Channel, Reference: f.Reference}
	at, err := parseLocalTime(f.At, r.PostFormValue("tz_offset"))
	if err != nil {
		err = invalid("at", "Submitted at: %s", err.Error())
	} else {
		if at != nil {
			sub.At = *at
		}
		err = s.duties.Submit(r.Context(), viewerOf(userFrom(r)), r.PathValue("ref"), sub)
	}
	if err != nil {
		s.dutiesFailed(w, r, err, id+"/"+phase, nil, f, "")
		return
	}
	s.dutiesDone(w, r, "Recorded "+id+" "+phase+" as submitted.")
}

// fieldText is an error's problems as "field: message; …", naming the
// field even when there is one problem.
func fieldText(err error) string {
	e, ok := errs.As(err)
	if !ok || len(e.Details) > 0 || e.Field == "" {
		return detailText(err)
	}
	return e.Field + ": " + e.Message
}
