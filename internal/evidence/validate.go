package evidence

import (
	"maps"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/firebreak-ir/firebreak/internal/errs"
)

// Limits on the text people give.
const (
	maxName        = 200
	maxDescription = 4000
	maxShort       = 500 // locations, sources, methods, people
	maxReason      = 2000
)

// digestLen is the hex length of each digest an external item may name.
var digestLen = map[string]int{"md5": 32, "sha1": 40, "sha224": 56, "sha256": 64, "sha384": 96, "sha512": 128}

// AcquisitionInput says how an item was obtained; By defaults to the
// person adding it and At to now.
type AcquisitionInput struct {
	By     string     `json:"by,omitempty"`
	At     *time.Time `json:"at,omitempty"`
	Source string     `json:"source,omitempty"`
	Method string     `json:"method,omitempty"`
}

// FileInput describes an uploaded file.
type FileInput struct {
	Name        string           `json:"name"`
	ContentType string           `json:"content_type,omitempty"`
	Description string           `json:"description,omitempty"`
	Acquisition AcquisitionInput `json:"acquisition"`
}

// ExternalInput describes an item Firebreak does not hold.
type ExternalInput struct {
	Name        string            `json:"name"`
	Description string            `json:"description,omitempty"`
	SHA256      string            `json:"sha256"`
	Hashes      map[string]string `json:"hashes,omitempty"`
	Size        *int64            `json:"size"`
	Location    string            `json:"location"`
	Holder      string            `json:"holder,omitempty"` // defaults to the person adding it
	Acquisition AcquisitionInput  `json:"acquisition"`
}

// TransferInput is custody passing to another holder.
type TransferInput struct {
	To       string     `json:"to"`
	Purpose  string     `json:"purpose"`
	Location string     `json:"location"`
	At       *time.Time `json:"at,omitempty"` // defaults to now
}

// DisposeInput ends an item's custody.
type DisposeInput struct {
	Reason       string     `json:"reason"`
	AuthorisedBy string     `json:"authorised_by"`
	At           *time.Time `json:"at,omitempty"`
}

// problems gathers every problem of an input before refusing it.
type problems struct{ list []errs.Detail }

func (p *problems) add(field, msg string) {
	p.list = append(p.list, errs.Detail{Field: field, Message: msg})
}

func (p *problems) text(field, v string, required bool, max int) string {
	v = strings.TrimSpace(v)
	switch {
	case required && v == "":
		p.add(field, "is required")
	case !utf8.ValidString(v):
		p.add(field, "is not valid UTF-8")
	case utf8.RuneCountInString(v) > max:
		p.add(field, "is longer than the limit")
	case strings.ContainsFunc(v, func(r rune) bool { return r < 0x20 && r != '\n' && r != '\t' && r != '\r' }):
		p.add(field, "has control characters")
	}
	return v
}

// line is a one-line text (names, people, places).
func (p *problems) line(field, v string, required bool, max int) string {
	v = p.text(field, v, required, max)
	if strings.ContainsAny(v, "\r\n") {
		p.add(field, "must be one line")
	}
	return v
}

// when checks a time people give: not in the future.
func (p *problems) when(field string, t *time.Time, now time.Time) time.Time {
	if t == nil || t.IsZero() {
		return now
	}
	if t.After(now.Add(time.Minute)) {
		p.add(field, "is in the future")
	}
	return t.UTC().Truncate(time.Microsecond)
}

func (p *problems) err() error {
	if len(p.list) == 0 {
		return nil
	}
	e := errs.E(errs.Invalid, p.list[0].Field, "%s %s", p.list[0].Field, p.list[0].Message)
	e.Details = p.list
	return e
}

func (p *problems) acquisition(in AcquisitionInput, actor string, now time.Time) Acquisition {
	a := Acquisition{
		By:     p.line("acquisition.by", in.By, false, maxShort),
		At:     p.when("acquisition.at", in.At, now),
		Source: p.line("acquisition.source", in.Source, false, maxShort),
		Method: p.text("acquisition.method", in.Method, false, maxShort),
	}
	if a.By == "" {
		a.By = actor
	}
	return a
}

func isHex(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for _, c := range []byte(s) {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// digests checks an external item's hashes: SHA-256 always, others by
// known algorithm, lower-case hex.
func (p *problems) digests(sha string, others map[string]string) (string, map[string]string) {
	sha = strings.ToLower(strings.TrimSpace(sha))
	if !isHex(sha, 64) {
		p.add("sha256", "must be 64 hexadecimal digits")
	}
	var out map[string]string
	for _, alg := range slices.Sorted(maps.Keys(others)) {
		a := strings.ToLower(strings.TrimSpace(alg))
		v := strings.ToLower(strings.TrimSpace(others[alg]))
		n, ok := digestLen[a]
		switch {
		case !ok:
			p.add("hashes."+clip(alg), "is not a known digest (md5, sha1, sha224, sha384, sha512)")
		case a == "sha256":
			if v != sha {
				p.add("hashes.sha256", "differs from sha256")
			}
		case !isHex(v, n):
			p.add("hashes."+a, "must be hexadecimal of the digest's length")
		default:
			if out == nil {
				out = map[string]string{}
			}
			out[a] = v
		}
	}
	return sha, out
}
