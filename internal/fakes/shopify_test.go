package fakes_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/junction-run/junction/connectors/shopify"
	"github.com/junction-run/junction/connectors/shopify/shopifytest"
	"github.com/junction-run/junction/internal/fakes"
	"github.com/junction-run/junction/internal/fakes/control"
)

// Placing an order sends orders/create as Shopify does: the order as the
// body, the topic, and the HMAC of the body under the subscription's
// secret, which the Shopify connector verifies.
func TestPlaceOrderSendsSignedOrdersCreate(t *testing.T) {
	s := fakes.NewShopify()
	t.Cleanup(s.Close)
	var header http.Header
	var body []byte
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		header = r.Header.Clone()
		body, _ = io.ReadAll(r.Body)
	}))
	t.Cleanup(receiver.Close)
	if err := s.Hooks().Subscribe(control.Subscription{Event: shopify.TopicOrdersCreate, URL: receiver.URL, Secret: "shpss_x"}); err != nil {
		t.Fatal(err)
	}
	o, deliveries, err := s.PlaceOrder(t.Context(), fakes.NewOrder{Email: "a@example.com", LineItems: []fakes.OrderLine{{SKU: "IPOD2008PINK", Quantity: 3}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(deliveries) != 1 || !deliveries[0].OK() || o.TotalPrice != "597.00" || o.LineItems[0].ID == 0 || *o.LineItems[0].VariantID != shopifytest.VariantID {
		t.Fatalf("order %+v, deliveries %+v", o, deliveries)
	}
	if header.Get(shopify.HeaderTopic) != shopify.TopicOrdersCreate {
		t.Errorf("topic %q", header.Get(shopify.HeaderTopic))
	}
	if err := shopify.VerifyWebhook(header, body, "shpss_x"); err != nil {
		t.Errorf("the delivery does not verify: %v", err)
	}
	if _, _, err := s.PlaceOrder(t.Context(), fakes.NewOrder{LineItems: []fakes.OrderLine{{SKU: "NOPE", Quantity: 1}}}); err == nil {
		t.Error("an order of an unknown SKU was placed")
	}
	if v, ok := s.Variant("IPOD2008PINK"); !ok || v.InventoryItemID != shopifytest.InventoryItemID || len(v.Levels) != 1 || v.Levels[0].Available != 10 {
		t.Errorf("variant %+v", v)
	}
}
