package eightbyeight

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Sentinel errors for what callers branch on; errors returned by the client
// wrap them, so test with errors.Is.
var (
	// ErrNotConfigured means the client cannot call 8x8 at all: no API key,
	// or a base URL that is not an http(s) URL. No request was sent.
	ErrNotConfigured = errors.New("8x8 is not configured")
	// ErrInvalidRequest means the message was refused before any request was
	// sent (a required field is empty, or the subaccount id is not one 8x8
	// accepts). Sending it again cannot succeed.
	ErrInvalidRequest = errors.New("invalid 8x8 message")
	// ErrUnexpectedResponse means 8x8 answered 2xx with a body that is not
	// the documented JSON. The message may have been accepted, so sending
	// it again risks a duplicate.
	ErrUnexpectedResponse = errors.New("unexpected answer from 8x8")
)

// APIError is an answer of 400 or above (or any other non-2xx) from an 8x8
// API. The client returns it wrapped with what was being sent; use
// errors.As. 8x8 documents one
// error body for all its APIs (https://developer.8x8.com/connect/docs/api-error-codes):
//
//	{"code": 1002, "message": "Invalid MSISDN format (not E.164 international number)",
//	 "errorId": "b4478860-b76c-e811-814e-022a35cc1c71", "timestamp": "2018-08-04T09:25:40.92Z"}
//
// An answer without that body (a proxy's HTML page, say) still gives an
// APIError, with Code 0 and a short excerpt of the body as Message. No field
// ever holds the API key: the client scrubs it from anything 8x8 sends back.
type APIError struct {
	// StatusCode is the HTTP status, e.g. 400, 401, 429, 500.
	StatusCode int
	// Code is 8x8's error code: 1000-1400 and 2000-2003 platform-wide,
	// 3001-3060 Chat Apps validation, 429 quota; 0 when the body had none.
	Code int
	// Message is 8x8's human-readable description.
	Message string
	// ErrorID is 8x8's unique id for this error, to quote to 8x8 support.
	ErrorID string
	// Timestamp is when 8x8 says the error happened, as sent.
	Timestamp string
	// RetryAfter is the Retry-After header (seconds or an HTTP date) as a
	// delay; zero when absent.
	RetryAfter time.Duration
	// RequestID identifies the request, as in SendResult.RequestID.
	RequestID string
}

// Error reads like "8x8 answered 429 Too Many Requests: Quota exceeded.
// (code 429, errorId …, requestId …)".
func (e *APIError) Error() string {
	var b strings.Builder
	b.WriteString("8x8 answered ")
	b.WriteString(strconv.Itoa(e.StatusCode))
	if text := http.StatusText(e.StatusCode); text != "" {
		b.WriteString(" " + text)
	}
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	}
	var ids []string
	if e.Code != 0 {
		ids = append(ids, "code "+strconv.Itoa(e.Code))
	}
	if e.ErrorID != "" {
		ids = append(ids, "errorId "+e.ErrorID)
	}
	if e.RequestID != "" {
		ids = append(ids, "requestId "+e.RequestID)
	}
	if e.RetryAfter > 0 {
		ids = append(ids, "retry after "+e.RetryAfter.String())
	}
	if len(ids) > 0 {
		b.WriteString(" (" + strings.Join(ids, ", ") + ")")
	}
	return b.String()
}

// errorBody is 8x8's documented error object.
type errorBody struct {
	Code      int    `json:"code"`
	Message   string `json:"message"`
	ErrorID   string `json:"errorId"`
	Timestamp string `json:"timestamp"`
}

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalidRequest, fmt.Sprintf(format, args...))
}
