package comms

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/parser"

	"github.com/firebreak-ir/firebreak/internal/calendar"
	"github.com/firebreak-ir/firebreak/internal/yamlpos"
)

// catalogFile is the document: the schema version, the anchor vocabulary
// and the obligations.
type catalogFile struct {
	SchemaVersion int               `yaml:"schema_version"`
	Anchors       map[string]string `yaml:"anchors"`
	Obligations   []Obligation      `yaml:"obligations"`
}

const (
	maxObligations = 2000
	maxPhases      = 20
	maxDepth       = 8 // of nested any_of
)

var (
	idPattern     = regexp.MustCompile(`^[a-z][a-z0-9._-]{0,63}$`)
	namePattern   = regexp.MustCompile(`^[a-z][a-z0-9_]{0,63}$`)
	tokenPattern  = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_.-]{0,63}$`)
	regionPattern = regexp.MustCompile(`^([A-Z]{2,3}(-[A-Z0-9]{1,3})?|GLOBAL)$`)
)

var (
	kinds     = []DeadlineKind{CalendarHours, CalendarDays, CalendarMonth, BusinessDays, Qualitative}
	statuses  = []LegalStatus{InForce, Proposed, EnactedNotYetLive, Contractual, Internal}
	qualities = []string{"primary", "secondary", "contractual", "internal"}
)

// parseCatalog decodes and checks data; base (nil for the default itself)
// holds the obligations other phases may anchor on.
func parseCatalog(data []byte, base *Catalog) (c *Catalog, err error) {
	defer func() {
		if r := recover(); r != nil { // the YAML library on hostile input
			c, err = nil, CatalogErrors{{Message: fmt.Sprintf("cannot parse the file: %v", r)}}
		}
	}()
	c = &Catalog{anchors: map[string]string{}, index: map[string]int{}}
	if len(bytes.TrimSpace(data)) == 0 {
		return c, nil
	}
	file, err := parser.ParseBytes(data, 0)
	if err != nil {
		return nil, CatalogErrors{yamlError(err)}
	}
	if len(file.Docs) > 1 {
		e := CatalogError{Message: "a catalog is one YAML document; remove the second"}
		if d := file.Docs[1]; d != nil && d.Body != nil {
			at := yamlpos.Of(d.Body)
			e.Line, e.Column = at.Line, at.Col
		}
		return nil, CatalogErrors{e}
	}
	if len(file.Docs) == 0 || file.Docs[0].Body == nil {
		return c, nil
	}
	body := file.Docs[0].Body
	var f catalogFile
	if err := yaml.NodeToValue(body, &f, yaml.Strict()); err != nil {
		return nil, CatalogErrors{yamlError(err)}
	}
	ck := &checker{at: yamlpos.Build(body), base: base, file: &f}
	ck.catalog()
	if len(ck.errs) > 0 {
		slices.SortStableFunc(ck.errs, func(a, b CatalogError) int {
			switch {
			case (a.Line == 0) != (b.Line == 0): // unplaced problems go last
				return b.Line - a.Line
			case a.Line != b.Line:
				return a.Line - b.Line
			}
			return a.Column - b.Column
		})
		return nil, ck.errs
	}
	for k, v := range f.Anchors {
		c.anchors[k] = v
	}
	for i, o := range f.Obligations {
		c.index[o.ID] = i
	}
	c.obligations = f.Obligations
	return c, nil
}

// checker validates a decoded file and places each problem where it is
// written.
type checker struct {
	at   yamlpos.Index
	base *Catalog
	file *catalogFile
	errs CatalogErrors
}

func (ck *checker) add(path, format string, args ...any) {
	at := ck.at.Find(path)
	ck.errs = append(ck.errs, CatalogError{Path: path, Line: at.Line, Column: at.Col, Message: fmt.Sprintf(format, args...)})
}

func (ck *checker) catalog() {
	f := ck.file
	if f.SchemaVersion != 0 && f.SchemaVersion != 1 {
		ck.add("schema_version", "%d is not a schema version this server reads (1)", f.SchemaVersion)
	}
	for name := range f.Anchors {
		if !namePattern.MatchString(name) {
			ck.add("anchors."+name, "%q is not an anchor name (lower-case letters, digits, _)", name)
		}
	}
	if len(f.Obligations) > maxObligations {
		ck.add("obligations", "at most %d obligations", maxObligations)
		return
	}
	seen := map[string]int{}
	for i, o := range f.Obligations {
		p := fmt.Sprintf("obligations[%d]", i)
		switch {
		case !idPattern.MatchString(o.ID):
			ck.add(p+".id", "%q is not an obligation ID (a lower-case letter, then letters, digits, . _ -; at most 64)", o.ID)
		case seen[o.ID] > 0:
			ck.add(p+".id", "%q is already declared at obligations[%d]", o.ID, seen[o.ID]-1)
		default:
			seen[o.ID] = i + 1
		}
		ck.obligation(p, &f.Obligations[i])
	}
}

func (ck *checker) obligation(p string, o *Obligation) {
	switch {
	case o.Region == "":
		ck.add(p+".region", "is required: a region such as EU, GB, US, US-CA or GLOBAL")
	case !regionPattern.MatchString(o.Region):
		ck.add(p+".region", "%q is not a region such as EU, GB, US, US-CA or GLOBAL", o.Region)
	}
	if strings.TrimSpace(o.Regulation) == "" {
		ck.add(p+".regulation", "is required (the law, rule or contract clause)")
	}
	if strings.TrimSpace(o.Recipient) == "" {
		ck.add(p+".recipient", "is required (who is notified)")
	}
	switch {
	case o.Status == "":
		ck.add(p+".status", "is required: one of %s", joinAny(statuses))
	case !slices.Contains(statuses, o.Status):
		ck.add(p+".status", "unknown status %q; one of %s", o.Status, joinAny(statuses))
	}
	if o.SourceQuality != "" && !slices.Contains(qualities, o.SourceQuality) {
		ck.add(p+".source_quality", "unknown source quality %q; one of %s", o.SourceQuality, strings.Join(qualities, ", "))
	}
	if o.HolidayCalendar != "" {
		if _, err := calendar.ByCode(o.HolidayCalendar); err != nil {
			ck.add(p+".holiday_calendar", "%s", err)
		}
	}
	if a := o.ClockStarts.Anchor; a != "" && !namePattern.MatchString(a) {
		ck.add(p+".clock_starts.anchor", "%q is not an anchor name (lower-case letters, digits, _)", a)
	}
	ck.condition(p+".applies_when", o.AppliesWhen, 0)
	switch {
	case len(o.Phases) == 0:
		ck.add(p+".phases", "at least one phase is required (name a single deadline \"notification\")")
	case len(o.Phases) > maxPhases:
		ck.add(p+".phases", "at most %d phases", maxPhases)
	}
	names := map[string]bool{}
	for j := range o.Phases {
		ph := &o.Phases[j]
		pp := fmt.Sprintf("%s.phases[%d]", p, j)
		if !namePattern.MatchString(ph.Name) {
			ck.add(pp+".name", "%q is not a phase name (lower-case letters, digits, _)", ph.Name)
		} else if names[ph.Name] {
			ck.add(pp+".name", "%q is already a phase of %s", ph.Name, o.ID)
		}
		names[ph.Name] = true
	}
	for j := range o.Phases {
		ck.phase(fmt.Sprintf("%s.phases[%d]", p, j), o, &o.Phases[j], names)
	}
}

func (ck *checker) phase(p string, o *Obligation, ph *Phase, names map[string]bool) {
	if ph.DeadlineKind == "" {
		ck.add(p+".deadline_kind", "is required: one of %s", joinAny(kinds))
	} else if !slices.Contains(kinds, ph.DeadlineKind) {
		ck.add(p+".deadline_kind", "unknown deadline kind %q; one of %s", ph.DeadlineKind, joinAny(kinds))
	} else if s, err := parseDeadline(ph.Deadline, ph.DeadlineKind); err != nil {
		ck.add(p+".deadline", "%s", err)
	} else {
		ph.span = s
	}
	switch {
	case ph.Anchor == "" && ph.DeadlineKind != Qualitative && slices.Contains(kinds, ph.DeadlineKind):
		ck.add(p+".anchor", "is required for a %s deadline (only qualitative phases may have none)", ph.DeadlineKind)
	case ph.Anchor != "" && !namePattern.MatchString(ph.Anchor):
		ck.add(p+".anchor", "%q is not an anchor name (lower-case letters, digits, _)", ph.Anchor)
	}
	if ph.Cutoff != "" {
		switch at, err := time.Parse("15:04", ph.Cutoff); {
		case err != nil || len(ph.Cutoff) != 5:
			ck.add(p+".cutoff", "%q is not a local time such as \"17:30\" (24-hour HH:MM)", ph.Cutoff)
		case ph.DeadlineKind != CalendarDays && ph.DeadlineKind != CalendarMonth && ph.DeadlineKind != BusinessDays:
			ck.add(p+".cutoff", "a cut-off ends a period of days or months on its last day; the phase's deadline_kind is %s", ph.DeadlineKind)
		default:
			ph.cutoff = time.Duration(at.Hour())*time.Hour + time.Duration(at.Minute())*time.Minute
		}
	}
	if len(ph.AnchorPhases) > 0 && ph.Anchor == "" {
		ck.add(p+".anchor_phases", "needs an anchor naming what the submission is (such as prior_report_submitted)")
	}
	for k, ref := range ph.AnchorPhases {
		at := fmt.Sprintf("%s.anchor_phases[%d]", p, k)
		id, name, cross := strings.Cut(ref, "/")
		if !cross {
			id, name = o.ID, ref
		}
		switch {
		case id == o.ID && name == ph.Name:
			ck.add(at, "a phase cannot be anchored on its own submission")
		case id == o.ID:
			if !names[name] {
				ck.add(at, "%s has no phase %q", o.ID, name)
			}
		case !ck.hasPhase(id, name):
			ck.add(at, "no obligation %q with a phase %q", id, name)
		}
	}
	if l := ph.AlsoNoLaterThan; l != nil {
		lp := p + ".also_no_later_than"
		if !namePattern.MatchString(l.Anchor) {
			ck.add(lp+".anchor", "%q is not an anchor name (lower-case letters, digits, _)", l.Anchor)
		}
		if s, err := parseLimit(l.Deadline); err != nil {
			ck.add(lp+".deadline", "%s", err)
		} else {
			l.span = s
		}
		if ph.DeadlineKind == Qualitative {
			ck.add(lp, "a qualitative phase has no deadline to cap")
		}
	}
	for k, r := range ph.Rules {
		rp := fmt.Sprintf("%s.rules[%d]", p, k)
		switch {
		case !slices.Contains(ruleNames, r.Name):
			ck.add(rp+".name", "unknown rule %q; one of %s", r.Name, joinAny(ruleNames))
		case r.Name == RuleEventOnHolidayStartsNextBusinessDay && ph.DeadlineKind != BusinessDays:
			ck.add(rp+".name", "%s counts business days; the phase's deadline_kind is %s", r.Name, ph.DeadlineKind)
		case r.Name == RuleHolidayDeadlineMovesToNoon && ph.DeadlineKind == Qualitative:
			ck.add(rp+".name", "%s moves a deadline; a qualitative phase has none", r.Name)
		}
		ck.tokens(rp+".unless_entity_types", r.UnlessEntityTypes, "an entity type")
	}
	ck.condition(p+".applies_when", ph.AppliesWhen, 0)
}

func (ck *checker) hasPhase(id, name string) bool {
	for _, o := range ck.file.Obligations {
		if o.ID == id {
			return slices.ContainsFunc(o.Phases, func(p Phase) bool { return p.Name == name })
		}
	}
	if ck.base != nil {
		if o, ok := ck.base.Get(id); ok {
			return slices.ContainsFunc(o.Phases, func(p Phase) bool { return p.Name == name })
		}
	}
	return false
}

func (ck *checker) condition(p string, c *Condition, depth int) {
	if c == nil {
		return
	}
	if depth >= maxDepth {
		ck.add(p, "any_of nested more than %d deep", maxDepth)
		return
	}
	ck.tokens(p+".roles", c.Roles, "a role")
	ck.tokens(p+".entity_types", c.EntityTypes, "an entity type")
	ck.tokens(p+".sectors", c.Sectors, "a sector")
	ck.tokens(p+".not_entity_types", c.NotEntityTypes, "an entity type")
	ck.tokens(p+".data_types", c.DataTypes, "a data type")
	ck.regions(p+".established_in", c.EstablishedIn)
	ck.regions(p+".residents_in", c.ResidentsIn)
	ck.regions(p+".territory", c.Territory)
	if t := c.Affected; t != nil {
		tp := p + ".affected"
		if t.In != "" && !regionPattern.MatchString(t.In) {
			ck.add(tp+".in", "%q is not a region such as US or US-CA", t.In)
		}
		if t.Gt == nil && t.Gte == nil && t.Lt == nil && t.Lte == nil {
			ck.add(tp, "needs a comparison: gt, gte, lt or lte")
		}
		for name, v := range map[string]*int{"gt": t.Gt, "gte": t.Gte, "lt": t.Lt, "lte": t.Lte} {
			if v != nil && *v < 0 {
				ck.add(tp+"."+name, "must be 0 or more, not %d", *v)
			}
		}
	}
	for i := range c.AnyOf {
		ck.condition(fmt.Sprintf("%s.any_of[%d]", p, i), &c.AnyOf[i], depth+1)
	}
}

func (ck *checker) tokens(p string, vs []string, what string) {
	for i, v := range vs {
		if !tokenPattern.MatchString(v) {
			ck.add(fmt.Sprintf("%s[%d]", p, i), "%q is not %s (letters, digits, _ . -)", v, what)
		}
	}
}

func (ck *checker) regions(p string, vs []string) {
	for i, v := range vs {
		if !regionPattern.MatchString(v) {
			ck.add(fmt.Sprintf("%s[%d]", p, i), "%q is not a region such as EU, DE, US-CA or GLOBAL", v)
		}
	}
}

// yamlError places an error of the YAML parser or decoder.
func yamlError(err error) CatalogError {
	var ye yaml.Error
	if errors.As(err, &ye) {
		e := CatalogError{Message: ye.GetMessage()}
		var te *yaml.TypeError
		if errors.As(err, &te) && te.SrcType != nil && te.DstType != nil {
			e.Message = fmt.Sprintf("%s where %s is expected", kindName(te.SrcType), kindName(te.DstType))
		}
		if tk := ye.GetToken(); tk != nil && tk.Position != nil {
			e.Line, e.Column = tk.Position.Line, tk.Position.Column
		}
		return e
	}
	return CatalogError{Message: err.Error()}
}

// kindName names a Go type as the file's author sees it.
func kindName(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "text"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number"
	case reflect.Bool:
		return "true or false"
	case reflect.Slice, reflect.Array:
		return "a list"
	case reflect.Map, reflect.Struct, reflect.Pointer:
		return "a mapping"
	}
	return "a " + t.String()
}

func joinAny[T ~string](vs []T) string {
	s := make([]string, len(vs))
	for i, v := range vs {
		s[i] = string(v)
	}
	return strings.Join(s, ", ")
}
