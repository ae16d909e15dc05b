// Package shiprocket fakes the parts of Shiprocket's API (a shipping
// aggregator: one API over many couriers) that the Shiprocket app
// (examples/apps/shiprocket) uses, in memory
// (https://apidocs.shiprocket.in):
//
//   - POST /v1/external/auth/login exchanges the API user's email and
//     password, a JSON body {"email", "password"}, for a new token, valid
//     ten days, as {"token": ...} (the Shiprocket app's session login);
//   - POST /v1/external/orders/create/adhoc creates an order and its
//     shipment;
//   - POST /v1/external/courier/assign/awb assigns a courier and an AWB to
//     a shipment;
//   - GET /v1/external/courier/track/awb/{awb} tracks a shipment;
//   - tracking webhooks: every status change is posted to the subscribed
//     URLs with the token set in Shiprocket's settings in x-api-key.
//
// Requests authenticate with Authorization: Bearer <a token login
// answered>, and get 401 with any other; errors answer
// Shiprocket's {"message": "...", "status_code": <status>} (with "errors"
// by field for 422), and 429 with Retry-After when told to fail.
//
// Besides the API, it serves the control routes of package control and:
//
//	GET  /_fake/orders/{orderId}                   the order (by your order_id)
//	POST /_fake/shipments/{awb}/status {"status"}  move the shipment (DELIVERED, IN TRANSIT, ...), send "tracking"
package shiprocket

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/junction-run/junction/connectors/connectortest"
	"github.com/junction-run/junction/internal/fakes/control"
)

// The API user the fake accepts; its tokens come from logging in.
const (
	Email    = "api-user@northwind.example"
	Password = "shiprocket-fake-password"
)

// TokenLifetime is how long a token login answers is accepted.
const TokenLifetime = 10 * 24 * time.Hour

// EventTracking is the event of tracking webhooks.
const EventTracking = "tracking"

// statusIDs are Shiprocket's shipment status ids.
var statusIDs = map[string]int{
	"NEW": 1, "AWB ASSIGNED": 3, "PICKUP SCHEDULED": 4, "SHIPPED": 6, "DELIVERED": 7, "CANCELED": 8,
	"RTO INITIATED": 9, "RTO DELIVERED": 10, "LOST": 12, "PICKED UP": 42, "IN TRANSIT": 18, "OUT FOR DELIVERY": 17,
}

// Order is an order and its shipment as the fake keeps them.
type Order struct {
	OrderID      string    `json:"order_id"`
	SROrderID    int64     `json:"sr_order_id"`
	ShipmentID   int64     `json:"shipment_id"`
	Status       string    `json:"status"`
	AWB          string    `json:"awb_code,omitempty"`
	CourierName  string    `json:"courier_name,omitempty"`
	Customer     string    `json:"billing_customer_name"`
	Pincode      string    `json:"billing_pincode"`
	CreatedAt    time.Time `json:"created_at"`
	StatusEvents int       `json:"-"`
}

// Fake is the fake Shiprocket: an http.Handler with its state in memory.
type Fake struct {
	*connectortest.Server
	hooks   *control.Hooks
	control *control.API

	mu     sync.Mutex
	next   int64
	orders []*Order
	// tokens are the tokens login answered, with when they expire.
	tokens map[string]time.Time
}

// Seeded data.
const (
	// SeededShipment is the shipment of a new order, without an AWB yet.
	SeededShipment = 16090281
	// SeededAWB is the AWB of a shipment in transit.
	SeededAWB = "19041424751540"
)

// New returns a fake seeded with two orders: NW-1001, new, whose shipment
// is SeededShipment; NW-1000, in transit with Delhivery under SeededAWB.
func New() *Fake {
	f := &Fake{hooks: control.NewHooks(), next: 348456385, tokens: map[string]time.Time{}}
	at := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	f.orders = append(f.orders,
		&Order{OrderID: "NW-1000", SROrderID: 348456380, ShipmentID: 16090280, Status: "IN TRANSIT", AWB: SeededAWB,
			CourierName: "Delhivery Surface", Customer: "Bob Norman", Pincode: "560001", CreatedAt: at},
		&Order{OrderID: "NW-1001", SROrderID: 348456381, ShipmentID: SeededShipment, Status: "NEW",
			Customer: "Ada Lovelace", Pincode: "110001", CreatedAt: at})
	f.Server = connectortest.NewHandler(f.serve, writeFailure)
	f.control = control.NewAPI(f.hooks, &f.Server.Failures)
	f.control.Handle("GET /_fake/orders/{orderId}", f.getOrder)
	f.control.Handle("POST /_fake/shipments/{awb}/status", f.statusRoute)
	return f
}

