package auth

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/junction-run/junction/connectors/auth/authtest"
)

// RFC 7616 §3.9.1.
const (
	rfcUser   = "Mufasa"
	rfcPass   = "Circle of Life"
	rfcRealm  = "http-auth@example.org"
	rfcNonce  = "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v"
	rfcCnonce = "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ"
	rfcOpaque = "FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"
	rfcURI    = "/dir/index.html"
)

func TestDigestRFC7616Vector(t *testing.T) {
	// The §3.9.1 challenge, as the server sends it: SHA-256 first, then MD5.
	challenges := []string{
		`Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=SHA-256, nonce="` + rfcNonce + `", opaque="` + rfcOpaque + `"`,
		`Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=MD5, nonce="` + rfcNonce + `", opaque="` + rfcOpaque + `"`,
	}
	tests := []struct {
		alg  string
		want string
	}{
		{"MD5", "8ca523f5e9506fed4657c9700eebdbec"},
		{"SHA-256", "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"},
	}
	for _, tc := range tests {
		t.Run(tc.alg, func(t *testing.T) {
			alg := digestAlgorithms[tc.alg]
			if got := digestResponse(alg, rfcUser, rfcRealm, rfcPass, "GET", rfcURI, rfcNonce, rfcCnonce, 1, "auth"); got != tc.want {
				t.Errorf("response = %s, want %s", got, tc.want)
			}
			// The test server's independent implementation agrees.
			if got := authtest.Response(tc.alg, rfcUser, rfcRealm, rfcPass, "GET", rfcURI, rfcNonce, "00000001", rfcCnonce, "auth"); got != tc.want {
				t.Errorf("authtest.Response = %s, want %s", got, tc.want)
			}
			// The whole Authorization field, from the parsed challenge.
			var ch *digestChallenge
			for _, c := range challenges {
				if strings.Contains(c, "algorithm="+tc.alg+",") {
					var err error
					if ch, err = pickDigestChallenge([]string{c}); err != nil || ch == nil {
						t.Fatalf("parsing %s: %v", c, err)
					}
				}
			}
			got := digestAuthorization(*ch, rfcUser, rfcPass, "GET", rfcURI, 1, rfcCnonce)
			want := `Digest username="Mufasa", realm="http-auth@example.org", uri="/dir/index.html", algorithm=` + tc.alg +
				`, nonce="` + rfcNonce + `", nc=00000001, cnonce="` + rfcCnonce + `", qop=auth, response="` + tc.want +
				`", opaque="` + rfcOpaque + `"`
			if got != want {
				t.Errorf("Authorization:\n got %s\nwant %s", got, want)
			}
		})
	}
	// Offered both, the client answers the stronger.
	ch, err := pickDigestChallenge(challenges[1:2:2])
	if err != nil || ch.alg.name != "MD5" {
		t.Fatalf("MD5 alone: %+v, %v", ch, err)
	}
	ch, err = pickDigestChallenge([]string{challenges[1], challenges[0]})
	if err != nil || ch.alg.name != "SHA-256" {
		t.Errorf("picked %+v, %v; want SHA-256", ch, err)
	}
}

func TestDigestAgainstServer(t *testing.T) {
	registerSecrets(rfcPass, "Kennwort mit Ümlaut")
	tests := []struct {
		name     string
		algs     []string
		noQOP    bool
		userhash bool
		username Secret
		wantAlg  string
	}{
		{"MD5", []string{"MD5"}, false, false, rfcUser, "MD5"},
		{"SHA-256", []string{"SHA-256"}, false, false, rfcUser, "SHA-256"},
		{"SHA-512-256", []string{"SHA-512-256"}, false, false, rfcUser, "SHA-512-256"},
		{"MD5-sess", []string{"MD5-sess"}, false, false, rfcUser, "MD5-sess"},
		{"SHA-256-sess", []string{"SHA-256-sess"}, false, false, rfcUser, "SHA-256-sess"},
		{"MD5 and SHA-256 offered", []string{"MD5", "SHA-256"}, false, false, rfcUser, "SHA-256"},
		{"RFC 2069, no qop", []string{"MD5"}, true, false, rfcUser, "MD5"},
		{"userhash", []string{"SHA-256"}, false, true, rfcUser, "SHA-256"},
		{"UTF-8 user name", []string{"SHA-256"}, false, false, "Jäsøn Doe", "SHA-256"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := &authtest.DigestServer{Realm: rfcRealm, Username: tc.username.Reveal(), Password: rfcPass,
				Algorithms: tc.algs, NoQOP: tc.noQOP, UserHash: tc.userhash}
			ts := httptest.NewServer(srv)
			defer ts.Close()
			rt := Digest(tc.username, rfcPass).Transport(nil)
			for i := 1; i <= 3; i++ {
				status, _, err := call(t, rt, http.MethodGet, ts.URL+"/dir/index.html?x=1", nil)
				if err != nil || status != 200 {
					t.Fatalf("request %d: %d, %v", i, status, err)
				}
			}
			st := srv.Stats()
			// One challenge, then the nonce is reused with nc 1, 2, 3.
			if st.Challenges != 1 || st.Accepted != 3 || st.Rejected != 0 || st.Algorithms[tc.wantAlg] != 3 {
				t.Errorf("stats %+v, want 1 challenge and 3 accepted with %s", st, tc.wantAlg)
			}
		})
	}
}

