package shopify_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/junction-run/junction/connectors"
	"github.com/junction-run/junction/connectors/auth"
	"github.com/junction-run/junction/connectors/connectortest"
	"github.com/junction-run/junction/connectors/shopify"
	"github.com/junction-run/junction/connectors/shopify/shopifytest"
)

const shop = "northwind.myshopify.com"

// accessToken authenticates with token as a Shopify connection's api_key
// kind does.
func accessToken(token auth.Secret) func(http.RoundTripper) http.RoundTripper {
	return auth.APIKey(auth.InHeader, shopify.AccessTokenHeader, token).Transport
}

func options() connectortest.Options {
	return connectortest.Options{
		Connection: connectors.Connection{
			AuthKind:   connectors.AuthAPIKey,
			Properties: map[string]string{shopify.PropShop: shop},
			Secrets:    connectors.SecretValues{connectors.FieldKey: shopifytest.Token},
		},
		Authenticate: accessToken(shopifytest.Token),
	}
}

func TestConformance(t *testing.T) {
	connectortest.RunWith(t, shopify.New(), shopifytest.New(t), options())
}

func TestRegistry(t *testing.T) {
	r := connectors.NewRegistry()
	if err := r.Register(shopify.New()); err != nil {
		t.Fatal(err)
	}
	if err := r.Check(); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, a := range r.Activities() {
		names = append(names, a.Name)
	}
	if !slices.Contains(names, "shopify.update_order") || len(names) != 6 {
		t.Errorf("activities %v", names)
	}
	s := shopify.New().Spec()
	if err := s.CheckConnection(options().Connection); err != nil {
		t.Error(err)
	}
	kinds := map[string]connectors.TriggerKind{}
	for _, tr := range s.Triggers {
		kinds[tr.ID] = tr.Kind
		if tr.Kind == connectors.TriggerWebhook && tr.Signature != shopify.SignatureScheme {
			t.Errorf("%s: signature %q", tr.ID, tr.Signature)
		}
		if tr.Kind == connectors.TriggerPolling && tr.PollInterval != 5*time.Minute {
			t.Errorf("%s: interval %s", tr.ID, tr.PollInterval)
		}
	}
	for id, topic := range shopify.TriggerTopics {
		if kinds[id] != connectors.TriggerWebhook || topic == "" {
			t.Errorf("trigger %s (%s) is not a declared webhook", id, topic)
		}
	}
	if kinds["new_orders"] != connectors.TriggerPolling {
		t.Error("no new_orders polling trigger")
	}
}

func call(t *testing.T, fake *shopifytest.Server, input string) connectors.Call {
	t.Helper()
	return options().Call(t, fake.BaseURL(), input)
}

func run[Out any](t *testing.T, fake *shopifytest.Server, action, input string) Out {
	t.Helper()
	out, err := runErr(t, fake, action, input)
	if err != nil {
		t.Fatalf("%s %s: %v", action, input, err)
	}
	return out.(Out)
}

func runErr(t *testing.T, fake *shopifytest.Server, action, input string) (any, error) {
	t.Helper()
	for _, a := range shopify.New().Actions() {
		if a.Spec().ID == action {
			return a.Run(t.Context(), call(t, fake, input))
		}
	}
	t.Fatalf("no action %s", action)
	return nil, nil
}

