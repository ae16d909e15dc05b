package auth

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/junction-run/junction/connectors/auth/authtest"
)

func TestAttempts(t *testing.T) {
	big := strings.Repeat("x", MaxReplayBody+1)
	tests := []struct {
		name      string
		body      io.Reader
		want      string
		wantRetry bool
	}{
		{"no body", nil, "", true},
		{"with GetBody", strings.NewReader("abc"), "abc", true},
		{"streamed, buffered", stream("abc"), "abc", true},
		{"streamed, at the limit", stream(big[1:]), big[1:], true},
		{"streamed, over the limit", stream(big), big, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodPost, "https://api.example.com/x", tc.body)
			a, err := newAttempts(req)
			if err != nil {
				t.Fatal(err)
			}
			if a.canRetry() != tc.wantRetry {
				t.Fatalf("canRetry = %v", a.canRetry())
			}
			sends := 1
			if tc.wantRetry {
				sends = 2
			}
			for i := 0; i < sends; i++ {
				r, err := a.next()
				if err != nil {
					t.Fatal(err)
				}
				if r == req {
					t.Fatal("next returned the caller's request")
				}
				var got []byte
				if r.Body != nil {
					got, _ = io.ReadAll(r.Body)
				}
				if string(got) != tc.want {
					t.Fatalf("attempt %d: body of %d bytes, want %d", i+1, len(got), len(tc.want))
				}
				if tc.wantRetry != (r.GetBody != nil || tc.body == nil) {
					t.Errorf("attempt %d: GetBody set = %v", i+1, r.GetBody != nil)
				}
			}
		})
	}
}

// A body too large to hold is sent once; the 401 comes back as it is.
func TestOversizedBodyIsNotRetried(t *testing.T) {
	registerSecrets(sessUser, sessPass)
	srv := &authtest.SessionServer{Username: sessUser, Password: sessPass, Next: echo}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	rt := Session(SessionConfig{LoginURL: ts.URL + "/login", Username: sessUser, Password: sessPass, TokenPointer: "/data/token"}).Transport(nil)
	if status, _, err := call(t, rt, http.MethodGet, ts.URL+"/api", nil); err != nil || status != 200 {
		t.Fatal(status, err)
	}
	srv.ExpireSessions()
	status, _, err := call(t, rt, http.MethodPost, ts.URL+"/api", streamBody{bytes.NewReader(make([]byte, MaxReplayBody+10))})
	if err != nil || status != 401 {
		t.Fatalf("got %d, %v; want the 401", status, err)
	}
	if st := srv.Stats(); st.Logins != 1 {
		t.Errorf("stats %+v", st)
	}
}
