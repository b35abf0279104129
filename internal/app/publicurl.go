package app

import (
	"strings"
	"sync/atomic"
)

// publicURL is the URL people reach this server at, for absolute URLs in
// pages, documents and API answers: the configured public URL, else the
// listening address once Start knows it. A request's Host header never is:
// it is the client's to write.
type publicURL struct {
	configured string
	listening  atomic.Pointer[string]
}

func (p *publicURL) setListening(u string) { p.listening.Store(&u) }

// String is the URL without a trailing slash; "" before Start when none is
// configured.
func (p *publicURL) String() string {
	if p.configured != "" {
		return strings.TrimRight(p.configured, "/")
	}
	if u := p.listening.Load(); u != nil {
		return *u
	}
	return ""
}
