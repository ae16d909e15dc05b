package eshopbox_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/junction-run/junction/connectors"
	"github.com/junction-run/junction/connectors/auth"
	"github.com/junction-run/junction/connectors/connectortest"
	"github.com/junction-run/junction/internal/fakes/appcheck"
	"github.com/junction-run/junction/internal/fakes/control"
	"github.com/junction-run/junction/internal/fakes/eshopbox"
)

func options() connectortest.Options {
	return connectortest.Options{
		Connection: connectors.Connection{
			AuthKind:   connectors.AuthBearer,
			Properties: map[string]string{"external_channel_id": eshopbox.Channel},
			Secrets:    connectors.SecretValues{connectors.FieldToken: eshopbox.AccessToken},
		},
		Authenticate: auth.Bearer(eshopbox.AccessToken).Transport,
	}
}

// The example app examples/apps/eshopbox passes the conformance kit
// against the fake: its sample inputs succeed, failures map to their
// kinds, and its webhook triggers take what the fake sends.
func TestAppConformance(t *testing.T) {
	f := eshopbox.New()
	t.Cleanup(f.Close)
	appcheck.Serve(t, f)
	appcheck.Conformance(t, appcheck.Load(t, "eshopbox"), f, options())
	if o, _ := f.Order("450789469"); o.ExternalChannelID != eshopbox.Channel || len(o.Items) != 1 || o.ShippingAddress.PostalCode != "560001" {
		t.Errorf("create_order's sample made %+v", o)
	}
	if o, _ := f.Order(eshopbox.SeededOrder); o.Shipment.Status != "delivered" {
		t.Errorf("update_shipment_status's sample left the seeded shipment %q", o.Shipment.Status)
	}
}

// receiver is a webhook endpoint that records what it receives.
type receiver struct {
	mu  sync.Mutex
	got []received
}

type received struct {
	header http.Header
	body   map[string]any
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	raw, _ := io.ReadAll(r.Body)
	var body map[string]any
	_ = json.Unmarshal(raw, &body)
	rc.mu.Lock()
	rc.got = append(rc.got, received{r.Header.Clone(), body})
	rc.mu.Unlock()
}

func (rc *receiver) all() []received {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]received(nil), rc.got...)
}

func post(t *testing.T, url, token, body string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, url, bytes.NewReader([]byte(body)))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

const order = `{"externalChannelID": "NORTHWIND_SHOPIFY", "customerOrderNumber": "5001", "isCOD": "0", "paymentType": "Prepaid",
	"taxAmount": 0, "subtotal": 10, "orderTotal": 10, "balanceDue": 0, "thirdPartyShipping": false,
	"shippingAddress": {"customerName": "A", "addressLine1": "1 Road", "postalCode": "560001", "contactPhone": "1", "email": "a@example.com"},
	"billingAddress": {"customerName": "A", "addressLine1": "1 Road", "postalCode": "560001", "contactPhone": "1", "email": "a@example.com"},
	"items": [{"itemID": "SKU1", "quantity": 1, "itemTotal": 10}]}`

