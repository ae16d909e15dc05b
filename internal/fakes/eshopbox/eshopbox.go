// Package eshopbox fakes the parts of Eshopbox's API that the Eshopbox
// app (examples/apps/eshopbox) and the e-commerce examples use, in memory:
//
//   - POST /api/order creates an order ("Create an Order",
//     https://eshop.gitbook.io/eshopbox-developers/order/orders/create-an-order),
//     with its shipment;
//   - POST /api/update-status updates a shipment's status by waybill, as a
//     courier does ("Update Status", .../order/order-status/update-status),
//     answering {"meta": {"success": true, "status": 200, "message": "SUCCESS"}};
//   - POST /api/v1/webhook registers a webhook for a resource
//     (shipment, channel_inventory) and event subtype (packed, delivered,
//     updated, ...), with the headers Eshopbox sends along, such as
//     x-api-key (".../order/wrapper-api/registering-webhook-for-tracking-shipment").
//
// Requests authenticate with Authorization: Bearer <access token>. Eshopbox
// documents no error body; the fake answers errors in the shape of its
// documented success, {"meta": {"success": false, "status": <status>,
// "message": "..."}}, and 429 with Retry-After when told to fail.
//
// Webhook payloads are not published either: the fake sends
// {"eventId", "resource", "eventType", "eventSubType", "version",
// "externalChannelID", "shipment" | "inventory"} (examples/apps/eshopbox
// documents them), with the subscription's headers.
//
// Besides the API, it serves the control routes of package control and:
//
//	GET  /_fake/orders/{customerOrderNumber}        the order and its shipment
//	POST /_fake/orders/{customerOrderNumber}/pack   pack its shipment: assign a courier and an AWB, send shipment/packed
//	GET  /_fake/inventory/{sku}                     the SKU's sellable stock
//	POST /_fake/inventory   {"sku", "quantity"}     change it, send channel_inventory/updated
package eshopbox

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/junction-run/junction/connectors/connectortest"
	"github.com/junction-run/junction/internal/fakes/control"
)

// AccessToken is the bearer token the fake accepts.
const AccessToken = "eshopbox-fake-access-token"

// Channel is the sales channel (externalChannelID) the fake's workspace
// has; orders of any other channel are refused.
const Channel = "NORTHWIND_SHOPIFY"

// Webhook events: resource "/" eventSubType.
const (
	EventPacked    = "shipment/packed"
	EventDelivered = "shipment/delivered"
	EventInventory = "channel_inventory/updated"
)

// Address is a shipping or billing address.
type Address struct {
	CustomerName string `json:"customerName"`
	AddressLine1 string `json:"addressLine1"`
	AddressLine2 string `json:"addressLine2,omitempty"`
	City         string `json:"city,omitempty"`
	State        string `json:"state,omitempty"`
	PostalCode   string `json:"postalCode"`
	CountryCode  string `json:"countryCode,omitempty"`
	CountryName  string `json:"countryName,omitempty"`
	ContactPhone string `json:"contactPhone"`
	Email        string `json:"email"`
}

// Item is a line of an order.
type Item struct {
	ItemID       string  `json:"itemID"`
	ProductTitle string  `json:"productTitle,omitempty"`
	Quantity     int     `json:"quantity"`
	ItemTotal    float64 `json:"itemTotal"`
}

// StatusChange is one step of a shipment's journey.
type StatusChange struct {
	Status   string    `json:"status"`
	At       time.Time `json:"at"`
	Location string    `json:"location,omitempty"`
	Remark   string    `json:"remark,omitempty"`
}

// Shipment is an order's shipment.
type Shipment struct {
	ShipmentID  string         `json:"shipmentId"`
	Status      string         `json:"status"`
	CourierName string         `json:"courierName,omitempty"`
	TrackingID  string         `json:"trackingID,omitempty"`
	History     []StatusChange `json:"history"`
}

// Order is an order as the fake keeps and answers it.
type Order struct {
	ID                  int64     `json:"id"`
	ExternalChannelID   string    `json:"externalChannelID"`
	CustomerOrderNumber string    `json:"customerOrderNumber"`
	VendorOrderNumber   string    `json:"vendorOrderNumber,omitempty"`
	OrderDate           string    `json:"orderDate,omitempty"`
	IsCOD               string    `json:"isCOD"`
	PaymentType         string    `json:"paymentType"`
	Subtotal            float64   `json:"subtotal"`
	OrderTotal          float64   `json:"orderTotal"`
	BalanceDue          float64   `json:"balanceDue"`
	ThirdPartyShipping  bool      `json:"thirdPartyShipping"`
	ShippingAddress     Address   `json:"shippingAddress"`
	Items               []Item    `json:"items"`
	Status              string    `json:"status"`
	Shipment            Shipment  `json:"shipment"`
	CreatedAt           time.Time `json:"createdAt"`
}

