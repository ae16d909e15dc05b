package woocommerce_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/junction-run/junction/connectors"
	"github.com/junction-run/junction/connectors/auth"
	"github.com/junction-run/junction/connectors/connectortest"
	"github.com/junction-run/junction/connectors/woocommerce"
	"github.com/junction-run/junction/connectors/woocommerce/woocommercetest"
)

func options() connectortest.Options {
	return connectortest.Options{
		Connection: connectors.Connection{
			AuthKind:   connectors.AuthBasic,
			Properties: map[string]string{woocommerce.PropertyStoreURL: woocommercetest.StoreURL},
			Secrets: connectors.SecretValues{
				connectors.FieldUsername: woocommercetest.ConsumerKey,
				connectors.FieldPassword: woocommercetest.ConsumerSecret,
			},
		},
		Authenticate: func(next http.RoundTripper) http.RoundTripper {
			return auth.Basic(woocommercetest.ConsumerKey, woocommercetest.ConsumerSecret).Transport(next)
		},
	}
}

func TestConformance(t *testing.T) {
	connectortest.RunWith(t, woocommerce.New(), woocommercetest.New(t), options())
}

func client(t *testing.T, fake *woocommercetest.Server, key, secret string) *http.Client {
	t.Helper()
	base, err := url.Parse(fake.BaseURL())
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Transport: auth.Basic(auth.Secret(key), auth.Secret(secret)).Transport(connectortest.Redirect(base, http.DefaultTransport))}
}

func run(t *testing.T, fake *woocommercetest.Server, action, input string) (any, error) {
	t.Helper()
	return connectortest.Action(t, woocommerce.New(), action).Run(t.Context(), options().Call(t, fake.BaseURL(), input))
}

func TestCreateOrder(t *testing.T) {
	fake := woocommercetest.New(t)
	out, err := run(t, fake, "create_order", `{
		"payment_method": "bacs", "payment_method_title": "Direct Bank Transfer", "set_paid": true,
		"billing": {"first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.com", "country": "GB"},
		"line_items": [{"product_id": 93, "quantity": 2}, {"product_id": 22, "variation_id": 23, "quantity": 1}],
		"shipping_lines": [{"method_id": "flat_rate", "method_title": "Flat Rate", "total": "10.00"}]}`)
	if err != nil {
		t.Fatal(err)
	}
	o := out.(woocommerce.Order)
	if o.ID != woocommercetest.SeedOrderID+1 || o.Status != "processing" || o.Total != "81.98" || o.DatePaid == nil ||
		o.Billing.Email != "ada@example.com" || len(o.LineItems) != 2 || o.LineItems[1].SKU != "ship-your-idea-black" || o.CreatedVia != "rest-api" {
		t.Errorf("order = %+v", o)
	}
	r := fake.Requests()[0]
	if r.Method != http.MethodPost || r.Host != woocommercetest.StoreHost || r.Path != "/wp-json/wc/v3/orders" {
		t.Errorf("request %s %s%s", r.Method, r.Host, r.Path)
	}
	if user, pass, ok := (&http.Request{Header: r.Header}).BasicAuth(); !ok || user != woocommercetest.ConsumerKey || pass != woocommercetest.ConsumerSecret {
		t.Error("the request was not authenticated with HTTP Basic")
	}
	if len(fake.Orders()) != 2 {
		t.Errorf("fake holds %d orders", len(fake.Orders()))
	}

	_, err = run(t, fake, "create_order", `{"line_items": [{"product_id": 4040, "quantity": 1}]}`)
	var ce *connectors.Error
	if !errors.As(err, &ce) || ce.Kind != connectors.BadRequest || ce.Message != "Invalid product ID. (woocommerce_rest_invalid_product_id)" {
		t.Errorf("unknown product: %v", err)
	}
}

func TestUpdateAndGetOrder(t *testing.T) {
	fake := woocommercetest.New(t)
	out, err := run(t, fake, "update_order", `{"id": 727, "status": "completed", "customer_note": "Left at the door", "shipping": {"phone": "+1 555 0100"}}`)
	if err != nil {
		t.Fatal(err)
	}
	o := out.(woocommerce.Order)
	if o.ID != 727 || o.Status != "completed" || o.DateCompleted == nil || o.CustomerNote != "Left at the door" ||
		o.Shipping.Phone != "+1 555 0100" || o.Shipping.City != "San Francisco" {
		t.Errorf("order = %+v", o)
	}
	r := fake.Requests()[0]
	if r.Method != http.MethodPut || r.Path != "/wp-json/wc/v3/orders/727" {
		t.Errorf("request %s %s", r.Method, r.Path)
	}
	var body map[string]any
	if err := json.Unmarshal(r.Body, &body); err != nil || body["id"] != nil || body["status"] != "completed" {
		t.Errorf("PUT body %s: the id belongs in the path only", r.Body)
	}

	out, err = run(t, fake, "get_order", `{"id": 727}`)
	if err != nil || out.(woocommerce.Order).Status != "completed" {
		t.Errorf("get_order = %+v, %v", out, err)
	}

	for _, action := range []string{"get_order", "update_order"} {
		_, err = run(t, fake, action, `{"id": 999}`)
		var ce *connectors.Error
		if !errors.As(err, &ce) || ce.Kind != connectors.NotFound || ce.StatusCode != 404 || ce.Message != "Invalid ID. (woocommerce_rest_shop_order_invalid_id)" {
			t.Errorf("%s of an unknown order: %v", action, err)
		}
	}
	_, err = run(t, fake, "update_order", `{"id": 727, "status": "shipped-to-mars"}`)
	if k, _ := connectors.KindOf(err); k != connectors.BadRequest {
		t.Errorf("unknown status: %v", err)
	}
}

