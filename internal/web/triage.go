package web

import (
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/firebreak-ir/firebreak/internal/alert"
	"github.com/firebreak-ir/firebreak/internal/errs"
	"github.com/firebreak-ir/firebreak/internal/escalation"
	"github.com/firebreak-ir/firebreak/internal/incident"
	"github.com/firebreak-ir/firebreak/internal/triage"
)

// The triage queue: alert groups and reports waiting for someone's
// assessment, and the page of one entry with its alerts, its record and
// the actions on it.

type triageData struct {
	base
	Entries []queueEntry
	All     bool
	// NextURL is the next page's address; FirstURL, on a later page, the
	// first's.
	NextURL, FirstURL string
	// ReportsService and ReportsNobody: reports from people are filed on
	// ReportsService, which pages nobody for the reason ReportsNobody.
	ReportsService, ReportsNobody string
}

// queueEntry is an entry as the queue shows it.
type queueEntry struct {
	triage.Entry
	SevClass string
	Labels   []labelPair
}

type labelPair struct{ Name, Value string }

// linkView is a link back to a source. Only http and https addresses
// become links; anything else is shown as text.
type linkView struct {
	Text, URL string
	Safe      bool
}

type annotationView struct {
	Name, Value string
	Link        bool // the value is an http(s) address
}

type alertView struct {
	alert.Item
	Labels      []labelPair
	Annotations []annotationView
	Links       []linkView
	Generator   linkView
}

type logView struct {
	triage.LogEntry
	Text string
}

type triageEntryData struct {
	base
	E           queueEntry
	Waiting     bool
	Alerts      []alertView
	Common      []labelPair
	Annotations []annotationView
	Links       []linkView
	Log         []logView
	Levels      []incident.Level
	Open        []incident.Incident // incidents to attach to
	Suggested   string              // the level the source's severity suggests
	Form        triageForm
	Paging      *pagingPanel
	Files       []triage.Attachment // what the report came with
}

// triageForm carries what a person typed back into the page when an
// action fails.
type triageForm struct {
	Action                         string // which form failed: declare, attach, dismiss, snooze
	Title, Severity, Type, Summary string
	Restricted                     bool
	Ref                            string
	DismissAs, Reason              string
	Until, TZOffset                string
	PageTarget, PageMessage        string
}

// triageChanged is a triage.Service observer: it tells this node's live
// pages that the queue changed, those whose viewer may hear of it (an
// entry linked to a restricted incident is news only to those who may see
// the incident).
func (b *broker) triageChanged(sig triage.Signal) {
	c := change{Type: "triage." + sig.Action, Actor: sig.Actor}
	b.mu.Lock()
	defer b.mu.Unlock()
	for s := range b.subs {
		if !sig.For(s.viewer) {
			continue
		}
		select {
		case s.ch <- c:
		default:
			s.lagged = true
		}
	}
}

func sevClassOf(rank int) string {
	if rank >= 1 && rank <= 4 {
		return "sev sev" + itoa(rank)
	}
	return "sev sev-none"
}

func pairs(m map[string]string) []labelPair {
	out := make([]labelPair, 0, len(m))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		out = append(out, labelPair{k, m[k]})
	}
	return out
}

// webURL reports whether s is an absolute http or https address, the only
// kind the console makes a link of.
func webURL(s string) bool {
	u, err := url.Parse(strings.TrimSpace(s))
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

func linkOf(text, u string) linkView {
	if text == "" {
		text = u
	}
	return linkView{Text: text, URL: u, Safe: webURL(u)}
}

func linksOf(ls []alert.Link) []linkView {
	out := make([]linkView, 0, len(ls))
	for _, l := range ls {
		out = append(out, linkOf(l.Text, l.URL))
	}
	return out
}

func annotationsOf(m map[string]string) []annotationView {
	out := make([]annotationView, 0, len(m))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		out = append(out, annotationView{Name: k, Value: m[k], Link: webURL(m[k])})
	}
	return out
}

func viewEntry(e triage.Entry) queueEntry {
	return queueEntry{Entry: e, SevClass: sevClassOf(e.Rank), Labels: pairs(e.Group.CommonLabels)}
}

// queuePageSize is how many entries a page of /triage shows.
const queuePageSize = 100

