// Package woocommercetest fakes a WooCommerce store's REST API (v3) for the
// tests of package woocommerce: an httptest server that speaks
// WooCommerce's wire format (/wp-json/wc/v3/orders, HTTP Basic with the
// consumer key and secret, WordPress's error body, X-WP-Total and
// X-WP-TotalPages pagination, Retry-After), keeps orders, logs requests,
// and fails on demand for the conformance kit.
package woocommercetest

import (
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

// Credentials and store the fake accepts.
const (
	ConsumerKey    = "ck_0123456789abcdef0123456789abcdef01234567"
	ConsumerSecret = "cs_fedcba9876543210fedcba9876543210fedcba98"
	// StoreURL is the store the fake serves; other hosts get WordPress's
	// rest_no_route.
	StoreURL  = "https://shop.example.com"
	StoreHost = "shop.example.com"
)

// SeedOrderID is the order every fake starts with.
const SeedOrderID = 727

// Request is one request the fake received.
type Request = connectortest.Request

// Address, LineItem and Order are what the fake stores and answers.
type Address struct {
	FirstName string `json:"first_name"`
	LastName  string `json:"last_name"`
	Company   string `json:"company"`
	Address1  string `json:"address_1"`
	Address2  string `json:"address_2"`
	City      string `json:"city"`
	State     string `json:"state"`
	Postcode  string `json:"postcode"`
	Country   string `json:"country"`
	Email     string `json:"email,omitempty"`
	Phone     string `json:"phone"`
}

type LineItem struct {
	ID          int     `json:"id"`
	Name        string  `json:"name"`
	ProductID   int     `json:"product_id"`
	VariationID int     `json:"variation_id"`
	Quantity    int     `json:"quantity"`
	TaxClass    string  `json:"tax_class"`
	Subtotal    string  `json:"subtotal"`
	SubtotalTax string  `json:"subtotal_tax"`
	Total       string  `json:"total"`
	TotalTax    string  `json:"total_tax"`
	Taxes       []any   `json:"taxes"`
	MetaData    []any   `json:"meta_data"`
	SKU         string  `json:"sku"`
	Price       float64 `json:"price"`
}

type Order struct {
	ID                 int        `json:"id"`
	ParentID           int        `json:"parent_id"`
	Number             string     `json:"number"`
	OrderKey           string     `json:"order_key"`
	CreatedVia         string     `json:"created_via"`
	Status             string     `json:"status"`
	Currency           string     `json:"currency"`
	DateCreated        string     `json:"date_created"`
	DateCreatedGMT     string     `json:"date_created_gmt"`
	DateModified       string     `json:"date_modified"`
	DateModifiedGMT    string     `json:"date_modified_gmt"`
	DiscountTotal      string     `json:"discount_total"`
	ShippingTotal      string     `json:"shipping_total"`
	TotalTax           string     `json:"total_tax"`
	Total              string     `json:"total"`
	PricesIncludeTax   bool       `json:"prices_include_tax"`
	CustomerID         int        `json:"customer_id"`
	CustomerNote       string     `json:"customer_note"`
	Billing            Address    `json:"billing"`
	Shipping           Address    `json:"shipping"`
	PaymentMethod      string     `json:"payment_method"`
	PaymentMethodTitle string     `json:"payment_method_title"`
	TransactionID      string     `json:"transaction_id"`
	DatePaid           *string    `json:"date_paid"`
	DateCompleted      *string    `json:"date_completed"`
	MetaData           []any      `json:"meta_data"`
	LineItems          []LineItem `json:"line_items"`
	ShippingLines      []any      `json:"shipping_lines"`
}

type product struct {
	name  string
	sku   string
	price float64
}

// The store's catalogue: product 22 is variable, with variation 23.
var products = map[int]product{
	93: {"Woo Single #1", "woo-single-1", 19.99},
	22: {"Ship Your Idea", "ship-your-idea", 30},
	23: {"Ship Your Idea - Black", "ship-your-idea-black", 32},
}

var statuses = []string{"pending", "processing", "on-hold", "completed", "cancelled", "refunded", "failed", "checkout-draft"}

// Server is the fake. Clients keep the store's host in the Host header
// (see connectortest.Redirect).
type Server struct {
	*connectortest.Server

	mu       sync.Mutex
	orders   []Order
	nextID   int
	nextLine int
}

// New starts a fake holding order SeedOrderID; t closes it when it ends.
func New(t testing.TB) *Server {
	s := &Server{nextID: SeedOrderID, nextLine: 315}
	s.add(Order{
		Status: "processing", CreatedVia: "checkout", PaymentMethod: "bacs", PaymentMethodTitle: "Direct Bank Transfer",
		Billing:   Address{FirstName: "John", LastName: "Doe", Address1: "969 Market", City: "San Francisco", State: "CA", Postcode: "94103", Country: "US", Email: "john.doe@example.com"},
		Shipping:  Address{FirstName: "John", LastName: "Doe", Address1: "969 Market", City: "San Francisco", State: "CA", Postcode: "94103", Country: "US"},
		LineItems: []LineItem{{ProductID: 93, Quantity: 1}},
	}, time.Date(2026, 3, 2, 10, 15, 0, 0, time.UTC), true)
	s.Server = connectortest.NewServer(t, s.serve, writeFailure)
	return s
}

// Orders returns the store's orders, oldest first.
func (s *Server) Orders() []Order {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Order(nil), s.orders...)
}

