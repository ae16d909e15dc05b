package httpconn

import (
	"net/http"
	"net/url"

	"github.com/junction-run/junction/egress"
)

// Sentinel errors for what callers branch on. Errors returned by Do wrap
// them (test with errors.Is); a non-success answer is a *StatusError
// instead (test with errors.As). All but ErrInvalidRequest's validation
// errors come from package egress, which sends the request, and are its
// sentinels.
var (
	// ErrInvalidRequest means the request was refused before anything was
	// sent: an unknown method or body format, a URL that is not an absolute
	// http(s) URL, a header that cannot be sent, a body that cannot be
	// encoded in the chosen format, a bad success-status pattern or an
	// extraction path that does not parse. Sending it again cannot succeed.
	ErrInvalidRequest = egress.ErrInvalidRequest
	// ErrTimeout means no complete answer arrived within Request.Timeout.
	// The server may have acted on the request.
	ErrTimeout = egress.ErrTimeout
	// ErrNetwork means the request failed below HTTP: DNS, connection
	// refused or reset, TLS. The server may have acted on the request if
	// the failure came after it was sent.
	ErrNetwork = egress.ErrNetwork
	// ErrTooManyRedirects means the server redirected more often than
	// Request.FollowRedirects allows (a loop, usually).
	ErrTooManyRedirects = egress.ErrTooManyRedirects
	// ErrResponseTooLarge means the answer's body is larger than
	// Request.MaxResponseBytes. The server has acted on the request.
	ErrResponseTooLarge = egress.ErrResponseTooLarge
	// ErrUnexpectedResponse means a success answer could not be read the
	// way Request.Extract needs (a JSON path against an answer that is not
	// JSON, say). The server has acted on the request, so sending it again
	// may do it twice. Do returns the Response alongside this error.
	ErrUnexpectedResponse = egress.ErrUnexpectedResponse
	// ErrRefused means the worker's address guard refused to connect: the
	// host is, or resolves to, an address that is not public and not
	// allowed (see egress.Classify). Nothing was sent.
	ErrRefused = egress.ErrRefused
)

// StatusError is an answer whose status is not one of
// Request.SuccessStatuses: egress's, whose Body is a scrubbed snippet and
// whose URL is redacted to scheme and host. The caller decides what it
// means: by default 400, 404 and 422 cannot succeed on retry, while 408,
// 429 and 5xx can (see Retryable), after RetryAfter when the server said
// so.
type StatusError = egress.StatusError

// requestError is an error whose text has been scrubbed of secrets but
// which still unwraps to its sentinel and its cause.
type requestError struct {
	msg  string
	errs []error
}

func (e *requestError) Error() string   { return e.msg }
func (e *requestError) Unwrap() []error { return e.errs }

// redactURL keeps only the scheme and host of u: see egress.RedactURL.
func redactURL(u *url.URL) string { return egress.RedactURL(u) }

// scrubber removes the request's credentials, and URLs' userinfo and
// query strings, from text that came from elsewhere: see egress.Scrubber.
type scrubber struct{ s *egress.Scrubber }

// newScrubber knows the values the request itself carries that must not
// appear in errors (URL userinfo, path and query values, and the values
// of headers whose names say they hold credentials) and the secrets in
// scope (see egress.WithSecrets).
func newScrubber(u *url.URL, h http.Header, secrets ...string) *scrubber {
	s := egress.NewScrubber(secrets...)
	s.AddRequest(u, h)
	return &scrubber{s}
}

func (s *scrubber) scrub(text string) string {
	if s == nil {
		return egress.ScrubURLs(text)
	}
	return s.s.Scrub(text)
}

// snippet is the start of an answer's body for an error: valid UTF-8,
// whitespace collapsed, scrubbed, at most 256 bytes plus "…".
func snippet(raw []byte, s *scrubber) string {
	var es *egress.Scrubber
	if s != nil {
		es = s.s
	}
	return es.Snippet(raw, 256)
}
