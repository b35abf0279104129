package duties

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/firebreak-ir/firebreak/internal/comms"
	"github.com/firebreak-ir/firebreak/internal/engine"
	"github.com/firebreak-ir/firebreak/internal/errs"
	"github.com/firebreak-ir/firebreak/internal/incident"
)

// The assessment feeds the facts. When the IR Lead's assessment of
// potential impact says personal data is affected, or names data types,
// the incident's facts learn it, so the duties that depend on it appear
// without anyone typing it again. It only adds: a fact a person set is
// never cleared by an assessment that says less. A job written with the
// incident.assessed event (AssessmentJobs, a store trigger) does it
// through the same change as PutFacts: one facts.updated event, marked as
// coming from the assessment, with the reminders planned again.

// JobAssessed is the job kind that adds an assessment's data to the facts.
const JobAssessed = "duties.assessed"

// SourceAssessment marks facts.updated events the assessment caused.
const SourceAssessment = "assessment"

type assessedArgs struct {
	Incident     string   `json:"incident"`
	Seq          int64    `json:"seq"` // the assessment's event
	PersonalData bool     `json:"personal_data,omitempty"`
	DataTypes    []string `json:"data_types,omitempty"`
}

// AssessmentJobs returns the job to write with an incident's new events
// when the latest of them assesses personal data or data types affected.
func AssessmentJobs(inc incident.Incident, events []incident.Event) []engine.Job {
	for i := len(events) - 1; i >= 0; i-- {
		ev := events[i]
		if ev.Type != incident.EvAssessed {
			continue
		}
		var d incident.AssessedData
		if err := json.Unmarshal(ev.Data, &d); err != nil || (!d.PersonalData && len(d.DataTypes) == 0) {
			return nil // the fold decoded it already; an assessment of no data adds nothing
		}
		a := assessedArgs{Incident: inc.ID, Seq: ev.Seq, PersonalData: d.PersonalData, DataTypes: d.DataTypes}
		args, _ := json.Marshal(a)
		return []engine.Job{{ID: fmt.Sprintf("%s:%s:%d", JobAssessed, inc.ID, ev.Seq), Kind: JobAssessed, Args: args}}
	}
	return nil
}

// handleAssessed adds an assessment's data to the incident's facts; run
// again, it finds them there and records nothing.
func (s *Service) handleAssessed(ctx context.Context, j engine.Job) error {
	var a assessedArgs
	if err := json.Unmarshal(j.Args, &a); err != nil {
		return engine.Permanent(err)
	}
	types := s.knownDataTypes(a.DataTypes)
	err := s.change(ctx, system, a.Incident, false, func(c *change) ([]incident.Change, error) {
		cur := c.facts
		f := cur.Facts
		f.PersonalData = f.PersonalData || a.PersonalData
		f.DataTypes = slices.Clone(f.DataTypes)
		for _, t := range types {
			if !slices.Contains(f.DataTypes, t) {
				f.DataTypes = append(f.DataTypes, t)
			}
		}
		diff := diffFacts(cur.Facts, f)
		if len(diff) == 0 {
			return nil, nil
		}
		now := incident.Now(s.Now())
		next := FactsState{Facts: f, Version: cur.Version + 1, UpdatedBy: system.User, UpdatedAt: &now}
		c.write.Facts, c.write.ExpectedFactsVersion = &next, cur.Version
		c.facts.Facts = f
		return []incident.Change{{Type: incident.EvFactsUpdated, Data: FactsUpdatedData{Version: next.Version, Changes: diff, Source: SourceAssessment}}}, nil
	})
	if errs.CodeOf(err) == errs.NotFound {
		s.Logger.Info("assessment not added to the facts: the incident is gone", "incident", a.Incident)
		return nil
	}
	return err
}

// knownDataTypes keeps the data types the catalog knows: a form naming
// one the catalog does not use cannot make a duty appear, and the facts
// would refuse it.
func (s *Service) knownDataTypes(types []string) []string {
	if s.vocab == nil {
		return types
	}
	var out []string
	for _, t := range types {
		if slices.ContainsFunc(s.vocab.DataTypes, func(d comms.Term) bool { return d.Name == t }) {
			out = append(out, t)
			continue
		}
		s.Logger.Warn("assessment names a data type the obligation catalog does not know; not added to the facts", "data_type", t)
	}
	return out
}
