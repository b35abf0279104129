package alert

import (
	"errors"
	"fmt"
	"regexp"
	"regexp/syntax"
	"strconv"
	"strings"
)

// MatchType is a matcher's operator.
type MatchType string

const (
	MatchEqual     MatchType = "="
	MatchNotEqual  MatchType = "!="
	MatchRegexp    MatchType = "=~"
	MatchNotRegexp MatchType = "!~"
)

// Matcher tests one label, the way Alertmanager's matchers do: regular
// expressions are RE2 and fully anchored, and a missing label matches as the
// empty string (so env!="dev" matches an alert without env, and env=""
// matches only alerts without it). Build one with NewMatcher or
// ParseMatcher, which compile the regular expression once.
type Matcher struct {
	Type  MatchType
	Name  string
	Value string
	re    *regexp.Regexp
}

// NewMatcher builds a matcher, compiling its regular expression.
func NewMatcher(t MatchType, name, value string) (*Matcher, error) {
	m := &Matcher{Type: t, Name: name, Value: value}
	switch t {
	case MatchEqual, MatchNotEqual:
	case MatchRegexp, MatchNotRegexp:
		re, err := compileAnchored(value)
		if err != nil {
			return nil, err
		}
		m.re = re
	default:
		return nil, fmt.Errorf("unknown match type %q", string(t))
	}
	if name == "" {
		return nil, fmt.Errorf("label name must not be empty")
	}
	return m, nil
}

func compileAnchored(expr string) (*regexp.Regexp, error) {
	re, err := regexp.Compile("^(?:" + expr + ")$")
	if err != nil {
		// Report the user's expression, not our anchored wrapping of it.
		var perr *syntax.Error
		if errors.As(err, &perr) {
			return nil, fmt.Errorf("invalid regular expression %s: %s", strconv.Quote(expr), perr.Code)
		}
		return nil, fmt.Errorf("invalid regular expression %s", strconv.Quote(expr))
	}
	return re, nil
}

// Matches reports whether labels satisfy the matcher.
func (m *Matcher) Matches(labels map[string]string) bool {
	v := labels[m.Name]
	switch m.Type {
	case MatchEqual:
		return v == m.Value
	case MatchNotEqual:
		return v != m.Value
	case MatchRegexp, MatchNotRegexp:
		re := m.re
		if re == nil { // built as a literal: compile on the slow path
			var err error
			if re, err = compileAnchored(m.Value); err != nil {
				return false
			}
		}
		return re.MatchString(v) == (m.Type == MatchRegexp)
	}
	return false
}

// String renders the matcher in the text syntax ParseMatcher reads.
func (m *Matcher) String() string {
	return quoteName(m.Name) + string(m.Type) + quoteValue(m.Value)
}

// Matchers is a conjunction of matchers; an empty list matches everything.
type Matchers []*Matcher

// Matches reports whether labels satisfy every matcher.
func (ms Matchers) Matches(labels map[string]string) bool {
	for _, m := range ms {
		if !m.Matches(labels) {
			return false
		}
	}
	return true
}

// String renders the matchers as {a="x", b!~"y"}, in their order.
func (ms Matchers) String() string {
	parts := make([]string, len(ms))
	for i, m := range ms {
		parts[i] = m.String()
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

func quoteValue(v string) string { return strconv.Quote(v) }

// quoteName leaves a plain label name (Prometheus' classic character set)
// bare and quotes any other.
func quoteName(n string) string {
	if isPlainName(n) {
		return n
	}
	return strconv.Quote(n)
}

func isPlainName(n string) bool {
	if n == "" {
		return false
	}
	for i := 0; i < len(n); i++ {
		c := n[i]
		if c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || i > 0 && c >= '0' && c <= '9' {
			continue
		}
		return false
	}
	return true
}