func (s *Server) triagePage(w http.ResponseWriter, r *http.Request) {
	d := triageData{base: s.base(r, "Triage", "triage"), All: r.URL.Query().Get("all") == "1"}
	d.Live = "list"
	cursor := r.URL.Query().Get("cursor")
	page, err := s.triage.QueuePage(r.Context(), viewerOf(userFrom(r)), d.All, queuePageSize, cursor)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	for _, e := range page.Items {
		d.Entries = append(d.Entries, viewEntry(e))
	}
	q := url.Values{}
	if d.All {
		q.Set("all", "1")
	}
	if cursor != "" {
		d.FirstURL = "/triage?" + q.Encode()
	}
	if page.NextCursor != "" {
		q.Set("cursor", page.NextCursor)
		d.NextURL = "/triage?" + q.Encode()
	}
	if s.roster != nil {
		d.ReportsService = s.triage.ReportService()
		why, err := s.roster.PagesNobody(r.Context(), d.ReportsService)
		if err != nil {
			s.log.ErrorContext(r.Context(), "check where reports page", "service", d.ReportsService, "err", err)
		}
		d.ReportsNobody = why
	}
	s.render(w, r, http.StatusOK, "triage", d)
}

var logVerbs = map[string]string{
	"acknowledge": "acknowledged: assessment started",
	"dismiss":     "dismissed",
	"snooze":      "snoozed until",
	"declared":    "declared incident",
	"attached":    "attached to incident",
	"attachment":  "downloaded the attachment",
}

func (s *Server) loadEntry(w http.ResponseWriter, r *http.Request, f triageForm) (triageEntryData, bool) {
	det, err := s.triage.Get(r.Context(), viewerOf(userFrom(r)), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return triageEntryData{}, false
	}
	title := det.Group.Summary
	if title == "" {
		title = "Queue entry"
	}
	d := triageEntryData{base: s.base(r, "Triage · "+title, "triage"), E: viewEntry(det.Entry), Waiting: det.Status.Waiting(),
		Common: pairs(det.Group.CommonLabels), Annotations: annotationsOf(det.Entry.Annotations), Links: linksOf(det.Entry.Links),
		Levels: s.incidents.Policy().Levels, Form: f, Files: triage.EntryAttachments(det.Entry)}
	d.Live = "triage:" + det.Group.ID
	// Each alert shows what sets it apart: the labels the group does not
	// share, and the annotations that differ from the ones shown for the
	// entry.
	for _, it := range det.Alerts {
		labels := maps.Clone(it.Alert.Labels)
		maps.DeleteFunc(labels, func(k, v string) bool { c, ok := det.Group.CommonLabels[k]; return ok && c == v })
		ann := maps.Clone(it.Alert.Annotations)
		maps.DeleteFunc(ann, func(k, v string) bool { c, ok := det.Entry.Annotations[k]; return ok && c == v })
		a := alertView{Item: it, Labels: pairs(labels), Annotations: annotationsOf(ann), Links: linksOf(it.Alert.Links)}
		if g := it.Alert.GeneratorURL; g != "" && !slices.ContainsFunc(it.Alert.Links, func(l alert.Link) bool { return l.URL == g }) {
			a.Generator = linkOf("Source graph", g)
		}
		d.Alerts = append(d.Alerts, a)
	}
	for _, l := range det.Log {
		text := logVerbs[l.Action]
		if text == "" {
			text = l.Action
		}
		if l.Action == "snooze" {
			if t, err := time.Parse(time.RFC3339, l.Data); err == nil {
				text += " " + t.UTC().Format("2006-01-02 15:04 UTC")
			} else {
				text += " " + l.Data
			}
		} else if l.Data != "" && l.Action != "declared" && l.Action != "attached" {
			if l.Action == "dismiss" {
				text += ": " + l.Data
			} else {
				text += " " + l.Data
			}
		}
		d.Log = append(d.Log, logView{LogEntry: l, Text: text})
	}
	if r := det.Rank; r >= 1 && r <= len(d.Levels) && r <= 4 {
		d.Suggested = d.Levels[r-1].Name
	}
	if d.CanAct && d.Waiting {
		page, err := s.incidents.List(r.Context(), incident.Filter{States: openStates, Limit: 50, Viewer: viewerOf(userFrom(r))})
		if err != nil {
			s.fail(w, r, err)
			return triageEntryData{}, false
		}
		d.Open = page.Items
	}
	if f.Action != "declare" {
		d.Form.Title, d.Form.Severity, d.Form.Summary = det.Group.Summary, d.Suggested, declareSummary(det)
	}
	d.Paging = s.pagingPanelFor(r.Context(), escalation.SubjectQueue, det.Group.ID, "/triage/"+det.Group.ID, d.CanAct, pageForm{f.PageTarget, f.PageMessage})
	return d, true
}