// Close stops the deliveries still being retried.
func (f *Fake) Close() { f.hooks.Close() }

// Hooks are the fake's webhook subscriptions and deliveries.
func (f *Fake) Hooks() *control.Hooks { return f.hooks }

// Order returns a copy of the order with your order id.
func (f *Fake) Order(orderID string) (Order, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, o := range f.orders {
		if o.OrderID == orderID {
			return *o, true
		}
	}
	return Order{}, false
}

// ServeHTTP serves the API and the control routes.
func (f *Fake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if control.Is(r) {
		f.control.ServeHTTP(w, r)
		return
	}
	f.Server.ServeHTTP(w, r)
}

func writeError(w http.ResponseWriter, status int, msg string, fields map[string][]string) {
	body := map[string]any{"message": msg, "status_code": status}
	if fields != nil {
		body["errors"] = fields
	}
	connectortest.ContentJSON.Write(w, status, body)
}

func writeFailure(w http.ResponseWriter, fl connectortest.Failure) {
	fl.SetRetryAfter(w.Header())
	var fields map[string][]string
	if fl.Status == http.StatusUnprocessableEntity {
		fields = map[string][]string{"order_id": {"Injected failure."}}
	}
	writeError(w, fl.Status, http.StatusText(fl.Status), fields)
}

func (f *Fake) serve(w http.ResponseWriter, r *http.Request, body []byte) {
	if f.Fail(w) {
		return
	}
	if r.Method == http.MethodPost && r.URL.Path == "/v1/external/auth/login" {
		f.login(w, body)
		return
	}
	token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || !f.validToken(token) {
		writeError(w, http.StatusUnauthorized, "Token has expired or is invalid", nil)
		return
	}
	switch {
	case r.Method == http.MethodPost && r.URL.Path == "/v1/external/orders/create/adhoc":
		f.createOrder(w, body)
	case r.Method == http.MethodPost && r.URL.Path == "/v1/external/courier/assign/awb":
		f.assignAWB(w, body)
	case r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/v1/external/courier/track/awb/"):
		f.track(w, strings.TrimPrefix(r.URL.Path, "/v1/external/courier/track/awb/"))
	default:
		writeError(w, http.StatusNotFound, fmt.Sprintf("No route for %s %s", r.Method, r.URL.Path), nil)
	}
}

func (f *Fake) login(w http.ResponseWriter, body []byte) {
	var in struct {
		Email    string `json:"email"`
		Password string `json:"password"`
	}
	if err := json.Unmarshal(body, &in); err != nil || in.Email != Email || in.Password != Password {
		writeError(w, http.StatusUnauthorized, "Invalid email and password combination", nil)
		return
	}
	connectortest.ContentJSON.Write(w, http.StatusOK, map[string]any{"id": 1, "email": Email, "company_id": 1, "token": f.Login()})
}

// Login issues a token of the API user, as logging in does, valid for
// TokenLifetime.
func (f *Fake) Login() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	token := "sr-fake-" + hex.EncodeToString(b)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.tokens[token] = time.Now().Add(TokenLifetime)
	return token
}

// Logins counts the tokens login issued.
func (f *Fake) Logins() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.tokens)
}

func (f *Fake) validToken(token string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	expires, ok := f.tokens[token]
	return ok && time.Now().Before(expires)
}

