package delhivery_test

import (
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
	"github.com/junction-run/junction/internal/fakes/delhivery"
)

func options() connectortest.Options {
	return connectortest.Options{
		Connection: connectors.Connection{
			AuthKind: connectors.AuthAPIKey,
			Secrets:  connectors.SecretValues{connectors.FieldKey: delhivery.Token},
		},
		Authenticate: auth.APIKey(connectors.APIKeyInHeader, "Authorization", "Token "+delhivery.Token).Transport,
	}
}

// The example app examples/apps/delhivery passes the conformance kit
// against the fake, and its actions read what the fake answers.
func TestAppConformance(t *testing.T) {
	f := delhivery.New()
	t.Cleanup(f.Close)
	appcheck.Serve(t, f)
	c := appcheck.Load(t, "delhivery")
	appcheck.Conformance(t, c, f, options())

	track := connectortest.Action(t, c, "track_shipment")
	out, err := track.Run(t.Context(), options().Call(t, f.BaseURL(), `{"waybill": "`+delhivery.SeededWaybill+`"}`))
	if err != nil {
		t.Fatal(err)
	}
	got := out.(map[string]any)
	if got["status"] != "In Transit" || got["status_type"] != "UD" || len(got["shipments"].([]any)) != 1 {
		t.Errorf("tracking the seeded package: %v", got)
	}
	out, err = track.Run(t.Context(), options().Call(t, f.BaseURL(), `{"waybill": "0000"}`))
	if err != nil {
		t.Fatal(err)
	}
	if got := out.(map[string]any); got["error"] == nil || len(got["shipments"].([]any)) != 0 || got["status"] != nil {
		t.Errorf("tracking an unknown waybill: %v", got)
	}
	var booked string
	for _, r := range f.Requests() {
		if r.Path == "/api/cmu/create.json" && r.Method == http.MethodPost {
			booked = string(r.Body)
		}
	}
	if !strings.HasPrefix(booked, "data=") || !strings.Contains(booked, "pickup_location%22%3A%7B%22name%22%3A%22Northwind+Gurgaon") {
		t.Errorf("create_shipment sent %s", booked)
	}
}

// A scan of a manifested package is pushed to the subscribers with the
// agreed Authorization header, in Delhivery's push format.
func TestScanIsPushed(t *testing.T) {
	f := delhivery.New()
	t.Cleanup(f.Close)
	var got []*http.Request
	var bodies []string
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b := new(strings.Builder)
		_, _ = io.Copy(b, r.Body)
		got, bodies = append(got, r), append(bodies, b.String())
	}))
	t.Cleanup(hook.Close)
	if err := f.Hooks().Subscribe(control.Subscription{Event: delhivery.EventScan, URL: hook.URL,
		Headers: map[string]string{"Authorization": "Bearer s1"}}); err != nil {
		t.Fatal(err)
	}
	f.Manifest("1800000000999", "5001", "Ada")
	p, deliveries, err := f.ScanPackage(t.Context(), "1800000000999", "Delivered", "", "", "")
	if err != nil {
		t.Fatal(err)
	}
	if p.Status.StatusType != "DL" || len(deliveries) != 1 || !deliveries[0].OK() {
		t.Fatalf("package %+v, deliveries %+v", p, deliveries)
	}
	if len(got) != 1 || got[0].Header.Get("Authorization") != "Bearer s1" ||
		!strings.Contains(bodies[0], `"AWB":"1800000000999"`) || !strings.Contains(bodies[0], `"StatusType":"DL"`) || !strings.Contains(bodies[0], `"ReferenceNo":"5001"`) {
		t.Errorf("pushed %v %s", got, bodies)
	}
	if _, _, err := f.ScanPackage(t.Context(), "1800000000999", "In Transit", "", "", ""); err == nil {
		t.Error("a delivered package was scanned again")
	}
}
