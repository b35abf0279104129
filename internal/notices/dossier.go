package notices

import (
	"context"
	"embed"
	"encoding/json"
	"html/template"
	"io"
	"strings"
	"time"

	"github.com/firebreak-ir/firebreak/internal/comms"
	"github.com/firebreak-ir/firebreak/internal/duties"
	"github.com/firebreak-ir/firebreak/internal/incident"
)

// Dossier is an incident's notification record in one document: what was
// known, which duties applied and where each stands, every notice with
// its exact text and hashes, every delivery, every waiver with its reason,
// and the timeline events that record them with their hash-chain links.
type Dossier struct {
	GeneratedAt  time.Time       `json:"generated_at"`
	GeneratedBy  string          `json:"generated_by"`
	Incident     DossierIncident `json:"incident"`
	Organization Letterhead      `json:"organization"`
	// Facts, Obligations and Waivers come from the obligation records;
	// ObligationsNote says why they are missing when they are.
	Facts       *comms.Facts    `json:"facts"`
	Obligations []DossierDuty   `json:"obligations"`
	Waivers     []DossierWaiver `json:"waivers"`
	// Records are every submission and waiver of a duty as the timeline
	// recorded it: who recorded it and when, to whom, by which channel,
	// with which reference (a notice's own when one met it).
	Records         []DossierRecord     `json:"records"`
	ObligationsNote string              `json:"obligations_note,omitempty"`
	Notices         []Notice            `json:"notices"`
	Updates         []StakeholderUpdate `json:"updates"`
	Timeline        []DossierEvent      `json:"timeline"`
	Chain           DossierChainEnd     `json:"chain"`
}

// DossierDuty is one dated duty (comms.Item) as the dossier shows it:
// with its conditions and notes, and the explanation of how its due
// instant was worked out.
type DossierDuty comms.Item

// DossierRecord is one submission or waiver of a phase of a duty.
type DossierRecord struct {
	ObligationID string           `json:"obligation_id"`
	Phase        string           `json:"phase"`
	Kind         comms.RecordKind `json:"kind"`
	At           time.Time        `json:"at"` // when it was given, or waived
	RecordedBy   string           `json:"recorded_by"`
	RecordedAt   time.Time        `json:"recorded_at"`
	Recipient    string           `json:"recipient,omitempty"`
	Channel      string           `json:"channel,omitempty"`
	Reference    string           `json:"reference,omitempty"`
	Reason       string           `json:"reason,omitempty"`
	Notice       string           `json:"notice,omitempty"`
	Seq          int64            `json:"seq"` // the timeline event
}

// DossierIncident is the incident in brief.
type DossierIncident struct {
	ID         string                       `json:"id"`
	Ref        string                       `json:"ref"`
	Title      string                       `json:"title"`
	Summary    string                       `json:"summary"`
	Type       string                       `json:"type"`
	Severity   string                       `json:"severity"`
	State      incident.State               `json:"state"`
	Restricted bool                         `json:"restricted"`
	DetectedAt time.Time                    `json:"detected_at"`
	DeclaredAt time.Time                    `json:"declared_at"`
	DeclaredBy string                       `json:"declared_by"`
	Roles      []incident.Assignment        `json:"roles"`
	Phases     map[incident.State]time.Time `json:"phases"`
	RootCause  string                       `json:"root_cause"`
	Resolution string                       `json:"resolution"`
}

// DossierWaiver is a duty not given, with its reason and who waived it.
type DossierWaiver struct {
	ObligationID string    `json:"obligation_id"`
	Phase        string    `json:"phase"`
	Reason       string    `json:"reason"`
	At           time.Time `json:"at"`
	RecordedBy   string    `json:"recorded_by,omitempty"`
}

// DossierEvent is one timeline event as the dossier shows it.
type DossierEvent struct {
	Seq        int64           `json:"seq"`
	Type       string          `json:"type"`
	Actor      string          `json:"actor"`
	RecordedAt time.Time       `json:"recorded_at"`
	OccurredAt *time.Time      `json:"occurred_at,omitempty"`
	Text       string          `json:"text"`
	Data       json.RawMessage `json:"data"`
	Hash       string          `json:"hash"`
	PrevHash   string          `json:"prev_hash"`
}

