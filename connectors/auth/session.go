package auth

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/junction-run/junction/egress"
)

// SessionConfig describes an API that is entered through a login request:
// the answer to the login yields a token or a cookie, which is then sent
// with every call until the API answers 401, when the transport logs in
// again (once) and repeats the call.
type SessionConfig struct {
	// LoginURL is where the login request goes.
	LoginURL string
	// LoginMethod is its method (default POST).
	LoginMethod string
	// ContentType is the login body's media type (default
	// application/json).
	ContentType string
	// Body is the login body, a template in which {{username}} and
	// {{password}} stand for the secrets, escaped for ContentType: as the
	// inside of a JSON string for JSON (so write "{{password}}" between
	// quotes), percent-encoded for application/x-www-form-urlencoded,
	// entity-escaped for XML, as is otherwise. The default is
	// {"username":"{{username}}","password":"{{password}}"} for JSON and
	// username={{username}}&password={{password}} for forms.
	Body string
	// LoginHeader holds extra headers for the login request, such as an
	// application key or Accept.
	LoginHeader http.Header
	// Username and Password are the account's credentials.
	Username, Password Secret

	// Where the login answer carries the session: set exactly one.
	//
	// TokenPointer is an RFC 6901 JSON pointer into the answer's body, such
	// as "/data/token". TokenHeader names a header of the answer. TokenCookie
	// names the session cookie the answer sets, or is "*" for every cookie
	// it sets; cookies are sent back as they came, on every call.
	TokenPointer string
	TokenHeader  string
	TokenCookie  string

	// How a token (not a cookie) is sent with each call: in the header
	// SendHeader (default Authorization), after SendScheme and a space
	// (default "Bearer" when the header is Authorization, none otherwise).
	SendHeader string
	SendScheme string
}

// LoginError is a login request's answer that did not open a session. It
// carries the status and a short excerpt of the answer with the account's
// secrets removed.
type LoginError struct {
	StatusCode int
	Message    string
	rejected   bool
}

func (e *LoginError) Error() string {
	msg := fmt.Sprintf("auth: session login answered %d", e.StatusCode)
	if e.Message != "" {
		msg += ": " + e.Message
	}
	return msg
}

// Is makes a login refused for its credentials (a 4xx other than 408 and
// 429, or a success answer without a session) match ErrRejected.
func (e *LoginError) Is(target error) bool { return target == ErrRejected && e.rejected }

func statusRejects(code int) bool {
	return code >= 400 && code < 500 && code != http.StatusRequestTimeout && code != http.StatusTooManyRequests
}

// Session returns credentials for a login-based API; see SessionConfig.
// It logs in on the first request, not before.
func Session(cfg SessionConfig) Credentials {
	c := &sessionCreds{printsAs: printsAs(KindSession), cfg: cfg, lock: newRenewLock(),
		scrub: newScrubber(cfg.Username.Reveal(), cfg.Password.Reveal())}
	c.err = c.prepare()
	return c
}

type sessionCreds struct {
	printsAs
	cfg         SessionConfig
	method      string
	contentType string
	body        string
	sendHeader  string
	sendScheme  string
	err         error
	scrub       scrubber

	lock renewLock
	cur  atomic.Pointer[session]
}

// session is one login's result. Sessions are never modified; a new login
// makes a new one, and pointer identity tells them apart.
type session struct {
	token   string
	cookies []*http.Cookie
}

var placeholder = regexp.MustCompile(`\{\{\s*(username|password)\s*\}\}`)