func TestCreateUpdateSearchOrder(t *testing.T) {
	fake := shopifytest.New(t)
	o := run[shopify.Order](t, fake, "create_order", `{"email": "ada@example.com", "tags": ["marketplace"],
		"line_items": [{"variant_id": 447654529, "quantity": 2}, {"title": "Gift wrap", "price": "4.50", "quantity": 1}]}`)
	if o.ID == 0 || o.Email != "ada@example.com" || len(o.LineItems) != 2 || o.TotalPrice != "402.50" || o.Tags != "marketplace" {
		t.Fatalf("created %+v", o)
	}
	r := fake.Requests()[0]
	if r.Method != http.MethodPost || r.Host != shop || r.Path != "/admin/api/2025-01/orders.json" || r.Version != shopify.DefaultAPIVersion {
		t.Errorf("request %s %s%s", r.Method, r.Host, r.Path)
	}
	if r.Header.Get(shopify.AccessTokenHeader) != shopifytest.Token || r.Header.Get("Content-Type") != "application/json" {
		t.Errorf("headers %v", r.Header)
	}
	var body map[string]map[string]any
	if err := json.Unmarshal(r.Body, &body); err != nil || body["order"]["tags"] != "marketplace" {
		t.Errorf("body %s", r.Body)
	}

	// The e-commerce seed's "update the Shopify order to Ready to ship".
	u := run[shopify.Order](t, fake, "update_order",
		`{"id": `+strconv.FormatInt(o.ID, 10)+`, "add_tags": ["Ready to ship"], "note": "Packed."}`)
	if u.Tags != "marketplace, Ready to ship" || u.Note != "Packed." {
		t.Errorf("updated %+v", u)
	}
	reqs := fake.Requests()
	if got := reqs[len(reqs)-1]; got.Method != http.MethodPut || got.Path != "/admin/api/2025-01/orders/"+strconv.FormatInt(o.ID, 10)+".json" {
		t.Errorf("update request %s %s", got.Method, got.Path)
	}
	// Adding it again changes nothing.
	u = run[shopify.Order](t, fake, "update_order", `{"id": `+strconv.FormatInt(o.ID, 10)+`, "add_tags": ["ready to ship"], "remove_tags": ["marketplace"]}`)
	if u.Tags != "Ready to ship" {
		t.Errorf("tags %q", u.Tags)
	}

	found := run[shopify.SearchOrdersOutput](t, fake, "search_orders", `{"status": "any", "since_id": 450789469}`)
	if len(found.Orders) != 1 || found.Orders[0].ID != o.ID || !slices.Contains(found.Orders[0].TagList(), "Ready to ship") {
		t.Errorf("found %+v", found)
	}

	// An unknown order is Shopify's 404.
	_, err := runErr(t, fake, "update_order", `{"id": 1, "note": "x"}`)
	var ce *connectors.Error
	if !errors.As(err, &ce) || ce.Kind != connectors.NotFound || ce.Message != "Not Found" {
		t.Errorf("unknown order: %v", err)
	}
	// An unknown variant is Shopify's 422, with its message.
	_, err = runErr(t, fake, "create_order", `{"line_items": [{"variant_id": 1, "quantity": 1}]}`)
	if !errors.As(err, &ce) || ce.Kind != connectors.Unprocessable || ce.Message == "" {
		t.Errorf("unknown variant: %v", err)
	}
}

func TestSearchOrdersPages(t *testing.T) {
	fake := shopifytest.New(t)
	var ids []int64
	for range 5 {
		o := run[shopify.Order](t, fake, "create_order", `{"line_items": [{"title": "Mug", "price": "9.00", "quantity": 1}]}`)
		ids = append(ids, o.ID)
	}
	before := len(fake.Requests())
	out := run[shopify.SearchOrdersOutput](t, fake, "search_orders", `{"since_id": 450789469, "limit": 2, "max_pages": 2}`)
	if len(out.Orders) != 4 || out.Pages != 2 || out.NextPageInfo == "" {
		t.Fatalf("two pages: %d orders, %d pages, next %q", len(out.Orders), out.Pages, out.NextPageInfo)
	}
	reqs := fake.Requests()[before:]
	if len(reqs) != 2 || reqs[1].Query.Get("page_info") == "" || reqs[1].Query.Has("since_id") || reqs[1].Host != shop {
		t.Errorf("page requests %+v", reqs)
	}
	rest := run[shopify.SearchOrdersOutput](t, fake, "search_orders", `{"page_info": "`+out.NextPageInfo+`", "limit": 2}`)
	if len(rest.Orders) != 1 || rest.Orders[0].ID != ids[4] || rest.NextPageInfo != "" {
		t.Errorf("rest %+v", rest)
	}
	all := run[shopify.SearchOrdersOutput](t, fake, "search_orders", `{"status": "any", "limit": 2, "max_pages": 10}`)
	if len(all.Orders) != 6 || all.Pages != 3 || all.NextPageInfo != "" {
		t.Errorf("all: %d orders in %d pages", len(all.Orders), all.Pages)
	}
	// Filters and page_info do not mix.
	if _, err := runErr(t, fake, "search_orders", `{"page_info": "abc", "status": "any"}`); err == nil {
		t.Error("page_info with status was accepted")
	}
	if _, err := runErr(t, fake, "search_orders", `{"limit": 251}`); err == nil {
		t.Error("limit 251 was accepted")
	}
}

