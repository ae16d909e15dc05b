package apiclient

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/junction-run/junction/egress"
)

// Sentinels for what callers branch on; an *APIError matches the one its
// HTTP status means, so errors.Is(err, ErrNotFound) works on anything a
// method returns.
var (
	// ErrNotFound: no such account, definition, run or route (404).
	ErrNotFound = errors.New("apiclient: not found")
	// ErrUnauthorized: the API key is missing, wrong, revoked or lacks the
	// scope (401, 403).
	ErrUnauthorized = errors.New("apiclient: unauthorized")
	// ErrPreconditionFailed: an update's If-Match no longer names the
	// current version; someone else changed it first (412).
	ErrPreconditionFailed = errors.New("apiclient: precondition failed")
	// ErrRateLimited: too many requests; wait APIError.RetryAfter (429).
	ErrRateLimited = errors.New("apiclient: rate limited")
)

// APIError is a refusal from the server: 8x8's error body, the HTTP status
// and Junction's list of the fields at fault.
type APIError struct {
	// StatusCode is the HTTP status.
	StatusCode int `json:"-"`
	// Code is 8x8's error code (1000 invalid parameter, 1010 out of range,
	// 1300 not found, 2000 internal, 5001 invalid definition, ...); 0 when
	// the body was not the API's (a proxy's error page, say).
	Code int `json:"code"`
	// Message is written for people.
	Message string `json:"message"`
	// ErrorID identifies the failure in the server's logs; quote it to
	// whoever runs Junction.
	ErrorID   string `json:"errorId"`
	Timestamp string `json:"timestamp"`
	// Errors lists each problem by JSON path, e.g. a definition's every
	// validation problem.
	Errors []FieldError `json:"errors,omitempty"`
	// RetryAfter is the server's Retry-After (on 429 and 503), zero when
	// it sent none.
	RetryAfter time.Duration `json:"-"`
}

// FieldError is one problem with one part of a request.
type FieldError struct {
	// Path is a JSON path ("definition.steps[1].inputs.url") or the name
	// of a parameter or header ("limit", "header.Idempotency-Key").
	Path string `json:"path"`
	// Code is stable ("required", "invalid_value", ...); Message may change.
	Code    string `json:"code,omitempty"`
	Message string `json:"message"`
}

// Error is the message with the code and error id to quote.
func (e *APIError) Error() string {
	switch {
	case e.Code == 0:
		return fmt.Sprintf("%s (HTTP %d)", e.Message, e.StatusCode)
	case e.ErrorID == "":
		return fmt.Sprintf("%s (code %d)", e.Message, e.Code)
	}
	return fmt.Sprintf("%s (code %d, errorId %s)", e.Message, e.Code, e.ErrorID)
}

// Is matches the sentinel the status means.
func (e *APIError) Is(target error) bool {
	switch target {
	case ErrNotFound:
		return e.StatusCode == http.StatusNotFound
	case ErrUnauthorized:
		return e.StatusCode == http.StatusUnauthorized || e.StatusCode == http.StatusForbidden
	case ErrPreconditionFailed:
		return e.StatusCode == http.StatusPreconditionFailed
	case ErrRateLimited:
		return e.StatusCode == http.StatusTooManyRequests
	}
	return false
}

// newAPIError reads a non-2xx answer. A body that is not the API's error
// schema still yields a useful message: its first line, or the status text.
func newAPIError(resp *http.Response) *APIError {
	e := &APIError{StatusCode: resp.StatusCode}
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err := json.Unmarshal(raw, e); err != nil || e.Message == "" {
		*e = APIError{StatusCode: resp.StatusCode, Message: snippet(raw)}
		if e.Message == "" {
			e.Message = http.StatusText(resp.StatusCode)
		}
	}
	e.RetryAfter = egress.ParseRetryAfter(resp.Header.Get("Retry-After"), time.Now())
	return e
}

// snippet is the first line of a non-JSON error body, shortened.
func snippet(b []byte) string {
	s := strings.TrimSpace(string(b))
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = strings.TrimSpace(s[:i])
	}
	if r := []rune(s); len(r) > 200 {
		s = string(r[:200]) + "..."
	}
	return s
}
