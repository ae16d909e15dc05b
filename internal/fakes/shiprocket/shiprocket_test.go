package shiprocket_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/junction-run/junction/connectors"
	"github.com/junction-run/junction/connectors/auth"
	"github.com/junction-run/junction/connectors/connectortest"
	"github.com/junction-run/junction/internal/fakes/appcheck"
	"github.com/junction-run/junction/internal/fakes/control"
	"github.com/junction-run/junction/internal/fakes/shiprocket"
)

func options() connectortest.Options {
	return connectortest.Options{
		Connection: connectors.Connection{
			AuthKind: connectors.AuthBearer,
			Secrets:  connectors.SecretValues{connectors.FieldToken: shiprocket.Token},
		},
		Authenticate: auth.Bearer(shiprocket.Token).Transport,
	}
}

// The example app examples/apps/shiprocket passes the conformance kit
// against the fake.
func TestAppConformance(t *testing.T) {
	f := shiprocket.New()
	t.Cleanup(f.Close)
	appcheck.Serve(t, f)
	appcheck.Conformance(t, appcheck.Load(t, "shiprocket"), f, options())
	if o, ok := f.Order("NW-2001"); !ok || o.Status != "NEW" {
		t.Errorf("create_order's sample made %+v", o)
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
		if resp.StatusCode != tt.status || (tt.status == http.StatusOK && out["token"] != shiprocket.Token) {
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