func digestServer(t *testing.T, srv *authtest.DigestServer) (*httptest.Server, *[]string) {
	t.Helper()
	srv.Realm, srv.Username, srv.Password = rfcRealm, rfcUser, rfcPass
	var mu sync.Mutex
	var auths []string
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		auths = append(auths, r.Header.Get("Authorization"))
		mu.Unlock()
		srv.ServeHTTP(w, r)
	}))
	t.Cleanup(ts.Close)
	return ts, &auths
}

func param(auth, name string) string { return parseParams(strings.TrimPrefix(auth, "Digest "))[name] }

func TestDigestNonceCountAndStaleNonce(t *testing.T) {
	registerSecrets(rfcPass)
	srv := &authtest.DigestServer{Algorithms: []string{"SHA-256", "MD5"}, NonceUses: 3}
	ts, auths := digestServer(t, srv)
	rt := Digest(rfcUser, rfcPass).Transport(nil)
	for i := 0; i < 4; i++ {
		if status, _, err := call(t, rt, http.MethodGet, ts.URL+"/a", nil); err != nil || status != 200 {
			t.Fatalf("request %d: %d, %v", i, status, err)
		}
	}
	// Sent: none (challenged), nc 1, 2, 3 on the first nonce, then the
	// retired nonce (stale), then nc 1 on the new one.
	var ncs, nonces []string
	for _, a := range *auths {
		ncs = append(ncs, param(a, "nc"))
		nonces = append(nonces, param(a, "nonce"))
	}
	if got, want := strings.Join(ncs, ","), ",00000001,00000002,00000003,00000004,00000001"; got != want {
		t.Errorf("nonce counts %q, want %q", got, want)
	}
	if nonces[1] != nonces[4] || nonces[4] == nonces[5] {
		t.Errorf("nonces %q: want the first reused until stale, then a new one", nonces)
	}
	for _, a := range (*auths)[1:] {
		if cn := param(a, "cnonce"); len(cn) < 16 || strings.Count(strings.Join(*auths, " "), cn) != 1 {
			t.Errorf("cnonce %q is short or repeated", cn)
		}
	}
	st := srv.Stats()
	if st.Challenges != 2 || st.Stale != 1 || st.Accepted != 4 || st.Rejected != 0 || st.Replays != 0 {
		t.Errorf("stats %+v", st)
	}

	// ExpireNonces: the next request is answered stale=true and retried.
	srv.ExpireNonces()
	if status, _, err := call(t, rt, http.MethodGet, ts.URL+"/a", nil); err != nil || status != 200 {
		t.Fatalf("after ExpireNonces: %d, %v", status, err)
	}
	if st := srv.Stats(); st.Stale != 2 || st.Accepted != 5 {
		t.Errorf("after ExpireNonces: %+v", st)
	}
}

func TestDigestPOSTIsReplayedAfterTheChallenge(t *testing.T) {
	registerSecrets(rfcPass)
	const body = `{"order":42,"items":["a","b"]}`
	tests := []struct {
		name string
		body func() io.Reader
	}{
		{"with GetBody", func() io.Reader { return strings.NewReader(body) }},
		{"streamed body, buffered", func() io.Reader { return stream(body) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := &authtest.DigestServer{Algorithms: []string{"SHA-256"}, Next: echo}
			ts, auths := digestServer(t, srv)
			status, got, err := call(t, Digest(rfcUser, rfcPass).Transport(nil), http.MethodPost, ts.URL+"/orders", tc.body())
			if err != nil || status != 200 || got != "POST "+body {
				t.Fatalf("got %d %q, %v", status, got, err)
			}
			if len(*auths) != 2 || (*auths)[0] != "" || srv.Stats().Challenges != 1 {
				t.Errorf("want one unauthenticated attempt then one answer, saw %q", *auths)
			}
		})
	}
}

func TestDigestWrongPasswordIsNotRetried(t *testing.T) {
	registerSecrets(rfcPass, "Circle of Death")
	srv := &authtest.DigestServer{Algorithms: []string{"MD5"}}
	ts, auths := digestServer(t, srv)
	rt := Digest(rfcUser, "Circle of Death").Transport(nil)
	for i := 0; i < 2; i++ {
		status, _, err := call(t, rt, http.MethodGet, ts.URL+"/a", nil)
		if err != nil || status != 401 {
			t.Fatalf("request %d: %d, %v; want 401", i, status, err)
		}
	}
	// First call: challenge, one wrong answer. Second: one wrong answer
	// with the nonce the last challenge gave. One failed attempt per call.
	if st := srv.Stats(); len(*auths) != 3 || st.Rejected != 2 {
		t.Errorf("%d requests, stats %+v", len(*auths), st)
	}
}