// AddOrders adds n pending orders created a minute apart from created, for
// pagination tests, and returns their ids.
func (s *Server) AddOrders(n int, status string, created time.Time) []int {
	s.mu.Lock()
	defer s.mu.Unlock()
	var ids []int
	for i := range n {
		o := s.add(Order{Status: status, CreatedVia: "admin", LineItems: []LineItem{{ProductID: 93, Quantity: 1}}}, created.Add(time.Duration(i)*time.Minute), false)
		ids = append(ids, o.ID)
	}
	return ids
}

const wcTime = "2006-01-02T15:04:05"

// add stores o with its ids, lines, totals and dates filled; s.mu is held
// or the server not yet shared.
func (s *Server) add(o Order, created time.Time, paid bool) Order {
	o.ID = s.nextID
	s.nextID++
	o.Number = strconv.Itoa(o.ID)
	o.OrderKey = fmt.Sprintf("wc_order_%013x", o.ID)
	if o.Currency == "" {
		o.Currency = "USD"
	}
	o.DateCreated = created.Format(wcTime)
	o.DateCreatedGMT = o.DateCreated
	o.DateModified, o.DateModifiedGMT = o.DateCreated, o.DateCreated
	if paid {
		d := o.DateCreated
		o.DatePaid = &d
	}
	total := 0.0
	for i := range o.LineItems {
		li := &o.LineItems[i]
		id := li.ProductID
		if li.VariationID != 0 {
			id = li.VariationID
		}
		p := products[id]
		li.ID = s.nextLine
		s.nextLine++
		li.Name, li.SKU, li.Price = p.name, p.sku, p.price
		sum := fmt.Sprintf("%.2f", p.price*float64(li.Quantity))
		li.Subtotal, li.Total, li.SubtotalTax, li.TotalTax = sum, sum, "0.00", "0.00"
		li.Taxes, li.MetaData = []any{}, []any{}
		total += p.price * float64(li.Quantity)
	}
	if o.LineItems == nil {
		o.LineItems = []LineItem{}
	}
	if o.ShippingTotal == "" {
		o.ShippingTotal = "0.00"
	}
	ship, _ := strconv.ParseFloat(o.ShippingTotal, 64)
	o.Total = fmt.Sprintf("%.2f", total+ship)
	o.DiscountTotal, o.TotalTax = "0.00", "0.00"
	o.MetaData = []any{}
	if o.ShippingLines == nil {
		o.ShippingLines = []any{}
	}
	s.orders = append(s.orders, o)
	return o
}

var errorCodes = map[int]string{
	http.StatusBadRequest:          "rest_invalid_param",
	http.StatusUnauthorized:        "woocommerce_rest_authentication_error",
	http.StatusForbidden:           "woocommerce_rest_cannot_view",
	http.StatusNotFound:            "woocommerce_rest_shop_order_invalid_id",
	http.StatusUnprocessableEntity: "woocommerce_rest_invalid_order",
	http.StatusTooManyRequests:     "woocommerce_rest_too_many_requests",
	http.StatusServiceUnavailable:  "woocommerce_rest_unavailable",
}

