// Package shopifytest fakes Shopify's Admin REST API for the shopify
// connector's tests: an httptest server that checks X-Shopify-Access-Token,
// serves /admin/api/<version>/ paths on any <shop>.myshopify.com host,
// keeps orders, fulfillment orders, products and inventory levels in
// memory, pages lists with page_info cursors in the Link header, answers
// Shopify's error bodies ({"errors": ...}), logs requests, and fails on
// demand for the conformance kit.
package shopifytest

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/junction-run/junction/connectors/connectortest"
)

// Token is the access token the fake accepts.
const Token = "shpat_test_0123456789abcdef"

// Seeded data: the ids of Shopify's documentation examples.
const (
	OrderID                    = 450789469
	LineItemID                 = 466157049
	FulfillmentOrderID         = 1046000778
	FulfillmentOrderLineItemID = 1025578633
	ProductID                  = 632910392
	VariantID                  = 447654529
	InventoryItemID            = 808950810
	LocationID                 = 655441491
)

// Request is one request the fake received, with the API version of its
// path.
type Request struct {
	connectortest.Request
	Version string
}

// Order, LineItem, Product, Variant and InventoryLevel are the fake's
// records, encoded as Shopify encodes them.
type Order struct {
	ID                int64            `json:"id"`
	AdminGraphQLAPIID string           `json:"admin_graphql_api_id"`
	Name              string           `json:"name"`
	OrderNumber       int              `json:"order_number"`
	Email             *string          `json:"email"`
	Phone             *string          `json:"phone"`
	FinancialStatus   string           `json:"financial_status"`
	FulfillmentStatus *string          `json:"fulfillment_status"`
	Currency          string           `json:"currency"`
	TotalPrice        string           `json:"total_price"`
	Tags              string           `json:"tags"`
	Note              *string          `json:"note"`
	NoteAttributes    []map[string]any `json:"note_attributes"`
	LineItems         []LineItem       `json:"line_items"`
	ShippingAddress   *Address         `json:"shipping_address"`
	CancelledAt       *time.Time       `json:"cancelled_at"`
	ClosedAt          *time.Time       `json:"closed_at"`
	CreatedAt         time.Time        `json:"created_at"`
	UpdatedAt         time.Time        `json:"updated_at"`
}

type LineItem struct {
	ID                  int64  `json:"id"`
	VariantID           *int64 `json:"variant_id"`
	ProductID           *int64 `json:"product_id"`
	Title               string `json:"title"`
	SKU                 string `json:"sku"`
	Quantity            int    `json:"quantity"`
	Price               string `json:"price"`
	FulfillableQuantity int    `json:"fulfillable_quantity"`
}

// Address is an order's shipping address.
type Address struct {
	FirstName   string  `json:"first_name"`
	LastName    string  `json:"last_name"`
	Name        string  `json:"name"`
	Address1    string  `json:"address1"`
	Address2    *string `json:"address2"`
	City        string  `json:"city"`
	Province    string  `json:"province"`
	Zip         string  `json:"zip"`
	Country     string  `json:"country"`
	CountryCode string  `json:"country_code"`
	Phone       *string `json:"phone"`
}