func (c *sessionCreds) prepare() error {
	cfg := c.cfg
	u, err := url.Parse(cfg.LoginURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return configError("session: login URL %q is not an http(s) URL", cfg.LoginURL)
	}
	if cfg.Username == "" {
		return configError("session: no username")
	}
	set := 0
	for _, s := range []string{cfg.TokenPointer, cfg.TokenHeader, cfg.TokenCookie} {
		if s != "" {
			set++
		}
	}
	if set != 1 {
		return configError("session: set exactly one of TokenPointer, TokenHeader and TokenCookie")
	}
	if p := cfg.TokenPointer; p != "" && !strings.HasPrefix(p, "/") {
		return configError("session: token pointer %q does not start with /", p)
	}
	c.method = strings.ToUpper(cfg.LoginMethod)
	if c.method == "" {
		c.method = http.MethodPost
	}
	c.contentType = cfg.ContentType
	if c.contentType == "" {
		c.contentType = "application/json"
	}
	c.body = cfg.Body
	if c.body == "" {
		switch mediaType(c.contentType) {
		case "application/json":
			c.body = `{"username":"{{username}}","password":"{{password}}"}`
		case "application/x-www-form-urlencoded":
			c.body = "username={{username}}&password={{password}}"
		}
	}
	c.sendHeader = http.CanonicalHeaderKey(cfg.SendHeader)
	if c.sendHeader == "" {
		c.sendHeader = "Authorization"
	}
	c.sendScheme = cfg.SendScheme
	if c.sendScheme == "" && c.sendHeader == "Authorization" {
		c.sendScheme = "Bearer"
	}
	return nil
}

func mediaType(contentType string) string {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return strings.ToLower(strings.TrimSpace(contentType))
	}
	return mt
}

// loginBody fills the body template, escaping the secrets for the content
// type.
func (c *sessionCreds) loginBody() string {
	mt := mediaType(c.contentType)
	escape := func(s string) string { return s }
	switch {
	case mt == "application/json" || strings.HasSuffix(mt, "+json"):
		escape = func(s string) string {
			b, _ := json.Marshal(s)
			return string(b[1 : len(b)-1])
		}
	case mt == "application/x-www-form-urlencoded":
		escape = url.QueryEscape
	case mt == "application/xml" || mt == "text/xml" || strings.HasSuffix(mt, "+xml"):
		escape = func(s string) string {
			var b bytes.Buffer
			_ = xml.EscapeText(&b, []byte(s))
			return b.String()
		}
	}
	return placeholder.ReplaceAllStringFunc(c.body, func(m string) string {
		if strings.Contains(m, "username") {
			return escape(c.cfg.Username.Reveal())
		}
		return escape(c.cfg.Password.Reveal())
	})
}

func (c *sessionCreds) Transport(base http.RoundTripper) http.RoundTripper {
	if c.err != nil {
		return failing{c.err}
	}
	return &renewingTransport[*session]{
		base:    orDefault(base),
		current: func() (*session, bool) { s := c.cur.Load(); return s, s != nil },
		renew:   c.renew,
		apply:   c.apply,
	}
}

func (c *sessionCreds) apply(r *http.Request, s *session) {
	if c.cfg.TokenCookie != "" {
		for _, ck := range s.cookies {
			r.AddCookie(&http.Cookie{Name: ck.Name, Value: ck.Value, Quoted: ck.Quoted})
		}
		return
	}
	v := s.token
	if c.sendScheme != "" {
		v = c.sendScheme + " " + v
	}
	r.Header.Set(c.sendHeader, v)
}

// renew logs in, unless the session has changed since the caller read
// stale (another request logged in meanwhile), and returns the session to
// use.
func (c *sessionCreds) renew(ctx context.Context, base http.RoundTripper, stale *session) (*session, error) {
	if err := c.lock.lock(ctx); err != nil {
		return nil, err
	}
	defer c.lock.unlock()
	if cur := c.cur.Load(); cur != nil && cur != stale {
		return cur, nil
	}
	s, err := c.login(ctx, base)
	if err != nil {
		c.cur.CompareAndSwap(stale, nil)
		return nil, err
	}
	c.cur.Store(s)
	return s, nil
}

