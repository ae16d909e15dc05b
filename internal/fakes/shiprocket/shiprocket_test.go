package shiprocket_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/junction-run/junction/connectors"
	"github.com/junction-run/junction/connectors/auth"
	"github.com/junction-run/junction/connectors/connectortest"
	"github.com/junction-run/junction/internal/fakes/appcheck"
	"github.com/junction-run/junction/internal/fakes/control"
	"github.com/junction-run/junction/internal/fakes/shiprocket"
)

// connection is a session connection of the fake's API user.
var connection = connectors.Connection{
	AuthKind: connectors.AuthSession,
	Secrets:  connectors.SecretValues{connectors.FieldUsername: shiprocket.Email, connectors.FieldPassword: shiprocket.Password},
}

// sessionOptions are calls through the app's declared session login, a
// new session each time they are made (each activity has its own), which
// logs in with its first request.
func sessionOptions(t *testing.T, c connectors.Connector) connectortest.Options {
	t.Helper()
	cfg, err := connectors.SessionConfig(c.Spec().Auth[0], nil, nil, shiprocket.Email, shiprocket.Password)
	if err != nil {
		t.Fatal(err)
	}
	return connectortest.Options{
		Connection:   connection,
		Authenticate: func(next http.RoundTripper) http.RoundTripper { return auth.Session(cfg).Transport(next) },
	}
}

// The example app examples/apps/shiprocket passes the conformance kit
// against the fake, logging in as its session auth declares.
func TestAppConformance(t *testing.T) {
	f := shiprocket.New()
	t.Cleanup(f.Close)
	appcheck.Serve(t, f)
	c := appcheck.Load(t, "shiprocket")
	if a := c.Spec().Auth; len(a) != 1 || a[0].Kind != connectors.AuthSession {
		t.Fatalf("the app's auth is %+v, want session", a)
	}
	// The kit's failures are one answer each: a session would heal its
	// 401 by logging in again (TestSessionLogsInOnce), so the actions'
	// mapping of failures is checked with the token a login answered.
	appcheck.Conformance(t, c, f, connectortest.Options{Connection: connection, Authenticate: auth.Bearer(auth.Secret(f.Login())).Transport})
	if o, ok := f.Order("NW-2001"); !ok || o.Status != "NEW" {
		t.Errorf("create_order's sample made %+v", o)
	}
}

// A session logs in once with the API user's email and password as JSON,
// sends the token it answers as Bearer on every call after, and logs in
// again when a token is refused.
func TestSessionLogsInOnce(t *testing.T) {
	f := shiprocket.New()
	t.Cleanup(f.Close)
	appcheck.Serve(t, f)
	c := appcheck.Load(t, "shiprocket")
	track := connectortest.Action(t, c, "track_awb")
	call := sessionOptions(t, c).Call(t, f.BaseURL(), `{"awb": "`+shiprocket.SeededAWB+`"}`)
	for range 2 {
		if _, err := track.Run(t.Context(), call); err != nil {
			t.Fatal(err)
		}
	}
	if n := f.Logins(); n != 1 {
		t.Errorf("two calls logged in %d times, want once", n)
	}
	reqs := f.Requests()
	if len(reqs) != 3 || reqs[0].Path != "/v1/external/auth/login" || reqs[0].Header.Get("Content-Type") != "application/json" {
		t.Fatalf("requests %+v, want a login then two calls", reqs)
	}
	var sent map[string]string
	if err := json.Unmarshal(reqs[0].Body, &sent); err != nil || sent["email"] != shiprocket.Email || sent["password"] != shiprocket.Password || len(sent) != 2 {
		t.Errorf("the login sent %s", reqs[0].Body)
	}
	if a, b := reqs[1].Header.Get("Authorization"), reqs[2].Header.Get("Authorization"); a != b || !strings.HasPrefix(a, "Bearer sr-fake-") {
		t.Errorf("the calls sent Authorization %q and %q, want the same token", a, b)
	}

	// A token the fake does not know (another process's, or expired) is
	// refused with 401: the session logs in again, once, and goes on.
	f.FailNext(http.StatusUnauthorized, 0)
	if _, err := track.Run(t.Context(), call); err != nil {
		t.Fatalf("after a refused token: %v", err)
	}
	if n := f.Logins(); n != 2 {
		t.Errorf("after a refused token the session logged in %d times in all, want 2", n)
	}
}

// Logging in answers the token; a status change is sent to the tracking
// subscribers with their token in x-api-key.
func TestLoginAndTrackingWebhook(t *testing.T) {
	f := shiprocket.New()
	t.Cleanup(f.Close)
	api := httptest.NewServer(f)
	t.Cleanup(api.Close)
	for _, tt := range []struct {
		body   string
		status int
	}{
		{`{"email": "` + shiprocket.Email + `", "password": "` + shiprocket.Password + `"}`, http.StatusOK},
		{`{"email": "` + shiprocket.Email + `", "password": "wrong"}`, http.StatusUnauthorized},
	} {
		resp, err := http.Post(api.URL+"/v1/external/auth/login", "application/json", bytes.NewReader([]byte(tt.body)))
		if err != nil {
			t.Fatal(err)
		}
		var out map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&out)
		resp.Body.Close()
		token, _ := out["token"].(string)
		if resp.StatusCode != tt.status || (tt.status == http.StatusOK && !strings.HasPrefix(token, "sr-fake-")) {
			t.Errorf("login %s: %d %v", tt.body, resp.StatusCode, out)
		}
	}

	var got []string
	var keys []string
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got, keys = append(got, string(b)), append(keys, r.Header.Get("x-api-key"))
	}))
	t.Cleanup(hook.Close)
	if err := f.Hooks().Subscribe(control.Subscription{Event: shiprocket.EventTracking, URL: hook.URL, Headers: map[string]string{"x-api-key": "tok"}}); err != nil {
		t.Fatal(err)
	}
	resp, err := http.Post(api.URL+"/_fake/shipments/"+shiprocket.SeededAWB+"/status", "application/json", bytes.NewReader([]byte(`{"status": "delivered"}`)))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	var event map[string]any
	if len(got) == 1 {
		_ = json.Unmarshal([]byte(got[0]), &event)
	}
	if resp.StatusCode != http.StatusOK || len(got) != 1 || keys[0] != "tok" || event["awb"] != shiprocket.SeededAWB || event["current_status"] != "DELIVERED" {
		t.Errorf("status change: %d, webhooks %v %v", resp.StatusCode, keys, got)
	}
}
