package devstack_test

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/junction-run/junction/connectors/shopify"
	"github.com/junction-run/junction/connectors/shopify/shopifytest"
)

// TestSeedReadyToShip is the e-commerce seed's workflow 2: when the
// warehouse reports a shipment packed (its webhook is the generic
// http_request trigger), and only then (a trigger condition on the status),
// mark the Shopify order "Ready to ship" with a Shopify connection whose
// access token lives in Vault.
func TestSeedReadyToShip(t *testing.T) {
	s, fake := startShopifyStack(t)
	api := s.GatewayURL + "/api/v1/accounts/acme"

	resp := call(t, http.MethodPost, api+"/connections", []byte(`{"app":"shopify","name":"Northwind store","authKind":"api_key",
	  "fields":{"key":"`+shopifytest.Token+`"},"properties":{"shop":"northwind.myshopify.com"}}`), nil)
	if resp.Status != http.StatusCreated {
		t.Fatalf("connection: %d %s", resp.Status, resp.Body)
	}
	var conn struct{ ID string }
	resp.decode(t, &conn)

	createDefinition(t, s, "acme", []byte(`{"trigger":"http_request","status":"enabled",
	  "conditions":["{{data.status == 'packed'}}"],
	  "definition":{"name":"Ready to ship","steps":[
	    {"id":"mark","stepType":"shopify.update_order","connection":"`+conn.ID+`",
	     "inputs":{"id":"{{data.order_id}}","add_tags":["Ready to ship"],"note":"{{'Packed by the warehouse, box ' + data.box}}"},
	     "outputs":{"tags":"{{step.tags}}"}}]}}`))

	order := strconv.Itoa(shopifytest.OrderID)
	skipped := trigger(t, s, "acme", `{"order_id":`+order+`,"status":"picking","box":"B-7"}`, nil)
	if len(skipped.Runs) != 0 {
		t.Fatalf("a shipment that is not packed started %d runs", len(skipped.Runs))
	}
	packed := trigger(t, s, "acme", `{"order_id":`+order+`,"status":"packed","box":"B-7"}`, nil)
	if len(packed.Runs) != 1 {
		t.Fatalf("the packed shipment started %d runs", len(packed.Runs))
	}
	waitRun(t, s, packed.Runs[0].TemporalWorkflowID)

	got, ok := fake.Order(shopifytest.OrderID)
	if !ok {
		t.Fatal("the fake lost the order")
	}
	if !slices.Contains(shopify.SplitTags(got.Tags), "Ready to ship") {
		t.Errorf("order tags %q, want Ready to ship among them", got.Tags)
	}
	if got.Note == nil || !strings.Contains(*got.Note, "box B-7") {
		t.Errorf("order note %v", got.Note)
	}
}