func TestDigestConcurrentRequestsNeverReuseANonceCount(t *testing.T) {
	registerSecrets(rfcPass)
	srv := &authtest.DigestServer{Algorithms: []string{"SHA-256"}}
	ts, _ := digestServer(t, srv)
	rt := Digest(rfcUser, rfcPass).Transport(nil)
	if status, _, err := call(t, rt, http.MethodGet, ts.URL+"/warm", nil); err != nil || status != 200 {
		t.Fatal(status, err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			status, _, err := call(t, rt, http.MethodPut, ts.URL+"/item", strings.NewReader("x"))
			if err == nil && status != 200 {
				err = errors.New(http.StatusText(status))
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if st := srv.Stats(); st.Accepted != 21 || st.Replays != 0 || st.Challenges != 1 {
		t.Errorf("stats %+v", st)
	}
}

func TestDigestUnsupportedChallenge(t *testing.T) {
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Add("WWW-Authenticate", `Digest realm="r", qop="auth-int", nonce="n", algorithm=SHA-256`)
		w.Header().Add("WWW-Authenticate", `Digest realm="r", qop="auth", nonce="n", algorithm=SHA3-512`)
		w.WriteHeader(401)
	}))
	defer ts.Close()
	_, _, err := call(t, Digest("u", "p").Transport(nil), http.MethodGet, ts.URL, nil)
	if !errors.Is(err, errors.ErrUnsupported) || !strings.Contains(err.Error(), "auth-int") || !strings.Contains(err.Error(), "SHA3-512") {
		t.Errorf("err = %v", err)
	}

	// A 401 without a Digest challenge is handed back as is.
	basic := httptest.NewServer(authtest.RequireBasic("u", "p", nil))
	defer basic.Close()
	if status, _, err := call(t, Digest("u", "p").Transport(nil), http.MethodGet, basic.URL, nil); err != nil || status != 401 {
		t.Errorf("got %d, %v", status, err)
	}
}

func TestParseChallenges(t *testing.T) {
	tests := []struct {
		in   []string
		want string // scheme{k=v ...} per challenge
	}{
		{[]string{`Basic realm="simple"`}, `basic{realm=simple}`},
		{[]string{`Newauth realm="apps", type=1, title="Login to \"apps\"", Basic realm="simple"`},
			`newauth{realm=apps title=Login to "apps" type=1} basic{realm=simple}`},
		{[]string{`Negotiate abc==, Digest nonce="n,1", qop="auth, auth-int", stale=TRUE`},
			`negotiate{} digest{nonce=n,1 qop=auth, auth-int stale=TRUE}`},
		{[]string{`Bearer`, `Digest realm=r , algorithm = MD5-sess,nonce=x/y`},
			`bearer{} digest{algorithm=MD5-sess nonce=x/y realm=r}`},
		{[]string{``, `,,`}, ``},
	}
	for _, tc := range tests {
		var parts []string
		for _, c := range parseChallenges(tc.in) {
			var kv []string
			for _, k := range sortedKeys(c.params) {
				kv = append(kv, k+"="+c.params[k])
			}
			parts = append(parts, c.scheme+"{"+strings.Join(kv, " ")+"}")
		}
		if got := strings.Join(parts, " "); got != tc.want {
			t.Errorf("parseChallenges(%q)\n got %s\nwant %s", tc.in, got, tc.want)
		}
	}
	if got := parseParams(`nextnonce="abc", qop=auth, rspauth="x"`)["nextnonce"]; got != "abc" {
		t.Errorf("nextnonce = %q", got)
	}
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	for i := 1; i < len(keys); i++ {
		for j := i; j > 0 && keys[j] < keys[j-1]; j-- {
			keys[j], keys[j-1] = keys[j-1], keys[j]
		}
	}
	return keys
}

func TestDigestNextNonce(t *testing.T) {
	registerSecrets(rfcPass)
	srv := &authtest.DigestServer{Algorithms: []string{"MD5"}}
	ts, _ := digestServer(t, srv)
	rt := Digest(rfcUser, rfcPass).Transport(nil)
	if status, _, err := call(t, rt, http.MethodGet, ts.URL+"/a", nil); err != nil || status != 200 {
		t.Fatal(status, err)
	}
	c := rt.(*digestTransport).c
	key := origin(mustParse(t, ts.URL))
	c.nextNonce(&http.Response{Header: http.Header{"Authentication-Info": {`qop=auth, nextnonce="fresh-nonce"`}}}, key)
	c.mu.Lock()
	st := *c.origins[key]
	c.mu.Unlock()
	if st.ch.nonce != "fresh-nonce" || st.nc != 0 {
		t.Errorf("after nextnonce: %+v", st)
	}
}
