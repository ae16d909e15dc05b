package httpconn

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Sentinel errors for what callers branch on. Errors returned by Do wrap
// them (test with errors.Is); a non-success answer is a *StatusError
// instead (test with errors.As).
var (
	// ErrInvalidRequest means the request was refused before anything was
	// sent: an unknown method or body format, a URL that is not an absolute
	// http(s) URL, a header that cannot be sent, a body that cannot be
	// encoded in the chosen format, a bad success-status pattern or an
	// extraction path that does not parse. Sending it again cannot succeed.
	ErrInvalidRequest = errors.New("invalid HTTP request")
	// ErrTimeout means no complete answer arrived within Request.Timeout.
	// The server may have acted on the request.
	ErrTimeout = errors.New("HTTP request timed out")
	// ErrNetwork means the request failed below HTTP: DNS, connection
	// refused or reset, TLS. The server may have acted on the request if
	// the failure came after it was sent.
	ErrNetwork = errors.New("HTTP request failed")
	// ErrTooManyRedirects means the server redirected more often than
	// Request.FollowRedirects allows (a loop, usually).
	ErrTooManyRedirects = errors.New("too many redirects")
	// ErrResponseTooLarge means the answer's body is larger than
	// Request.MaxResponseBytes. The server has acted on the request.
	ErrResponseTooLarge = errors.New("HTTP response too large")
	// ErrUnexpectedResponse means a success answer could not be read the
	// way Request.Extract needs (a JSON path against an answer that is not
	// JSON, say). The server has acted on the request, so sending it again
	// may do it twice. Do returns the Response alongside this error.
	ErrUnexpectedResponse = errors.New("unexpected HTTP response")
)

// StatusError is an answer whose status is not one of
// Request.SuccessStatuses. The caller decides what it means: by default
// 400, 404 and 422 cannot succeed on retry, while 408, 429 and 5xx can
// (see Retryable), after RetryAfter when the server said so.
type StatusError struct {
	// Status is the HTTP status code, e.g. 404.
	Status int
	// Body is the start of the answer's body (at most 256 bytes,
	// whitespace collapsed) with URLs' userinfo and query strings and the
	// request's own credentials scrubbed out, so it can be shown to users
	// and kept in workflow histories.
	Body string
	// RetryAfter is the Retry-After header (seconds or an HTTP date) as a
	// delay from when the answer arrived; zero when absent or in the past.
	RetryAfter time.Duration
	// Method and URL say which call answered; URL is redacted down to
	// scheme and host (paths carry secrets too: Telegram bot tokens, Slack
	// webhook keys).
	Method string
	URL    string
}

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

// requestError is an error whose text has been scrubbed of secrets but
// which still unwraps to its sentinel and its cause.
type requestError struct {
	msg  string
	errs []error
}

func (e *requestError) Error() string   { return e.msg }
func (e *requestError) Unwrap() []error { return e.errs }

// redactURL keeps only the scheme and host of u, which is what errors may
// name: userinfo and query strings carry credentials by design, and paths
// often do too (https://api.telegram.org/bot<token>/sendMessage,
// https://hooks.slack.com/services/<key>).
func redactURL(u *url.URL) string {
	if u == nil {
		return ""
	}
	s := u.Scheme + "://" + u.Host
	if (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
		s += "/…"
	}
	return s
}

// scrubber removes credentials from text that came from elsewhere (an
// answer's body, a transport's error) before it goes into an error.
type scrubber struct {
	secrets []string
}

