package connectors

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/junction-run/junction/egress"
	"github.com/junction-run/junction/runs"
)

// ErrorKind classifies a failed call to a third party by what the caller
// can do about it. The values are the Temporal error types of package runs
// that package activities gives the failures, so they never change once
// released.
type ErrorKind string

// The kinds of Error. BadRequest, NotFound, Unprocessable, Unauthorized
// and DestinationRefused cannot succeed when sent again unchanged;
// RateLimited, Unavailable and Timeout may.
const (
	// BadRequest: the third party refused the request as malformed (400, or
	// a 4xx with no better kind), or the action refused its input before
	// sending anything.
	BadRequest ErrorKind = runs.ErrTypeBadRequest
	// NotFound: the object named does not exist (404, 410).
	NotFound ErrorKind = runs.ErrTypeNotFound
	// Unprocessable: the request was well formed but the third party's
	// rules refused it (422), e.g. an order that is already fulfilled.
	Unprocessable ErrorKind = runs.ErrTypeUnprocessable
	// Unauthorized: the credentials are wrong, expired beyond refreshing, or
	// lack a permission (401, 403).
	Unauthorized ErrorKind = runs.ErrTypeUnauthorized
	// RateLimited: too many requests (429); RetryAfter says how long the
	// third party asked to wait.
	RateLimited ErrorKind = runs.ErrTypeRateLimited
	// Unavailable: the third party failed (5xx); RetryAfter is set when it
	// said when to come back (503 with Retry-After).
	Unavailable ErrorKind = runs.ErrTypeUnavailable
	// Timeout: the third party gave up waiting for the request (408).
	Timeout ErrorKind = runs.ErrTypeTimeout
	// DestinationRefused: the worker's address guard refused to connect
	// (egress.ErrRefused): the host is, or resolves to, an address that is
	// not public and not allowed. Nothing was sent.
	DestinationRefused ErrorKind = runs.ErrTypeDestinationRefused
)

// Retryable reports whether the same call may succeed later.
func (k ErrorKind) Retryable() bool {
	return k == RateLimited || k == Unavailable || k == Timeout
}

func (k ErrorKind) phrase() string {
	switch k {
	case BadRequest:
		return "bad request"
	case NotFound:
		return "not found"
	case Unprocessable:
		return "unprocessable"
	case Unauthorized:
		return "unauthorized"
	case RateLimited:
		return "rate limited"
	case Unavailable:
		return "unavailable"
	case Timeout:
		return "timeout"
	case DestinationRefused:
		return "destination refused"
	}
	return strings.ToLower(string(k))
}

// Error is how an action reports a failure the third party answered with.
// Actions return it as is or wrapped (find it with errors.As); package
// activities maps its Kind to Temporal retry behaviour and its RetryAfter
// to the next retry's delay. Connectors never retry by themselves.
type Error struct {
	Kind ErrorKind
	// StatusCode is the HTTP status the third party answered; 0 when the
	// action refused the call before sending it.
	StatusCode int
	// Message is the third party's own explanation. It reaches run
	// histories and support staff, so whoever builds the Error must make
	// sure it holds no secret (FromHTTPResponse takes it from the answer's
	// body, which carries none of the request's credentials unless the
	// third party echoes them).
	Message string
	// RetryAfter is the third party's Retry-After, zero when it sent none.
	RetryAfter time.Duration
}

// Error reads like "rate limited (HTTP 429, retry after 7s): Too many
// requests".
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Kind.phrase())
	var notes []string
	if e.StatusCode != 0 {
		notes = append(notes, "HTTP "+strconv.Itoa(e.StatusCode))
	}
	if e.RetryAfter > 0 {
		notes = append(notes, "retry after "+e.RetryAfter.String())
	}
	if len(notes) > 0 {
		b.WriteString(" (" + strings.Join(notes, ", ") + ")")
	}
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	}
	return b.String()
}

// Errorf builds an Error that no HTTP answer produced, such as an input the
// action refuses before calling anyone.
func Errorf(kind ErrorKind, format string, args ...any) *Error {
	return &Error{Kind: kind, Message: fmt.Sprintf(format, args...)}
}

// KindOf returns the Kind of the *Error in err's chain.
func KindOf(err error) (ErrorKind, bool) {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind, true
	}
	return "", false
}

// maxMessage bounds Error.Message: it is a hint for a human, not a copy of
// the body.
const maxMessage = 512

// now is the clock for HTTP-date Retry-After values; tests replace it.
var now = time.Now

// FromHTTPResponse classifies a third party's answer. It returns nil for
// statuses below 400, which the action handles itself, and otherwise an
// Error with:
//
//   - Kind: 400 BadRequest; 401 and 403 Unauthorized; 404 and 410 NotFound;
//     408 Timeout; 422 Unprocessable; 429 RateLimited; 5xx Unavailable; any
//     other 4xx BadRequest;
//   - Message: the explanation found in the body (JSON bodies are searched
//     for the usual fields: message, error, errors, error_description,
//     description, detail, title), else the body's text, else the status
//     text (XML included); at most 512 bytes; HTML pages are skipped;
//   - RetryAfter: the Retry-After header, in seconds or as an HTTP date
//     (measured from the answer's Date header when it has one, which
//     cancels clock skew).
//
// body is the answer's body as read by the caller, who closes it.
func FromHTTPResponse(resp *http.Response, body []byte) *Error {
	if resp == nil || resp.StatusCode < 400 {
		return nil
	}
	e := &Error{StatusCode: resp.StatusCode, Kind: kindOfStatus(resp.StatusCode)}
	e.Message = messageOf(resp.Header.Get("Content-Type"), body)
	if e.Message == "" {
		e.Message = http.StatusText(resp.StatusCode)
	}
	e.RetryAfter = ParseRetryAfter(resp.Header.Get("Retry-After"), resp.Header.Get("Date"))
	return e
}

