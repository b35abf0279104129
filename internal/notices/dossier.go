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
	Facts           *comms.Facts        `json:"facts"`
	Obligations     []DossierDuty       `json:"obligations"`
	Waivers         []DossierWaiver     `json:"waivers"`
	ObligationsNote string              `json:"obligations_note,omitempty"`
	Notices         []Notice            `json:"notices"`
	Updates         []StakeholderUpdate `json:"updates"`
	Timeline        []DossierEvent      `json:"timeline"`
	Chain           DossierChainEnd     `json:"chain"`
}

// DossierDuty is one dated duty (comms.Item) as the dossier shows it.
type DossierDuty comms.Item

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

// DossierWaiver is a duty not given, with its reason.
type DossierWaiver struct {
	ObligationID string    `json:"obligation_id"`
	Phase        string    `json:"phase"`
	Reason       string    `json:"reason"`
	At           time.Time `json:"at"`
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
	switch e.Type {
	case incident.EvAlertFired, incident.EvAlertResolved, incident.EvSignalLinked, incident.EvPostmortemSaved, incident.EvPostmortemRevised, incident.EvActionItemUpdated:
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
		Obligations: []DossierDuty{}, Waivers: []DossierWaiver{}, Timeline: []DossierEvent{}}
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
	for _, e := range events {
		if relevant(e) {
			d.Timeline = append(d.Timeline, DossierEvent{Seq: e.Seq, Type: e.Type, Actor: e.Actor, RecordedAt: e.RecordedAt,
				OccurredAt: e.OccurredAt, Text: incident.Describe(e), Data: e.Data, Hash: e.Hash, PrevHash: e.PrevHash})
		}
	}
	if n := len(events); n > 0 {
		d.Chain = DossierChainEnd{Events: n, LastSeq: events[n-1].Seq, LastHash: events[n-1].Hash}
	}
	return d, nil
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