func TestPollNewOrders(t *testing.T) {
	fake := shopifytest.New(t)
	c := call(t, fake, `{}`)
	orders, cursor, err := shopify.PollNewOrders(t.Context(), c, "")
	if err != nil || len(orders) != 1 || cursor != strconv.Itoa(shopifytest.OrderID) {
		t.Fatalf("first poll: %d orders, cursor %q, %v", len(orders), cursor, err)
	}
	orders, again, err := shopify.PollNewOrders(t.Context(), c, cursor)
	if err != nil || len(orders) != 0 || again != cursor {
		t.Fatalf("idle poll: %d orders, cursor %q, %v", len(orders), again, err)
	}
	o := run[shopify.Order](t, fake, "create_order", `{"line_items": [{"title": "Mug", "price": "9.00", "quantity": 1}]}`)
	orders, next, err := shopify.PollNewOrders(t.Context(), c, cursor)
	if err != nil || len(orders) != 1 || orders[0].ID != o.ID || next != strconv.FormatInt(o.ID, 10) {
		t.Fatalf("new order: %+v, cursor %q, %v", orders, next, err)
	}
	reqs := fake.Requests()
	if q := reqs[len(reqs)-1].Query; q.Get("since_id") != cursor || q.Get("status") != "any" {
		t.Errorf("poll query %v", q)
	}
}

func TestSearchProductsPages(t *testing.T) {
	fake := shopifytest.New(t)
	for i := range 3 {
		fake.AddProduct(shopifytest.Product{Title: "Mug " + strconv.Itoa(i), Vendor: "Potter", Variants: []shopifytest.Variant{{Price: "9.00"}}})
	}
	fake.AddProduct(shopifytest.Product{Title: "Mug of another vendor", Vendor: "Acme"})
	out := run[shopify.SearchProductsOutput](t, fake, "search_products", `{"title": "mug", "vendor": "Potter", "limit": 2, "max_pages": 5}`)
	if len(out.Products) != 3 || out.Pages != 2 || out.NextPageInfo != "" {
		t.Fatalf("%d products in %d pages", len(out.Products), out.Pages)
	}
	if out.Products[0].Variants[0].InventoryItemID == 0 {
		t.Errorf("variant %+v", out.Products[0].Variants[0])
	}
	one := run[shopify.SearchProductsOutput](t, fake, "search_products", `{"vendor": "Potter", "limit": 2}`)
	if len(one.Products) != 2 || one.NextPageInfo == "" {
		t.Errorf("one page: %+v", one)
	}
}

func TestSetInventoryLevel(t *testing.T) {
	fake := shopifytest.New(t)
	l := run[shopify.InventoryLevel](t, fake, "set_inventory_level", `{"location_id": 655441491, "inventory_item_id": 808950810, "available": 7}`)
	if l.Available != 7 || l.InventoryItemID != shopifytest.InventoryItemID || l.LocationID != shopifytest.LocationID {
		t.Errorf("level %+v", l)
	}
	if got, _ := fake.InventoryLevel(shopifytest.InventoryItemID, shopifytest.LocationID); got.Available != 7 {
		t.Errorf("fake holds %+v", got)
	}
	r := fake.Requests()[0]
	var body map[string]any
	if err := json.Unmarshal(r.Body, &body); err != nil || r.Path != "/admin/api/2025-01/inventory_levels/set.json" ||
		body["available"] != 7.0 || body["location_id"] != 655441491.0 || body["inventory_item_id"] != 808950810.0 {
		t.Errorf("request %s %s", r.Path, r.Body)
	}
	_, err := runErr(t, fake, "set_inventory_level", `{"location_id": 1, "inventory_item_id": 808950810, "available": 7}`)
	if k, _ := connectors.KindOf(err); k != connectors.NotFound {
		t.Errorf("unknown location: %v", err)
	}
}