// StatusKind is the kind of failure an HTTP status means, for connectors
// that see a status without the whole answer.
func StatusKind(code int) ErrorKind { return kindOfStatus(code) }

func kindOfStatus(code int) ErrorKind {
	switch {
	case code == http.StatusUnauthorized, code == http.StatusForbidden:
		return Unauthorized
	case code == http.StatusNotFound, code == http.StatusGone:
		return NotFound
	case code == http.StatusRequestTimeout:
		return Timeout
	case code == http.StatusUnprocessableEntity:
		return Unprocessable
	case code == http.StatusTooManyRequests:
		return RateLimited
	case code >= 500:
		return Unavailable
	}
	return BadRequest
}

// ParseRetryAfter reads a Retry-After value in either RFC 9110 form: a
// number of seconds, or an HTTP date, measured from date (the answer's Date
// header) when that parses and from the clock otherwise. Zero means none,
// or a moment already past; the delay is capped at egress.MaxRetryAfter,
// as every Retry-After Junction honours.
func ParseRetryAfter(value, date string) time.Duration {
	from := now()
	if d, err := http.ParseTime(strings.TrimSpace(date)); err == nil {
		from = d
	}
	return min(egress.ParseRetryAfter(value, from), egress.MaxRetryAfter)
}

// HTTPError turns an error of egress.JSON (or egress.Do) into what an
// action returns. A *egress.StatusError, the third party's refusal,
// becomes the *Error that classify makes of its answer (FromHTTPResponse
// when classify is nil; connectors pass their own to read their error
// documents); an answer classify finds nothing wrong with (a 3xx that
// was not followed: another origin, or no Location) is a BadRequest,
// since the call never reached the API. Other errors (transport failures,
// a body too large, JSON that does not decode) are returned as they are:
// activities retry them as Unavailable.
func HTTPError(err error, classify func(resp *http.Response, body []byte) *Error) error {
	var se *egress.StatusError
	if !errors.As(err, &se) || se.Answer() == nil {
		return err
	}
	if classify == nil {
		classify = FromHTTPResponse
	}
	a := se.Answer()
	if e := classify(a.HTTP(), a.Body); e != nil {
		return e
	}
	return Errorf(BadRequest, "unexpected answer %s", a.Status)
}

// messageOf finds a human explanation in an error body.
func messageOf(contentType string, body []byte) string {
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		return ""
	}
	mt, _, _ := mime.ParseMediaType(contentType)
	if mt == "text/html" || hasPrefixFold(body, "<!doctype html") || hasPrefixFold(body, "<html") {
		return "" // a proxy's error page says nothing the status does not
	}
	var v any
	if json.Unmarshal(body, &v) == nil {
		if msg := findMessage(v, 0); msg != "" {
			return clip(msg)
		}
		if _, isObject := v.(map[string]any); isObject {
			return clip(string(body))
		}
	}
	return clip(strings.Join(strings.Fields(string(body)), " "))
}

// messageKeys are where APIs put their explanation, most specific first:
// WooCommerce, Twilio and 8x8 use message; Telegram description; Shopify
// errors; OAuth error_description; RFC 9457 detail and title.
var messageKeys = []string{"message", "error_description", "description", "detail", "error", "errors", "title", "msg"}

func findMessage(v any, depth int) string {
	if depth > 4 {
		return ""
	}
	switch x := v.(type) {
	case string:
		return strings.TrimSpace(x)
	case map[string]any:
		for _, k := range messageKeys {
			if inner, ok := x[k]; ok {
				if msg := findMessage(inner, depth+1); msg != "" {
					return msg
				}
			}
		}
		if depth == 0 {
			return ""
		}
		// A map of field names to problems: {"email": ["is invalid"]}.
		var parts []string
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if msg := findMessage(x[k], depth+1); msg != "" {
				parts = append(parts, k+": "+msg)
			}
		}
		return strings.Join(parts, "; ")
	case []any:
		var parts []string
		for i, item := range x {
			if i == 5 {
				parts = append(parts, fmt.Sprintf("and %d more", len(x)-5))
				break
			}
			if msg := findMessage(item, depth+1); msg != "" {
				parts = append(parts, msg)
			}
		}
		return strings.Join(parts, "; ")
	}
	return ""
}

func clip(s string) string {
	if len(s) <= maxMessage {
		return s
	}
	cut := maxMessage
	for cut > 0 && !utf8Start(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

func utf8Start(b byte) bool { return b&0xC0 != 0x80 }

func hasPrefixFold(b []byte, prefix string) bool {
	return len(b) >= len(prefix) && strings.EqualFold(string(b[:len(prefix)]), prefix)
}
