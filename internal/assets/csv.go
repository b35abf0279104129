package assets

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/firebreak-ir/firebreak/internal/errs"
)

// MaxImportRows is the most assets one inventory import takes.
const MaxImportRows = 10_000

// importColumns are the columns an inventory CSV may have; kind and
// identifier are required.
var importColumns = []string{"kind", "identifier", "owner", "criticality"}

// ParseInventory reads an inventory CSV: a header naming its columns
// (kind, identifier, and optionally owner and criticality, in any order),
// then an asset a line. Every problem is reported with its line; an
// asset listed twice is one. Nothing is returned unless all is well.
func ParseInventory(r io.Reader, now time.Time) ([]Asset, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	head, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, errs.E(errs.Invalid, "csv", "the file is empty: it needs a header line such as kind,identifier,owner,criticality")
	}
	if err != nil {
		return nil, errs.E(errs.Invalid, "csv", "line 1: %s", csvProblem(err))
	}
	col := map[string]int{}
	for i, h := range head {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		if !slices.Contains(importColumns, h) {
			return nil, errs.E(errs.Invalid, "csv", "line 1: unknown column %q; the columns are %s", h, strings.Join(importColumns, ", "))
		}
		if _, dup := col[h]; dup {
			return nil, errs.E(errs.Invalid, "csv", "line 1: column %q twice", h)
		}
		col[h] = i
	}
	for _, need := range []string{"kind", "identifier"} {
		if _, ok := col[need]; !ok {
			return nil, errs.E(errs.Invalid, "csv", "line 1: the header needs a %s column", need)
		}
	}
	var out []Asset
	var c checker
	seen := map[string]int{}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			line := 0
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				line = pe.Line
			}
			c.add("csv", fmt.Sprintf("line %d: %s", line, csvProblem(err)))
			break
		}
		line, _ := cr.FieldPos(0)
		if len(out) >= MaxImportRows {
			c.add("csv", fmt.Sprintf("more than %d assets; import them in parts", MaxImportRows))
			break
		}
		get := func(name string) string {
			if i, ok := col[name]; ok && i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		a := Asset{Kind: Kind(strings.ToLower(get("kind"))), Identifier: get("identifier"), Owner: get("owner"),
			Criticality: Criticality(strings.ToLower(get("criticality"))), UpdatedAt: now}
		var lc checker
		oneOf(&lc, "kind", a.Kind, Kinds, true)
		lc.text("identifier", a.Identifier, MaxIdentifier, true)
		lc.text("owner", a.Owner, MaxName, false)
		oneOf(&lc, "criticality", a.Criticality, Criticalities, false)
		for _, d := range lc.details {
			c.add("csv", fmt.Sprintf("line %d: %s %s", line, d.Field, d.Message))
		}
		if first, dup := seen[a.Key()]; dup && len(lc.details) == 0 {
			c.add("csv", fmt.Sprintf("line %d: %s is on line %d already", line, a.Key(), first))
		}
		seen[a.Key()] = line
		out = append(out, a)
		if len(c.details) >= 20 {
			break // enough to fix before trying again
		}
	}
	if err := c.err(); err != nil {
		return nil, err
	}
	return out, nil
}

// csvProblem says what encoding/csv found, without its "record on line"
// preamble (the line is said already).
func csvProblem(err error) string {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}