func (c *sessionCreds) login(ctx context.Context, base http.RoundTripper) (*session, error) {
	var body []byte
	if c.method != http.MethodGet && c.method != http.MethodHead {
		body = []byte(c.loginBody())
	}
	header := http.Header{}
	for k, vs := range c.cfg.LoginHeader {
		for _, v := range vs {
			header.Add(k, v)
		}
	}
	if body != nil {
		header.Set("Content-Type", c.contentType)
	}
	if header.Get("Accept") == "" && c.cfg.TokenPointer != "" {
		header.Set("Accept", "application/json")
	}
	resp, err := egress.Do(ctx, &http.Client{Transport: base}, egress.Request{
		Method: c.method, URL: c.cfg.LoginURL, Header: header, Body: body,
		Timeout: loginTimeout,
		// A login form often answers 302 with the cookie: keep that answer,
		// and judge every status below.
		MaxRedirects: egress.NoRedirects, Success: egress.AnyStatus,
		// A login answer is read for its token; one larger than this holds
		// none where it is looked for, and says so below.
		MaxBodyBytes: maxAnswer,
		Secrets:      []string{c.cfg.Username.Reveal(), c.cfg.Password.Reveal()},
	})
	switch {
	case errors.Is(err, egress.ErrInvalidRequest):
		return nil, configError("session: building the login request: %v", c.scrub.clean(err.Error()))
	case err != nil && !errors.Is(err, egress.ErrResponseTooLarge):
		return nil, c.scrub.err(fmt.Errorf("auth: session login: %w", err))
	}
	raw := resp.Body
	ok := resp.StatusCode >= 200 && resp.StatusCode < 300 ||
		c.cfg.TokenCookie != "" && resp.StatusCode >= 300 && resp.StatusCode < 400
	if !ok {
		return nil, &LoginError{StatusCode: resp.StatusCode, Message: c.scrub.excerpt(raw),
			rejected: statusRejects(resp.StatusCode)}
	}
	missing := func(what string) error {
		msg := "the answer carries no " + what
		if ex := c.scrub.excerpt(raw); ex != "" {
			msg += ": " + ex
		}
		return &LoginError{StatusCode: resp.StatusCode, Message: msg, rejected: true}
	}
	switch {
	case c.cfg.TokenCookie != "":
		var cookies []*http.Cookie
		for _, ck := range resp.HTTP().Cookies() {
			if ck.Value == "" || ck.MaxAge < 0 {
				continue // a deletion
			}
			if c.cfg.TokenCookie == "*" || ck.Name == c.cfg.TokenCookie {
				cookies = append(cookies, ck)
			}
		}
		if len(cookies) == 0 {
			return nil, missing(fmt.Sprintf("session cookie %q", c.cfg.TokenCookie))
		}
		return &session{cookies: cookies}, nil
	case c.cfg.TokenHeader != "":
		tok := strings.TrimSpace(resp.Header.Get(c.cfg.TokenHeader))
		if tok == "" {
			return nil, missing(fmt.Sprintf("%s header", c.cfg.TokenHeader))
		}
		return &session{token: tok}, nil
	default:
		tok, err := jsonPointerString(raw, c.cfg.TokenPointer)
		if err != nil {
			return nil, missing(fmt.Sprintf("token at %s (%v)", c.cfg.TokenPointer, err))
		}
		return &session{token: tok}, nil
	}
}

// loginTimeout bounds a login request: egress's default, said here
// because a login that hangs holds every request waiting for the session.
const loginTimeout = egress.DefaultTimeout

// jsonPointerString resolves an RFC 6901 pointer in a JSON document to a
// non-empty string (a number is taken as written).
func jsonPointerString(doc []byte, pointer string) (string, error) {
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return "", fmt.Errorf("the body is not JSON")
	}
	for _, ref := range strings.Split(pointer, "/")[1:] {
		ref = strings.ReplaceAll(strings.ReplaceAll(ref, "~1", "/"), "~0", "~")
		switch node := v.(type) {
		case map[string]any:
			next, ok := node[ref]
			if !ok {
				return "", fmt.Errorf("no member %q", ref)
			}
			v = next
		case []any:
			i, err := strconv.Atoi(ref)
			if err != nil || i < 0 || i >= len(node) || (len(ref) > 1 && ref[0] == '0') {
				return "", fmt.Errorf("no element %q", ref)
			}
			v = node[i]
		default:
			return "", fmt.Errorf("%q is not inside an object or array", ref)
		}
	}
	switch s := v.(type) {
	case string:
		if s != "" {
			return s, nil
		}
	case json.Number:
		return s.String(), nil
	}
	return "", fmt.Errorf("not a non-empty string")
}
