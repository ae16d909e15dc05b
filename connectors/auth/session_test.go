package auth

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/junction-run/junction/connectors/auth/authtest"
)

const (
	sessUser = "ops@acme.example"
	sessPass = `s3ss!on "pass" & more`
)

func TestSession(t *testing.T) {
	registerSecrets(sessUser, sessPass, "definitely-wrong-pw")
	tests := []struct {
		name   string
		cookie bool
		cfg    SessionConfig
	}{
		{"JSON token", false, SessionConfig{TokenPointer: "/data/token"}},
		{"JSON token, form login", false, SessionConfig{TokenPointer: "/data/token", ContentType: "application/x-www-form-urlencoded"}},
		{"JSON token, explicit template", false, SessionConfig{TokenPointer: "/data/token",
			Body: `{"username": "{{ username }}", "password": "{{password}}", "remember": false}`}},
		{"cookie", true, SessionConfig{TokenCookie: authtest.SessionCookie}},
		{"every cookie", true, SessionConfig{TokenCookie: "*"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := &authtest.SessionServer{Username: sessUser, Password: sessPass, Cookie: tc.cookie, Next: echo}
			ts := httptest.NewServer(srv)
			defer ts.Close()
			cfg := tc.cfg
			cfg.LoginURL, cfg.Username, cfg.Password = ts.URL+"/login", sessUser, sessPass
			rt := Session(cfg).Transport(nil)

			get := func(want int) {
				t.Helper()
				status, _, err := call(t, rt, http.MethodGet, ts.URL+"/api/orders", nil)
				if err != nil || status != want {
					t.Fatalf("got %d, %v; want %d", status, err, want)
				}
			}
			get(200)
			get(200)
			if st := srv.Stats(); st.Logins != 1 || st.Accepted != 2 || st.Rejected != 0 {
				t.Fatalf("one login for two calls: %+v", st)
			}

			// The session expires: 401, one new login, the call repeated
			// with its body.
			srv.ExpireSessions()
			status, got, err := call(t, rt, http.MethodPost, ts.URL+"/api/orders", stream(`{"id":7}`))
			if err != nil || status != 200 || got != `POST {"id":7}` {
				t.Fatalf("after expiry: %d %q, %v", status, got, err)
			}
			if st := srv.Stats(); st.Logins != 2 || st.Rejected != 1 || st.Accepted != 3 {
				t.Fatalf("after expiry: %+v", st)
			}

			// Many calls meet the expired session at once: one login.
			srv.ExpireSessions()
			var wg sync.WaitGroup
			for i := 0; i < 20; i++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					if status, _, err := call(t, rt, http.MethodGet, ts.URL+"/api/orders", nil); err != nil || status != 200 {
						t.Errorf("concurrent call: %d, %v", status, err)
					}
				}()
			}
			wg.Wait()
			if st := srv.Stats(); st.Logins != 3 {
				t.Errorf("20 concurrent calls on an expired session: %d logins in all, want 3", st.Logins)
			}
		})
	}
}

func TestSessionWrongPassword(t *testing.T) {
	registerSecrets(sessUser, sessPass, "definitely-wrong-pw")
	for _, cookie := range []bool{false, true} {
		srv := &authtest.SessionServer{Username: sessUser, Password: sessPass, Cookie: cookie}
		ts := httptest.NewServer(srv)
		cfg := SessionConfig{LoginURL: ts.URL + "/login", Username: sessUser, Password: "definitely-wrong-pw", TokenPointer: "/data/token"}
		if cookie {
			cfg.TokenPointer, cfg.TokenCookie = "", authtest.SessionCookie
		}
		rt := Session(cfg).Transport(nil)
		for i := 0; i < 2; i++ {
			_, _, err := call(t, rt, http.MethodGet, ts.URL+"/api/orders", nil)
			var le *LoginError
			if !errors.As(err, &le) || le.StatusCode != 401 || !errors.Is(err, ErrRejected) {
				t.Fatalf("err = %v; want a 401 LoginError matching ErrRejected", err)
			}
			// The fake quotes the user name and password back; the error
			// keeps the message and drops the secrets.
			if !strings.Contains(err.Error(), "invalid_credentials") || !strings.Contains(err.Error(), "[redacted]") {
				t.Errorf("err = %v", err)
			}
		}
		// One login attempt per call, and the API never reached.
		if st := srv.Stats(); st.FailedLogins != 2 || st.Logins != 0 || st.Accepted+st.Rejected != 0 {
			t.Errorf("stats %+v", st)
		}
		ts.Close()
	}
}

