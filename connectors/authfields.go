package connectors

import (
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/junction-run/junction/connectors/auth"
)

// Fields a connection of the session or an OAuth 2.0 kind may set when the
// app leaves the details to the connection, as the generic HTTP connector
// does. Credentials are built from these names (see package activities),
// so apps that declare them must use them.
const (
	// FieldLoginURL is where a session's login request goes.
	FieldLoginURL = "login_url"
	// FieldLoginContentType is the login body's media type (default
	// application/json).
	FieldLoginContentType = "login_content_type"
	// FieldLoginBody is the login body template with {{username}} and
	// {{password}} (default a JSON or form body with both).
	FieldLoginBody = "login_body"
	// FieldTokenPointer, FieldTokenHeader and FieldTokenCookie say where the
	// login answer carries the session: a JSON pointer into its body, a
	// header, or a cookie ("*" for all). Exactly one is set.
	FieldTokenPointer = "token_pointer"
	FieldTokenHeader  = "token_header"
	FieldTokenCookie  = "token_cookie"
	// FieldSendHeader and FieldSendScheme say how a session token is sent
	// (default Authorization: Bearer).
	FieldSendHeader = "send_header"
	FieldSendScheme = "send_scheme"

	// FieldAuthURL and FieldTokenURL are an OAuth 2.0 provider's
	// endpoints, for apps whose OAuth2Spec names them as "{auth_url}" and
	// "{token_url}".
	FieldAuthURL  = "auth_url"
	FieldTokenURL = "token_url"
	// FieldScopes are the scopes to request, separated by spaces; they
	// replace the OAuth2Spec's.
	FieldScopes = "scopes"
	// FieldClientAuth is how the client authenticates to the token
	// endpoint: client_secret_basic (the default) or client_secret_post.
	FieldClientAuth = "client_auth"
)

// ConfigurableSessionAuth accepts a login-based API whose login the
// connection describes: the login URL, where the answer carries the
// session, and how to send it back.
func ConfigurableSessionAuth() AuthSpec {
	opt := func(name, desc string) Field { return Field{Name: name, Type: FieldString, Description: desc} }
	return AuthSpec{Kind: AuthSession,
		Description: "Logs in with a request, keeps the session token or cookie its answer gives, and logs in again when the API answers 401.",
		Fields: []Field{
			usernameField(), passwordField(),
			{Name: FieldLoginURL, Type: FieldURL, Description: "Where the login request is POSTed.", Required: true},
			opt(FieldLoginContentType, "The login body's media type; application/json when not given."),
			opt(FieldLoginBody, `The login body, with {{username}} and {{password}} where the credentials go; {"username": ..., "password": ...} (or the same as a form) when not given.`),
			opt(FieldTokenPointer, "A JSON pointer to the session token in the login answer's body, such as /data/token."),
			opt(FieldTokenHeader, "The login answer's header that carries the session token."),
			opt(FieldTokenCookie, "The session cookie the login answer sets, or * for every cookie it sets."),
			opt(FieldSendHeader, "The header a session token is sent in; Authorization when not given."),
			opt(FieldSendScheme, "What goes before the token in that header; Bearer for Authorization when not given."),
		}}
}

// ConfigurableOAuth2 accepts OAuth 2.0 (kind AuthOAuth2AuthorizationCode
// or AuthOAuth2ClientCredentials) with a provider the connection names:
// its endpoints, scopes and client.
func ConfigurableOAuth2(kind AuthKind) AuthSpec {
	o := OAuth2Spec{TokenURL: "{" + FieldTokenURL + "}"}
	fields := []Field{
		{Name: FieldTokenURL, Type: FieldURL, Description: "The provider's token endpoint.", Required: true},
		{Name: FieldScopes, Type: FieldString, Description: "The scopes to request, separated by spaces."},
		{Name: FieldClientAuth, Type: FieldString, Description: "How the client authenticates to the token endpoint; client_secret_basic when not given.",
			Enum: []string{auth.ClientSecretBasic, auth.ClientSecretPost}},
	}
	desc := "OAuth 2.0 client credentials: the client's own tokens, fetched as needed."
	if kind == AuthOAuth2AuthorizationCode {
		o.AuthURL, o.PKCE = "{"+FieldAuthURL+"}", true
		fields = append([]Field{{Name: FieldAuthURL, Type: FieldURL, Description: "The provider's authorization endpoint.", Required: true}}, fields...)
		desc = "OAuth 2.0 authorization code with PKCE: after creating the connection, start the authorization " +
			"(POST .../oauth2/authorize) and open the URL it gives; the tokens are refreshed as they expire."
	}
	a := AuthSpec{Kind: kind, OAuth2: &o, Description: desc}
	a.Fields = append(clientFields(o), fields...)
	return a
}

