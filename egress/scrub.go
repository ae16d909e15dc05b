package egress

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"
)

// Redacted replaces every secret value in scrubbed text.
const Redacted = "[redacted]"

// Scrubber removes secrets from text that came from elsewhere (an answer's
// body, a transport's error) before it goes into an error, a history or a
// log. It knows secret values and matches them in the forms they travel
// in: as they are, URL-encoded (query and path), JSON-escaped and base64.
// The zero value and nil know no secret. A Scrubber is not safe for
// concurrent Add.
type Scrubber struct {
	values []string // longest first, so a secret containing another is replaced whole
}

// NewScrubber returns a Scrubber that knows the non-empty values.
func NewScrubber(values ...string) *Scrubber {
	s := &Scrubber{}
	s.Add(values...)
	return s
}

// Add makes every non-empty value, in each of its encodings, a secret.
func (s *Scrubber) Add(values ...string) {
	for _, v := range values {
		if v == "" {
			continue
		}
		s.add(v)
		s.add(url.QueryEscape(v))
		s.add(url.PathEscape(v))
		if b, err := json.Marshal(v); err == nil {
			s.add(strings.Trim(string(b), `"`))
		}
		s.add(base64.StdEncoding.EncodeToString([]byte(v)))
	}
}

func (s *Scrubber) add(v string) {
	if slices.Contains(s.values, v) {
		return
	}
	i, _ := slices.BinarySearchFunc(s.values, len(v), func(have string, n int) int { return n - len(have) })
	s.values = slices.Insert(s.values, i, v)
}

// With returns a copy of s that also knows values.
func (s *Scrubber) With(values ...string) *Scrubber {
	cp := &Scrubber{}
	if s != nil {
		cp.values = slices.Clone(s.values)
	}
	cp.Add(values...)
	return cp
}

// minHarvested is the shortest value AddRequest takes from a request:
// shorter ones (page=2, lang=en) would scrub ordinary words and digits.
const minHarvested = 4

// AddRequest makes secrets of what a request carries that must not appear
// in errors: its URL's userinfo, its path (whole, and each long segment:
// bot tokens, webhook keys), its query values, and the values of headers
// whose names say they hold credentials (with the credential alone after
// a scheme such as Bearer). Values shorter than four bytes are skipped.
func (s *Scrubber) AddRequest(u *url.URL, h http.Header) {
	take := func(v string) {
		if len(v) >= minHarvested {
			s.Add(v)
		}
	}
	if u != nil {
		if u.User != nil {
			take(u.User.Username())
			if p, ok := u.User.Password(); ok {
				take(p)
			}
		}
		// The path is scrubbed whole (an API echoing the URL it was called
		// with) and so are long segments alone, while a short, ordinary
		// path stays readable.
		if len(u.Path) >= 8 {
			take(u.Path)
			take(u.EscapedPath())
			for _, seg := range strings.Split(u.Path, "/") {
				if len(seg) >= 20 {
					take(seg)
				}
			}
		}
		for _, vs := range u.Query() {
			for _, v := range vs {
				take(v)
			}
		}
	}
	for name, vs := range h {
		if !SensitiveHeader(name) {
			continue
		}
		for _, v := range vs {
			take(v)
			if _, cred, ok := strings.Cut(strings.TrimSpace(v), " "); ok {
				take(strings.TrimSpace(cred))
			}
		}
	}
}

// SensitiveHeader reports whether a header's name says it carries a
// credential (Authorization, Cookie, Set-Cookie, X-Api-Key, X-Auth-Token,
// any name with auth, token, key, secret, password, cookie, session,
// signature or credential in it).
func SensitiveHeader(name string) bool {
	n := strings.ToLower(name)
	for _, w := range []string{"auth", "token", "key", "secret", "password", "cookie", "session", "signature", "credential"} {
		if strings.Contains(n, w) {
			return true
		}
	}
	return false
}

// Replace returns text with every known secret replaced by Redacted.
func (s *Scrubber) Replace(text string) string {
	if s == nil {
		return text
	}
	for _, v := range s.values {
		text = strings.ReplaceAll(text, v, Redacted)
	}
	return text
}

// Scrub returns text with URLs' userinfo and query strings cut (see
// ScrubURLs) and every known secret replaced: what text quoted from an
// answer or a transport goes through.
func (s *Scrubber) Scrub(text string) string { return s.Replace(ScrubURLs(text)) }

// Leaks reports whether text holds a known secret.
func (s *Scrubber) Leaks(text string) bool {
	if s == nil {
		return false
	}
	for _, v := range s.values {
		if strings.Contains(text, v) {
			return true
		}
	}
	return false
}

// Snippet is a short quote of an answer's body for an error message: valid
// UTF-8, whitespace collapsed to single spaces, scrubbed, and cut at max
// bytes (on a rune boundary) with "…" added.
func (s *Scrubber) Snippet(body []byte, max int) string {
	text := strings.ToValidUTF8(string(body), "\uFFFD")
	text = strings.Join(strings.Fields(text), " ")
	text = s.Scrub(text)
	if len(text) > max {
		cut := max
		for cut > 0 && !utf8.RuneStart(text[cut]) {
			cut--
		}
		text = text[:cut] + "…"
	}
	return text
}

// Error returns err unchanged when its text holds no known secret, and
// otherwise an error with the secrets replaced that still answers
// errors.Is (context.Canceled, a sentinel) and Timeout() as err does, but
// does not unwrap: the original, whose text holds the secret, cannot be
// reached and printed.
func (s *Scrubber) Error(err error) error {
	if err == nil || !s.Leaks(err.Error()) {
		return err
	}
	return &scrubbedError{msg: s.Replace(err.Error()), cause: err}
}

type scrubbedError struct {
	msg   string
	cause error
}

func (e *scrubbedError) Error() string { return e.msg }

func (e *scrubbedError) Is(target error) bool { return errors.Is(e.cause, target) }

// Timeout reports whether the underlying error was a timeout, as net.Error
// does.
func (e *scrubbedError) Timeout() bool { return isTimeout(e.cause) }

func isTimeout(err error) bool {
	var t interface{ Timeout() bool }
	return errors.As(err, &t) && t.Timeout()
}

// ScrubURLs finds every "scheme://…" in text and drops its userinfo, its
// query string and its fragment, where credentials travel by design.
func ScrubURLs(text string) string {
	if !strings.Contains(text, "://") {
		return text
	}
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

// RedactURL keeps only the scheme and host of u, which is what errors may
// name: userinfo and query strings carry credentials by design, and paths
// often do too (https://api.telegram.org/bot<token>/sendMessage,
// https://hooks.slack.com/services/<key>).
func RedactURL(u *url.URL) string {
	if u == nil {
		return ""
	}
	s := u.Scheme + "://" + u.Host
	if (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
		s += "/…"
	}
	return s
}

// ParseURL accepts absolute http and https URLs. Its errors never quote the
// URL, and url.Parse's own only where they cannot hold a credential.
func ParseURL(raw string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		reason := "it cannot be parsed"
		var ue *url.Error
		if errors.As(err, &ue) {
			// "invalid port" quotes what follows the last colon of the
			// authority, which is a password in "https://user:pass/…".
			if msg := ue.Err.Error(); !strings.Contains(msg, "port") {
				reason = strings.TrimPrefix(msg, "net/url: ")
			} else {
				reason = "invalid port"
			}
		}
		return nil, errors.New("URL is not valid: " + reason)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, errors.New("URL must be absolute and start with http:// or https://")
	}
	if u.Host == "" {
		return nil, errors.New("URL has no host")
	}
	return u, nil
}
