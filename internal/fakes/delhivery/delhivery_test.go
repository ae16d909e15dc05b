package delhivery_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

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
			AuthKind:   connectors.AuthAPIKey,
			Secrets:    connectors.SecretValues{connectors.FieldKey: delhivery.Token},
			Properties: map[string]string{"tracked_waybills": delhivery.SeededWaybill},
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
	connectortest.CheckPollers(t, c, f, options().Call(t, f.BaseURL(), "{}"), 30*time.Second)

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

// The app's status_changed trigger tracks the connection's waybills and
// finds each status of a package once: its item ids are the waybill and
// the status's time, so a delivery is an item though the package was
// found before.
func TestStatusChangedPollsEachStatusOnce(t *testing.T) {
	f := delhivery.New()
	t.Cleanup(f.Close)
	appcheck.Serve(t, f)
	c := appcheck.Load(t, "delhivery")
	var poller connectors.Poller
	for _, pl := range c.(connectors.PollConnector).Pollers() {
		if pl.Trigger() == "status_changed" {
			poller = pl
		}
	}
	if poller == nil {
		t.Fatal("the app has no status_changed poller")
	}
	other := f.Manifest("1800000000777", "5002", "Ada")
	o := options()
	o.Connection.Properties = map[string]string{"tracked_waybills": delhivery.SeededWaybill + "," + other.AWB}
	call := o.Call(t, f.BaseURL(), "{}")
	poll := func(cursor string) connectors.PollResult {
		t.Helper()
		res, err := poller.Poll(t.Context(), call, cursor)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	ids := func(res connectors.PollResult) []string {
		var out []string
		for _, it := range res.Items {
			out = append(out, it.ID)
		}
		slices.Sort(out)
		return out
	}
	seeded, _ := f.Package(delhivery.SeededWaybill)
	first := poll("")
	want := []string{other.AWB + "~~" + other.Status.StatusDateTime, delhivery.SeededWaybill + "~~" + seeded.Status.StatusDateTime}
	slices.Sort(want)
	if got := ids(first); !slices.Equal(got, want) {
		t.Fatalf("the first poll found %q, want %q", got, want)
	}
	last := f.Requests()[len(f.Requests())-1]
	if last.Query.Get("waybill") != delhivery.SeededWaybill+","+other.AWB || last.Header.Get("Authorization") != "Token "+delhivery.Token {
		t.Errorf("the poll asked %s %v", last.Query.Encode(), last.Header)
	}
	again := poll(first.Cursor)
	if len(again.Items) != 0 {
		t.Errorf("polling again found %q", ids(again))
	}
	delivered, _, err := f.ScanPackage(t.Context(), other.AWB, "Delivered", "", "", "Delivered to consignee")
	if err != nil {
		t.Fatal(err)
	}
	after := poll(again.Cursor)
	if got := ids(after); len(got) != 1 || got[0] != other.AWB+"~~"+delivered.Status.StatusDateTime {
		t.Fatalf("after the delivery the poll found %q", got)
	}
	var item struct {
		AWB    string
		Status delhivery.Status
	}
	if err := json.Unmarshal(after.Items[0].Payload, &item); err != nil || item.AWB != other.AWB || item.Status.StatusType != "DL" {
		t.Errorf("the delivered item: %s (%v)", after.Items[0].Payload, err)
	}
	if res := poll(after.Cursor); len(res.Items) != 0 {
		t.Errorf("polling after the delivery again found %q", ids(res))
	}
}

// scan_pushed's event id is the waybill and the status's time: two scans
// of one package are two events, and a scan pushed again is the same one.
func TestScanPushedIsOneEventPerScan(t *testing.T) {
	f := delhivery.New()
	t.Cleanup(f.Close)
	c := appcheck.Load(t, "delhivery")
	var hook connectors.Webhook
	for _, h := range c.(connectors.WebhookConnector).Webhooks() {
		if h.Trigger() == "scan_pushed" {
			hook = h
		}
	}
	const secret = "s1"
	var pushes [][]byte
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		pushes = append(pushes, b)
	}))
	t.Cleanup(srv.Close)
	if err := f.Hooks().Subscribe(control.Subscription{Event: delhivery.EventScan, URL: srv.URL}); err != nil {
		t.Fatal(err)
	}
	p := f.Manifest("1800000000888", "5003", "Ada")
	for _, status := range []string{"Out for Delivery", "Delivered"} {
		if _, _, err := f.ScanPackage(t.Context(), p.AWB, status, "", "", ""); err != nil {
			t.Fatal(err)
		}
	}
	var ids []string
	for _, body := range append(pushes, pushes[len(pushes)-1]) {
		signed := f.SignWebhook("scan_pushed", body, secret, "", time.Now())
		signed.Delivery.Secrets = []string{secret}
		got, err := hook.Receive(signed.Delivery)
		if err != nil || len(got.Events) != 1 {
			t.Fatalf("receiving %s: %+v %v", body, got, err)
		}
		ids = append(ids, got.Events[0].ID)
	}
	if len(ids) != 3 || ids[0] == ids[1] || ids[1] != ids[2] || !strings.HasPrefix(ids[0], p.AWB+"~~") {
		t.Errorf("event ids %q: want one per scan, the same for a scan pushed again", ids)
	}
}