// ErrOAuth2Settings marks a connection whose settings cannot make an OAuth
// 2.0 configuration.
var ErrOAuth2Settings = errors.New("oauth2 settings")

// OAuth2Config is the OAuth 2.0 configuration of a connection of kind a:
// the app's endpoints with their {name} placeholders filled from the
// connection's fields, then its properties; its scopes (the field scopes
// replaces the app's); its client id. The client secret, the redirect URL
// and the token are the caller's to add. An app whose client comes from
// environment variables needs env (nil means none are set). Errors wrap
// ErrOAuth2Settings and name fields, never values.
func OAuth2Config(a AuthSpec, fields, properties map[string]string, env EnvVars) (auth.OAuth2Config, error) {
	if a.OAuth2 == nil {
		return auth.OAuth2Config{}, fmt.Errorf("%w: the app declares no oauth2 section for %s", ErrOAuth2Settings, a.Kind)
	}
	o := a.OAuth2
	fill := func(what, raw string) (string, error) {
		out, err := fillURL(raw, fields, properties)
		if err != nil {
			return "", fmt.Errorf("%w: the %s %v", ErrOAuth2Settings, what, err)
		}
		return out, nil
	}
	cfg := auth.OAuth2Config{Kind: auth.Kind(a.Kind), Scopes: o.Scopes, ClientAuth: fields[FieldClientAuth]}
	if cfg.ClientAuth == "" {
		cfg.ClientAuth = o.ClientAuth
	}
	var err error
	if cfg.TokenURL, err = fill("token URL", o.TokenURL); err != nil {
		return auth.OAuth2Config{}, err
	}
	if a.Kind == AuthOAuth2AuthorizationCode {
		if cfg.AuthURL, err = fill("authorization URL", o.AuthURL); err != nil {
			return auth.OAuth2Config{}, err
		}
	}
	if s := strings.Fields(fields[FieldScopes]); len(s) > 0 {
		cfg.Scopes = s
	}
	if o.ClientIDEnv != "" {
		cfg.ClientID = env.Get(o.ClientIDEnv)
		cfg.ClientSecret = auth.Secret(env.Get(o.ClientSecretEnv))
		if cfg.ClientID == "" {
			return auth.OAuth2Config{}, fmt.Errorf("%w: the environment variable %s (the OAuth client id) is not set", ErrOAuth2Settings, o.ClientIDEnv)
		}
	} else if cfg.ClientID = fields[FieldClientID]; cfg.ClientID == "" {
		return auth.OAuth2Config{}, fmt.Errorf("%w: the field %s is not set", ErrOAuth2Settings, FieldClientID)
	}
	return cfg, nil
}

// fillURL fills a declared URL's {name} placeholders from the connection's
// fields, then its properties, and checks that the result is an absolute
// http(s) URL ("" stays ""). Its errors name placeholders, never values.
func fillURL(raw string, fields, properties map[string]string) (string, error) {
	var missing []string
	out := placeholder.ReplaceAllStringFunc(raw, func(m string) string {
		name := m[1 : len(m)-1]
		if v, ok := fields[name]; ok && v != "" {
			return v
		}
		if v, ok := properties[name]; ok && v != "" {
			return v
		}
		missing = append(missing, name)
		return m
	})
	if len(missing) > 0 {
		return "", fmt.Errorf("needs %s, which the connection does not set", strings.Join(missing, ", "))
	}
	if raw == "" {
		return "", nil
	}
	u, err := url.Parse(out)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return "", errors.New("is not an absolute http(s) URL")
	}
	return out, nil
}