// Stock is a SKU's sellable quantity.
type Stock struct {
	SKU       string    `json:"sku"`
	Quantity  int       `json:"quantity"`
	UpdatedAt time.Time `json:"updatedAt"`
}

// Fake is the fake Eshopbox: an http.Handler with its state in memory.
type Fake struct {
	*connectortest.Server
	hooks   *control.Hooks
	control *control.API

	// OnPacked, when set, is told of each shipment packed, after the
	// state changed: `junction fakes` hands it to the courier's fake
	// (Eshopbox manifests the shipment with Delhivery).
	OnPacked func(o Order)

	mu       sync.Mutex
	nextID   int64
	nextHook int64
	orders   []*Order
	stock    map[string]*Stock
	events   map[string]int // events sent per shipment or SKU, for event ids
}

// Seeded data: the examples of Eshopbox's documentation.
const (
	// SeededOrder is the order of the SDK's examples, packed.
	SeededOrder = "OD119208447831346001"
	// SeededWaybill is its Delhivery waybill, the one of the
	// update-status example.
	SeededWaybill = "1704610028453"
	// SeededSKU is in stock, 10 of it: the SKU of the Shopify fake's
	// seeded product.
	SeededSKU = "IPOD2008PINK"
)

// New returns a fake seeded with order SeededOrder, packed and with
// Delhivery under SeededWaybill, and 10 of SeededSKU in stock.
func New() *Fake {
	f := &Fake{hooks: control.NewHooks(), nextID: 90001, stock: map[string]*Stock{}, events: map[string]int{}}
	created := time.Date(2026, 2, 28, 15, 39, 11, 0, time.UTC)
	f.stock[SeededSKU] = &Stock{SKU: SeededSKU, Quantity: 10, UpdatedAt: created}
	f.orders = append(f.orders, &Order{
		ID: 90000, ExternalChannelID: Channel, CustomerOrderNumber: SeededOrder, OrderDate: "2026-02-28 15:39:11",
		IsCOD: "0", PaymentType: "DebitCard", Subtotal: 4049.09, OrderTotal: 4049.09, ThirdPartyShipping: false,
		ShippingAddress: Address{CustomerName: "Sakib Malik", AddressLine1: "D151", City: "Gurugram", State: "Haryana",
			PostalCode: "122018", CountryCode: "IN", ContactPhone: "9999999999", Email: "sakib@example.com"},
		Items:  []Item{{ItemID: SeededSKU, ProductTitle: "IPod Nano - 8GB", Quantity: 1, ItemTotal: 4049.09}},
		Status: "created", CreatedAt: created,
		Shipment: Shipment{ShipmentID: "SHP90000", Status: "packed", CourierName: "Delhivery", TrackingID: SeededWaybill,
			History: []StatusChange{{Status: "created", At: created}, {Status: "packed", At: created.Add(time.Hour)}}},
	})
	f.events["SHP90000"] = 2
	f.Server = connectortest.NewHandler(f.serve, writeFailure)
	f.control = control.NewAPI(f.hooks, &f.Server.Failures)
	f.control.Handle("GET /_fake/orders/{number}", f.getOrder)
	f.control.Handle("POST /_fake/orders/{number}/pack", f.pack)
	f.control.Handle("GET /_fake/inventory/{sku}", f.getStock)
	f.control.Handle("POST /_fake/inventory", f.setStock)
	return f
}

// Close stops the deliveries still being retried.
func (f *Fake) Close() { f.hooks.Close() }

// Hooks are the fake's webhook subscriptions and deliveries.
func (f *Fake) Hooks() *control.Hooks { return f.hooks }

// Order returns a copy of the order with a customer order number.
func (f *Fake) Order(number string) (Order, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if o := f.order(number); o != nil {
		return o.clone(), true
	}
	return Order{}, false
}

// Orders returns copies of every order, oldest first.
func (f *Fake) Orders() []Order {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]Order, len(f.orders))
	for i, o := range f.orders {
		out[i] = o.clone()
	}
	return out
}