// newScrubber collects the values the request itself carries that must not
// appear in errors: URL userinfo, path and query values, and the values of
// headers whose names say they hold credentials.
func newScrubber(u *url.URL, h http.Header) *scrubber {
	s := &scrubber{}
	if u != nil {
		if u.User != nil {
			s.add(u.User.Username())
			if p, ok := u.User.Password(); ok {
				s.add(p)
			}
		}
		// The path is scrubbed whole (an API echoing the URL it was
		// called with) and so are long segments alone (bot tokens,
		// webhook keys), while a short, ordinary path stays readable.
		if len(u.Path) >= 8 {
			s.add(u.Path)
			s.add(u.EscapedPath())
			for _, seg := range strings.Split(u.Path, "/") {
				if len(seg) >= 20 {
					s.add(seg)
				}
			}
		}
		for _, vs := range u.Query() {
			for _, v := range vs {
				s.add(v)
			}
		}
	}
	for name, vs := range h {
		if !sensitiveHeader(name) {
			continue
		}
		for _, v := range vs {
			s.add(v)
			// "Bearer abc", "Basic abc", "Token abc": the credential alone
			// may be echoed too.
			if _, cred, ok := strings.Cut(strings.TrimSpace(v), " "); ok {
				s.add(strings.TrimSpace(cred))
			}
		}
	}
	return s
}

// add remembers v, and its URL-encoded forms, as a secret. Values shorter
// than four bytes would scrub ordinary words and digits, and are skipped.
func (s *scrubber) add(v string) {
	if len(v) < 4 {
		return
	}
	s.secrets = append(s.secrets, v)
	if q := url.QueryEscape(v); q != v {
		s.secrets = append(s.secrets, q)
	}
	if p := url.PathEscape(v); p != v {
		s.secrets = append(s.secrets, p)
	}
}

func sensitiveHeader(name string) bool {
	n := strings.ToLower(name)
	for _, w := range []string{"auth", "token", "key", "secret", "password", "cookie", "session", "signature", "credential"} {
		if strings.Contains(n, w) {
			return true
		}
	}
	return false
}

// scrub returns text with URLs' userinfo and query strings and every known
// secret replaced.
func (s *scrubber) scrub(text string) string {
	text = scrubURLs(text)
	if s == nil {
		return text
	}
	// Longest first, so a secret that contains another is replaced whole.
	secrets := append([]string(nil), s.secrets...)
	for i := 1; i < len(secrets); i++ {
		for j := i; j > 0 && len(secrets[j]) > len(secrets[j-1]); j-- {
			secrets[j], secrets[j-1] = secrets[j-1], secrets[j]
		}
	}
	for _, v := range secrets {
		text = strings.ReplaceAll(text, v, "[redacted]")
	}
	return text
}

// scrubURLs finds every "scheme://…" in text and drops its userinfo and
// its query string and fragment.
func scrubURLs(text string) string {
	var b strings.Builder
	for {
		i := strings.Index(text, "://")
		if i < 0 {
			b.WriteString(text)
			return b.String()
		}
		// The URL runs to the first character that cannot be in one
		// unescaped (quotes, brackets, whitespace, backslash).
		end := i + 3
		for end < len(text) && !strings.ContainsRune(" \t\r\n\"'<>\\`{}|^", rune(text[end])) {
			end++
		}
		rest := text[i+3 : end]
		authEnd := strings.IndexAny(rest, "/?#")
		if authEnd < 0 {
			authEnd = len(rest)
		}
		authority, tail := rest[:authEnd], rest[authEnd:]
		if at := strings.LastIndexByte(authority, '@'); at >= 0 {
			authority = authority[at+1:]
		}
		if q := strings.IndexAny(tail, "?#"); q >= 0 {
			tail = tail[:q] + "?…"
		}
		b.WriteString(text[:i+3])
		b.WriteString(authority)
		b.WriteString(tail)
		text = text[end:]
	}
}

// snippet is the start of an answer's body for a StatusError: valid UTF-8,
// whitespace collapsed, scrubbed, at most maxSnippet bytes plus "…".
func snippet(raw []byte, s *scrubber) string {
	const maxSnippet = 256
	text := strings.ToValidUTF8(string(raw), "\uFFFD")
	text = strings.Join(strings.Fields(text), " ")
	text = s.scrub(text)
	if len(text) > maxSnippet {
		cut := maxSnippet
		for cut > 0 && !utf8.RuneStart(text[cut]) {
			cut--
		}
		text = text[:cut] + "…"
	}
	return text
}
