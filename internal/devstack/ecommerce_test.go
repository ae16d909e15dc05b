package devstack_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/junction-run/junction/connectors"
	"github.com/junction-run/junction/connectors/shopify"
	"github.com/junction-run/junction/connectors/shopify/shopifytest"
	"github.com/junction-run/junction/internal/devstack"
	"github.com/junction-run/junction/internal/fakes"
	"github.com/junction-run/junction/internal/fakes/control"
	"github.com/junction-run/junction/internal/fakes/delhivery"
	"github.com/junction-run/junction/internal/fakes/eshopbox"
	"github.com/junction-run/junction/internal/fakes/shiprocket"
	"github.com/junction-run/junction/runs"
)

// requireDelivered fails the test unless the fake delivered its event to
// exactly one subscriber, which answered 2xx, and returns the gateway's
// answer.
func requireDelivered(t *testing.T, what string, deliveries []control.Delivery, err error) webhookResult {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if len(deliveries) != 1 || !deliveries[0].OK() {
		t.Fatalf("%s: deliveries %+v", what, deliveries)
	}
	var out webhookResult
	if err := json.Unmarshal([]byte(deliveries[0].Answer), &out); err != nil {
		t.Fatalf("%s: the gateway answered %s", what, deliveries[0].Answer)
	}
	return out
}

