package auth

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/junction-run/junction/connectors/auth/authtest"
)

const (
	basicUser   = "ck_7d1f0a9e2b"
	basicPass   = "cs_Q2x9LmV7pR4tW8zK"
	bearerToken = "xoxb-1234-5678-AbCdEfGhIjKl"
	apiKey      = "k3y_9f8e7d6c5b4a/+="
)

func TestStaticKinds(t *testing.T) {
	registerSecrets(basicUser, basicPass, bearerToken, apiKey, "wrong-pass-0001", "wrong-token-0001", "wrong-key-0001")
	basic := authtest.RequireBasic(basicUser, basicPass, nil)
	bearer := authtest.RequireBearer(bearerToken, nil)
	header := authtest.RequireAPIKey("header", "X-Api-Key", apiKey, nil)
	query := authtest.RequireAPIKey("query", "api_key", apiKey, nil)
	cookie := authtest.RequireAPIKey("cookie", "key", apiKey, nil)

	tests := []struct {
		name   string
		server http.Handler
		creds  Credentials
		want   int
	}{
		{"basic", basic, Basic(basicUser, basicPass), 200},
		{"basic wrong password", basic, Basic(basicUser, "wrong-pass-0001"), 401},
		{"basic missing", basic, None(), 401},
		{"basic sent to bearer", bearer, Basic(basicUser, basicPass), 401},
		{"bearer", bearer, Bearer(bearerToken), 200},
		{"bearer wrong", bearer, Bearer("wrong-token-0001"), 401},
		{"bearer missing", bearer, None(), 401},
		{"api key header", header, APIKey("header", "X-Api-Key", apiKey), 200},
		{"api key header, in is case-insensitive", header, APIKey("Header", "x-api-key", apiKey), 200},
		{"api key header wrong", header, APIKey("header", "X-Api-Key", "wrong-key-0001"), 401},
		{"api key header wrong name", header, APIKey("header", "X-Key", apiKey), 401},
		{"api key header missing", header, None(), 401},
		{"api key query", query, APIKey("query", "api_key", apiKey), 200},
		{"api key query wrong", query, APIKey("query", "api_key", "wrong-key-0001"), 401},
		{"api key query sent as header", query, APIKey("header", "api_key", apiKey), 401},
		{"api key query missing", query, None(), 401},
		{"api key cookie", cookie, APIKey("cookie", "key", apiKey), 200},
		{"api key cookie missing", cookie, None(), 401},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(tc.server)
			defer srv.Close()
			status, _, err := call(t, tc.creds.Transport(nil), http.MethodGet, srv.URL+"/v1/orders?page=2", nil)
			if err != nil || status != tc.want {
				t.Fatalf("got %d, %v; want %d", status, err, tc.want)
			}
		})
	}
}

func TestAPIKeyQueryKeepsTheQueryAndTheCallersRequest(t *testing.T) {
	registerSecrets(apiKey)
	var got string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got = r.URL.RawQuery }))
	defer srv.Close()
	rt := APIKey("query", "api_key", apiKey).Transport(nil)

	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/x?b=2&a=%2F1", nil)
	resp, err := rt.RoundTrip(req)
	noteErr(t, err)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if want := "b=2&a=%2F1&api_key=k3y_9f8e7d6c5b4a%2F%2B%3D"; got != want {
		t.Errorf("server saw %q, want %q", got, want)
	}
	if req.URL.RawQuery != "b=2&a=%2F1" || req.Header.Get("Authorization") != "" {
		t.Errorf("the caller's request was modified: %q %v", req.URL.RawQuery, req.Header)
	}

	// A parameter of the same name is replaced, not doubled.
	req, _ = http.NewRequest(http.MethodGet, srv.URL+"/x?api_key=old&c=3", nil)
	resp, err = rt.RoundTrip(req)
	noteErr(t, err)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if want := "api_key=k3y_9f8e7d6c5b4a%2F%2B%3D&c=3"; got != want {
		t.Errorf("server saw %q, want %q", got, want)
	}
}