type Product struct {
	ID          int64     `json:"id"`
	Title       string    `json:"title"`
	Handle      string    `json:"handle"`
	Vendor      string    `json:"vendor"`
	ProductType string    `json:"product_type"`
	Status      string    `json:"status"`
	Tags        string    `json:"tags"`
	Variants    []Variant `json:"variants"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

type Variant struct {
	ID                int64  `json:"id"`
	ProductID         int64  `json:"product_id"`
	Title             string `json:"title"`
	SKU               string `json:"sku"`
	Price             string `json:"price"`
	InventoryItemID   int64  `json:"inventory_item_id"`
	InventoryQuantity int    `json:"inventory_quantity"`
}

type InventoryLevel struct {
	InventoryItemID   int64     `json:"inventory_item_id"`
	LocationID        int64     `json:"location_id"`
	Available         int       `json:"available"`
	UpdatedAt         time.Time `json:"updated_at"`
	AdminGraphQLAPIID string    `json:"admin_graphql_api_id"`
}

// FulfillmentOrder is the part of an order one location fulfils.
type FulfillmentOrder struct {
	ID        int64
	OrderID   int64
	LineItems []FulfillmentOrderLineItem
}

// FulfillmentOrderLineItem is a line item of a fulfillment order.
type FulfillmentOrderLineItem struct {
	ID, LineItemID int64
	Remaining      int
}

// Server is the fake. Every shop shares the same data. Clients reach it
// for any shop by keeping the shop's host in the Host header (see
// connectortest.Redirect).
type Server struct {
	*connectortest.Server

	mu                sync.Mutex
	nextID            int64
	orders            []*Order
	fulfillmentOrders []*FulfillmentOrder
	fulfillments      []map[string]any
	products          []*Product
	levels            map[[2]int64]*InventoryLevel
	locations         map[int64]bool
}

// New starts a fake, seeded with order 450789469 (one line item, one
// fulfillment order), product 632910392 (one variant, inventory item
// 808950810) and location 655441491, that t closes when it ends.
func New(t testing.TB) *Server {
	s := seeded()
	s.Server = connectortest.NewServer(t, s.serve, writeFailure)
	return s
}

// NewHandler is New without a listener: the fake as an http.Handler, for
// `junction fakes`, which serves it on a port of its own.
func NewHandler() *Server {
	s := seeded()
	s.Server = connectortest.NewHandler(s.serve, writeFailure)
	return s
}

// seeded is the fake's data before any request.
func seeded() *Server {
	s := &Server{nextID: 5_000_000_001, levels: map[[2]int64]*InventoryLevel{}, locations: map[int64]bool{LocationID: true}}
	created := time.Date(2026, 3, 2, 10, 15, 0, 0, time.UTC)
	email := "bob.norman@mail.example.com"
	vid, pid := int64(VariantID), int64(ProductID)
	s.orders = append(s.orders, &Order{
		ID: OrderID, AdminGraphQLAPIID: "gid://shopify/Order/450789469", Name: "#1001", OrderNumber: 1001,
		Email: &email, FinancialStatus: "paid", Currency: "USD", TotalPrice: "199.00", Tags: "imported",
		NoteAttributes: []map[string]any{},
		LineItems: []LineItem{{ID: LineItemID, VariantID: &vid, ProductID: &pid, Title: "IPod Nano - 8gb", SKU: "IPOD2008PINK",
			Quantity: 1, Price: "199.00", FulfillableQuantity: 1}},
		CreatedAt: created, UpdatedAt: created,
	})
	s.fulfillmentOrders = append(s.fulfillmentOrders, &FulfillmentOrder{ID: FulfillmentOrderID, OrderID: OrderID,
		LineItems: []FulfillmentOrderLineItem{{ID: FulfillmentOrderLineItemID, LineItemID: LineItemID, Remaining: 1}}})
	s.products = append(s.products, &Product{
		ID: ProductID, Title: "IPod Nano - 8GB", Handle: "ipod-nano", Vendor: "Apple", ProductType: "Cult Products",
		Status: "active", Tags: "Emotive, Flash Memory, MP3, Music",
		Variants:  []Variant{{ID: VariantID, ProductID: ProductID, Title: "Pink", SKU: "IPOD2008PINK", Price: "199.00", InventoryItemID: InventoryItemID, InventoryQuantity: 10}},
		CreatedAt: created, UpdatedAt: created,
	})
	s.levels[[2]int64{InventoryItemID, LocationID}] = level(InventoryItemID, LocationID, 10, created)
	return s
}

func level(item, loc int64, available int, at time.Time) *InventoryLevel {
	return &InventoryLevel{InventoryItemID: item, LocationID: loc, Available: available, UpdatedAt: at,
		AdminGraphQLAPIID: fmt.Sprintf("gid://shopify/InventoryLevel/%d?inventory_item_id=%d", loc, item)}
}

// Requests returns what the fake has received, oldest first.
func (s *Server) Requests() []Request {
	return connectortest.RequestsAs(s.Server, func(r connectortest.Request) Request {
		req := Request{Request: r}
		if m := pathPattern.FindStringSubmatch(r.Path); m != nil {
			req.Version = m[1]
		}
		return req
	})
}

// Order returns a copy of an order, and whether it exists.
func (s *Server) Order(id int64) (Order, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if o := s.order(id); o != nil {
		return *o, true
	}
	return Order{}, false
}

// FulfillmentOrders returns an order's fulfillment orders.
func (s *Server) FulfillmentOrders(orderID int64) []FulfillmentOrder {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []FulfillmentOrder
	for _, fo := range s.fulfillmentOrders {
		if fo.OrderID == orderID {
			c := *fo
			c.LineItems = slices.Clone(fo.LineItems)
			out = append(out, c)
		}
	}
	return out
}

// InventoryLevel returns the level of an item at a location.
func (s *Server) InventoryLevel(item, location int64) (InventoryLevel, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if l := s.levels[[2]int64{item, location}]; l != nil {
		return *l, true
	}
	return InventoryLevel{}, false
}

// Products returns copies of the products, in the order they were added.
func (s *Server) Products() []Product {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Product, len(s.products))
	for i, p := range s.products {
		out[i] = *p
		out[i].Variants = slices.Clone(p.Variants)
	}
	return out
}

// AddProduct stores a product, giving it and its variants ids when they
// have none, and returns it.
func (s *Server) AddProduct(p Product) Product {
	s.mu.Lock()
	defer s.mu.Unlock()
	if p.ID == 0 {
		p.ID = s.id()
	}
	for i := range p.Variants {
		if p.Variants[i].ID == 0 {
			p.Variants[i].ID = s.id()
		}
		p.Variants[i].ProductID = p.ID
		if p.Variants[i].InventoryItemID == 0 {
			p.Variants[i].InventoryItemID = s.id()
		}
	}
	if p.Status == "" {
		p.Status = "active"
	}
	if p.CreatedAt.IsZero() {
		p.CreatedAt = time.Now().UTC().Truncate(time.Second)
		p.UpdatedAt = p.CreatedAt
	}
	s.products = append(s.products, &p)
	return p
}

func (s *Server) id() int64 { s.nextID++; return s.nextID - 1 }

func (s *Server) order(id int64) *Order {
	for _, o := range s.orders {
		if o.ID == id {
			return o
		}
	}
	return nil
}

// shopifyJSON is the Content-Type of Shopify's answers.
const shopifyJSON = connectortest.JSON("application/json; charset=utf-8")

// writeErrors answers Shopify's error body: {"errors": errs}, where errs is
// a string or an object of field → messages.
func writeErrors(w http.ResponseWriter, status int, errs any) {
	shopifyJSON.Write(w, status, map[string]any{"errors": errs})
}

// writeFailure answers an injected failure: Shopify's error body for the
// status, and Retry-After.
func writeFailure(w http.ResponseWriter, f connectortest.Failure) {
	f.SetRetryAfter(w.Header())
	msg, ok := injected[f.Status]
	if !ok {
		msg = http.StatusText(f.Status)
	}
	writeErrors(w, f.Status, msg)
}

var injected = map[int]any{
	http.StatusUnauthorized:        "[API] Invalid API key or access token (unrecognized login or wrong password)",
	http.StatusNotFound:            "Not Found",
	http.StatusUnprocessableEntity: map[string][]string{"base": {"Injected failure"}},
	http.StatusTooManyRequests:     "Exceeded 2 calls per second for api client. Reduce request rates to resume uninterrupted service.",
	http.StatusServiceUnavailable:  "Unavailable Shop",
}

var pathPattern = regexp.MustCompile(`^/admin/api/(\d{4}-\d{2}|unstable)(/.*)$`)

func (s *Server) serve(w http.ResponseWriter, r *http.Request, body []byte) {
	m := pathPattern.FindStringSubmatch(r.URL.Path)
	host := connectortest.Hostname(r.Host)
	if !strings.HasSuffix(host, ".myshopify.com") || m == nil {
		writeErrors(w, http.StatusNotFound, "Not Found")
		return
	}
	if r.Header.Get("X-Shopify-Access-Token") != Token {
		writeErrors(w, http.StatusUnauthorized, injected[http.StatusUnauthorized])
		return
	}
	if s.Fail(w) {
		return
	}
	if (r.Method == http.MethodPost || r.Method == http.MethodPut) && !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		writeErrors(w, http.StatusUnsupportedMediaType, "Content-Type must be application/json")
		return
	}
	path := m[2]
	base := "https://" + host + "/admin/api/" + m[1]
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case path == "/shop.json" && r.Method == http.MethodGet:
		// The shop resource, as a connection test reads it.
		shopifyJSON.Write(w, http.StatusOK, map[string]any{"shop": map[string]any{"id": 548380009, "name": strings.TrimSuffix(host, ".myshopify.com"),
			"myshopify_domain": host, "currency": "USD"}})
	case path == "/orders.json" && r.Method == http.MethodGet:
		s.listOrders(w, r, base)
	case path == "/orders.json" && r.Method == http.MethodPost:
		s.createOrder(w, body)
	case strings.HasPrefix(path, "/orders/") && strings.HasSuffix(path, ".json"):
		id, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimPrefix(path, "/orders/"), ".json"), 10, 64)
		o := s.order(id)
		if err != nil || o == nil {
			writeErrors(w, http.StatusNotFound, "Not Found")
			return
		}
		switch r.Method {
		case http.MethodGet:
			shopifyJSON.Write(w, http.StatusOK, map[string]any{"order": o})
		case http.MethodPut:
			s.updateOrder(w, o, body)
		default:
			writeErrors(w, http.StatusNotFound, "Not Found")
		}
	case path == "/fulfillments.json" && r.Method == http.MethodPost:
		s.createFulfillment(w, body)
	case path == "/inventory_levels/set.json" && r.Method == http.MethodPost:
		s.setInventoryLevel(w, body)
	case path == "/products.json" && r.Method == http.MethodGet:
		s.listProducts(w, r, base)
	default:
		writeErrors(w, http.StatusNotFound, "Not Found")
	}
}

func decode(w http.ResponseWriter, body []byte, v any) bool {
	if err := json.Unmarshal(body, v); err != nil {
		writeErrors(w, http.StatusBadRequest, map[string][]string{"error": {"Bad Request: the body is not valid JSON: " + err.Error()}})
		return false
	}
	return true
}

func (s *Server) createOrder(w http.ResponseWriter, body []byte) {
	var in struct {
		Order *struct {
			Email           string           `json:"email"`
			Phone           string           `json:"phone"`
			FinancialStatus string           `json:"financial_status"`
			Currency        string           `json:"currency"`
			Tags            string           `json:"tags"`
			Note            *string          `json:"note"`
			NoteAttributes  []map[string]any `json:"note_attributes"`
			ShippingAddress *Address         `json:"shipping_address"`
			LineItems       []struct {
				VariantID int64  `json:"variant_id"`
				Title     string `json:"title"`
				Price     string `json:"price"`
				SKU       string `json:"sku"`
				Quantity  int    `json:"quantity"`
			} `json:"line_items"`
		} `json:"order"`
	}
	if !decode(w, body, &in) {
		return
	}
	if in.Order == nil {
		writeErrors(w, http.StatusBadRequest, map[string][]string{"order": {"Required parameter missing or invalid"}})
		return
	}
	if len(in.Order.LineItems) == 0 {
		writeErrors(w, http.StatusUnprocessableEntity, map[string][]string{"line_items": {"must have at least one line item"}})
		return
	}
	now := time.Now().UTC().Truncate(time.Second)
	o := &Order{
		ID: s.id(), FinancialStatus: "paid", Currency: "USD", Tags: in.Order.Tags, Note: in.Order.Note,
		NoteAttributes: in.Order.NoteAttributes, ShippingAddress: in.Order.ShippingAddress, CreatedAt: now, UpdatedAt: now,
	}
	if o.NoteAttributes == nil {
		o.NoteAttributes = []map[string]any{}
	}
	o.AdminGraphQLAPIID = fmt.Sprintf("gid://shopify/Order/%d", o.ID)
	o.OrderNumber = 1000 + len(s.orders) + 1
	o.Name = "#" + strconv.Itoa(o.OrderNumber)
	if in.Order.Email != "" {
		o.Email = &in.Order.Email
	}
	if in.Order.Phone != "" {
		o.Phone = &in.Order.Phone
	}
	if in.Order.FinancialStatus != "" {
		o.FinancialStatus = in.Order.FinancialStatus
	}
	if in.Order.Currency != "" {
		o.Currency = in.Order.Currency
	}
	fo := &FulfillmentOrder{ID: s.id(), OrderID: o.ID}
	var total float64
	for i, li := range in.Order.LineItems {
		item := LineItem{ID: s.id(), Title: li.Title, Price: li.Price, SKU: li.SKU, Quantity: li.Quantity, FulfillableQuantity: li.Quantity}
		if li.Quantity < 1 {
			writeErrors(w, http.StatusUnprocessableEntity, map[string][]string{fmt.Sprintf("line_items[%d].quantity", i): {"must be greater than 0"}})
			return
		}
		if li.VariantID != 0 {
			p, v := s.variant(li.VariantID)
			if v == nil {
				writeErrors(w, http.StatusUnprocessableEntity, map[string][]string{"line_items": {fmt.Sprintf("variant %d does not exist", li.VariantID)}})
				return
			}
			vid, pid := v.ID, p.ID
			item.VariantID, item.ProductID = &vid, &pid
			if item.Title == "" {
				item.Title = p.Title
			}
			if item.Price == "" {
				item.Price = v.Price
			}
			if item.SKU == "" {
				item.SKU = v.SKU
			}
		} else if li.Title == "" || li.Price == "" {
			writeErrors(w, http.StatusUnprocessableEntity, map[string][]string{"line_items": {"a custom line item needs a title and a price"}})
			return
		}
		price, _ := strconv.ParseFloat(item.Price, 64)
		total += price * float64(li.Quantity)
		o.LineItems = append(o.LineItems, item)
		fo.LineItems = append(fo.LineItems, FulfillmentOrderLineItem{ID: s.id(), LineItemID: item.ID, Remaining: li.Quantity})
	}
	o.TotalPrice = strconv.FormatFloat(total, 'f', 2, 64)
	s.orders = append(s.orders, o)
	s.fulfillmentOrders = append(s.fulfillmentOrders, fo)
	shopifyJSON.Write(w, http.StatusCreated, map[string]any{"order": o})
}

func (s *Server) variant(id int64) (*Product, *Variant) {
	for _, p := range s.products {
		for i := range p.Variants {
			if p.Variants[i].ID == id {
				return p, &p.Variants[i]
			}
		}
	}
	return nil, nil
}

func (s *Server) updateOrder(w http.ResponseWriter, o *Order, body []byte) {
	var in struct {
		Order map[string]json.RawMessage `json:"order"`
	}
	if !decode(w, body, &in) {
		return
	}
	if in.Order == nil {
		writeErrors(w, http.StatusBadRequest, map[string][]string{"order": {"Required parameter missing or invalid"}})
		return
	}
	for k, raw := range in.Order {
		var err error
		switch k {
		case "id":
			var id int64
			if err = json.Unmarshal(raw, &id); err == nil && id != o.ID {
				writeErrors(w, http.StatusUnprocessableEntity, map[string][]string{"id": {"does not match the order"}})
				return
			}
		case "tags":
			err = json.Unmarshal(raw, &o.Tags)
		case "note":
			err = json.Unmarshal(raw, &o.Note)
		case "note_attributes":
			err = json.Unmarshal(raw, &o.NoteAttributes)
		case "email":
			err = json.Unmarshal(raw, &o.Email)
		case "phone":
			err = json.Unmarshal(raw, &o.Phone)
		case "shipping_address":
		default:
			writeErrors(w, http.StatusUnprocessableEntity, map[string][]string{k: {"cannot be changed"}})
			return
		}
		if err != nil {
			writeErrors(w, http.StatusUnprocessableEntity, map[string][]string{k: {"is invalid"}})
			return
		}
	}
	o.UpdatedAt = time.Now().UTC().Truncate(time.Second)
	shopifyJSON.Write(w, http.StatusOK, map[string]any{"order": o})
}

func (s *Server) createFulfillment(w http.ResponseWriter, body []byte) {
	var in struct {
		Fulfillment *struct {
			LineItemsByFulfillmentOrder []struct {
				FulfillmentOrderID        int64 `json:"fulfillment_order_id"`
				FulfillmentOrderLineItems []struct {
					ID       int64 `json:"id"`
					Quantity int   `json:"quantity"`
				} `json:"fulfillment_order_line_items"`
			} `json:"line_items_by_fulfillment_order"`
			TrackingInfo struct {
				Number, URL, Company string
			} `json:"tracking_info"`
		} `json:"fulfillment"`
	}
	if !decode(w, body, &in) {
		return
	}
	if in.Fulfillment == nil || len(in.Fulfillment.LineItemsByFulfillmentOrder) == 0 {
		writeErrors(w, http.StatusBadRequest, map[string][]string{"fulfillment": {"Required parameter missing or invalid"}})
		return
	}
	// Check everything before changing anything.
	type take struct {
		li *FulfillmentOrderLineItem
		n  int
	}
	var takes []take
	var order *Order
	for _, group := range in.Fulfillment.LineItemsByFulfillmentOrder {
		var fo *FulfillmentOrder
		for _, f := range s.fulfillmentOrders {
			if f.ID == group.FulfillmentOrderID {
				fo = f
			}
		}
		if fo == nil {
			writeErrors(w, http.StatusNotFound, "Not Found")
			return
		}
		if order != nil && order.ID != fo.OrderID {
			writeErrors(w, http.StatusUnprocessableEntity, map[string][]string{"base": {"All fulfillment orders must belong to the same order"}})
			return
		}
		order = s.order(fo.OrderID)
		if len(group.FulfillmentOrderLineItems) == 0 {
			for i := range fo.LineItems {
				if fo.LineItems[i].Remaining > 0 {
					takes = append(takes, take{&fo.LineItems[i], fo.LineItems[i].Remaining})
				}
			}
			continue
		}
		for _, want := range group.FulfillmentOrderLineItems {
			i := slices.IndexFunc(fo.LineItems, func(l FulfillmentOrderLineItem) bool { return l.ID == want.ID })
			if i < 0 {
				writeErrors(w, http.StatusUnprocessableEntity, map[string][]string{"base": {fmt.Sprintf("fulfillment order line item %d does not exist", want.ID)}})
				return
			}
			if want.Quantity < 1 || want.Quantity > fo.LineItems[i].Remaining {
				writeErrors(w, http.StatusUnprocessableEntity, map[string][]string{"base": {"Invalid fulfillment order line item quantity requested."}})
				return
			}
			takes = append(takes, take{&fo.LineItems[i], want.Quantity})
		}
	}
	if len(takes) == 0 {
		writeErrors(w, http.StatusUnprocessableEntity, map[string][]string{"base": {"The fulfillment order has nothing left to fulfill."}})
		return
	}
	var items []LineItem
	for _, t := range takes {
		t.li.Remaining -= t.n
		for i := range order.LineItems {
			if order.LineItems[i].ID == t.li.LineItemID {
				order.LineItems[i].FulfillableQuantity -= t.n
				item := order.LineItems[i]
				item.Quantity = t.n
				items = append(items, item)
			}
		}
	}
	status := "fulfilled"
	for _, li := range order.LineItems {
		if li.FulfillableQuantity > 0 {
			status = "partial"
		}
	}
	order.FulfillmentStatus = &status
	now := time.Now().UTC().Truncate(time.Second)
	order.UpdatedAt = now
	s.fulfillments = append(s.fulfillments, nil)
	ti := in.Fulfillment.TrackingInfo
	f := map[string]any{
		"id": s.id(), "order_id": order.ID, "name": fmt.Sprintf("%s.%d", order.Name, len(s.fulfillments)),
		"status": "success", "service": "manual", "created_at": now, "updated_at": now,
		"tracking_company": ti.Company, "tracking_number": ti.Number, "tracking_url": ti.URL,
		"tracking_numbers": []string{}, "tracking_urls": []string{}, "line_items": items,
	}
	if ti.Number != "" {
		f["tracking_numbers"] = []string{ti.Number}
	}
	if ti.URL != "" {
		f["tracking_urls"] = []string{ti.URL}
	}
	s.fulfillments[len(s.fulfillments)-1] = f
	shopifyJSON.Write(w, http.StatusCreated, map[string]any{"fulfillment": f})
}

func (s *Server) setInventoryLevel(w http.ResponseWriter, body []byte) {
	var in struct {
		LocationID      int64 `json:"location_id"`
		InventoryItemID int64 `json:"inventory_item_id"`
		Available       *int  `json:"available"`
	}
	if !decode(w, body, &in) {
		return
	}
	if in.Available == nil {
		writeErrors(w, http.StatusBadRequest, map[string][]string{"available": {"Required parameter missing or invalid"}})
		return
	}
	var variant *Variant
	for _, p := range s.products {
		for i := range p.Variants {
			if p.Variants[i].InventoryItemID == in.InventoryItemID {
				variant = &p.Variants[i]
			}
		}
	}
	if variant == nil || !s.locations[in.LocationID] {
		writeErrors(w, http.StatusNotFound, "Not Found")
		return
	}
	key := [2]int64{in.InventoryItemID, in.LocationID}
	l := level(in.InventoryItemID, in.LocationID, *in.Available, time.Now().UTC().Truncate(time.Second))
	s.levels[key] = l
	total := 0
	for k, v := range s.levels {
		if k[0] == in.InventoryItemID {
			total += v.Available
		}
	}
	variant.InventoryQuantity = total
	shopifyJSON.Write(w, http.StatusOK, map[string]any{"inventory_level": l})
}

// cursor is what a page_info token carries: the query of the search and
// the last id already returned.
type cursor struct {
	Query url.Values `json:"q"`
	After int64      `json:"after"`
}

// page resolves the request's filters and limit, enforcing Shopify's rule
// that page_info goes with nothing but limit and fields.
func page(w http.ResponseWriter, r *http.Request) (q url.Values, after int64, limit int, ok bool) {
	q = r.URL.Query()
	limit = 50
	if l := q.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > 250 {
			writeErrors(w, http.StatusBadRequest, map[string][]string{"limit": {"Invalid value."}})
			return nil, 0, 0, false
		}
		limit = n
	}
	if pi := q.Get("page_info"); pi != "" {
		for k := range q {
			if k != "page_info" && k != "limit" && k != "fields" {
				writeErrors(w, http.StatusBadRequest, map[string][]string{"page_info": {"Invalid value: page_info may be sent only with limit and fields, not " + k + "."}})
				return nil, 0, 0, false
			}
		}
		raw, err := base64.RawURLEncoding.DecodeString(pi)
		var c cursor
		if err != nil || json.Unmarshal(raw, &c) != nil {
			writeErrors(w, http.StatusBadRequest, map[string][]string{"page_info": {"Invalid value."}})
			return nil, 0, 0, false
		}
		return c.Query, c.After, limit, true
	}
	return q, 0, limit, true
}

// link sets the Link header for a page that ended at last when more
// remain, and for the previous page when this one is not the first.
func link(w http.ResponseWriter, base, path string, q url.Values, limit int, first, last int64, more, notFirst bool) {
	mk := func(c cursor) string {
		raw, _ := json.Marshal(c)
		v := url.Values{"limit": {strconv.Itoa(limit)}, "page_info": {base64.RawURLEncoding.EncodeToString(raw)}}
		return base + path + "?" + v.Encode()
	}
	clean := url.Values{}
	for k, v := range q {
		if k != "limit" && k != "page_info" && k != "fields" {
			clean[k] = v
		}
	}
	var parts []string
	if notFirst {
		parts = append(parts, fmt.Sprintf(`<%s>; rel="previous"`, mk(cursor{Query: clean, After: -first})))
	}
	if more {
		parts = append(parts, fmt.Sprintf(`<%s>; rel="next"`, mk(cursor{Query: clean, After: last})))
	}
	if len(parts) > 0 {
		w.Header().Set("Link", strings.Join(parts, ", "))
	}
}

func timeParam(w http.ResponseWriter, q url.Values, k string) (time.Time, bool) {
	v := q.Get(k)
	if v == "" {
		return time.Time{}, true
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		writeErrors(w, http.StatusBadRequest, map[string][]string{k: {"Invalid value."}})
		return time.Time{}, false
	}
	return t, true
}

func (s *Server) listOrders(w http.ResponseWriter, r *http.Request, base string) {
	q, after, limit, ok := page(w, r)
	if !ok {
		return
	}
	since, _ := strconv.ParseInt(q.Get("since_id"), 10, 64)
	cmin, ok1 := timeParam(w, q, "created_at_min")
	if !ok1 {
		return
	}
	cmax, ok2 := timeParam(w, q, "created_at_max")
	if !ok2 {
		return
	}
	umin, ok3 := timeParam(w, q, "updated_at_min")
	if !ok3 {
		return
	}
	status := q.Get("status")
	var match []*Order
	for _, o := range s.orders {
		open := o.ClosedAt == nil && o.CancelledAt == nil
		switch status {
		case "", "open":
			if !open {
				continue
			}
		case "closed":
			if o.ClosedAt == nil {
				continue
			}
		case "cancelled":
			if o.CancelledAt == nil {
				continue
			}
		}
		if fs := q.Get("financial_status"); fs != "" && fs != "any" && fs != o.FinancialStatus {
			continue
		}
		if fs := q.Get("fulfillment_status"); fs != "" && fs != "any" {
			cur := ""
			if o.FulfillmentStatus != nil {
				cur = *o.FulfillmentStatus
			}
			if (fs == "shipped" && cur != "fulfilled") || (fs == "partial" && cur != "partial") || ((fs == "unshipped" || fs == "unfulfilled") && cur == "fulfilled") {
				continue
			}
		}
		if o.ID <= since || (!cmin.IsZero() && o.CreatedAt.Before(cmin)) || (!cmax.IsZero() && o.CreatedAt.After(cmax)) || (!umin.IsZero() && o.UpdatedAt.Before(umin)) {
			continue
		}
		match = append(match, o)
	}
	slices.SortFunc(match, func(a, b *Order) int { return int(a.ID - b.ID) })
	out, more, notFirst := window(match, func(o *Order) int64 { return o.ID }, after, limit)
	if len(out) > 0 {
		link(w, base, "/orders.json", q, limit, out[0].ID, out[len(out)-1].ID, more, notFirst)
	}
	shopifyJSON.Write(w, http.StatusOK, map[string]any{"orders": orEmpty(out)})
}

func (s *Server) listProducts(w http.ResponseWriter, r *http.Request, base string) {
	q, after, limit, ok := page(w, r)
	if !ok {
		return
	}
	since, _ := strconv.ParseInt(q.Get("since_id"), 10, 64)
	var match []*Product
	for _, p := range s.products {
		if t := q.Get("title"); t != "" && !strings.Contains(strings.ToLower(p.Title), strings.ToLower(t)) {
			continue
		}
		if v := q.Get("vendor"); v != "" && !strings.EqualFold(v, p.Vendor) {
			continue
		}
		if v := q.Get("product_type"); v != "" && !strings.EqualFold(v, p.ProductType) {
			continue
		}
		if v := q.Get("status"); v != "" && !slices.Contains(strings.Split(v, ","), p.Status) {
			continue
		}
		if p.ID <= since {
			continue
		}
		match = append(match, p)
	}
	slices.SortFunc(match, func(a, b *Product) int { return int(a.ID - b.ID) })
	out, more, notFirst := window(match, func(p *Product) int64 { return p.ID }, after, limit)
	if len(out) > 0 {
		link(w, base, "/products.json", q, limit, out[0].ID, out[len(out)-1].ID, more, notFirst)
	}
	shopifyJSON.Write(w, http.StatusOK, map[string]any{"products": orEmpty(out)})
}

// window returns the page of sorted after the id after (before -after when
// negative, for previous pages), whether more follow, and whether any
// precede.
func window[T any](sorted []T, id func(T) int64, after int64, limit int) (out []T, more, notFirst bool) {
	var start, end int
	switch {
	case after > 0:
		start = slices.IndexFunc(sorted, func(t T) bool { return id(t) > after })
		if start < 0 {
			start = len(sorted)
		}
		end = min(start+limit, len(sorted))
	case after < 0:
		end = slices.IndexFunc(sorted, func(t T) bool { return id(t) >= -after })
		if end < 0 {
			end = len(sorted)
		}
		start = max(0, end-limit)
	default:
		end = min(limit, len(sorted))
	}
	return sorted[start:end], end < len(sorted), start > 0
}

func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