func (o *Order) clone() Order {
	c := *o
	c.Items = slices.Clone(o.Items)
	c.Shipment.History = slices.Clone(o.Shipment.History)
	return c
}

func (f *Fake) order(number string) *Order {
	for _, o := range f.orders {
		if o.CustomerOrderNumber == number {
			return o
		}
	}
	return nil
}

func (f *Fake) orderByWaybill(waybill string) *Order {
	for _, o := range f.orders {
		if o.Shipment.TrackingID != "" && o.Shipment.TrackingID == waybill {
			return o
		}
	}
	return nil
}

// ServeHTTP serves the API and the control routes.
func (f *Fake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if control.Is(r) {
		f.control.ServeHTTP(w, r)
		return
	}
	f.Server.ServeHTTP(w, r)
}

// eshopboxJSON is the Content-Type of the fake's answers.
const eshopboxJSON = connectortest.JSON("application/json; charset=utf-8")

func writeMeta(w http.ResponseWriter, status int, message string) {
	eshopboxJSON.Write(w, status, map[string]any{"meta": map[string]any{
		"success": status < 300, "status": status, "message": message,
	}})
}

func writeFailure(w http.ResponseWriter, fl connectortest.Failure) {
	fl.SetRetryAfter(w.Header())
	writeMeta(w, fl.Status, http.StatusText(fl.Status))
}

func (f *Fake) serve(w http.ResponseWriter, r *http.Request, body []byte) {
	if f.Fail(w) {
		return
	}
	token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || token != AccessToken {
		writeMeta(w, http.StatusUnauthorized, "Unauthorized: a valid Bearer access token is required")
		return
	}
	if r.Method == http.MethodPost && !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		writeMeta(w, http.StatusUnsupportedMediaType, "Content-Type must be application/json")
		return
	}
	switch {
	case r.Method == http.MethodPost && r.URL.Path == "/api/order":
		f.createOrder(w, body)
	case r.Method == http.MethodPost && r.URL.Path == "/api/update-status":
		f.updateStatus(w, body)
	case r.Method == http.MethodPost && r.URL.Path == "/api/v1/webhook":
		f.registerWebhook(w, body)
	default:
		writeMeta(w, http.StatusNotFound, fmt.Sprintf("No route for %s %s", r.Method, r.URL.Path))
	}
}

// orderInput is the body of POST /api/order; pointers tell what is missing.
type orderInput struct {
	ExternalChannelID   *string  `json:"externalChannelID"`
	CustomerOrderNumber *string  `json:"customerOrderNumber"`
	VendorOrderNumber   string   `json:"vendorOrderNumber"`
	ShipMethod          string   `json:"shipMethod"`
	OrderDate           string   `json:"orderDate"`
	IsCOD               *string  `json:"isCOD"`
	PaymentType         *string  `json:"paymentType"`
	TaxAmount           *float64 `json:"taxAmount"`
	ShipChargeAmount    float64  `json:"shipChargeAmount"`
	Subtotal            *float64 `json:"subtotal"`
	OrderTotal          *float64 `json:"orderTotal"`
	BalanceDue          *float64 `json:"balanceDue"`
	ThirdPartyShipping  *bool    `json:"thirdPartyShipping"`
	ShippingAddress     *Address `json:"shippingAddress"`
	BillingAddress      *Address `json:"billingAddress"`
	Items               []Item   `json:"items"`
}

// missing lists the required fields the input lacks, by name.
func (in orderInput) missing() []string {
	var out []string
	check := func(name string, absent bool) {
		if absent {
			out = append(out, name)
		}
	}
	check("externalChannelID", in.ExternalChannelID == nil || *in.ExternalChannelID == "")
	check("customerOrderNumber", in.CustomerOrderNumber == nil || *in.CustomerOrderNumber == "")
	check("isCOD", in.IsCOD == nil)
	check("paymentType", in.PaymentType == nil || *in.PaymentType == "")
	check("taxAmount", in.TaxAmount == nil)
	check("subtotal", in.Subtotal == nil)
	check("orderTotal", in.OrderTotal == nil)
	check("balanceDue", in.BalanceDue == nil)
	check("thirdPartyShipping", in.ThirdPartyShipping == nil)
	check("shippingAddress", in.ShippingAddress == nil)
	if a := in.ShippingAddress; a != nil {
		check("shippingAddress.customerName", a.CustomerName == "")
		check("shippingAddress.addressLine1", a.AddressLine1 == "")
		check("shippingAddress.postalCode", a.PostalCode == "")
		check("shippingAddress.contactPhone", a.ContactPhone == "")
		check("shippingAddress.email", a.Email == "")
	}
	check("billingAddress", in.BillingAddress == nil)
	check("items", len(in.Items) == 0)
	for i, it := range in.Items {
		check(fmt.Sprintf("items[%d].itemID", i), it.ItemID == "")
		check(fmt.Sprintf("items[%d].quantity", i), it.Quantity < 1)
	}
	return out
}