// TestEcommerceWorkflows runs the five workflows of the e-commerce seed
// end to end, as examples/ecommerce/run.sh does with `junction dev` and
// `junction fakes`: the apps of examples/apps are stored through the
// API, the definitions are examples/ecommerce's own files, and every
// event comes from the fakes of internal/fakes, sent as their third
// parties send them (signed Shopify webhooks, Eshopbox's x-api-key,
// Delhivery's agreed Authorization header). Each outcome is read from the
// fakes' state.
//
//  1. Shopify order → Eshopbox order
//  2. Eshopbox packed → Shopify "Ready to ship"
//  3. Delhivery delivered → Eshopbox delivered
//  4. Eshopbox delivered → Shopify "Delivered"
//  5. Eshopbox stock change → Shopify inventory, the SKU looked up first
func TestEcommerceWorkflows(t *testing.T) {
	set := fakes.New()
	t.Cleanup(set.Close)
	routes := hostRouter{}
	for _, f := range set.Fakes() {
		srv := httptest.NewServer(f.Handler)
		t.Cleanup(srv.Close)
		f.Handler.SetBaseURL(srv.URL)
		for _, h := range f.Hosts {
			routes[h] = mustURL(t, srv.URL)
		}
	}
	s := startTestStack(t, devstack.Config{ConnectorTransport: routes})
	requireVault(t, s)
	api := s.GatewayURL + "/api/v1/accounts/acme"
	hooks := s.GatewayURL + "/hooks/acme/"
	root := filepath.Join("..", "..", "examples")

	for _, app := range []string{"eshopbox", "delhivery", "shiprocket"} {
		doc, err := os.ReadFile(filepath.Join(root, "apps", app, "app.json"))
		if err != nil {
			t.Fatal(err)
		}
		if r := call(t, http.MethodPost, api+"/apps", doc, nil); r.Status != http.StatusCreated {
			t.Fatalf("storing app %s: %d %s", app, r.Status, r.Body)
		}
	}
	const (
		shopSecret      = "shpss_ecommerce_example"
		eshopboxKey     = "eshopbox-webhook-key-example"
		delhiverySecret = "delhivery-push-secret-example"
	)
	shop := createConnection(t, api, `{"app": "shopify", "name": "Northwind", "authKind": "api_key",
		"fields": {"key": "`+shopifytest.Token+`", "webhook_secret": "`+shopSecret+`"}, "properties": {"shop": "northwind.myshopify.com"}}`)
	esb := createConnection(t, api, `{"app": "eshopbox", "name": "Northwind warehouse", "authKind": "bearer",
		"fields": {"token": "`+eshopbox.AccessToken+`", "webhook_secret": "`+eshopboxKey+`"}, "properties": {"external_channel_id": "`+eshopbox.Channel+`"}}`)
	dlv := createConnection(t, api, `{"app": "delhivery", "name": "Delhivery", "authKind": "api_key",
		"fields": {"key": "`+delhivery.Token+`", "webhook_secret": "`+delhiverySecret+`"}}`)

	// The webhooks, registered as each third party takes them.
	if err := set.Shopify.Hooks().Subscribe(control.Subscription{Event: shopify.TopicOrdersCreate, URL: hooks + shop + "/orders_create", Secret: shopSecret}); err != nil {
		t.Fatal(err)
	}
	for _, reg := range []struct{ resource, subType, trigger string }{
		{"shipment", "packed", "shipment_updated"}, {"shipment", "delivered", "shipment_updated"}, {"channel_inventory", "updated", "inventory_updated"},
	} {
		r := call(t, http.MethodPost, set.Eshopbox.BaseURL()+"/api/v1/webhook", []byte(`{"resource": "`+reg.resource+`", "eventType": "PUT",
			"eventSubType": "`+reg.subType+`", "version": "v1", "webhookUrl": "`+hooks+esb+"/"+reg.trigger+`", "webhookMethod": "POST",
			"webhookHeaders": {"x-api-key": "`+eshopboxKey+`"}}`), map[string]string{"Authorization": "Bearer " + eshopbox.AccessToken, uncheckedHeader: ""})
		if r.Status != http.StatusOK {
			t.Fatalf("registering Eshopbox's %s/%s webhook: %d %s", reg.resource, reg.subType, r.Status, r.Body)
		}
	}
	if err := set.Delhivery.Hooks().Subscribe(control.Subscription{Event: delhivery.EventScan, URL: hooks + dlv + "/scan_pushed",
		Headers: map[string]string{"Authorization": "Bearer " + delhiverySecret}}); err != nil {
		t.Fatal(err)
	}

	// The five definitions, as the example ships them.
	files, err := filepath.Glob(filepath.Join(root, "ecommerce", "[1-5]-*.json"))
	if err != nil || len(files) != 5 {
		t.Fatalf("the example's definitions: %v %v", files, err)
	}
	connections := strings.NewReplacer("$SHOPIFY_CONNECTION", shop, "$ESHOPBOX_CONNECTION", esb, "$DELHIVERY_CONNECTION", dlv)
	for _, f := range files {
		doc, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		createDefinition(t, s, "acme", []byte(connections.Replace(string(doc))))
	}

	phone := "+919876543210"
	placed, deliveries, err := set.Shopify.PlaceOrder(t.Context(), fakes.NewOrder{
		Email: "priya@example.com", Phone: phone,
		LineItems: []fakes.OrderLine{{SKU: eshopbox.SeededSKU, Quantity: 2}},
		ShippingAddress: &shopifytest.Address{FirstName: "Priya", LastName: "Sharma", Name: "Priya Sharma", Address1: "12 MG Road",
			City: "Bengaluru", Province: "Karnataka", Zip: "560001", Country: "India", CountryCode: "IN", Phone: &phone},
	})
	requireDelivered(t, "orders/create", deliveries, err)
	number := strconv.FormatInt(placed.ID, 10)
	waitFor(t, "workflow 1: the Shopify order in Eshopbox", time.Minute, func() bool { _, ok := set.Eshopbox.Order(number); return ok })
	created, _ := set.Eshopbox.Order(number)
	if created.VendorOrderNumber != placed.Name || created.IsCOD != "0" || created.OrderTotal != 398 || created.ShippingAddress.PostalCode != "560001" ||
		created.ShippingAddress.ContactPhone != phone || created.ShippingAddress.AddressLine2 != "" || len(created.Items) != 1 || created.Items[0].ItemID != eshopbox.SeededSKU ||
		created.Items[0].Quantity != 2 || created.Items[0].ItemTotal != 398 {
		t.Errorf("workflow 1 made the Eshopbox order %+v", created)
	}

	packed, deliveries, err := set.Eshopbox.Pack(t.Context(), number, "Delhivery")
	answer := requireDelivered(t, "shipment/packed", deliveries, err)
	if len(answer.Events) != 1 || len(answer.Events[0].Runs) != 1 {
		t.Errorf("the packed event started %+v: want the packed definition's run only (the delivered one's condition is false)", answer.Events)
	}
	awb := packed.Shipment.TrackingID
	waitFor(t, "workflow 2: Ready to ship in Shopify", time.Minute, func() bool {
		o, _ := set.Shopify.Order(placed.ID)
		return strings.Contains(o.Tags, "Ready to ship")
	})

	_, deliveries, err = set.Delhivery.ScanPackage(t.Context(), awb, "Out for Delivery", "", "", "")
	if answer := requireDelivered(t, "the out-for-delivery scan", deliveries, err); len(answer.Events) != 1 || len(answer.Events[0].Runs) != 0 {
		t.Errorf("a scan that is not a delivery started %+v", answer.Events)
	}
	_, deliveries, err = set.Delhivery.ScanPackage(t.Context(), awb, "Delivered", "", "", "Delivered to consignee")
	requireDelivered(t, "the delivered scan", deliveries, err)
	waitFor(t, "workflow 3: delivered in Eshopbox", time.Minute, func() bool {
		o, _ := set.Eshopbox.Order(number)
		return o.Shipment.Status == "delivered"
	})

	waitFor(t, "workflow 4: Delivered in Shopify", time.Minute, func() bool {
		o, _ := set.Shopify.Order(placed.ID)
		return strings.Contains(o.Tags, "Delivered")
	})
	if o, _ := set.Shopify.Order(placed.ID); strings.Contains(o.Tags, "Ready to ship") {
		t.Errorf("workflow 4 left the tags %q", o.Tags)
	}

	_, deliveries = set.Eshopbox.SetStock(t.Context(), eshopbox.SeededSKU, 42)
	requireDelivered(t, "channel_inventory/updated", deliveries, nil)
	waitFor(t, "workflow 5: Shopify's inventory", time.Minute, func() bool {
		l, _ := set.Shopify.InventoryLevel(shopifytest.InventoryItemID, shopifytest.LocationID)
		return l.Available == 42
	})
	// A SKU Shopify does not sell takes the other branch and sets nothing.
	_, deliveries = set.Eshopbox.SetStock(t.Context(), "NOT-IN-SHOPIFY", 5)
	answer = requireDelivered(t, "an unknown SKU's stock change", deliveries, nil)
	if len(answer.Events) != 1 || len(answer.Events[0].Runs) != 1 {
		t.Fatalf("the unknown SKU's stock change started %+v", answer.Events)
	}
	if data := waitRun(t, s, answer.Events[0].Runs[0].TemporalWorkflowID); data["skipped"] != "No active Shopify variant has SKU NOT-IN-SHOPIFY." {
		t.Errorf("the unknown SKU's run ended with %v", data)
	}

	// Tracking through the Delhivery app: the key goes after "Token ".
	r := call(t, http.MethodPost, api+"/actions/delhivery.track_shipment", []byte(`{"connection": "`+dlv+`", "inputs": {"waybill": "`+awb+`"}, "wait": "60s"}`), nil)
	var tracked struct {
		Output map[string]any `json:"output"`
	}
	r.decode(t, &tracked)
	if r.Status != http.StatusOK || tracked.Output["status"] != "Delivered" || tracked.Output["status_type"] != "DL" {
		t.Errorf("tracking %s: %d %s", awb, r.Status, r.Body)
	}
	reqs := set.Delhivery.Requests()
	if len(reqs) == 0 || reqs[len(reqs)-1].Header.Get("Authorization") != "Token "+delhivery.Token {
		t.Errorf("Delhivery's last request: %+v", reqs)
	}

	// Shiprocket's session auth: the connection is the API user; the
	// action's activity logs in with the app's declared login, then sends
	// the token it answered.
	sr := createConnection(t, api, `{"app": "shiprocket", "name": "Shiprocket", "authKind": "session",
		"fields": {"username": "`+shiprocket.Email+`", "password": "`+shiprocket.Password+`"}}`)
	r = call(t, http.MethodPost, api+"/actions/shiprocket.track_awb", []byte(`{"connection": "`+sr+`", "inputs": {"awb": "`+shiprocket.SeededAWB+`"}, "wait": "60s"}`), nil)
	r.decode(t, &tracked)
	if r.Status != http.StatusOK || tracked.Output["current_status"] != "IN TRANSIT" {
		t.Errorf("tracking %s through Shiprocket: %d %s", shiprocket.SeededAWB, r.Status, r.Body)
	}
	srReqs := set.Shiprocket.Requests()
	if n := set.Shiprocket.Logins(); n != 1 || len(srReqs) != 2 || srReqs[0].Path != "/v1/external/auth/login" ||
		!strings.HasPrefix(srReqs[1].Header.Get("Authorization"), "Bearer sr-fake-") {
		t.Errorf("Shiprocket saw %d logins and %+v, want one login then the call with its token", n, srReqs)
	}
}

