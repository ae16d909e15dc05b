package egress

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Sentinel errors for what callers branch on. Errors from Do and JSON wrap
// them (test with errors.Is); an answer whose status is not a success is a
// *StatusError instead, a successful answer too large to read a
// *TooLargeError (which is also ErrResponseTooLarge), and a destination the
// address guard refuses a *RefusedError (which is also ErrRefused, declared
// in guard.go).
var (
	// ErrInvalidRequest: the request was refused before anything was sent
	// (a URL that is not an absolute http(s) URL, an invalid method, a body
	// that does not encode). Sending it again cannot succeed.
	ErrInvalidRequest = errors.New("invalid HTTP request")
	// ErrTimeout: no complete answer arrived within the request's deadline.
	// The third party may have acted on the request.
	ErrTimeout = errors.New("HTTP request timed out")
	// ErrNetwork: the request failed below HTTP (DNS, a refused or reset
	// connection, TLS, DialControl's refusal; the address guard's refusal
	// is ErrRefused instead). The third party may have
	// acted on it if the failure came after it was sent.
	ErrNetwork = errors.New("HTTP request failed")
	// ErrTooManyRedirects: the third party redirected more often than the
	// request allows (a loop, usually).
	ErrTooManyRedirects = errors.New("too many redirects")
	// ErrResponseTooLarge: a successful answer's body is larger than the
	// request's cap. The third party has acted on the request.
	ErrResponseTooLarge = errors.New("HTTP response too large")
	// ErrUnexpectedResponse: a successful answer could not be read as the
	// caller needs (JSON that does not decode). The third party has acted
	// on the request, so sending it again may do it twice.
	ErrUnexpectedResponse = errors.New("unexpected HTTP response")
)

// requestError is an error whose text has been scrubbed of secrets: it is
// its sentinel (through Unwrap) and, through Is only, its cause, so
// errors.Is(err, context.DeadlineExceeded) holds while the cause's own
// text, which may quote the full URL, cannot be reached and printed.
type requestError struct {
	msg      string
	sentinel error // nil for the caller's context ending
	cause    error
}

func (e *requestError) Error() string { return e.msg }

func (e *requestError) Unwrap() error { return e.sentinel }

func (e *requestError) Is(target error) bool { return e.cause != nil && errors.Is(e.cause, target) }

// Timeout reports whether the failure was a timeout, as net.Error does.
func (e *requestError) Timeout() bool {
	return errors.Is(e.sentinel, ErrTimeout) || (e.cause != nil && isTimeout(e.cause))
}

func failure(sentinel error, msg string, cause error) error {
	return &requestError{msg: sentinel.Error() + ": " + msg, sentinel: sentinel, cause: cause}
}

// TooLargeError is a successful answer whose body is larger than the cap
// the request set. Its text reads like "HTTP response too large: answer of
// GET https://api.example.com/… is larger than 1048576 bytes".
type TooLargeError struct {
	Method string
	URL    string // redacted to scheme and host, see RedactURL
	Limit  int64
}

func (e *TooLargeError) Error() string {
	return ErrResponseTooLarge.Error() + ": answer of " + e.Method + " " + e.URL + " is larger than " +
		strconv.FormatInt(e.Limit, 10) + " bytes"
}

// Is makes a TooLargeError match ErrResponseTooLarge.
func (e *TooLargeError) Is(target error) bool { return target == ErrResponseTooLarge }

// StatusError is an answer whose status is not a success (by default,
// anything but 2xx). It carries what may be shown and kept anywhere
// (status, a scrubbed snippet, the Retry-After delay, the method and the
// redacted URL) and, through Answer, the answer itself for callers that
// read the third party's error document.
type StatusError struct {
	// Status is the HTTP status code, e.g. 404.
	Status int
	// Body is the start of the answer's body (at most 256 bytes,
	// whitespace collapsed) with URLs' userinfo and query strings and the
	// request's own credentials scrubbed out, so it can be shown to users
	// and kept in workflow histories.
	Body string
	// RetryAfter is the Retry-After header (seconds or an HTTP date,
	// measured from the answer's Date) as a delay, capped at MaxRetryAfter;
	// zero when absent or in the past.
	RetryAfter time.Duration
	// Method and URL say which call answered; URL is redacted down to
	// scheme and host (see RedactURL).
	Method string
	URL    string

	// answer is behind a pointer so that printing a StatusError with %+v
	// shows an address, never the unscrubbed body.
	answer *Response
}

// snippetBytes bounds StatusError.Body.
const snippetBytes = 256

// Error reads like `POST https://api.example.com/…: answered 429 Too Many
// Requests (retry after 30s): {"error":"slow down"}`.
func (e *StatusError) Error() string {
	var b strings.Builder
	if e.Method != "" || e.URL != "" {
		b.WriteString(strings.TrimSpace(e.Method + " " + e.URL))
		b.WriteString(": ")
	}
	b.WriteString("answered ")
	b.WriteString(strconv.Itoa(e.Status))
	if text := http.StatusText(e.Status); text != "" {
		b.WriteString(" " + text)
	}
	if e.RetryAfter > 0 {
		b.WriteString(" (retry after " + e.RetryAfter.String() + ")")
	}
	if e.Body != "" {
		b.WriteString(": " + e.Body)
	}
	return b.String()
}

// Retryable reports whether the same request may succeed later: 408 Request
// Timeout, 429 Too Many Requests and every 5xx. Everything else (400, 401,
// 403, 404, 422, …) needs a change first.
func (e *StatusError) Retryable() bool {
	return e.Status == http.StatusRequestTimeout || e.Status == http.StatusTooManyRequests || e.Status >= 500
}

// Answer is the answer, its body read up to MaxErrorBodyBytes, for callers
// that parse the third party's error document (nil for a StatusError made
// by hand). Its Body is not scrubbed: a third party may echo the request's
// credentials in it, so whatever is kept of it must go through a Scrubber.
func (e *StatusError) Answer() *Response { return e.answer }

// Response is an answer whose body has been read.
type Response struct {
	StatusCode int
	Status     string // e.g. "404 Not Found"
	Header     http.Header
	Body       []byte
}

// HTTP returns the answer as an *http.Response without a body or request,
// for code that classifies answers from a status and headers
// (connectors.FromHTTPResponse).
func (r *Response) HTTP() *http.Response {
	return &http.Response{StatusCode: r.StatusCode, Status: r.Status, Header: r.Header, Body: http.NoBody}
}