func (f *Fake) createOrder(w http.ResponseWriter, body []byte) {
	var in orderInput
	if err := json.Unmarshal(body, &in); err != nil {
		writeMeta(w, http.StatusBadRequest, "The body is not valid JSON: "+err.Error())
		return
	}
	if m := in.missing(); len(m) > 0 {
		writeMeta(w, http.StatusBadRequest, "Missing or invalid fields: "+strings.Join(m, ", "))
		return
	}
	if *in.IsCOD != "0" && *in.IsCOD != "1" {
		writeMeta(w, http.StatusBadRequest, `isCOD must be "0" (prepaid) or "1" (cash on delivery)`)
		return
	}
	if *in.ExternalChannelID != Channel {
		writeMeta(w, http.StatusUnprocessableEntity, fmt.Sprintf("Sales channel %q is not connected to this workspace", *in.ExternalChannelID))
		return
	}
	f.mu.Lock()
	if f.order(*in.CustomerOrderNumber) != nil {
		f.mu.Unlock()
		writeMeta(w, http.StatusConflict, fmt.Sprintf("Order %s already exists for channel %s", *in.CustomerOrderNumber, Channel))
		return
	}
	now := time.Now().UTC().Truncate(time.Second)
	o := &Order{
		ID: f.nextID, ExternalChannelID: *in.ExternalChannelID, CustomerOrderNumber: *in.CustomerOrderNumber,
		VendorOrderNumber: in.VendorOrderNumber, OrderDate: in.OrderDate, IsCOD: *in.IsCOD, PaymentType: *in.PaymentType,
		Subtotal: *in.Subtotal, OrderTotal: *in.OrderTotal, BalanceDue: *in.BalanceDue, ThirdPartyShipping: *in.ThirdPartyShipping,
		ShippingAddress: *in.ShippingAddress, Items: in.Items, Status: "created", CreatedAt: now,
		Shipment: Shipment{ShipmentID: fmt.Sprintf("SHP%d", f.nextID), Status: "created", History: []StatusChange{{Status: "created", At: now}}},
	}
	f.nextID++
	f.orders = append(f.orders, o)
	out := o.clone()
	f.mu.Unlock()
	eshopboxJSON.Write(w, http.StatusOK, out)
}

// statusCodes are update-status's status codes and the shipment status
// each sets, as Eshopbox documents them.
var statusCodes = map[int]string{
	4: "picked_up", 5: "intransit", 6: "out_for_delivery", 8: "delivered", 9: "failed_delivery", 10: "cancelled_order",
}

func (f *Fake) updateStatus(w http.ResponseWriter, body []byte) {
	var in struct {
		StatusDescription string          `json:"status_description"`
		Waybill           string          `json:"waybill"`
		CPName            string          `json:"cp_name"`
		Status            string          `json:"status"`
		StatusCode        *int            `json:"status_code"`
		Location          string          `json:"location"`
		Timestamp         string          `json:"timestamp"`
		Remark            string          `json:"remark"`
		Additional        json.RawMessage `json:"additional"`
	}
	if err := json.Unmarshal(body, &in); err != nil {
		writeMeta(w, http.StatusBadRequest, "The body is not valid JSON: "+err.Error())
		return
	}
	if in.Waybill == "" || in.StatusCode == nil {
		writeMeta(w, http.StatusBadRequest, "waybill and status_code are required")
		return
	}
	status, ok := statusCodes[*in.StatusCode]
	if !ok {
		writeMeta(w, http.StatusBadRequest, fmt.Sprintf("status_code %d is not one of 4, 5, 6, 8, 9, 10", *in.StatusCode))
		return
	}
	f.mu.Lock()
	o := f.orderByWaybill(in.Waybill)
	if o == nil {
		f.mu.Unlock()
		writeMeta(w, http.StatusNotFound, fmt.Sprintf("No shipment with waybill %s", in.Waybill))
		return
	}
	if o.Shipment.CourierName != "" && in.CPName != "" && !strings.EqualFold(o.Shipment.CourierName, in.CPName) {
		f.mu.Unlock()
		writeMeta(w, http.StatusUnprocessableEntity, fmt.Sprintf("Waybill %s is with %s, not %s", in.Waybill, o.Shipment.CourierName, in.CPName))
		return
	}
	changed := o.Shipment.Status != status
	var event []byte
	if changed {
		event = f.changeStatus(o, status, in.Location, in.Remark)
	}
	f.mu.Unlock()
	if changed {
		// Eshopbox tells the shipment's subscribers, as it does for every
		// step of the journey; the courier's call does not wait for them.
		f.hooks.DeliverLater("shipment/"+status, event, nil)
	}
	writeMeta(w, http.StatusOK, "SUCCESS")
}