func (f *Fake) createOrder(w http.ResponseWriter, body []byte) {
	var in struct {
		OrderID             string            `json:"order_id"`
		OrderDate           string            `json:"order_date"`
		PickupLocation      string            `json:"pickup_location"`
		BillingCustomerName string            `json:"billing_customer_name"`
		BillingAddress      string            `json:"billing_address"`
		BillingCity         string            `json:"billing_city"`
		BillingPincode      json.RawMessage   `json:"billing_pincode"`
		BillingState        string            `json:"billing_state"`
		BillingCountry      string            `json:"billing_country"`
		BillingEmail        string            `json:"billing_email"`
		BillingPhone        json.RawMessage   `json:"billing_phone"`
		ShippingIsBilling   *bool             `json:"shipping_is_billing"`
		OrderItems          []json.RawMessage `json:"order_items"`
		PaymentMethod       string            `json:"payment_method"`
		SubTotal            *float64          `json:"sub_total"`
		Length, Breadth     *float64
		Height, Weight      *float64
	}
	if err := json.Unmarshal(body, &in); err != nil {
		writeError(w, http.StatusBadRequest, "The body is not valid JSON: "+err.Error(), nil)
		return
	}
	missing := map[string][]string{}
	need := func(field string, absent bool) {
		if absent {
			missing[field] = []string{fmt.Sprintf("The %s field is required.", strings.ReplaceAll(field, "_", " "))}
		}
	}
	need("order_id", in.OrderID == "")
	need("order_date", in.OrderDate == "")
	need("pickup_location", in.PickupLocation == "")
	need("billing_customer_name", in.BillingCustomerName == "")
	need("billing_address", in.BillingAddress == "")
	need("billing_city", in.BillingCity == "")
	need("billing_pincode", len(in.BillingPincode) == 0)
	need("billing_state", in.BillingState == "")
	need("billing_country", in.BillingCountry == "")
	need("billing_email", in.BillingEmail == "")
	need("billing_phone", len(in.BillingPhone) == 0)
	need("shipping_is_billing", in.ShippingIsBilling == nil)
	need("order_items", len(in.OrderItems) == 0)
	need("payment_method", in.PaymentMethod != "Prepaid" && in.PaymentMethod != "COD")
	need("sub_total", in.SubTotal == nil)
	need("length", in.Length == nil)
	need("breadth", in.Breadth == nil)
	need("height", in.Height == nil)
	need("weight", in.Weight == nil)
	if len(missing) > 0 {
		writeError(w, http.StatusUnprocessableEntity, "Oops! Invalid Data.", missing)
		return
	}
	f.mu.Lock()
	for _, o := range f.orders {
		if o.OrderID == in.OrderID {
			f.mu.Unlock()
			writeError(w, http.StatusUnprocessableEntity, "Order Id already exists", map[string][]string{"order_id": {"The order id has already been taken."}})
			return
		}
	}
	o := &Order{OrderID: in.OrderID, SROrderID: f.next, ShipmentID: f.next + 1000, Status: "NEW",
		Customer: in.BillingCustomerName, Pincode: strings.Trim(string(in.BillingPincode), `"`), CreatedAt: time.Now().UTC()}
	f.next++
	f.orders = append(f.orders, o)
	f.mu.Unlock()
	connectortest.ContentJSON.Write(w, http.StatusOK, map[string]any{
		"order_id": o.SROrderID, "channel_order_id": o.OrderID, "shipment_id": o.ShipmentID, "status": o.Status,
		"status_code": statusIDs[o.Status], "onboarding_completed_now": 0, "awb_code": "", "courier_company_id": "", "courier_name": "",
	})
}

func (f *Fake) assignAWB(w http.ResponseWriter, body []byte) {
	var in struct {
		ShipmentID json.Number `json:"shipment_id"`
		CourierID  json.Number `json:"courier_id"`
	}
	if err := json.Unmarshal(body, &in); err != nil || in.ShipmentID == "" {
		writeError(w, http.StatusUnprocessableEntity, "Oops! Invalid Data.", map[string][]string{"shipment_id": {"The shipment id field is required."}})
		return
	}
	id, _ := in.ShipmentID.Int64()
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, o := range f.orders {
		if o.ShipmentID != id {
			continue
		}
		if o.AWB != "" {
			writeError(w, http.StatusBadRequest, "AWB is already assigned", nil)
			return
		}
		o.AWB, o.CourierName, o.Status = strconv.FormatInt(19041000000000+o.ShipmentID, 10), "Delhivery Surface", "AWB ASSIGNED"
		connectortest.ContentJSON.Write(w, http.StatusOK, map[string]any{"awb_assign_status": 1, "response": map[string]any{"data": map[string]any{
			"awb_code": o.AWB, "courier_name": o.CourierName, "courier_company_id": 14, "shipment_id": o.ShipmentID, "order_id": o.SROrderID,
		}}})
		return
	}
	writeError(w, http.StatusNotFound, "Shipment not found", nil)
}