// An API that rejects even a fresh session (say, the token is sent in the
// wrong header) gets one login per call, not a loop.
func TestSessionRejectedFreshSessionIsNotALoop(t *testing.T) {
	registerSecrets(sessUser, sessPass)
	srv := &authtest.SessionServer{Username: sessUser, Password: sessPass}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	rt := Session(SessionConfig{LoginURL: ts.URL + "/login", Username: sessUser, Password: sessPass,
		TokenPointer: "/data/token", SendHeader: "X-Session"}).Transport(nil)
	for i := 0; i < 3; i++ {
		if status, _, err := call(t, rt, http.MethodGet, ts.URL+"/api", nil); err != nil || status != 401 {
			t.Fatalf("got %d, %v; want the API's 401", status, err)
		}
	}
	// Call 1 logs in and is refused; calls 2 and 3 each log in again once.
	if st := srv.Stats(); st.Logins != 3 || st.Rejected != 5 {
		t.Errorf("stats %+v", st)
	}
}

func TestSessionTokenInHeader(t *testing.T) {
	registerSecrets(sessPass, "hdr-token-1", "hdr-token-2")
	var mu sync.Mutex
	logins := 0
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		switch r.URL.Path {
		case "/auth":
			b, _ := io.ReadAll(r.Body)
			if r.Method != http.MethodPut || r.Header.Get("Content-Type") != "application/xml" || r.Header.Get("X-App") != "junction" ||
				string(b) != `<login><user>`+sessUser+`</user><pass>s3ss!on &#34;pass&#34; &amp; more</pass></login>` {
				http.Error(w, "bad login request", 400)
				return
			}
			logins++
			w.Header().Set("X-Auth-Token", []string{"", "hdr-token-1", "hdr-token-2"}[logins])
		default:
			if r.Header.Get("X-Auth-Token") != "hdr-token-2" {
				w.WriteHeader(401)
			}
		}
	}))
	defer ts.Close()
	rt := Session(SessionConfig{LoginURL: ts.URL + "/auth", LoginMethod: "put", ContentType: "application/xml",
		LoginHeader: http.Header{"X-App": {"junction"}},
		Body:        `<login><user>{{username}}</user><pass>{{password}}</pass></login>`,
		Username:    sessUser, Password: sessPass, TokenHeader: "X-Auth-Token", SendHeader: "x-auth-token"}).Transport(nil)
	// The first token is refused (say, it expired at once): one re-login.
	status, _, err := call(t, rt, http.MethodGet, ts.URL+"/api", nil)
	if err != nil || status != 401 {
		t.Fatalf("fresh session refused: %d, %v", status, err)
	}
	status, _, err = call(t, rt, http.MethodGet, ts.URL+"/api", nil)
	if err != nil || status != 200 || logins != 2 {
		t.Fatalf("got %d, %v after %d logins", status, err, logins)
	}
}

func TestSessionLoginAnswerWithoutToken(t *testing.T) {
	registerSecrets(sessPass)
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"data":{"tokens":["x"]},"user":"`+sessUser+`"}`)
	}))
	defer ts.Close()
	_, _, err := call(t, Session(SessionConfig{LoginURL: ts.URL, Username: sessUser, Password: sessPass, TokenPointer: "/data/token"}).Transport(nil),
		http.MethodGet, ts.URL+"/api", nil)
	if !errors.Is(err, ErrRejected) || !strings.Contains(err.Error(), `no member "token"`) {
		t.Errorf("err = %v", err)
	}
}

func TestSessionWaiterGivesUpWithItsContext(t *testing.T) {
	registerSecrets(sessUser, sessPass)
	release := make(chan struct{})
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/login" {
			<-release
			_, _ = io.WriteString(w, `{"token":"t"}`)
		}
	}))
	defer ts.Close()
	defer close(release)
	rt := Session(SessionConfig{LoginURL: ts.URL + "/login", Username: sessUser, Password: sessPass, TokenPointer: "/token"}).Transport(nil)
	go func() {
		req, _ := http.NewRequest(http.MethodGet, ts.URL+"/api", nil)
		if resp, err := rt.RoundTrip(req); err == nil {
			resp.Body.Close()
		}
	}()
	time.Sleep(50 * time.Millisecond) // the first call is now logging in
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, ts.URL+"/api", nil)
	start := time.Now()
	_, err := rt.RoundTrip(req)
	noteErr(t, err)
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 2*time.Second {
		t.Errorf("err = %v after %s", err, time.Since(start))
	}
}

func TestJSONPointer(t *testing.T) {
	doc := []byte(`{"a":{"b/c":[{"t":"x"},{"t":12345}]},"m~n":"y","e":""}`)
	tests := []struct {
		ptr, want string
		ok        bool
	}{
		{"/a/b~1c/0/t", "x", true},
		{"/a/b~1c/1/t", "12345", true},
		{"/m~0n", "y", true},
		{"/e", "", false},
		{"/a/b~1c/2/t", "", false},
		{"/a/b~1c/01/t", "", false},
		{"/a/x", "", false},
		{"/m~0n/z", "", false},
		{"/a", "", false},
	}
	for _, tc := range tests {
		got, err := jsonPointerString(doc, tc.ptr)
		if got != tc.want || (err == nil) != tc.ok {
			t.Errorf("%s: %q, %v", tc.ptr, got, err)
		}
	}
}