// declareSummary is the declare form's summary, from the alerts: what the
// source described, and where it came from.
func declareSummary(det triage.Detail) string {
	var b strings.Builder
	for _, k := range []string{"description", "message", "summary"} {
		if v := strings.TrimSpace(det.Entry.Annotations[k]); v != "" && v != det.Group.Summary {
			b.WriteString(v + "\n\n")
			break
		}
	}
	from := string(det.Source)
	if det.Integration != "" {
		from += " (" + det.Integration + ")"
	}
	b.WriteString("From " + from + ": " + itoa(det.Group.Firing) + " firing, " + itoa(det.Group.Resolved) + " resolved, first seen " +
		det.Group.FirstSeen.UTC().Format("2006-01-02 15:04 UTC") + ".")
	return b.String()
}

// triageAttachment serves a file a report came with as a download (never
// rendered here), to those who may see the entry; the access is recorded
// first (see triage.Service.EntryAttachment).
func (s *Server) triageAttachment(w http.ResponseWriter, r *http.Request) {
	a, data, err := s.triage.EntryAttachment(r.Context(), viewerOf(userFrom(r)), r.PathValue("id"), r.PathValue("sha"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/octet-stream")
	h.Set("Content-Disposition", triage.Disposition(a.Name))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
	w.Write(data)
}

func (s *Server) triageEntryPage(w http.ResponseWriter, r *http.Request) {
	d, ok := s.loadEntry(w, r, triageForm{})
	if !ok {
		return
	}
	s.render(w, r, http.StatusOK, "triage_entry", d)
}

// triageDone finishes an action: to the entry (or where to) on success,
// or the entry again with the error and what was typed.
func (s *Server) triageDone(w http.ResponseWriter, r *http.Request, err error, f triageForm, to, flash string) {
	if err == nil {
		if to == "" {
			to = "/triage/" + url.PathEscape(r.PathValue("id"))
		}
		http.Redirect(w, r, to+"?flash="+url.QueryEscape(flash), http.StatusSeeOther)
		return
	}
	status := codeOf(err)
	if status == 0 {
		s.fail(w, r, err)
		return
	}
	d, ok := s.loadEntry(w, r, f)
	if !ok {
		return
	}
	d.Error = message(err)
	if status == http.StatusConflict {
		d.Error = "Someone else acted on this entry meanwhile. What you typed is kept below; reload to see it."
		d.Stale = "/triage/" + d.E.Group.ID
	}
	s.render(w, r, status, "triage_entry", d)
}

func (s *Server) triageAcknowledge(w http.ResponseWriter, r *http.Request) {
	if !parseForm(w, r) {
		return
	}
	_, err := s.triage.Acknowledge(r.Context(), viewerOf(userFrom(r)), r.PathValue("id"))
	s.triageDone(w, r, err, triageForm{Action: "acknowledge"}, "", "Acknowledged: the assessment is yours.")
}

func (s *Server) triageDeclare(w http.ResponseWriter, r *http.Request) {
	if !parseForm(w, r) {
		return
	}
	f := triageForm{Action: "declare", Title: r.PostFormValue("title"), Severity: r.PostFormValue("severity"),
		Type: strings.TrimSpace(r.PostFormValue("type")), Summary: r.PostFormValue("summary"), Restricted: r.PostFormValue("restricted") == "on"}
	if strings.TrimSpace(f.Title) == "" {
		s.triageDone(w, r, invalid("title", "the incident needs a title"), f, "", "")
		return
	}
	inc, err := s.triage.Declare(r.Context(), viewerOf(userFrom(r)), r.PathValue("id"), incident.DeclareInput{
		Title: f.Title, Summary: f.Summary, Type: f.Type, Severity: f.Severity, Restricted: f.Restricted})
	to := ""
	if err == nil {
		to = "/incidents/" + url.PathEscape(inc.Ref)
		s.settlePaging(r, inc.ID)
	}
	s.triageDone(w, r, err, f, to, "Declared "+inc.Ref+" from the alerts.")
}

// settlePaging starts now the paging a declaration causes (a significant
// severity without a commander pages the incident rule's policy), so the
// incident page the declarer lands on shows it instead of "Nobody has been
// paged"; the job written with the declaration would start it a moment
// later. A failure is logged: the job still runs.
func (s *Server) settlePaging(r *http.Request, incidentID string) {
	if s.escalations == nil {
		return
	}
	if err := s.escalations.SettleIncident(r.Context(), incidentID); err != nil {
		s.log.WarnContext(r.Context(), "start paging after a declaration; its job retries", "incident", incidentID, "err", err)
	}
}

func (s *Server) triageAttach(w http.ResponseWriter, r *http.Request) {
	if !parseForm(w, r) {
		return
	}
	f := triageForm{Action: "attach", Ref: strings.ToUpper(strings.TrimSpace(r.PostFormValue("ref")))}
	if f.Ref == "" {
		s.triageDone(w, r, invalid("ref", "name the open incident to attach to, such as INC-7"), f, "", "")
		return
	}
	inc, err := s.triage.Attach(r.Context(), viewerOf(userFrom(r)), r.PathValue("id"), f.Ref)
	if e, ok := errs.As(err); ok && e.Code == errs.NotFound && e.Field == "incident" {
		err = invalid("ref", "there is no incident %s you can see", f.Ref)
	}
	to := ""
	if err == nil {
		to = "/incidents/" + url.PathEscape(inc.Ref)
	}
	s.triageDone(w, r, err, f, to, "Attached the alerts to "+inc.Ref+".")
}

var dismissKinds = map[string]string{"false_positive": "false positive", "duplicate": "duplicate"}

func (s *Server) triageDismiss(w http.ResponseWriter, r *http.Request) {
	if !parseForm(w, r) {
		return
	}
	f := triageForm{Action: "dismiss", DismissAs: r.PostFormValue("as"), Reason: r.PostFormValue("reason")}
	note := strings.TrimSpace(f.Reason)
	if note == "" {
		s.triageDone(w, r, invalid("reason", "dismissing needs a reason: say why it is a false positive, or what it duplicates"), f, "", "")
		return
	}
	reason := note
	if k, ok := dismissKinds[f.DismissAs]; ok {
		reason = k + ": " + note
	}
	_, err := s.triage.Dismiss(r.Context(), viewerOf(userFrom(r)), r.PathValue("id"), reason)
	s.triageDone(w, r, err, f, "/triage", "Dismissed ("+reason+").")
}

// snoozeFor are the one-click snoozes.
var snoozeFor = map[string]time.Duration{"1h": time.Hour, "4h": 4 * time.Hour, "24h": 24 * time.Hour}

func (s *Server) triageSnooze(w http.ResponseWriter, r *http.Request) {
	if !parseForm(w, r) {
		return
	}
	f := triageForm{Action: "snooze", Until: r.PostFormValue("until"), TZOffset: r.PostFormValue("tz_offset")}
	var until time.Time
	if d, ok := snoozeFor[r.PostFormValue("for")]; ok {
		until = s.now().Add(d)
		f.Until = ""
	} else {
		t, err := parseLocalTime(f.Until, f.TZOffset)
		if err == nil && t == nil {
			err = invalid("until", "choose until when to snooze")
		} else if err != nil {
			err = invalid("until", "Until: %s", err.Error())
		}
		if err != nil {
			s.triageDone(w, r, err, f, "", "")
			return
		}
		until = *t
	}
	_, err := s.triage.Snooze(r.Context(), viewerOf(userFrom(r)), r.PathValue("id"), until)
	if codeOf(err) == http.StatusUnprocessableEntity {
		if e, ok := errs.As(err); ok && e.Field == "until" {
			err = invalid("until", "Snooze until: %s", e.Message)
		}
	}
	s.triageDone(w, r, err, f, "/triage", "Snoozed until "+until.UTC().Format("2006-01-02 15:04 UTC")+".")
}