func TestCreateFulfillment(t *testing.T) {
	fake := shopifytest.New(t)
	o := run[shopify.Order](t, fake, "create_order", `{"line_items": [{"variant_id": 447654529, "quantity": 2}]}`)
	fos := fake.FulfillmentOrders(o.ID)
	if len(fos) != 1 {
		t.Fatalf("fulfillment orders %+v", fos)
	}
	fo := fos[0]
	in := func(q int) string {
		return `{"line_items_by_fulfillment_order": [{"fulfillment_order_id": ` + strconv.FormatInt(fo.ID, 10) +
			`, "fulfillment_order_line_items": [{"id": ` + strconv.FormatInt(fo.LineItems[0].ID, 10) + `, "quantity": ` + strconv.Itoa(q) + `}]}],
			"tracking_info": {"number": "1Z999", "company": "UPS", "url": "https://ups.example/1Z999"}}`
	}
	f := run[shopify.Fulfillment](t, fake, "create_fulfillment", in(1))
	if f.ID == 0 || f.OrderID != o.ID || f.Status != "success" || f.TrackingNumber != "1Z999" || f.TrackingCompany != "UPS" || len(f.LineItems) != 1 {
		t.Errorf("fulfillment %+v", f)
	}
	if got, _ := fake.Order(o.ID); got.FulfillmentStatus == nil || *got.FulfillmentStatus != "partial" {
		t.Errorf("order after one of two: %v", got.FulfillmentStatus)
	}
	// Two more than remain is Shopify's 422.
	_, err := runErr(t, fake, "create_fulfillment", in(2))
	if k, _ := connectors.KindOf(err); k != connectors.Unprocessable {
		t.Errorf("over-fulfilment: %v", err)
	}
	// Everything left, by naming only the fulfillment order.
	f = run[shopify.Fulfillment](t, fake, "create_fulfillment", `{"line_items_by_fulfillment_order": [{"fulfillment_order_id": `+strconv.FormatInt(fo.ID, 10)+`}]}`)
	if got, _ := fake.Order(o.ID); got.FulfillmentStatus == nil || *got.FulfillmentStatus != "fulfilled" {
		t.Errorf("order after all: %v", got.FulfillmentStatus)
	}
	reqs := fake.Requests()
	if r := reqs[len(reqs)-1]; r.Path != "/admin/api/2025-01/fulfillments.json" || r.Method != http.MethodPost {
		t.Errorf("request %s %s", r.Method, r.Path)
	}
}

func TestWrongTokenIsUnauthorized(t *testing.T) {
	fake := shopifytest.New(t)
	o := options()
	o.Authenticate = accessToken("shpat_wrong")
	c := o.Call(t, fake.BaseURL(), `{"limit": 1}`)
	_, err := shopify.New().Actions()[4].Run(t.Context(), c)
	var ce *connectors.Error
	if !errors.As(err, &ce) || ce.Kind != connectors.Unauthorized || ce.Message != "[API] Invalid API key or access token (unrecognized login or wrong password)" {
		t.Errorf("wrong token: %v", err)
	}
}

func TestRateLimited(t *testing.T) {
	fake := shopifytest.New(t)
	fake.FailNext(http.StatusTooManyRequests, 2*time.Second)
	_, err := runErr(t, fake, "search_orders", `{}`)
	var ce *connectors.Error
	if !errors.As(err, &ce) || ce.Kind != connectors.RateLimited || ce.RetryAfter != 2*time.Second || ce.Message == "" {
		t.Errorf("429: %v", err)
	}
}

func TestBadConnection(t *testing.T) {
	fake := shopifytest.New(t)
	for name, props := range map[string]map[string]string{
		"shop elsewhere": {shopify.PropShop: "evil.example/"},
		"shop missing":   {},
		"api version":    {shopify.PropShop: shop, shopify.PropAPIVersion: "latest"},
	} {
		t.Run(name, func(t *testing.T) {
			c := call(t, fake, `{}`)
			c.Connection.Properties = props
			_, err := shopify.New().Actions()[4].Run(t.Context(), c)
			if k, _ := connectors.KindOf(err); k != connectors.BadRequest {
				t.Errorf("error %v, want a BadRequest", err)
			}
		})
	}
	if n := len(fake.Requests()); n != 0 {
		t.Errorf("the fake got %d requests", n)
	}
	// A bare shop handle and another API version are fine.
	c := call(t, fake, `{}`)
	c.Connection.Properties = map[string]string{shopify.PropShop: "northwind", shopify.PropAPIVersion: "2025-04"}
	if _, err := shopify.New().Actions()[4].Run(t.Context(), c); err != nil {
		t.Fatal(err)
	}
	if r := fake.Requests()[0]; r.Host != shop || r.Version != "2025-04" {
		t.Errorf("request to %s version %s", r.Host, r.Version)
	}
}

func TestNextLink(t *testing.T) {
	h := http.Header{}
	h.Set("Link", `<https://s.myshopify.com/admin/api/2025-01/orders.json?limit=2&page_info=prev>; rel="previous", <https://s.myshopify.com/admin/api/2025-01/orders.json?limit=2&page_info=nxt>; rel="next"`)
	if got := shopify.NextLink(h); got != "https://s.myshopify.com/admin/api/2025-01/orders.json?limit=2&page_info=nxt" {
		t.Errorf("NextLink = %q", got)
	}
	h.Set("Link", `<https://s.myshopify.com/x?page_info=prev>; rel="previous"`)
	if got := shopify.NextLink(h); got != "" {
		t.Errorf("NextLink without next = %q", got)
	}
}