// changeStatus moves o's shipment to status and returns the event that
// says so. f.mu is held.
func (f *Fake) changeStatus(o *Order, status, location, remark string) []byte {
	now := time.Now().UTC().Truncate(time.Millisecond)
	o.Shipment.Status = status
	o.Shipment.History = append(o.Shipment.History, StatusChange{Status: status, At: now, Location: location, Remark: remark})
	if status == "delivered" {
		o.Status = "delivered"
	}
	f.events[o.Shipment.ShipmentID]++
	return mustJSON(map[string]any{
		"eventId":           fmt.Sprintf("%s-%d", o.Shipment.ShipmentID, f.events[o.Shipment.ShipmentID]),
		"resource":          "shipment",
		"eventType":         "PUT",
		"eventSubType":      status,
		"version":           "v1",
		"externalChannelID": o.ExternalChannelID,
		"shipment": map[string]any{
			"shipmentId": o.Shipment.ShipmentID, "customerOrderNumber": o.CustomerOrderNumber,
			"vendorOrderNumber": o.VendorOrderNumber, "status": status, "courierName": o.Shipment.CourierName,
			"trackingID": o.Shipment.TrackingID, "items": o.Items, "updatedAt": now,
		},
	})
}

func (f *Fake) registerWebhook(w http.ResponseWriter, body []byte) {
	var in struct {
		Resource          string            `json:"resource"`
		EventType         string            `json:"eventType"`
		EventSubType      string            `json:"eventSubType"`
		Version           string            `json:"version"`
		ExternalChannelID string            `json:"externalChannelID"`
		WebhookURL        string            `json:"webhookUrl"`
		WebhookMethod     string            `json:"webhookMethod"`
		WebhookHeaders    map[string]string `json:"webhookHeaders"`
		AccountSlug       string            `json:"accountSlug"`
	}
	if err := json.Unmarshal(body, &in); err != nil {
		writeMeta(w, http.StatusBadRequest, "The body is not valid JSON: "+err.Error())
		return
	}
	switch {
	case in.Resource != "shipment" && in.Resource != "channel_inventory" && in.Resource != "returnShipment":
		writeMeta(w, http.StatusBadRequest, "resource must be shipment, channel_inventory or returnShipment")
		return
	case in.EventSubType == "" || in.Version == "" || in.WebhookURL == "":
		writeMeta(w, http.StatusBadRequest, "eventSubType, version and webhookUrl are required")
		return
	case in.WebhookMethod != "" && !strings.EqualFold(in.WebhookMethod, http.MethodPost):
		writeMeta(w, http.StatusBadRequest, "the fake delivers with POST only")
		return
	}
	if err := f.hooks.Subscribe(control.Subscription{Event: in.Resource + "/" + in.EventSubType, URL: in.WebhookURL, Headers: in.WebhookHeaders}); err != nil {
		writeMeta(w, http.StatusBadRequest, err.Error())
		return
	}
	f.mu.Lock()
	f.nextHook++
	id := f.nextHook
	f.mu.Unlock()
	eshopboxJSON.Write(w, http.StatusOK, map[string]any{
		"id": strconv.FormatInt(id, 10), "resource": in.Resource, "eventType": in.EventType, "eventSubType": in.EventSubType,
		"version": in.Version, "externalChannelID": in.ExternalChannelID, "webhookUrl": in.WebhookURL, "webhookMethod": http.MethodPost,
	})
}