func (f *Fake) find(awb string) *Order {
	for _, o := range f.orders {
		if o.AWB != "" && o.AWB == awb {
			return o
		}
	}
	return nil
}

func (f *Fake) track(w http.ResponseWriter, awb string) {
	f.mu.Lock()
	o := f.find(awb)
	var c Order
	if o != nil {
		c = *o
	}
	f.mu.Unlock()
	if o == nil {
		writeError(w, http.StatusNotFound, "Awb not found", nil)
		return
	}
	delivered := ""
	if c.Status == "DELIVERED" {
		delivered = time.Now().In(ist).Format(time.DateTime)
	}
	connectortest.ContentJSON.Write(w, http.StatusOK, map[string]any{"tracking_data": map[string]any{
		"track_status": 1, "shipment_status": statusIDs[c.Status],
		"shipment_track": []map[string]any{{"awb_code": c.AWB, "courier_name": c.CourierName, "current_status": c.Status,
			"delivered_date": delivered, "destination": c.Pincode, "consignee_name": c.Customer, "order_id": c.OrderID}},
		"track_url": "https://shiprocket.co/tracking/" + c.AWB,
	}})
}

// ist is India Standard Time, in which Shiprocket writes its times.
var ist = time.FixedZone("IST", 5*3600+1800)

// ErrNoShipment: no shipment has the AWB.
var ErrNoShipment = errors.New("no shipment with this AWB")

// SetStatus moves the shipment with an AWB to status and sends the
// tracking webhook, returning the order and the deliveries.
func (f *Fake) SetStatus(ctx context.Context, awb, status string) (Order, []control.Delivery, error) {
	id, ok := statusIDs[status]
	if !ok {
		return Order{}, nil, fmt.Errorf("status %q is not one of Shiprocket's", status)
	}
	f.mu.Lock()
	o := f.find(awb)
	if o == nil {
		f.mu.Unlock()
		return Order{}, nil, fmt.Errorf("%w: %s", ErrNoShipment, awb)
	}
	o.Status = status
	o.StatusEvents++
	c := *o
	f.mu.Unlock()
	now := time.Now().In(ist)
	body, err := json.Marshal(map[string]any{
		"awb": c.AWB, "courier_name": c.CourierName, "current_status": status, "current_status_id": id,
		"shipment_status": status, "shipment_status_id": id, "current_timestamp": now.Format("02 01 2006 15:04:05"),
		"order_id": c.OrderID, "sr_order_id": c.SROrderID, "awb_assigned_date": c.CreatedAt.In(ist).Format(time.DateTime),
		"etd": now.Add(48 * time.Hour).Format(time.DateTime), "is_return": 0,
		"scans": []map[string]any{{"date": now.Format(time.DateTime), "status": status, "activity": status, "location": "Bengaluru"}},
	})
	if err != nil {
		return Order{}, nil, fmt.Errorf("encoding the tracking webhook: %w", err)
	}
	return c, f.hooks.Deliver(ctx, EventTracking, body, nil), nil
}

func (f *Fake) getOrder(w http.ResponseWriter, r *http.Request) {
	o, ok := f.Order(r.PathValue("orderId"))
	if !ok {
		control.WriteError(w, http.StatusNotFound, "orderId", "no such order")
		return
	}
	control.WriteJSON(w, http.StatusOK, o)
}

func (f *Fake) statusRoute(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Status string `json:"status"`
	}
	if !control.Decode(w, r, &in) {
		return
	}
	o, deliveries, err := f.SetStatus(r.Context(), r.PathValue("awb"), strings.ToUpper(in.Status))
	switch {
	case errors.Is(err, ErrNoShipment):
		control.WriteError(w, http.StatusNotFound, "awb", err.Error())
	case err != nil:
		control.WriteError(w, http.StatusBadRequest, "status", err.Error())
	default:
		control.WriteJSON(w, http.StatusOK, map[string]any{"order": o, "deliveries": deliveries})
	}
}