func TestSearchOrdersPaginates(t *testing.T) {
	fake := woocommercetest.New(t)
	start := time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC)
	fake.AddOrders(25, "on-hold", start)
	fake.AddOrders(3, "pending", start)

	var seen []int
	for page := 1; ; page++ {
		out, err := run(t, fake, "search_orders", `{"status": "on-hold", "after": "2026-03-31T00:00:00", "per_page": 10, "page": `+strconv.Itoa(page)+`}`)
		if err != nil {
			t.Fatal(err)
		}
		p := out.(woocommerce.OrderPage)
		if p.Total != 25 || p.TotalPages != 3 || p.Page != page || p.HasMore != (page < 3) {
			t.Errorf("page %d: %+v", page, p)
		}
		for _, o := range p.Orders {
			if o.Status != "on-hold" {
				t.Errorf("order %d has status %s", o.ID, o.Status)
			}
			seen = append(seen, o.ID)
		}
		if !p.HasMore {
			break
		}
		if page > 5 {
			t.Fatal("pagination does not end")
		}
	}
	if len(seen) != 25 {
		t.Errorf("%d orders over all pages, want 25", len(seen))
	}
	for i := 1; i < len(seen); i++ {
		if seen[i] >= seen[i-1] {
			t.Errorf("orders are not newest first: %v", seen)
			break
		}
	}
	q := fake.Requests()[0].Query
	if q.Get("status") != "on-hold" || q.Get("after") != "2026-03-31T00:00:00" || q.Get("per_page") != "10" || q.Get("page") != "1" {
		t.Errorf("query = %v", q)
	}

	out, err := run(t, fake, "search_orders", `{"status": "refunded"}`)
	if err != nil {
		t.Fatal(err)
	}
	if p := out.(woocommerce.OrderPage); p.Orders == nil || len(p.Orders) != 0 || p.Total != 0 || p.HasMore {
		t.Errorf("empty search = %+v", p)
	}
	raw, _ := json.Marshal(out)
	if !strings.Contains(string(raw), `"orders":[]`) {
		t.Errorf("empty search encodes as %s", raw)
	}

	_, err = run(t, fake, "search_orders", `{"per_page": 500}`)
	if k, _ := connectors.KindOf(err); k != connectors.BadRequest {
		t.Errorf("per_page 500: %v", err)
	}
}

func TestWrongCredentials(t *testing.T) {
	fake := woocommercetest.New(t)
	a := woocommerce.New().Actions()[2] // get_order
	const wrong = "cs_0000000000000000000000000000000000000000"
	call := connectors.Call{
		Input:      json.RawMessage(`{"id": 727}`),
		Connection: options().Connection,
		HTTP:       client(t, fake, woocommercetest.ConsumerKey, wrong),
	}
	_, err := a.Run(t.Context(), call)
	var ce *connectors.Error
	if !errors.As(err, &ce) || ce.Kind != connectors.Unauthorized || !strings.Contains(ce.Message, "woocommerce_rest_authentication_error") {
		t.Errorf("wrong secret: %v", err)
	}
	for _, s := range []string{wrong, woocommercetest.ConsumerSecret, woocommercetest.ConsumerKey} {
		if strings.Contains(err.Error(), s) {
			t.Errorf("the error quotes a credential: %v", err)
		}
	}
}

func TestRefusesBadStoreURL(t *testing.T) {
	fake := woocommercetest.New(t)
	a := woocommerce.New().Actions()[2]
	for _, u := range []string{"http://shop.example.com", "shop.example.com", "https://user:pw@shop.example.com", "https://shop.example.com/?x=1", ""} {
		c := connectors.Call{
			Input:      json.RawMessage(`{"id": 727}`),
			Connection: connectors.Connection{AuthKind: connectors.AuthBasic, Properties: map[string]string{woocommerce.PropertyStoreURL: u}},
			HTTP:       client(t, fake, woocommercetest.ConsumerKey, woocommercetest.ConsumerSecret),
		}
		if _, err := a.Run(t.Context(), c); err == nil {
			t.Errorf("store_url %q was accepted", u)
		} else if k, _ := connectors.KindOf(err); k != connectors.BadRequest {
			t.Errorf("store_url %q: %v", u, err)
		}
	}
	if n := len(fake.Requests()); n != 0 {
		t.Errorf("the fake got %d requests", n)
	}
	if got, err := woocommerce.APIBase("https://example.com/shop/"); err != nil || got != "https://example.com/shop/wp-json/wc/v3" {
		t.Errorf("APIBase = %q, %v", got, err)
	}
}

func TestSpec(t *testing.T) {
	s := woocommerce.New().Spec()
	if err := s.CheckConnection(options().Connection); err != nil {
		t.Error(err)
	}
	if len(s.Triggers) != 2 {
		t.Fatalf("%d triggers", len(s.Triggers))
	}
	// An order is created once, so its id identifies the event; it is
	// updated many times, so each update is identified by its delivery.
	wantID := map[string][2]string{"order_created": {"/id", ""}, "order_updated": {"", woocommerce.DeliveryIDHeader}}
	for _, tr := range s.Triggers {
		if got := [2]string{tr.IDPointer, tr.IDHeader}; got != wantID[tr.ID] || tr.Signature != woocommerce.SignatureScheme || tr.Kind != connectors.TriggerWebhook {
			t.Errorf("trigger %s: id %v, signature %s, kind %s", tr.ID, got, tr.Signature, tr.Kind)
		}
	}
	for _, a := range s.Actions {
		if want := a.ID != "create_order"; a.Idempotent != want {
			t.Errorf("%s: idempotent %v", a.ID, a.Idempotent)
		}
	}
}
