package declarative

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"github.com/junction-run/junction/connectors"
	"github.com/junction-run/junction/connectors/auth"
	"github.com/junction-run/junction/definition"
)

// Login is a session kind's login request, mapped onto
// connectors.SessionSpec: the connection gives a username and a password,
// the login request sends them, and its answer carries the session (a
// token or a cookie), which every request then carries until the API
// answers 401, when package connectors/auth logs in again.
type Login struct {
	// Method is POST (the default), PUT or GET.
	Method string `json:"method,omitempty" enum:"POST,PUT,GET" description:"The login's method; POST when not given."`
	// URL is where the login goes: an absolute http(s) URL whose templates
	// are only {{connection.<property>}}.
	URL string `json:"url" description:"The login URL; {{connection.<property>}} only."`
	// Headers are further headers of the login request, as written.
	Headers map[string]string `json:"headers,omitempty"`
	// Body is the login body, json or form; its strings hold {{username}}
	// and {{password}} where the credentials go. Without it: a JSON
	// object {"username": ..., "password": ...}.
	Body *Body `json:"body,omitempty" description:"The login body (json or form); {{username}} and {{password}} are the credentials."`
	// TokenPointer, TokenHeader and TokenCookie say where the login answer
	// carries the session: a JSON pointer into its body (/data/token), a
	// header, or a cookie (* for every cookie it sets). Exactly one.
	TokenPointer string `json:"tokenPointer,omitempty" description:"A JSON pointer to the token in the login answer's body: /data/token."`
	TokenHeader  string `json:"tokenHeader,omitempty" description:"The login answer's header that carries the token."`
	TokenCookie  string `json:"tokenCookie,omitempty" description:"The session cookie the login answer sets, or * for all."`
	// SendHeader and SendScheme say how a token is sent with each request:
	// Authorization: Bearer <token> when neither is given.
	SendHeader string `json:"sendHeader,omitempty" description:"The header a token is sent in; Authorization when not given."`
	SendScheme string `json:"sendScheme,omitempty" description:"What goes before the token in that header; Bearer for Authorization when not given."`
}

// OAuth2 is a provider's OAuth 2.0 configuration, mapped onto
// connectors.OAuth2Spec. Tokens are sent as Authorization: Bearer.
type OAuth2 struct {
	// AuthURL is where people consent; authorization code only.
	AuthURL string `json:"authUrl,omitempty" description:"oauth2_authorization_code: where people consent; {{connection.<property>}} only."`
	// TokenURL is the token endpoint.
	TokenURL string `json:"tokenUrl" description:"The token endpoint; {{connection.<property>}} only."`
	// Scopes are requested with the authorization or the token.
	Scopes []string `json:"scopes,omitempty"`
	// PKCE sends an RFC 7636 code challenge; authorization code only.
	PKCE bool `json:"pkce,omitempty"`
	// ClientIDEnv and ClientSecretEnv name the env variables that hold
	// the app version's OAuth client; without them each connection brings
	// its own client_id and client_secret.
	ClientIDEnv     string `json:"clientIdEnv,omitempty"`
	ClientSecretEnv string `json:"clientSecretEnv,omitempty"`
	// ClientAuth is how the client authenticates to the token endpoint.
	ClientAuth string `json:"clientAuth,omitempty" enum:"client_secret_basic,client_secret_post" description:"How the client authenticates to the token endpoint; client_secret_basic when not given."`
}

// checkAuthExtras refuses a login or an oauth2 section given to a kind
// that does not read it.
func (au Auth) checkAuthExtras(v *validator, at string) bool {
	ok := true
	if au.Login != nil && au.Kind != connectors.AuthSession {
		v.add(at+".login", definition.CodeNotAllowed, "is for session only")
		ok = false
	}
	if au.OAuth2 != nil && au.Kind != connectors.AuthOAuth2AuthorizationCode && au.Kind != connectors.AuthOAuth2ClientCredentials {
		v.add(at+".oauth2", definition.CodeNotAllowed, "is for oauth2_authorization_code and oauth2_client_credentials only")
		ok = false
	}
	return ok
}

