package web

import (
	"html/template"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/firebreak-ir/firebreak/internal/incident"
)

// pmLine is one line of the timeline form: an event of the incident
// (included or offered) or a line the author adds.
type pmLine struct {
	On       bool
	Seq      int64
	At       time.Time
	Recorded *time.Time
	Text     string
	// What the event says, for the lines that choose one.
	Event string
}

// causeSet is the form of a list of causes.
type causeSet struct {
	Prefix, Legend string
	Rows           []incident.Cause
}

// AtInput is the line's time as a datetime-local value, in UTC.
func (l pmLine) AtInput() string {
	if l.At.IsZero() {
		return ""
	}
	return l.At.UTC().Format("2006-01-02T15:04")
}

type postmortemData struct {
	base
	Inc incident.Incident
	// Doc is the text in the form: the saved one, the one sent back with
	// an error, or the one previewed.
	Doc    incident.PostmortemDoc
	Lines  []pmLine
	Reason string
	// Preview is the form's text rendered (sanitised Markdown).
	Preview template.HTML
	// Unsaved says Doc differs from the saved text (a preview or a draft
	// not saved yet).
	Unsaved bool
	// Exports says the page links the exports (package postmortem wired).
	Exports bool
	// Drafted says the form holds a draft from the record, not saved.
	Drafted bool
	// Review: who approves, who asked for changes, what the viewer may do.
	Approvals        []string
	ChangesRequested []string
	Verdicts         map[string]incident.Review
	ApprovalsNeeded  int
	IsReviewer       bool
	IsAuthor         bool
	AuthorMayApprove bool
	ReviewersInput   string
	Categories       []incident.CauseCategory
	// CauseSets are the root causes and the contributing factors, each
	// with an empty row to add one.
	CauseSets []causeSet
	// Revisions are the published texts, newest first.
	Revisions []incident.Revision
	// Head is the workspace header and tabs (workspace.go).
	Head incidentHead
	// Meeting is the review meeting's form (postmortem_meeting.go).
	Meeting meetingForm
}

// Published reports whether the post-mortem is published: then it stays
// so, and a changed text is a revision with a reason.
func (d postmortemData) Published() bool {
	return d.Inc.Postmortem.Status == incident.PostmortemPublished
}

// InReview reports whether the post-mortem waits for its reviewers.
func (d postmortemData) InReview() bool {
	return d.Inc.Postmortem.Status == incident.PostmortemInReview
}

// Stale reports whether review r was given to an earlier text.
func (d postmortemData) StaleReview(r incident.Review) bool {
	return r.TextSHA256 != d.Inc.Postmortem.TextSHA256
}

