package httpconn_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/junction-run/junction/connectors/httpconn"
	"github.com/junction-run/junction/egress"
)

// Headers that carry a credential the third party hands out (a session
// cookie, a token) are kept by name only: a step's result goes into the
// run's history.
func TestResponseHeadersKeepNoCredential(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: "sid", Value: "session-Qx81"})
		w.Header().Set("X-Auth-Token", "token-Lm27")
		w.Header().Set("X-Request-Id", "req-1")
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{}`))
	}))
	defer srv.Close()
	resp, err := httpconn.Do(context.Background(), srv.Client(), httpconn.Request{Method: "GET", URL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"Set-Cookie": egress.Redacted, "X-Auth-Token": egress.Redacted, "X-Request-Id": "req-1", "Content-Type": "application/json"}
	for name, v := range want {
		if resp.Headers[name] != v {
			t.Errorf("%s: %q, want %q", name, resp.Headers[name], v)
		}
	}
}
