package connectors

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/junction-run/junction/connectors/auth"
)

// SessionSpec is a session kind's login as the app declares it, for apps
// that know their login (declarative apps): where the login request goes,
// what it sends, where its answer carries the session and how the session
// is sent back. The connection then fills in only the credentials
// (username and password). See auth.SessionConfig for each setting.
type SessionSpec struct {
	// LoginURL is where the login request goes. It may hold {name}
	// placeholders naming a custom property or a non-secret field, as
	// OAuth2Spec's URLs do (https://{workspace}.acme.example/login).
	LoginURL string `json:"loginUrl"`
	// LoginMethod is the login's method; POST when empty.
	LoginMethod string `json:"loginMethod,omitempty"`
	// ContentType is the login body's media type; application/json when
	// empty.
	ContentType string `json:"contentType,omitempty"`
	// Body is the login body, with {{username}} and {{password}} where the
	// credentials go, escaped for ContentType (auth.SessionConfig.Body).
	Body string `json:"body,omitempty"`
	// LoginHeaders are further headers of the login request.
	LoginHeaders map[string]string `json:"loginHeaders,omitempty"`
	// TokenPointer, TokenHeader and TokenCookie say where the login answer
	// carries the session: a JSON pointer into its body, a header, or a
	// cookie ("*" for every cookie it sets). Exactly one is set.
	TokenPointer string `json:"tokenPointer,omitempty"`
	TokenHeader  string `json:"tokenHeader,omitempty"`
	TokenCookie  string `json:"tokenCookie,omitempty"`
	// SendHeader and SendScheme say how a token is sent with each call:
	// Authorization: Bearer when both are empty.
	SendHeader string `json:"sendHeader,omitempty"`
	SendScheme string `json:"sendScheme,omitempty"`
}

// ErrSessionSettings marks a connection whose settings cannot make a
// session login.
var ErrSessionSettings = errors.New("session settings")

// SessionConfig is the login of a session connection of kind a whose app
// declares it (a.Session): its URL's placeholders filled from the
// connection's fields, then its properties, and the credentials. Errors
// wrap ErrSessionSettings and name fields, never values.
func SessionConfig(a AuthSpec, fields, properties map[string]string, username, password auth.Secret) (auth.SessionConfig, error) {
	s := a.Session
	if s == nil {
		return auth.SessionConfig{}, fmt.Errorf("%w: the app declares no session login", ErrSessionSettings)
	}
	loginURL, err := fillURL(s.LoginURL, fields, properties)
	if err != nil {
		return auth.SessionConfig{}, fmt.Errorf("%w: the login URL %v", ErrSessionSettings, err)
	}
	cfg := auth.SessionConfig{
		LoginURL: loginURL, LoginMethod: s.LoginMethod, ContentType: s.ContentType, Body: s.Body,
		Username: username, Password: password,
		TokenPointer: s.TokenPointer, TokenHeader: s.TokenHeader, TokenCookie: s.TokenCookie,
		SendHeader: s.SendHeader, SendScheme: s.SendScheme,
	}
	if len(s.LoginHeaders) > 0 {
		cfg.LoginHeader = http.Header{}
		for k, v := range s.LoginHeaders {
			cfg.LoginHeader.Set(k, v)
		}
	}
	return cfg, nil
}

// validateSession checks a declared login: only for the session kind, an
// absolute URL whose placeholders name properties or non-secret fields,
// and exactly one place the session is found.
func (a AuthSpec) validateSession(v *problems, at string, has map[string]Field, props map[string]bool) {
	s := a.Session
	if s == nil {
		return
	}
	at += ".session"
	if a.Kind != AuthSession {
		v.add(at, "is only for the session kind")
		return
	}
	checkPlaceholderURL(v, at+".loginUrl", s.LoginURL, has, props)
	switch strings.ToUpper(s.LoginMethod) {
	case "", http.MethodPost, http.MethodPut, http.MethodGet:
	default:
		v.add(at+".loginMethod", "%q is not POST, PUT or GET", s.LoginMethod)
	}
	set := 0
	for _, t := range []string{s.TokenPointer, s.TokenHeader, s.TokenCookie} {
		if t != "" {
			set++
		}
	}
	if set != 1 {
		v.add(at, "set exactly one of tokenPointer, tokenHeader and tokenCookie")
	}
	if s.TokenPointer != "" {
		if _, err := pointerTokens(s.TokenPointer); err != nil {
			v.addErr(at+".tokenPointer", err)
		}
	}
	if s.TokenCookie != "" && (s.SendHeader != "" || s.SendScheme != "") {
		v.add(at, "a session cookie is sent back as a cookie: sendHeader and sendScheme are for tokens")
	}
}

// checkPlaceholderURL checks a declared URL with {name} placeholders: each
// names a custom property or a non-secret field, and with them replaced
// it is an absolute http(s) URL (or it is one placeholder naming a
// required url field).
func checkPlaceholderURL(v *problems, at, raw string, has map[string]Field, props map[string]bool) {
	for _, m := range placeholder.FindAllStringSubmatch(raw, -1) {
		if f, ok := has[m[1]]; !props[m[1]] && (!ok || f.Secret) {
			v.add(at, "placeholder {%s} names no custom property or non-secret field", m[1])
		}
	}
	// A whole URL may come from one of the kind's url fields, for apps
	// (the generic HTTP connector) that leave it to the connection.
	if m := placeholder.FindStringSubmatch(raw); m != nil && m[0] == raw {
		if f, ok := has[m[1]]; !ok || f.Type != FieldURL || !f.Required {
			v.add(at, "placeholder %s is the whole URL, so it must name a required url field", raw)
		}
		return
	}
	if u, err := url.Parse(placeholder.ReplaceAllString(raw, "x")); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		v.add(at, "%q is not an absolute http(s) URL", raw)
	}
}