func writeError(w http.ResponseWriter, status int, code, message string) {
	if code == "" {
		code = errorCodes[status]
	}
	if code == "" {
		code = "woocommerce_rest_error"
	}
	wooJSON.Write(w, status, map[string]any{"code": code, "message": message, "data": map[string]int{"status": status}})
}

// writeFailure answers an injected failure: WordPress's error body with
// the status's code, and Retry-After.
func writeFailure(w http.ResponseWriter, f connectortest.Failure) {
	f.SetRetryAfter(w.Header())
	writeError(w, f.Status, "", "Injected failure: "+http.StatusText(f.Status)+".")
}

// wooJSON is the Content-Type of WooCommerce's answers.
const wooJSON = connectortest.JSON("application/json; charset=UTF-8")

var orderPath = regexp.MustCompile(`^/wp-json/wc/v3/orders/([0-9]+)$`)

func (s *Server) serve(w http.ResponseWriter, r *http.Request, body []byte) {
	if connectortest.Hostname(r.Host) != StoreHost {
		writeError(w, http.StatusNotFound, "rest_no_route", "No route was found matching the URL and request method.")
		return
	}
	key, secret, ok := r.BasicAuth()
	if !ok {
		// WooCommerce also takes the pair as query parameters over HTTPS.
		key, secret = r.URL.Query().Get("consumer_key"), r.URL.Query().Get("consumer_secret")
	}
	switch {
	case key == "" && secret == "":
		writeError(w, http.StatusUnauthorized, "woocommerce_rest_cannot_view", "Sorry, you cannot list resources.")
		return
	case key != ConsumerKey:
		writeError(w, http.StatusUnauthorized, "woocommerce_rest_authentication_error", "Consumer key is invalid.")
		return
	case secret != ConsumerSecret:
		writeError(w, http.StatusUnauthorized, "woocommerce_rest_authentication_error", "Invalid signature - provided signature does not match.")
		return
	}
	if s.Fail(w) {
		return
	}
	if r.URL.Path == "/wp-json/wc/v3/orders" {
		switch r.Method {
		case http.MethodPost:
			s.create(w, body)
		case http.MethodGet:
			s.list(w, r.URL.Query())
		default:
			writeError(w, http.StatusNotFound, "rest_no_route", "No route was found matching the URL and request method.")
		}
		return
	}
	m := orderPath.FindStringSubmatch(r.URL.Path)
	if m == nil {
		writeError(w, http.StatusNotFound, "rest_no_route", "No route was found matching the URL and request method.")
		return
	}
	id, _ := strconv.Atoi(m[1])
	switch r.Method {
	case http.MethodGet:
		s.mu.Lock()
		defer s.mu.Unlock()
		if o := s.find(id); o != nil {
			wooJSON.Write(w, http.StatusOK, o)
			return
		}
		writeError(w, http.StatusNotFound, "woocommerce_rest_shop_order_invalid_id", "Invalid ID.")
	case http.MethodPut, http.MethodPost, http.MethodPatch:
		s.update(w, id, body)
	default:
		writeError(w, http.StatusNotFound, "rest_no_route", "No route was found matching the URL and request method.")
	}
}

func (s *Server) find(id int) *Order {
	for i := range s.orders {
		if s.orders[i].ID == id {
			return &s.orders[i]
		}
	}
	return nil
}

type orderInput struct {
	Status             *string    `json:"status"`
	Currency           string     `json:"currency"`
	CustomerID         int        `json:"customer_id"`
	CustomerNote       *string    `json:"customer_note"`
	PaymentMethod      *string    `json:"payment_method"`
	PaymentMethodTitle *string    `json:"payment_method_title"`
	TransactionID      *string    `json:"transaction_id"`
	SetPaid            bool       `json:"set_paid"`
	Billing            *Address   `json:"billing"`
	Shipping           *Address   `json:"shipping"`
	LineItems          []LineItem `json:"line_items"`
	ShippingLines      []struct {
		MethodID    string `json:"method_id"`
		MethodTitle string `json:"method_title"`
		Total       string `json:"total"`
	} `json:"shipping_lines"`
}