// The journey of an order through the fake: webhooks registered with
// Eshopbox's API get packed (when the control API packs it), delivered
// (when the courier's status update arrives, later and retried) and
// stock updates, each with the registration's x-api-key.
func TestOrderJourneySendsWebhooks(t *testing.T) {
	f := eshopbox.New()
	t.Cleanup(f.Close)
	api := httptest.NewServer(f)
	t.Cleanup(api.Close)
	rc := &receiver{}
	hook := httptest.NewServer(rc)
	t.Cleanup(hook.Close)
	var manifested []string
	f.OnPacked = func(o eshopbox.Order) { manifested = append(manifested, o.Shipment.TrackingID) }

	for _, sub := range []string{"packed", "delivered"} {
		if status, out := post(t, api.URL+"/api/v1/webhook", eshopbox.AccessToken, `{"resource": "shipment", "eventType": "PUT", "eventSubType": "`+sub+`",
			"version": "v1", "webhookUrl": "`+hook.URL+`", "webhookMethod": "POST", "webhookHeaders": {"x-api-key": "k1"}}`); status != http.StatusOK {
			t.Fatalf("registering %s: %d %v", sub, status, out)
		}
	}
	if status, out := post(t, api.URL+"/api/v1/webhook", eshopbox.AccessToken, `{"resource": "channel_inventory", "eventSubType": "updated",
		"version": "v1", "webhookUrl": "https://example.com/hook"}`); status != http.StatusBadRequest {
		t.Errorf("a webhook off this machine: %d %v", status, out)
	}
	if status, out := post(t, api.URL+"/api/order", "", order); status != http.StatusUnauthorized {
		t.Errorf("no token: %d %v", status, out)
	}
	if status, out := post(t, api.URL+"/api/order", eshopbox.AccessToken, `{"customerOrderNumber": "1"}`); status != http.StatusBadRequest {
		t.Errorf("missing fields: %d %v", status, out)
	}
	if status, out := post(t, api.URL+"/api/order", eshopbox.AccessToken, order); status != http.StatusOK {
		t.Fatalf("create: %d %v", status, out)
	}
	if status, out := post(t, api.URL+"/api/order", eshopbox.AccessToken, order); status != http.StatusConflict {
		t.Errorf("the same order again: %d %v", status, out)
	}

	status, packed := post(t, api.URL+"/_fake/orders/5001/pack", "", `{"courier": "Delhivery"}`)
	if status != http.StatusOK {
		t.Fatalf("pack: %d %v", status, packed)
	}
	o, _ := f.Order("5001")
	awb := o.Shipment.TrackingID
	if o.Shipment.Status != "packed" || awb == "" || len(manifested) != 1 || manifested[0] != awb {
		t.Fatalf("packed order %+v, manifested %v", o, manifested)
	}
	if got := rc.all(); len(got) != 1 || got[0].header.Get("x-api-key") != "k1" || got[0].body["eventSubType"] != "packed" {
		t.Fatalf("after packing the hook got %+v", got)
	}

	if status, out := post(t, api.URL+"/api/update-status", eshopbox.AccessToken, `{"waybill": "nope", "status_code": 8}`); status != http.StatusNotFound {
		t.Errorf("an unknown waybill: %d %v", status, out)
	}
	if status, out := post(t, api.URL+"/api/update-status", eshopbox.AccessToken, `{"waybill": "`+awb+`", "cp_name": "Delhivery", "status": "Delivered", "status_code": 8}`); status != http.StatusOK {
		t.Fatalf("update-status: %d %v", status, out)
	}
	deadline := time.Now().Add(10 * time.Second)
	for len(rc.all()) < 2 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	got := rc.all()
	if len(got) != 2 || got[1].body["eventSubType"] != "delivered" || got[1].body["eventId"] == got[0].body["eventId"] {
		t.Fatalf("after delivery the hook got %+v", got)
	}
	if o, _ := f.Order("5001"); o.Status != "delivered" || o.Shipment.Status != "delivered" {
		t.Errorf("delivered order %+v", o)
	}

	if err := f.Hooks().Subscribe(control.Subscription{Event: eshopbox.EventInventory, URL: hook.URL, Headers: map[string]string{"x-api-key": "k2"}}); err != nil {
		t.Fatal(err)
	}
	status, stock := post(t, api.URL+"/_fake/inventory", "", `{"sku": "SKU1", "quantity": 7}`)
	if status != http.StatusOK {
		t.Fatalf("stock: %d %v", status, stock)
	}
	got = rc.all()
	inv, _ := got[len(got)-1].body["inventory"].(map[string]any)
	if len(got) != 3 || got[2].header.Get("x-api-key") != "k2" || inv["sku"] != "SKU1" || inv["quantity"] != float64(7) {
		t.Errorf("after the stock change the hook got %+v", got)
	}
}
