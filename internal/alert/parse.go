package alert

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// ParseError is a syntax error in matcher text. Column counts bytes from 1.
type ParseError struct {
	Column  int
	Message string
}

func (e *ParseError) Error() string { return fmt.Sprintf("column %d: %s", e.Column, e.Message) }

// ParseMatcher parses one matcher in the Alertmanager text syntax, such as
// severity=~"critical|page", env!=dev or {team="db"}.
func ParseMatcher(s string) (*Matcher, error) {
	ms, err := ParseMatchers(s)
	if err != nil {
		return nil, err
	}
	if len(ms) != 1 {
		return nil, &ParseError{Column: 1, Message: fmt.Sprintf("expected exactly one matcher, found %d", len(ms))}
	}
	return ms[0], nil
}

// ParseMatchers parses a list of matchers in the Alertmanager and Prometheus
// text syntax: optionally wrapped in braces, separated by commas (a trailing
// comma is allowed), each a label name, an operator (=, !=, =~, !~) and a
// value. Names and values may be double-quoted with Go escapes; unquoted,
// a name is [a-zA-Z_][a-zA-Z0-9_]* and a value runs up to the next space,
// comma or brace. "{}" and "" are the empty list.
func ParseMatchers(s string) (Matchers, error) {
	p := &parser{s: s}
	p.space()
	braced := p.eat('{')
	var ms Matchers
	for {
		p.space()
		if p.done() || braced && p.peek() == '}' {
			break
		}
		m, err := p.matcher()
		if err != nil {
			return nil, err
		}
		ms = append(ms, m)
		p.space()
		if !p.eat(',') {
			break
		}
	}
	p.space()
	if braced && !p.eat('}') {
		if p.done() {
			return nil, p.errorf("missing closing \"}\"")
		}
		return nil, p.errorf("expected \",\" or \"}\", found %s", p.found())
	}
	p.space()
	if !p.done() {
		if braced {
			return nil, p.errorf("unexpected %s after \"}\"", p.found())
		}
		return nil, p.errorf("expected \",\", found %s", p.found())
	}
	return ms, nil
}

type parser struct {
	s   string
	pos int
}

func (p *parser) done() bool { return p.pos >= len(p.s) }

func (p *parser) peek() byte {
	if p.done() {
		return 0
	}
	return p.s[p.pos]
}

func (p *parser) eat(c byte) bool {
	if p.peek() == c && !p.done() {
		p.pos++
		return true
	}
	return false
}

func (p *parser) space() {
	for !p.done() && strings.IndexByte(" \t\r\n", p.s[p.pos]) >= 0 {
		p.pos++
	}
}

func (p *parser) found() string {
	if p.done() {
		return "end of input"
	}
	r, _ := utf8.DecodeRuneInString(p.s[p.pos:])
	return strconv.Quote(string(r))
}

func (p *parser) errorf(format string, args ...any) *ParseError {
	return p.errorAt(p.pos, format, args...)
}

func (p *parser) errorAt(pos int, format string, args ...any) *ParseError {
	return &ParseError{Column: pos + 1, Message: fmt.Sprintf(format, args...)}
}

func (p *parser) matcher() (*Matcher, error) {
	start := p.pos
	var name string
	if p.peek() == '"' {
		n, err := p.quoted()
		if err != nil {
			return nil, err
		}
		if n == "" {
			return nil, p.errorAt(start, "label name must not be empty")
		}
		name = n
	} else {
		for !p.done() && isNameByte(p.s[p.pos], p.pos == start) {
			p.pos++
		}
		if p.pos == start {
			return nil, p.errorf("expected a label name, found %s", p.found())
		}
		name = p.s[start:p.pos]
	}
	p.space()
	var op MatchType
	switch {
	case strings.HasPrefix(p.s[p.pos:], "=~"):
		op = MatchRegexp
	case strings.HasPrefix(p.s[p.pos:], "!~"):
		op = MatchNotRegexp
	case strings.HasPrefix(p.s[p.pos:], "!="):
		op = MatchNotEqual
	case strings.HasPrefix(p.s[p.pos:], "="):
		op = MatchEqual
	default:
		return nil, p.errorf("expected an operator (=, !=, =~, !~) after %s, found %s", quoteName(name), p.found())
	}
	p.pos += len(op)
	p.space()
	valPos := p.pos
	var value string
	if p.peek() == '"' {
		v, err := p.quoted()
		if err != nil {
			return nil, err
		}
		value = v
	} else {
		for !p.done() && strings.IndexByte(" \t\r\n,{}\"", p.s[p.pos]) < 0 {
			p.pos++
		}
		value = p.s[valPos:p.pos]
	}
	m, err := NewMatcher(op, name, value)
	if err != nil {
		return nil, p.errorAt(valPos, "%s", err.Error())
	}
	return m, nil
}

func isNameByte(c byte, first bool) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || !first && c >= '0' && c <= '9'
}

// quoted reads a double-quoted string with Go escapes.
func (p *parser) quoted() (string, error) {
	start := p.pos
	p.pos++ // opening quote
	for !p.done() {
		switch p.s[p.pos] {
		case '\\':
			p.pos += 2
			continue
		case '"':
			p.pos++
			v, err := strconv.Unquote(p.s[start:p.pos])
			if err != nil {
				return "", p.errorAt(start, "invalid quoted string %s", p.s[start:p.pos])
			}
			return v, nil
		}
		p.pos++
	}
	return "", p.errorAt(start, "unterminated quoted string")
}