func invalidStatus(w http.ResponseWriter, st *string) bool {
	if st != nil && !slices.Contains(statuses, *st) {
		writeError(w, http.StatusBadRequest, "rest_invalid_param", "Invalid parameter(s): status")
		return true
	}
	return false
}

func (s *Server) create(w http.ResponseWriter, body []byte) {
	var in orderInput
	if err := json.Unmarshal(body, &in); err != nil {
		writeError(w, http.StatusBadRequest, "rest_invalid_json", "Invalid JSON body passed.")
		return
	}
	if invalidStatus(w, in.Status) {
		return
	}
	o := Order{Status: "pending", CreatedVia: "rest-api", Currency: in.Currency, CustomerID: in.CustomerID, ShippingLines: []any{}}
	if in.Status != nil {
		o.Status = *in.Status
	}
	for _, p := range []struct {
		dst *string
		src *string
	}{{&o.CustomerNote, in.CustomerNote}, {&o.PaymentMethod, in.PaymentMethod}, {&o.PaymentMethodTitle, in.PaymentMethodTitle}, {&o.TransactionID, in.TransactionID}} {
		if p.src != nil {
			*p.dst = *p.src
		}
	}
	if in.Billing != nil {
		o.Billing = *in.Billing
	}
	if in.Shipping != nil {
		o.Shipping = *in.Shipping
		o.Shipping.Email = ""
	}
	for _, li := range in.LineItems {
		id := li.ProductID
		if li.VariationID != 0 {
			id = li.VariationID
		}
		if _, ok := products[id]; !ok || (li.VariationID != 0 && li.ProductID != 22) {
			writeError(w, http.StatusBadRequest, "woocommerce_rest_invalid_product_id", "Invalid product ID.")
			return
		}
		if li.Quantity <= 0 {
			writeError(w, http.StatusBadRequest, "woocommerce_rest_invalid_quantity", "Product quantity must be a positive number.")
			return
		}
		o.LineItems = append(o.LineItems, LineItem{ProductID: li.ProductID, VariationID: li.VariationID, Quantity: li.Quantity})
	}
	ship := 0.0
	for i, sl := range in.ShippingLines {
		v, err := strconv.ParseFloat(sl.Total, 64)
		if err != nil {
			writeError(w, http.StatusBadRequest, "rest_invalid_param", "Invalid parameter(s): shipping_lines")
			return
		}
		ship += v
		o.ShippingLines = append(o.ShippingLines, map[string]any{"id": 900 + i, "method_id": sl.MethodID, "method_title": sl.MethodTitle, "total": sl.Total})
	}
	o.ShippingTotal = fmt.Sprintf("%.2f", ship)
	if in.SetPaid && o.Status == "pending" {
		o.Status = "processing"
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	wooJSON.Write(w, http.StatusCreated, s.add(o, time.Now().UTC(), in.SetPaid))
}

func (s *Server) update(w http.ResponseWriter, id int, body []byte) {
	var in orderInput
	if err := json.Unmarshal(body, &in); err != nil {
		writeError(w, http.StatusBadRequest, "rest_invalid_json", "Invalid JSON body passed.")
		return
	}
	if invalidStatus(w, in.Status) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.find(id)
	if o == nil {
		writeError(w, http.StatusNotFound, "woocommerce_rest_shop_order_invalid_id", "Invalid ID.")
		return
	}
	now := time.Now().UTC().Format(wcTime)
	if in.Status != nil {
		o.Status = *in.Status
		if o.Status == "completed" && o.DateCompleted == nil {
			o.DateCompleted = &now
		}
	}
	for _, p := range []struct {
		dst *string
		src *string
	}{{&o.CustomerNote, in.CustomerNote}, {&o.PaymentMethod, in.PaymentMethod}, {&o.PaymentMethodTitle, in.PaymentMethodTitle}, {&o.TransactionID, in.TransactionID}} {
		if p.src != nil {
			*p.dst = *p.src
		}
	}
	if in.Billing != nil {
		mergeAddress(&o.Billing, *in.Billing)
	}
	if in.Shipping != nil {
		mergeAddress(&o.Shipping, *in.Shipping)
	}
	if in.SetPaid && o.DatePaid == nil {
		o.DatePaid = &now
	}
	o.DateModified, o.DateModifiedGMT = now, now
	wooJSON.Write(w, http.StatusOK, o)
}

func mergeAddress(dst *Address, src Address) {
	for _, p := range []struct{ d, s *string }{
		{&dst.FirstName, &src.FirstName}, {&dst.LastName, &src.LastName}, {&dst.Company, &src.Company},
		{&dst.Address1, &src.Address1}, {&dst.Address2, &src.Address2}, {&dst.City, &src.City},
		{&dst.State, &src.State}, {&dst.Postcode, &src.Postcode}, {&dst.Country, &src.Country},
		{&dst.Email, &src.Email}, {&dst.Phone, &src.Phone},
	} {
		if *p.s != "" {
			*p.d = *p.s
		}
	}
}

// list answers GET /orders as WooCommerce does: newest first, filtered,
// paginated with X-WP-Total, X-WP-TotalPages and a Link header.
func (s *Server) list(w http.ResponseWriter, q url.Values) {
	page, perPage := 1, 10
	if v := q.Get("page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			writeError(w, http.StatusBadRequest, "rest_invalid_param", "Invalid parameter(s): page")
			return
		}
		page = n
	}
	if v := q.Get("per_page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100 {
			writeError(w, http.StatusBadRequest, "rest_invalid_param", "Invalid parameter(s): per_page")
			return
		}
		perPage = n
	}
	var wantStatus []string
	if v := q.Get("status"); v != "" && v != "any" {
		wantStatus = strings.Split(v, ",")
		for _, st := range wantStatus {
			if !slices.Contains(statuses, st) {
				writeError(w, http.StatusBadRequest, "rest_invalid_param", "Invalid parameter(s): status")
				return
			}
		}
	}
	var after, before time.Time
	for name, dst := range map[string]*time.Time{"after": &after, "before": &before} {
		if v := q.Get(name); v != "" {
			t, err := parseTime(v)
			if err != nil {
				writeError(w, http.StatusBadRequest, "rest_invalid_param", "Invalid parameter(s): "+name)
				return
			}
			*dst = t
		}
	}
	customer, _ := strconv.Atoi(q.Get("customer"))
	search := strings.ToLower(q.Get("search"))

	s.mu.Lock()
	var match []Order
	for _, o := range s.orders {
		created, _ := time.Parse(wcTime, o.DateCreated)
		switch {
		case wantStatus != nil && !slices.Contains(wantStatus, o.Status),
			!after.IsZero() && !created.After(after),
			!before.IsZero() && !created.Before(before),
			customer != 0 && o.CustomerID != customer,
			search != "" && !strings.Contains(strings.ToLower(o.Billing.FirstName+" "+o.Billing.LastName+" "+o.Billing.Email+" "+o.Number), search):
			continue
		}
		match = append(match, o)
	}
	s.mu.Unlock()
	desc := q.Get("order") != "asc"
	slices.SortStableFunc(match, func(a, b Order) int {
		c := strings.Compare(a.DateCreated, b.DateCreated)
		if c == 0 {
			c = a.ID - b.ID
		}
		if desc {
			return -c
		}
		return c
	})
	total := len(match)
	pages := (total + perPage - 1) / perPage
	if total > 0 && page > pages {
		writeError(w, http.StatusBadRequest, "woocommerce_rest_invalid_page_number", "The page number requested is larger than the number of pages available.")
		return
	}
	lo := min((page-1)*perPage, total)
	hi := min(lo+perPage, total)
	w.Header().Set("X-WP-Total", strconv.Itoa(total))
	w.Header().Set("X-WP-TotalPages", strconv.Itoa(pages))
	if page < pages {
		next := url.Values{}
		for k, v := range q {
			next[k] = v
		}
		next.Set("page", strconv.Itoa(page+1))
		w.Header().Set("Link", fmt.Sprintf(`<%s/wp-json/wc/v3/orders?%s>; rel="next"`, StoreURL, next.Encode()))
	}
	out := append([]Order{}, match[lo:hi]...)
	wooJSON.Write(w, http.StatusOK, out)
}

func parseTime(v string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339, wcTime} {
		if t, err := time.Parse(layout, v); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("not an ISO 8601 time: %q", v)
}