// flowSpec maps a session or OAuth 2.0 entry onto the connectors
// package's constructor for its kind.
func (au Auth) flowSpec(v *validator, at string, props map[string]bool) (connectors.AuthSpec, bool) {
	start := len(v.problems)
	for _, f := range []struct{ name, value string }{{"in", au.In}, {"name", au.Name}, {"prefix", au.Prefix}} {
		if f.value != "" {
			v.add(at+"."+f.name, definition.CodeNotAllowed, "is for api_key only")
		}
	}
	var s connectors.AuthSpec
	if au.Kind == connectors.AuthSession {
		if au.Login == nil {
			v.add(at+".login", definition.CodeRequired, "is required for session: the login request")
			return s, false
		}
		s = connectors.SessionAuth()
		s.Session = au.Login.spec(v, at+".login", props)
	} else {
		o := au.OAuth2
		if o == nil {
			v.add(at+".oauth2", definition.CodeRequired, fmt.Sprintf("is required for %s: the provider's endpoints", au.Kind))
			return s, false
		}
		oat := at + ".oauth2"
		spec := connectors.OAuth2Spec{Scopes: o.Scopes, PKCE: o.PKCE, ClientIDEnv: o.ClientIDEnv, ClientSecretEnv: o.ClientSecretEnv, ClientAuth: o.ClientAuth}
		spec.TokenURL = placeholderURL(v, oat+".tokenUrl", o.TokenURL, props)
		if au.Kind == connectors.AuthOAuth2AuthorizationCode {
			if o.AuthURL == "" {
				v.add(oat+".authUrl", definition.CodeRequired, "is required for oauth2_authorization_code")
			}
			spec.AuthURL = placeholderURL(v, oat+".authUrl", o.AuthURL, props)
			s = connectors.OAuth2AuthorizationCode(spec)
		} else {
			if o.AuthURL != "" {
				v.add(oat+".authUrl", definition.CodeNotAllowed, "is for oauth2_authorization_code only")
			}
			if o.PKCE {
				v.add(oat+".pkce", definition.CodeNotAllowed, "is for oauth2_authorization_code only")
			}
			s = connectors.OAuth2ClientCredentials(spec)
		}
		switch o.ClientAuth {
		case "", auth.ClientSecretBasic, auth.ClientSecretPost:
		default:
			v.add(oat+".clientAuth", definition.CodeInvalidValue, fmt.Sprintf("%q is not %s or %s", o.ClientAuth, auth.ClientSecretBasic, auth.ClientSecretPost))
		}
		if (o.ClientIDEnv == "") != (o.ClientSecretEnv == "") {
			v.add(oat, definition.CodeInvalidValue, "clientIdEnv and clientSecretEnv go together")
		}
		for i, sc := range o.Scopes {
			if strings.TrimSpace(sc) == "" || strings.ContainsAny(sc, " \t\n") {
				v.add(fmt.Sprintf("%s.scopes[%d]", oat, i), definition.CodeInvalidValue, fmt.Sprintf("%q is not one scope", sc))
			}
		}
	}
	s.Description = au.Description
	return s, len(v.problems) == start
}

// connectionRef is a template that reads one connection property and
// nothing else: what an auth URL may hold.
var connectionRef = regexp.MustCompile(`^\s*connection\.([a-z][a-z0-9_]*)\s*$`)

// placeholderURL turns an auth URL's {{connection.<name>}} templates into
// the {name} placeholders connectors.OAuth2Spec and SessionSpec fill from
// the connection, and checks the rest is an absolute http(s) URL.
func placeholderURL(v *validator, at, raw string, props map[string]bool) string {
	if raw == "" {
		v.add(at, definition.CodeRequired, "is required")
		return ""
	}
	segs, err := splitTemplate(raw)
	if err != nil {
		v.add(at, definition.CodeExpressionSyntax, err.Error())
		return ""
	}
	var b strings.Builder
	for _, s := range segs {
		if !s.Expr {
			if strings.ContainsAny(s.Text, "{}") {
				v.add(at, definition.CodeInvalidValue, "holds { or } outside a {{connection.<property>}} template")
				return ""
			}
			b.WriteString(s.Text)
			continue
		}
		m := connectionRef.FindStringSubmatch(s.Text)
		if m == nil {
			v.add(at, definition.CodeInvalidValue, fmt.Sprintf("{{%s}}: an auth URL reads only {{connection.<property>}}", s.Text))
			return ""
		}
		if !props[m[1]] {
			v.add(at, definition.CodeUnknownVariable, fmt.Sprintf("reads connection.%s, which is not one of the app's properties", m[1]))
			return ""
		}
		b.WriteString("{" + m[1] + "}")
	}
	out := b.String()
	probe := regexp.MustCompile(`\{[a-z][a-z0-9_]*\}`).ReplaceAllString(out, "x")
	if u, err := url.Parse(probe); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.Fragment != "" {
		v.add(at, definition.CodeInvalidValue, "must be an absolute http(s) URL without a fragment")
	}
	return out
}

// loginVar is what a login body's strings may hold: the credentials, in
// the form package connectors/auth fills in at login.
var loginVar = regexp.MustCompile(`\{\{\s*(username|password)\s*\}\}`)