func (s *Server) postmortemPage(w http.ResponseWriter, r *http.Request) {
	inc, err := s.incidents.Get(r.Context(), viewerOf(userFrom(r)), r.PathValue("ref"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	doc, drafted, err := s.draftFor(r, inc)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if !drafted {
		doc = inc.Postmortem.Doc
	}
	s.renderPostmortem(w, r, http.StatusOK, inc, doc, "", "")
}

// renderPostmortem renders the page with doc in the form.
// A meeting form given is the one sent back with its refusals.
func (s *Server) renderPostmortem(w http.ResponseWriter, r *http.Request, status int, inc incident.Incident, doc incident.PostmortemDoc, reason, errMsg string, meeting ...meetingForm) {
	v := viewerOf(userFrom(r))
	_, events, err := s.incidents.Timeline(r.Context(), v, inc.Ref)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	revs := incident.Revisions(events)
	slices.Reverse(revs)
	pm := inc.Postmortem
	me := userFrom(r).Username
	d := postmortemData{base: s.base(r, "Post-mortem · "+inc.Ref, "incidents"), Inc: inc, Doc: doc.Normalized(), Reason: reason, Revisions: revs,
		Approvals: pm.Approvals(), ChangesRequested: pm.ChangesRequested(), Verdicts: pm.Verdicts(),
		ApprovalsNeeded: s.incidents.PostmortemApprovals(), IsReviewer: slices.Contains(pm.Reviewers, me), IsAuthor: slices.Contains(pm.Authors, me),
		AuthorMayApprove: s.incidents.AuthorMayApprove(&inc), Categories: incident.CauseCategories}
	d.Unsaved = incident.DocHash(d.Doc) != pm.TextSHA256
	d.Exports = s.postmortems != nil
	d.Drafted = r.Method == http.MethodGet && d.Unsaved
	d.Lines = timelineLines(d.Doc, events)
	d.CauseSets = []causeSet{
		{"rc", "Root causes", append(slices.Clone(d.Doc.RootCauses), incident.Cause{})},
		{"cf", "Contributing factors", append(slices.Clone(d.Doc.Contributing), incident.Cause{})},
	}
	reviewers := pm.Reviewers
	if len(reviewers) == 0 {
		reviewers = incident.DefaultReviewers(&inc)
	}
	d.ReviewersInput = strings.Join(reviewers, ", ")
	d.Meeting = meetingFormOf(&inc)
	if len(meeting) > 0 {
		d.Meeting = meeting[0]
	}
	d.Preview = markdown(incident.DocMarkdown(d.Doc))
	d.Error = errMsg
	if status == http.StatusConflict {
		d.Stale = "/incidents/" + inc.Ref + "/postmortem"
	}
	d.Live = "incident:" + inc.Ref
	moves, err := s.incidents.Moves(r.Context(), v, &inc)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d.Head = headFor(inc, secPostmortem, d.CanAct, moves, s.dutiesPanelFor(r.Context(), inc, userFrom(r), nil))
	s.render(w, r, status, "postmortem", d)
}

// timelineLines are the doc's lines (included) with the incident's other
// events offered after them (not included), in time order, and two empty
// lines for the author to add what the record does not hold.
func timelineLines(doc incident.PostmortemDoc, events []incident.Event) []pmLine {
	var out []pmLine
	chosen := map[int64]bool{}
	for _, t := range doc.Timeline {
		l := pmLine{On: true, Seq: t.Seq, At: t.At, Recorded: t.RecordedAt, Text: t.Text}
		if t.Seq > 0 && t.Seq <= int64(len(events)) {
			l.Event = incident.Describe(events[t.Seq-1])
			chosen[t.Seq] = true
		}
		out = append(out, l)
	}
	for _, e := range events {
		if chosen[e.Seq] || incident.PostmortemEvent(e.Type) {
			continue
		}
		rec := e.RecordedAt
		l := pmLine{Seq: e.Seq, At: rec, Recorded: &rec, Event: incident.Describe(e)}
		if e.OccurredAt != nil {
			l.At = *e.OccurredAt
		}
		l.Text = l.Event
		out = append(out, l)
	}
	slices.SortStableFunc(out, func(a, b pmLine) int {
		if a.On != b.On { // the chosen lines first, in their order
			if a.On {
				return -1
			}
			return 1
		}
		if a.On {
			return 0
		}
		return a.At.Compare(b.At)
	})
	return append(out, pmLine{On: true}, pmLine{On: true})
}

// docFromForm reads the structured form. Lines not ticked are left out;
// empty cause, why and added-line rows are ignored.
func docFromForm(r *http.Request) (incident.PostmortemDoc, string) {
	f := r.PostForm
	d := incident.PostmortemDoc{Summary: f.Get("summary"), Impact: f.Get("impact"), WentWell: f.Get("went_well"), Hard: f.Get("hard"), Lessons: f.Get("lessons")}
	n, _ := strconv.Atoi(f.Get("tl_n"))
	for i := range min(n, incident.MaxTimelineItems*4) {
		k := "tl" + strconv.Itoa(i) + "_"
		seq, _ := strconv.ParseInt(f.Get(k+"seq"), 10, 64)
		text := strings.TrimSpace(f.Get(k + "text"))
		at := strings.TrimSpace(f.Get(k + "at"))
		if f.Get(k+"on") == "" || (seq == 0 && text == "" && at == "") {
			continue
		}
		t := incident.TimelineItem{Seq: seq, Text: text}
		if seq == 0 {
			t.At = parseLocalUTC(at)
		}
		d.Timeline = append(d.Timeline, t)
	}
	causes := func(prefix string) []incident.Cause {
		var out []incident.Cause
		n, _ := strconv.Atoi(f.Get(prefix + "_n"))
		for i := range min(n, incident.MaxCauses*2) {
			k := prefix + strconv.Itoa(i) + "_"
			c := incident.Cause{Category: incident.CauseCategory(f.Get(k + "cat")), Text: strings.TrimSpace(f.Get(k + "text"))}
			if c.Text == "" {
				continue
			}
			out = append(out, c)
		}
		return out
	}
	d.RootCauses, d.Contributing = causes("rc"), causes("cf")
	for _, w := range f["why"] {
		if w = strings.TrimSpace(w); w != "" {
			d.Whys = append(d.Whys, w)
		}
	}
	return d, f.Get("reason")
}

// parseLocalUTC reads a datetime-local value (the form says UTC) or an
// RFC 3339 time; anything else is no time, which the rules refuse by name.
func parseLocalUTC(s string) time.Time {
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05", time.RFC3339} {
		if t, err := time.ParseInLocation(layout, s, time.UTC); err == nil {
			return t.UTC()
		}
	}
	return time.Time{}
}

func (s *Server) savePostmortem(w http.ResponseWriter, r *http.Request) {
	if !parseForm(w, r) {
		return
	}
	doc, reason := docFromForm(r)
	cur, err := s.incidents.Get(r.Context(), viewerOf(userFrom(r)), r.PathValue("ref"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if r.PostFormValue("preview") != "" {
		s.renderPostmortem(w, r, http.StatusOK, cur, doc, reason, "")
		return
	}
	inc, err := s.incidents.SavePostmortem(r.Context(), s.command(r), incident.PostmortemInput{Doc: doc, Reason: reason})
	if err != nil {
		s.pmFailed(w, r, err, &doc, reason)
		return
	}
	flash := "Saved."
	switch {
	case inc.Version == cur.Version:
		flash = "Nothing changed."
	case cur.Postmortem.Status == incident.PostmortemPublished:
		flash = "Revision published."
	case cur.Postmortem.Status == incident.PostmortemInReview && len(cur.Postmortem.Approvals()) > 0:
		flash = "Saved. Approvals given to the earlier text no longer count: the reviewers approve this one."
	}
	http.Redirect(w, r, "/incidents/"+inc.Ref+"/postmortem?flash="+urlQuery(flash), http.StatusSeeOther)
}

// pmFailed re-renders the page with the refusal and, for a text, what was
// typed.
func (s *Server) pmFailed(w http.ResponseWriter, r *http.Request, err error, doc *incident.PostmortemDoc, reason string) {
	if codeOf(err) == 0 {
		s.fail(w, r, err)
		return
	}
	cur, gerr := s.incidents.Get(r.Context(), viewerOf(userFrom(r)), r.PathValue("ref"))
	if gerr != nil {
		s.fail(w, r, gerr)
		return
	}
	d := cur.Postmortem.Doc
	if doc != nil {
		d = *doc
	}
	s.renderPostmortem(w, r, codeOf(err), cur, d, reason, message(err))
}