func (f *Fake) getOrder(w http.ResponseWriter, r *http.Request) {
	o, ok := f.Order(r.PathValue("number"))
	if !ok {
		control.WriteError(w, http.StatusNotFound, "customerOrderNumber", "no such order")
		return
	}
	control.WriteJSON(w, http.StatusOK, o)
}

// Pack packs an order's shipment: the courier is assigned and gives an
// AWB, and shipment/packed goes to its subscribers. It returns the order
// and the deliveries.
func (f *Fake) Pack(ctx context.Context, number, courier string) (Order, []control.Delivery, error) {
	f.mu.Lock()
	o := f.order(number)
	if o == nil {
		f.mu.Unlock()
		return Order{}, nil, fmt.Errorf("no order %q", number)
	}
	if o.Shipment.Status != "created" {
		f.mu.Unlock()
		return Order{}, nil, fmt.Errorf("order %s is %s already", number, o.Shipment.Status)
	}
	o.Shipment.CourierName = courier
	o.Shipment.TrackingID = fmt.Sprintf("%013d", 1_700_000_000_000+o.ID)
	event := f.changeStatus(o, "packed", "", "")
	out := o.clone()
	onPacked := f.OnPacked
	f.mu.Unlock()
	if onPacked != nil {
		onPacked(out)
	}
	return out, f.hooks.Deliver(ctx, EventPacked, event, nil), nil
}

func (f *Fake) pack(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Courier string `json:"courier"`
	}
	if r.ContentLength != 0 && !control.Decode(w, r, &in) {
		return
	}
	o, deliveries, err := f.Pack(r.Context(), r.PathValue("number"), cmp.Or(in.Courier, "Delhivery"))
	if err != nil {
		control.WriteError(w, http.StatusConflict, "customerOrderNumber", err.Error())
		return
	}
	control.WriteJSON(w, http.StatusOK, map[string]any{"order": o, "deliveries": deliveries})
}

// SetStock changes a SKU's sellable quantity and sends
// channel_inventory/updated to its subscribers.
func (f *Fake) SetStock(ctx context.Context, sku string, quantity int) (Stock, []control.Delivery) {
	f.mu.Lock()
	st := f.stock[sku]
	previous := 0
	if st == nil {
		st = &Stock{SKU: sku}
		f.stock[sku] = st
	} else {
		previous = st.Quantity
	}
	st.Quantity, st.UpdatedAt = quantity, time.Now().UTC().Truncate(time.Millisecond)
	f.events["sku:"+sku]++
	event := mustJSON(map[string]any{
		"eventId":           fmt.Sprintf("INV-%s-%d", sku, f.events["sku:"+sku]),
		"resource":          "channel_inventory",
		"eventType":         "POST",
		"eventSubType":      "updated",
		"version":           "v1",
		"externalChannelID": Channel,
		"inventory":         map[string]any{"sku": sku, "quantity": quantity, "previousQuantity": previous, "updatedAt": st.UpdatedAt},
	})
	out := *st
	f.mu.Unlock()
	return out, f.hooks.Deliver(ctx, EventInventory, event, nil)
}

// StockOf returns a SKU's sellable quantity.
func (f *Fake) StockOf(sku string) (Stock, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if st := f.stock[sku]; st != nil {
		return *st, true
	}
	return Stock{}, false
}

func (f *Fake) getStock(w http.ResponseWriter, r *http.Request) {
	st, ok := f.StockOf(r.PathValue("sku"))
	if !ok {
		control.WriteError(w, http.StatusNotFound, "sku", "no stock of this SKU")
		return
	}
	control.WriteJSON(w, http.StatusOK, st)
}

func (f *Fake) setStock(w http.ResponseWriter, r *http.Request) {
	var in struct {
		SKU      string `json:"sku"`
		Quantity *int   `json:"quantity"`
	}
	if !control.Decode(w, r, &in) {
		return
	}
	switch {
	case in.SKU == "":
		control.WriteError(w, http.StatusBadRequest, "sku", "is required")
		return
	case in.Quantity == nil || *in.Quantity < 0:
		control.WriteError(w, http.StatusBadRequest, "quantity", "is required, 0 or more")
		return
	}
	st, deliveries := f.SetStock(r.Context(), in.SKU, *in.Quantity)
	control.WriteJSON(w, http.StatusOK, map[string]any{"inventory": st, "deliveries": deliveries})
}

// mustJSON encodes an event built of strings, numbers, times and the
// fake's own types, which always encode.
func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("eshopbox fake: encoding an event: %v", err))
	}
	return b
}
