package web

import "net/http"

// Flash messages on pages open to everyone: a redirect after a change
// names what happened by a code (?flash=subscribed), and the page shows
// that code's fixed sentence. Text in the URL is never shown: anyone can
// send a link to one of our pages carrying words of their choosing ("Your
// account is suspended, call …"), and the page would say them in our name.
// An unknown code shows nothing.

// flashCode names a flash message.
type flashCode string

const (
	flashSignedOut        flashCode = "signedout"
	flashPasswordChanged  flashCode = "pwchanged"
	flashSubscribeStarted flashCode = "subscribed"
	flashJobRetried       flashCode = "jobretried"
	flashJobDiscarded     flashCode = "jobdiscarded"
)

// flashText is every flash message by its code.
var flashText = map[flashCode]string{
	flashSignedOut:        "You are signed out.",
	flashPasswordChanged:  "Your password is changed. Sign in with the new one.",
	flashSubscribeStarted: "Check your inbox: we sent a link to confirm your subscription. It works for 24 hours.",
	flashJobRetried:       "The job is due again and runs in a moment.",
	flashJobDiscarded:     "The job is discarded: kept for the record, never run.",
}

// withFlash is path with c's flash code in its query; path has no query
// or fragment of its own.
func withFlash(path string, c flashCode) string { return path + "?flash=" + string(c) }

// flashOf is the flash message r's URL names by code; "" for none or an
// unknown one.
func flashOf(r *http.Request) string { return flashText[flashCode(r.URL.Query().Get("flash"))] }