// spec maps the login onto connectors.SessionSpec, encoding its body as
// the text auth.SessionConfig fills in.
func (l *Login) spec(v *validator, at string, props map[string]bool) *connectors.SessionSpec {
	s := &connectors.SessionSpec{
		LoginURL: placeholderURL(v, at+".url", l.URL, props), LoginMethod: strings.ToUpper(l.Method),
		LoginHeaders: l.Headers,
		TokenPointer: l.TokenPointer, TokenHeader: l.TokenHeader, TokenCookie: l.TokenCookie,
		SendHeader: l.SendHeader, SendScheme: l.SendScheme,
	}
	switch s.LoginMethod {
	case "", http.MethodPost, http.MethodPut:
	case http.MethodGet:
		if l.Body != nil {
			v.add(at+".body", definition.CodeNotAllowed, "a GET login has no body")
		}
	default:
		v.add(at+".method", definition.CodeInvalidValue, fmt.Sprintf("%q is not POST, PUT or GET", l.Method))
	}
	for _, k := range slices.Sorted(maps.Keys(l.Headers)) {
		if !headerToken(k) {
			v.add(definition.PathKey(at+".headers", k), definition.CodeInvalidValue, fmt.Sprintf("%q is not a valid header name", k))
		}
		if definition.HasTemplate(l.Headers[k]) {
			v.add(definition.PathKey(at+".headers", k), definition.CodeNotAllowed, "login headers are sent as written: no templates")
		}
	}
	set := 0
	for _, t := range []string{l.TokenPointer, l.TokenHeader, l.TokenCookie} {
		if t != "" {
			set++
		}
	}
	if set != 1 {
		v.add(at, definition.CodeInvalidValue, "set exactly one of tokenPointer, tokenHeader and tokenCookie: where the login answer carries the session")
	}
	if p := l.TokenPointer; p != "" && !strings.HasPrefix(p, "/") {
		v.add(at+".tokenPointer", definition.CodeInvalidValue, fmt.Sprintf("%q is not a JSON pointer: it starts with /, as in /data/token", p))
	}
	for name, h := range map[string]string{"tokenHeader": l.TokenHeader, "sendHeader": l.SendHeader} {
		if h != "" && !headerToken(h) {
			v.add(at+"."+name, definition.CodeInvalidValue, fmt.Sprintf("%q is not a valid header name", h))
		}
	}
	if l.TokenCookie != "" && (l.SendHeader != "" || l.SendScheme != "") {
		v.add(at, definition.CodeNotAllowed, "a session cookie goes back as a cookie: sendHeader and sendScheme are for tokens")
	}
	if l.Body != nil {
		s.ContentType, s.Body = l.Body.loginText(v, at+".body")
	}
	return s
}

// loginText encodes a login body as auth.SessionConfig's Body: its
// {{username}} and {{password}} stay for the login to fill in, escaped
// for the content type.
func (b *Body) loginText(v *validator, at string) (contentType, text string) {
	var bad []string
	var walk func(x any, path string)
	walk = func(x any, path string) {
		switch t := x.(type) {
		case string:
			if rest := loginVar.ReplaceAllString(t, ""); strings.Contains(rest, "{{") || strings.Contains(rest, "}}") {
				bad = append(bad, path)
			}
		case map[string]any:
			for _, k := range slices.Sorted(maps.Keys(t)) {
				walk(t[k], definition.PathKey(path, k))
			}
		case []any:
			for i, e := range t {
				walk(e, fmt.Sprintf("%s[%d]", path, i))
			}
		}
	}
	walk(b.Value, at+".value")
	for _, p := range bad {
		v.add(p, definition.CodeNotAllowed, "a login body's templates are {{username}} and {{password}} only")
	}
	if b.Value == nil {
		v.add(at+".value", definition.CodeRequired, "is required")
	}
	if b.Root != "" {
		v.add(at+".root", definition.CodeNotAllowed, "a login body is json or form")
	}
	switch b.Format {
	case FormatJSON:
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		_ = enc.Encode(b.Value)
		return "application/json", strings.TrimSpace(buf.String())
	case FormatForm:
		obj, ok := b.Value.(map[string]any)
		if !ok {
			v.add(at+".value", definition.CodeInvalidType, "a form body is an object")
			return "", ""
		}
		var pairs []string
		for _, k := range slices.Sorted(maps.Keys(obj)) {
			s, ok := obj[k].(string)
			if !ok {
				v.add(definition.PathKey(at+".value", k), definition.CodeInvalidType, "a login form's values are strings")
				continue
			}
			pairs = append(pairs, url.QueryEscape(k)+"="+escapeAround(s, loginVar, url.QueryEscape))
		}
		return "application/x-www-form-urlencoded", strings.Join(pairs, "&")
	case "":
		v.add(at+".format", definition.CodeRequired, "is required: json or form")
	default:
		v.add(at+".format", definition.CodeInvalidValue, fmt.Sprintf("%q is not json or form", b.Format))
	}
	return "", ""
}

// escapeAround escapes s but for what keep matches.
func escapeAround(s string, keep *regexp.Regexp, escape func(string) string) string {
	var b strings.Builder
	last := 0
	for _, m := range keep.FindAllStringIndex(s, -1) {
		b.WriteString(escape(s[last:m[0]]))
		b.WriteString(s[m[0]:m[1]])
		last = m[1]
	}
	b.WriteString(escape(s[last:]))
	return b.String()
}