// DossierChainEnd is the incident's last event: anyone holding the dossier
// can check it against the stored chain (firebreak audit verify).
type DossierChainEnd struct {
	Events   int    `json:"events"`
	LastSeq  int64  `json:"last_seq"`
	LastHash string `json:"last_hash"`
}

// relevant says whether an event belongs in the dossier: everything but
// alert traffic, the post-mortem and people's working notes.
func relevant(e incident.Event) bool {
	// The post-mortem's events (its text, review and publication) are
	// named by the incident package, so new ones stay out without a
	// change here.
	if incident.PostmortemEvent(e.Type) {
		return false
	}
	switch e.Type {
	case incident.EvAlertFired, incident.EvAlertResolved, incident.EvSignalLinked:
		return false
	case incident.EvEntryAdded:
		k := incident.EntryKindOf(e)
		return k == incident.KindCommunication || k == incident.KindDecision
	}
	return true
}

// Dossier gathers an incident's notification record for v.
func (s *Service) Dossier(ctx context.Context, v incident.Viewer, ref string) (Dossier, error) {
	inc, events, err := s.Incidents.Timeline(ctx, v, ref)
	if err != nil {
		return Dossier{}, err
	}
	d := Dossier{GeneratedAt: s.Now().UTC(), GeneratedBy: v.User, Organization: s.Config.Organization,
		Incident: DossierIncident{ID: inc.ID, Ref: inc.Ref, Title: inc.Title, Summary: inc.Summary, Type: inc.Type, Severity: inc.Severity,
			State: inc.State, Restricted: inc.Restricted, DetectedAt: inc.DetectedAt, DeclaredAt: inc.DeclaredAt, DeclaredBy: inc.DeclaredBy,
			Roles: inc.Roles, Phases: inc.Phases, RootCause: inc.RootCause, Resolution: inc.Resolution},
		Obligations: []DossierDuty{}, Waivers: []DossierWaiver{}, Records: []DossierRecord{}, Timeline: []DossierEvent{}}
	if d.Incident.Roles == nil {
		d.Incident.Roles = []incident.Assignment{}
	}
	if s.Duties == nil {
		d.ObligationsNote = "obligation records are not available on this server"
	} else {
		org, err := s.Duties.Organization(ctx)
		if err != nil {
			return Dossier{}, err
		}
		d.Organization.Organization = org
		facts, err := s.Duties.Facts(ctx, v, inc.ID)
		if err != nil {
			return Dossier{}, err
		}
		d.Facts = &facts
		items, err := s.Duties.Items(ctx, v, inc.ID)
		if err != nil {
			return Dossier{}, err
		}
		for _, it := range items {
			d.Obligations = append(d.Obligations, DossierDuty(it))
			if it.Record != nil && it.Record.Kind == comms.RecordWaived {
				d.Waivers = append(d.Waivers, DossierWaiver{ObligationID: it.ObligationID, Phase: it.Phase, Reason: it.Record.Reason, At: it.Record.At})
			}
		}
	}
	if d.Notices, err = s.Store.Notices(ctx, inc.ID); err != nil {
		return Dossier{}, err
	}
	for i := range d.Notices {
		d.Notices[i].Ref = inc.Ref
		s.derive(&d.Notices[i])
	}
	if d.Notices == nil {
		d.Notices = []Notice{}
	}
	if d.Updates, err = s.Store.Updates(ctx, inc.ID, 0); err != nil {
		return Dossier{}, err
	}
	if d.Updates == nil {
		d.Updates = []StakeholderUpdate{}
	}
	d.Records = records(events, d.Notices)
	for i, w := range d.Waivers {
		for _, r := range d.Records {
			if r.Kind == comms.RecordWaived && r.ObligationID == w.ObligationID && r.Phase == w.Phase {
				d.Waivers[i].RecordedBy = r.RecordedBy
			}
		}
	}
	for _, e := range events {
		if relevant(e) {
			d.Timeline = append(d.Timeline, DossierEvent{Seq: e.Seq, Type: e.Type, Actor: e.Actor, RecordedAt: e.RecordedAt,
				OccurredAt: e.OccurredAt, Text: incident.Describe(e, DescribeEvent, duties.DescribeEvent), Data: e.Data, Hash: e.Hash, PrevHash: e.PrevHash})
		}
	}
	if n := len(events); n > 0 {
		d.Chain = DossierChainEnd{Events: n, LastSeq: events[n-1].Seq, LastHash: events[n-1].Hash}
	}
	return d, nil
}

