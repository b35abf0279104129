package indicators

import (
	"bytes"
	"context"
	"encoding/csv"
	"strconv"
	"time"

	"github.com/firebreak-ir/firebreak/internal/errs"
	"github.com/firebreak-ir/firebreak/internal/incident"
)

// ExportCSV writes indicators as CSV with a header row. Cells that a
// spreadsheet would run as a formula are prefixed with ' (CSV injection).
func ExportCSV(list []Indicator) ([]byte, error) {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	stamp := func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return t.UTC().Format(time.RFC3339)
	}
	rows := [][]string{{"id", "type", "value", "tlp", "state", "confidence", "source", "first_seen", "last_seen", "created_by", "created_at", "notes"}}
	for _, i := range list {
		rows = append(rows, []string{i.ID, string(i.Type), cell(i.Value), string(i.TLP), string(i.State), strconv.Itoa(i.Confidence), cell(i.Source),
			stamp(i.FirstSeen), stamp(i.LastSeen), i.CreatedBy, i.CreatedAt.UTC().Format(time.RFC3339), cell(i.Notes)})
	}
	if err := w.WriteAll(rows); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func cell(s string) string {
	if s != "" && (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@') {
		return "'" + s
	}
	return s
}

// Export returns an incident's indicators as a STIX 2.1 bundle ("stix")
// or CSV ("csv").
func (s *Service) Export(ctx context.Context, v incident.Viewer, ref, format string) ([]byte, error) {
	if format != "stix" && format != "csv" {
		return nil, errs.E(errs.Invalid, "format", "%q is not an export format; use stix or csv", format)
	}
	inc, list, err := s.List(ctx, v, ref)
	if err != nil {
		return nil, err
	}
	if format == "csv" {
		return ExportCSV(list)
	}
	return ExportSTIX(inc.ID, list, s.Now())
}

// ImportResult is what an import did.
type ImportResult struct {
	AddResult
	Skipped int `json:"skipped" doc:"Indicators whose patterns were not simple comparisons."`
}

// Import adds the indicators of a STIX 2.1 bundle (ImportSTIX) in one
// event; ones the incident holds are left as they are.
func (s *Service) Import(ctx context.Context, actor incident.Viewer, ref string, bundle []byte) (ImportResult, error) {
	in, skipped, err := ImportSTIX(bundle)
	if err != nil {
		return ImportResult{}, err
	}
	if len(in) == 0 {
		return ImportResult{}, errs.E(errs.Invalid, "bundle", "holds no indicators that can be read (%d skipped)", skipped)
	}
	res, err := s.add(ctx, actor, ref, in, false)
	return ImportResult{AddResult: res, Skipped: skipped}, err
}