// A transport error that quotes the URL must not carry a query key out.
func TestAPIKeyQueryScrubsTransportErrors(t *testing.T) {
	registerSecrets(apiKey)
	leaky := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		return nil, errors.New("proxy refused " + r.URL.String())
	})
	req, _ := http.NewRequest(http.MethodGet, "https://api.example.com/x", nil)
	_, err := APIKey("query", "api_key", apiKey).Transport(leaky).RoundTrip(req)
	noteErr(t, err)
	if err == nil || !strings.Contains(err.Error(), "api_key=[redacted]") {
		t.Fatalf("err = %v", err)
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestConfigErrors(t *testing.T) {
	tests := []struct {
		name  string
		creds Credentials
	}{
		{"basic without user", Basic("", "x")},
		{"bearer without token", Bearer("")},
		{"api key without name", APIKey("header", " ", "k")},
		{"api key without value", APIKey("header", "X-Key", "")},
		{"api key in body", APIKey("body", "X-Key", "k")},
		{"digest without user", Digest("", "p")},
		{"session without URL", Session(SessionConfig{Username: "u", Password: "p", TokenPointer: "/token"})},
		{"session without token source", Session(SessionConfig{LoginURL: "https://x.example/login", Username: "u"})},
		{"session with two token sources", Session(SessionConfig{LoginURL: "https://x.example/login", Username: "u", TokenPointer: "/t", TokenCookie: "sid"})},
		{"session with a bad pointer", Session(SessionConfig{LoginURL: "https://x.example/login", Username: "u", TokenPointer: "token"})},
		{"oauth2 without kind", OAuth2(OAuth2Config{ClientID: "c", TokenURL: "https://x.example/token"})},
		{"oauth2 code without token", OAuth2(OAuth2Config{Kind: KindOAuth2AuthorizationCode, ClientID: "c", TokenURL: "https://x.example/token"})},
		{"oauth2 without token URL", OAuth2(OAuth2Config{Kind: KindOAuth2ClientCredentials, ClientID: "c"})},
		{"oauth2 bad client auth", OAuth2(OAuth2Config{Kind: KindOAuth2ClientCredentials, ClientID: "c", TokenURL: "https://x.example/token", ClientAuth: "private_key_jwt"})},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			called := false
			base := roundTripFunc(func(*http.Request) (*http.Response, error) { called = true; return nil, errors.New("sent") })
			req, _ := http.NewRequest(http.MethodPost, "https://api.example.com/x", strings.NewReader("{}"))
			_, err := tc.creds.Transport(base).RoundTrip(req)
			noteErr(t, err)
			if !errors.Is(err, ErrConfig) || called {
				t.Fatalf("err = %v, sent = %v; want ErrConfig and nothing sent", err, called)
			}
		})
	}
}

func TestNoneAddsNothing(t *testing.T) {
	if None().Transport(nil) != http.DefaultTransport {
		t.Error("None().Transport(nil) is not http.DefaultTransport")
	}
	if len(Kinds()) != 8 {
		t.Errorf("Kinds() = %v", Kinds())
	}
}

func TestTransportsUnwrapToTheirBase(t *testing.T) {
	base := roundTripFunc(func(*http.Request) (*http.Response, error) { return nil, errors.New("unused") })
	for _, c := range []Credentials{
		Basic("u", "p"), Bearer("t"), APIKey("query", "k", "v"), Digest("u", "p"),
		Session(SessionConfig{LoginURL: "https://x.example/login", Username: "u", TokenPointer: "/t"}),
		OAuth2(OAuth2Config{Kind: KindOAuth2ClientCredentials, ClientID: "c", TokenURL: "https://x.example/token"}),
	} {
		u, ok := c.Transport(base).(interface{ Unwrap() http.RoundTripper })
		if !ok {
			t.Errorf("%v: no Unwrap", c)
			continue
		}
		if _, isFunc := u.Unwrap().(roundTripFunc); !isFunc {
			t.Errorf("%v: Unwrap returned %T", c, u.Unwrap())
		}
	}
}
