// Package errs defines the error codes shared by every layer. Each code maps to
// one HTTP status, here (HTTPStatus), for every edge: the API's problems and
// the console's pages. Every error without a code is shown to users as
// "internal error" and logged.
package errs

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// Code classifies an error for the edges.
type Code string

const (
	Invalid      Code = "invalid"      // malformed input (422)
	Rule         Code = "rule"         // a lifecycle rule blocks the change (422)
	NotFound     Code = "not_found"    // 404
	Conflict     Code = "conflict"     // duplicate, a state that moved on, a concurrent write (409)
	Precondition Code = "precondition" // the version the caller named (If-Match) is no longer current (412)
	Unauthorized Code = "unauthorized" // 401
	Forbidden    Code = "forbidden"    // 403
	RateLimited  Code = "rate_limited" // too many attempts; the message says when to retry (429)
	Unavailable  Code = "unavailable"  // the database cannot serve now (a full disk, a deadline passed); retry after RetryAfter (503)
	Internal     Code = "internal"     // 500
)

// Error is an error a user may see. Field names the offending input, when
// there is one (a JSON field such as "title", or a rule subject such as
// "incident_commander").
type Error struct {
	Code    Code
	Field   string
	Message string
	// Details lists every problem when there is more than one; the first
	// is repeated in Field and Message.
	Details []Detail
	// RetryAfter, for RateLimited and Unavailable, is how long to wait;
	// the HTTP edge sends it as Retry-After.
	RetryAfter time.Duration
}

// Detail is one problem with one field.
type Detail struct {
	Field   string
	Message string
}

func (e *Error) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("%s: %s", e.Field, e.Message)
	}
	return e.Message
}

// E builds an *Error.
func E(code Code, field, format string, args ...any) *Error {
	return &Error{Code: code, Field: field, Message: fmt.Sprintf(format, args...)}
}

// CodeOf returns the code of the first *Error in err's chain, or Internal.
func CodeOf(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return Internal
}

// As returns the first *Error in err's chain.
func As(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

// HTTPStatus is the status an error of code c answers with, at every edge.
// A conflict with the resource's current state (a duplicate name, a one-use
// link already used) is 409 per RFC 9110 §15.5.10; a version the caller
// named that is no longer current (a stale If-Match) is 412 per §13.1.1; input
// that can never succeed as sent, or that a lifecycle rule blocks, is 422.
// Internal and unknown codes are 500.
func HTTPStatus(c Code) int {
	switch c {
	case Invalid, Rule:
		return http.StatusUnprocessableEntity
	case NotFound:
		return http.StatusNotFound
	case Conflict:
		return http.StatusConflict
	case Precondition:
		return http.StatusPreconditionFailed
	case Unauthorized:
		return http.StatusUnauthorized
	case Forbidden:
		return http.StatusForbidden
	case RateLimited:
		return http.StatusTooManyRequests
	case Unavailable:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// RetryAfter is the Retry-After value (whole seconds, rounded up) of err's
// RetryAfter, or "" when it names no wait.
func RetryAfter(err error) string {
	e, ok := As(err)
	if !ok || e.RetryAfter <= 0 {
		return ""
	}
	return strconv.FormatInt(int64((e.RetryAfter+time.Second-1)/time.Second), 10)
}

// StatusOf is the HTTP status of err: its code's, or 500 without one.
func StatusOf(err error) int { return HTTPStatus(CodeOf(err)) }