// TestEcommerceDeliveredByPolling runs the example's polling variant of
// workflow 3 (examples/ecommerce/polling-delhivery-delivered-to-eshopbox.json):
// a definition on the Delhivery app's polling trigger status_changed,
// which tracks the connection's waybills at each poll. Delhivery pushes
// nothing here. Each status of a package is one item (its id is the
// waybill and the status's time), so the package's delivery, scanned
// after earlier polls found it in transit, is a new item: it becomes
// exactly one Eshopbox "delivered" update, and later polls add none.
// The test triggers the poll schedule instead of waiting for its minute.
func TestEcommerceDeliveredByPolling(t *testing.T) {
	set := fakes.New()
	t.Cleanup(set.Close)
	routes := hostRouter{}
	for _, f := range set.Fakes() {
		srv := httptest.NewServer(f.Handler)
		t.Cleanup(srv.Close)
		f.Handler.SetBaseURL(srv.URL)
		for _, h := range f.Hosts {
			routes[h] = mustURL(t, srv.URL)
		}
	}
	s := startTestStack(t, devstack.Config{ConnectorTransport: routes})
	requireVault(t, s)
	api := s.GatewayURL + "/api/v1/accounts/acme"
	root := filepath.Join("..", "..", "examples")
	for _, app := range []string{"eshopbox", "delhivery"} {
		doc, err := os.ReadFile(filepath.Join(root, "apps", app, "app.json"))
		if err != nil {
			t.Fatal(err)
		}
		if r := call(t, http.MethodPost, api+"/apps", doc, nil); r.Status != http.StatusCreated {
			t.Fatalf("storing app %s: %d %s", app, r.Status, r.Body)
		}
	}
	esb := createConnection(t, api, `{"app": "eshopbox", "authKind": "bearer",
		"fields": {"token": "`+eshopbox.AccessToken+`"}, "properties": {"external_channel_id": "`+eshopbox.Channel+`"}}`)

	// An order Eshopbox packs for Delhivery, which manifests its waybill.
	r := call(t, http.MethodPost, set.Eshopbox.BaseURL()+"/api/order", []byte(`{"externalChannelID": "`+eshopbox.Channel+`", "customerOrderNumber": "7001",
		"isCOD": "0", "paymentType": "Prepaid", "taxAmount": 0, "subtotal": 10, "orderTotal": 10, "balanceDue": 0, "thirdPartyShipping": false,
		"shippingAddress": {"customerName": "Ada", "addressLine1": "1 Road", "postalCode": "560001", "contactPhone": "1", "email": "ada@example.com"},
		"billingAddress": {"customerName": "Ada", "addressLine1": "1 Road", "postalCode": "560001", "contactPhone": "1", "email": "ada@example.com"},
		"items": [{"itemID": "SKU1", "quantity": 1, "itemTotal": 10}]}`), map[string]string{"Authorization": "Bearer " + eshopbox.AccessToken, uncheckedHeader: ""})
	if r.Status != http.StatusOK {
		t.Fatalf("creating the Eshopbox order: %d %s", r.Status, r.Body)
	}
	packed, _, err := set.Eshopbox.Pack(t.Context(), "7001", "Delhivery")
	if err != nil {
		t.Fatal(err)
	}
	awb := packed.Shipment.TrackingID

	// The Delhivery connection tracks that waybill and the seeded one,
	// which stays in transit.
	dlv := createConnection(t, api, `{"app": "delhivery", "authKind": "api_key", "fields": {"key": "`+delhivery.Token+`"},
		"properties": {"tracked_waybills": "`+awb+`,`+delhivery.SeededWaybill+`"}}`)
	doc, err := os.ReadFile(filepath.Join(root, "ecommerce", "polling-delhivery-delivered-to-eshopbox.json"))
	if err != nil {
		t.Fatal(err)
	}
	def := createDefinition(t, s, "acme", []byte(strings.NewReplacer("$ESHOPBOX_CONNECTION", esb, "$DELHIVERY_CONNECTION", dlv).Replace(string(doc))))
	defID := def["id"].(string)
	scheduleID := runs.PollScheduleID("acme", defID)
	ctx := t.Context()
	desc, err := s.Client.ScheduleClient().GetHandle(ctx, scheduleID).Describe(ctx)
	if err != nil {
		t.Fatalf("no poll schedule for the definition: %v", err)
	}
	if iv := desc.Schedule.Spec.Intervals; len(iv) != 1 || iv[0].Every != time.Minute {
		t.Errorf("schedule intervals %+v, want every minute, the definition's pollInterval", iv)
	}
	if in := scheduledInput(t, desc); in.Connector != "delhivery" || in.TriggerID != "status_changed" || in.StartFromNow {
		t.Errorf("schedule input %+v, want delhivery.status_changed from the oldest", in)
	}
	updates := func() int {
		n := 0
		for _, req := range set.Eshopbox.Requests() {
			if req.Method == http.MethodPost && req.Path == "/api/update-status" {
				n++
			}
		}
		return n
	}

	// Both packages are on their way: polled, and nothing runs.
	if st := pollNow(t, s, scheduleID); st.Polled != 2 || st.Started != 0 {
		t.Errorf("the first poll: %+v, want two packages polled and no run", st)
	}
	if st := pollNow(t, s, scheduleID); st.Polled != 0 || st.Started != 0 {
		t.Errorf("polling again: %+v, want nothing new", st)
	}
	tracked := 0
	for _, req := range set.Delhivery.Requests() {
		if req.Path == "/api/v1/packages/json/" && req.Query.Get("waybill") == awb+","+delhivery.SeededWaybill &&
			req.Header.Get("Authorization") == "Token "+delhivery.Token {
			tracked++
		}
	}
	if tracked != 2 {
		t.Errorf("Delhivery was asked to track the connection's waybills %d times, want 2: %+v", tracked, set.Delhivery.Requests())
	}

	// Delhivery scans the package delivered; the next poll finds it.
	delivered, _, err := set.Delhivery.ScanPackage(ctx, awb, "Delivered", "", "", "Delivered to consignee")
	if err != nil {
		t.Fatal(err)
	}
	if st := pollNow(t, s, scheduleID); st.Polled != 1 || st.Started != 1 {
		t.Errorf("the poll after the delivery: %+v, want one new item, one run", st)
	}
	runID := runs.RunWorkflowID("acme", defID, runs.EventWorkflowKey(connectors.JoinEventID(awb, delivered.Status.StatusDateTime)))
	if data := waitRun(t, s, runID); data["eshopboxAnswer"] != "SUCCESS" {
		t.Errorf("run %s ended with %v", runID, data)
	}
	if o, _ := set.Eshopbox.Order("7001"); o.Shipment.Status != "delivered" {
		t.Errorf("after the poll the Eshopbox shipment is %q", o.Shipment.Status)
	}
	if st := pollNow(t, s, scheduleID); st.Polled != 0 || st.Started != 0 {
		t.Errorf("polling after the delivery again: %+v, want nothing new", st)
	}
	waitFor(t, "visibility to count the runs", 10*time.Second, func() bool {
		return countRuns(t, s, fmt.Sprintf("JunctionDefinitionId = '%s' AND WorkflowType = '%s'", defID, runs.RunDefinitionWorkflow)) == 1
	})
	if n := updates(); n != 1 {
		t.Errorf("Eshopbox got %d status updates, want exactly one delivered", n)
	}
}
