package authtest

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// The fakes are only useful if they refuse what real servers refuse.

func TestDigestServerRefusesReplaysAndTampering(t *testing.T) {
	srv := &DigestServer{Realm: "r", Username: "u", Password: "p", Algorithms: []string{"SHA-256"}}
	ts := httptest.NewServer(srv)
	defer ts.Close()

	resp, err := http.Get(ts.URL + "/a")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	ch := parseAuthParams(strings.TrimPrefix(resp.Header.Get("WWW-Authenticate"), "Digest "))
	authz := func(method, uri, nc, password string) string {
		return `Digest username="u", realm="r", uri="` + uri + `", algorithm=SHA-256, nonce="` + ch["nonce"] +
			`", nc=` + nc + `, cnonce="c", qop=auth, opaque="` + ch["opaque"] + `", response="` +
			Response("SHA-256", "u", "r", password, method, uri, ch["nonce"], nc, "c", "auth") + `"`
	}
	tests := []struct {
		name, path, auth string
		want             int
	}{
		{"valid", "/a", authz("GET", "/a", "00000001", "p"), 200},
		{"replayed nonce count", "/a", authz("GET", "/a", "00000001", "p"), 401},
		{"next nonce count", "/a", authz("GET", "/a", "00000002", "p"), 200},
		{"wrong password", "/a", authz("GET", "/a", "00000003", "x"), 401},
		{"uri of another resource", "/b", authz("GET", "/a", "00000004", "p"), 401},
		{"digest for another method", "/a", authz("POST", "/a", "00000005", "p"), 401},
		{"short nonce count", "/a", authz("GET", "/a", "6", "p"), 401},
	}
	for _, tc := range tests {
		req, _ := http.NewRequest(http.MethodGet, ts.URL+tc.path, nil)
		req.Header.Set("Authorization", tc.auth)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.want {
			t.Errorf("%s: %d, want %d", tc.name, resp.StatusCode, tc.want)
		}
	}
	if st := srv.Stats(); st.Accepted != 2 || st.Replays != 1 {
		t.Errorf("stats %+v", st)
	}
}

func TestOAuth2ProviderRefusesTwoClientAuthMethods(t *testing.T) {
	p := &OAuth2Provider{ClientID: "c", ClientSecret: "s"}
	ts := httptest.NewServer(p)
	defer ts.Close()
	post := func(form url.Values, basic bool) int {
		req, _ := http.NewRequest(http.MethodPost, ts.URL+"/token", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if basic {
			req.SetBasicAuth("c", "s")
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	cc := url.Values{"grant_type": {"client_credentials"}}
	if got := post(cc, true); got != 200 {
		t.Errorf("basic: %d", got)
	}
	both := url.Values{"grant_type": {"client_credentials"}, "client_id": {"c"}, "client_secret": {"s"}}
	if got := post(both, true); got != 400 {
		t.Errorf("basic and form: %d, want 400", got)
	}
	if got := post(both, false); got != 200 {
		t.Errorf("form: %d", got)
	}
	if got := post(url.Values{"grant_type": {"password"}, "client_id": {"c"}, "client_secret": {"s"}}, false); got != 400 {
		t.Errorf("password grant: %d, want 400", got)
	}
}