// records gathers the submissions and waivers of duties from the
// timeline: the event says who recorded it and when; a submission made by
// a notice takes its recipient, channel and reference from the notice.
func records(events []incident.Event, ns []Notice) []DossierRecord {
	out := []DossierRecord{}
	for _, e := range events {
		kind := comms.RecordSubmitted
		switch e.Type {
		case incident.EvObligationSubmitted:
		case incident.EvObligationWaived:
			kind = comms.RecordWaived
		default:
			continue
		}
		var od duties.ObligationData
		if err := json.Unmarshal(e.Data, &od); err != nil {
			continue
		}
		r := DossierRecord{ObligationID: od.ObligationID, Phase: od.Phase, Kind: kind, At: od.At, RecordedBy: e.Actor, RecordedAt: e.RecordedAt,
			Recipient: od.Recipient, Channel: od.Channel, Reference: od.Reference, Reason: od.Reason, Notice: od.Notice, Seq: e.Seq}
		for _, n := range ns {
			if n.ID != od.Notice || od.Notice == "" {
				continue
			}
			switch {
			case n.Submission != nil:
				r.Recipient, r.Channel, r.Reference = n.Submission.Recipient, string(n.Submission.Channel), n.Submission.Reference
				r.RecordedBy = n.Submission.RecordedBy
			case n.Email != nil:
				var to, ids []string
				for _, dl := range n.Email.Deliveries {
					if dl.State == DeliverySent {
						to, ids = append(to, dl.To), append(ids, dl.MessageID)
					}
				}
				r.Recipient, r.Channel, r.Reference = strings.Join(to, ", "), string(ByEmail), strings.Join(ids, ", ")
				r.RecordedBy = n.Email.RequestedBy
			}
		}
		out = append(out, r)
	}
	return out
}

//go:embed dossier.html dossier.css
var dossierFS embed.FS

// DossierCSS is the dossier's stylesheet, print rules included.
var DossierCSS = func() string {
	b, err := dossierFS.ReadFile("dossier.css")
	if err != nil {
		panic(err)
	}
	return string(b)
}()

var dossierHTML = template.Must(template.New("dossier.html").Funcs(template.FuncMap{
	"utc": func(t time.Time) string {
		if t.IsZero() {
			return "—"
		}
		return t.UTC().Format("2006-01-02 15:04:05 UTC")
	},
	"utcp": func(t *time.Time) string {
		if t == nil {
			return "—"
		}
		return t.UTC().Format("2006-01-02 15:04:05 UTC")
	},
	"words": func(s string) string { return strings.ReplaceAll(s, "_", " ") },
}).ParseFS(dossierFS, "dossier.html"))

// HTMLOptions shape the printable page.
type HTMLOptions struct {
	// StyleHref links the stylesheet (DossierCSS) where a content security
	// policy forbids inline styles; empty puts it in the page, so the
	// file stands on its own.
	StyleHref string
	// Back is a link back to the incident; none when empty.
	Back string
}

// WriteHTML writes the dossier as a printable HTML page without script.
func (d Dossier) WriteHTML(w io.Writer, o HTMLOptions) error {
	return dossierHTML.Execute(w, struct {
		D         Dossier
		CSS       template.CSS
		StyleHref string
		Back      string
	}{d, template.CSS(DossierCSS), o.StyleHref, o.Back})
}
