// Package woocommerce is the connector for WooCommerce's REST API (v3):
// create, update, get and search orders, and the webhook triggers
// order_created and order_updated. Package woocommercetest fakes a store.
//
// WooCommerce's API, as this connector uses it
// (https://woocommerce.github.io/woocommerce-rest-api-docs/):
//
//   - each store serves it under <store URL>/wp-json/wc/v3;
//   - over HTTPS, requests authenticate with HTTP Basic: the REST API
//     consumer key (ck_…) as the user name and the consumer secret (cs_…)
//     as the password;
//   - POST /orders creates an order (201), GET and PUT /orders/{id} read
//     and update one, GET /orders lists them with status, after, before,
//     customer, search, page and per_page, and answers the totals in
//     X-WP-Total and X-WP-TotalPages;
//   - errors answer {"code": "woocommerce_rest_shop_order_invalid_id",
//     "message": "Invalid ID.", "data": {"status": 404}};
//   - webhooks are signed with base64 HMAC-SHA256 of the body in
//     X-WC-Webhook-Signature (see VerifyWebhook).
package woocommerce

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/junction-run/junction/connectors"
	"github.com/junction-run/junction/egress"
)

// ID is the connector's id.
const ID = "woocommerce"

// PropertyStoreURL is the custom property holding the store's address.
const PropertyStoreURL = "store_url"

// maxBody bounds how much of an answer is read.
const maxBody = 4 << 20

// New returns version 1.0.0 of the WooCommerce connector.
func New() *connectors.Static {
	return connectors.New(spec(), createOrder(), updateOrder(), getOrder(), searchOrders()).
		WithWebhooks(orderWebhook("order_created"), orderWebhook("order_updated")).
		WithCheck(check)
}

func spec() connectors.Spec {
	basic := connectors.BasicAuth()
	basic.Description = "A REST API key from WooCommerce → Settings → Advanced → REST API, with Read/Write " +
		"permission: the consumer key (ck_…) as the user name and the consumer secret (cs_…) as the password. " +
		"They are sent as HTTP Basic, so the store must be served over HTTPS."
	basic.Fields[0].Description = "The consumer key, ck_…."
	basic.Fields[0].Secret = true
	basic.Fields[1].Description = "The consumer secret, cs_…."
	basic.Fields = append(basic.Fields, connectors.WebhookSecretField("The Secret of the store's webhooks "+
		"(WooCommerce → Settings → Advanced → Webhooks), for the order triggers: it signs every delivery."))
	return connectors.Spec{
		ID:   ID,
		Name: "WooCommerce",
		Description: "WooCommerce stores on WordPress: create, update, read and search orders through the REST " +
			"API, and start runs when orders are created or updated.",
		Version: "1.0.0",
		Status:  connectors.StatusStable,
		Auth:    []connectors.AuthSpec{basic},
		Properties: []connectors.Field{{
			Name: PropertyStoreURL, Type: connectors.FieldURL, Required: true,
			Description: "The store's address, https://…, with the WordPress folder if it has one (https://example.com/shop).",
		}},
		Triggers: []connectors.TriggerSpec{orderTrigger("order_created"), orderTrigger("order_updated")},
	}
}

// Address is a billing or shipping address.
type Address struct {
	FirstName string `json:"first_name,omitempty" description:"First name."`
	LastName  string `json:"last_name,omitempty" description:"Last name."`
	Company   string `json:"company,omitempty" description:"Company name."`
	Address1  string `json:"address_1,omitempty" description:"Address line 1."`
	Address2  string `json:"address_2,omitempty" description:"Address line 2."`
	City      string `json:"city,omitempty" description:"City."`
	State     string `json:"state,omitempty" description:"ISO code or name of the state, province or district."`
	Postcode  string `json:"postcode,omitempty" description:"Postal code."`
	Country   string `json:"country,omitempty" description:"ISO 3166-1 alpha-2 country code."`
	Email     string `json:"email,omitempty" description:"Email address (billing only)."`
	Phone     string `json:"phone,omitempty" description:"Phone number."`
}

// LineItem is a line of an order as WooCommerce answers it.
type LineItem struct {
	ID          int     `json:"id" description:"The line's id."`
	Name        string  `json:"name" description:"The product's name."`
	ProductID   int     `json:"product_id" description:"The product's id."`
	VariationID int     `json:"variation_id" description:"The variation's id, 0 for none."`
	Quantity    int     `json:"quantity" description:"How many were ordered."`
	Subtotal    string  `json:"subtotal" description:"The line's total before discounts."`
	Total       string  `json:"total" description:"The line's total after discounts."`
	SKU         string  `json:"sku" description:"The product's SKU."`
	Price       float64 `json:"price" description:"The product's unit price."`
}

// Order is a WooCommerce order: the output of the order actions and the
// payload of the order triggers. Money amounts are decimal strings, as
// WooCommerce sends them; dates are the store's local time without an
// offset (the *_gmt fields of the API are in UTC).
type Order struct {
	ID                 int        `json:"id" description:"The order's id."`
	ParentID           int        `json:"parent_id" description:"The parent order's id, 0 for none."`
	Number             string     `json:"number" description:"The order number shown to customers."`
	OrderKey           string     `json:"order_key" description:"The order's key."`
	CreatedVia         string     `json:"created_via" description:"How the order was created: checkout, rest-api, admin, …"`
	Status             string     `json:"status" description:"pending, processing, on-hold, completed, cancelled, refunded, failed or checkout-draft (or a custom status)."`
	Currency           string     `json:"currency" description:"ISO 4217 currency code."`
	DateCreated        string     `json:"date_created" description:"When the order was created, store time."`
	DateModified       string     `json:"date_modified" description:"When the order was last changed, store time."`
	DiscountTotal      string     `json:"discount_total" description:"Total discount."`
	ShippingTotal      string     `json:"shipping_total" description:"Total shipping."`
	TotalTax           string     `json:"total_tax" description:"Total tax."`
	Total              string     `json:"total" description:"Grand total."`
	CustomerID         int        `json:"customer_id" description:"The customer's user id, 0 for guests."`
	CustomerNote       string     `json:"customer_note" description:"The note the customer left."`
	Billing            Address    `json:"billing" description:"The billing address."`
	Shipping           Address    `json:"shipping" description:"The shipping address."`
	PaymentMethod      string     `json:"payment_method" description:"The payment method's id."`
	PaymentMethodTitle string     `json:"payment_method_title" description:"The payment method's name."`
	TransactionID      string     `json:"transaction_id" description:"The payment's transaction id."`
	DatePaid           *string    `json:"date_paid" description:"When the order was paid, store time; null until then."`
	DateCompleted      *string    `json:"date_completed" description:"When the order was completed, store time; null until then."`
	LineItems          []LineItem `json:"line_items" description:"The ordered products."`
}

// apiError is WooCommerce's (WordPress's) error body.
type apiError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// client is what every action needs: the API root and the HTTP client.
type client struct {
	base string // …/wp-json/wc/v3
	http *http.Client
}

// APIBase returns the REST API root of a store, refusing anything but an
// https URL without credentials, query or fragment.
func APIBase(storeURL string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(storeURL))
	if err != nil || u.Host == "" {
		return "", connectors.Errorf(connectors.BadRequest, "%s is not an absolute URL", PropertyStoreURL)
	}
	if u.Scheme != "https" {
		return "", connectors.Errorf(connectors.BadRequest, "%s must be an https URL: WooCommerce's key and secret travel as HTTP Basic", PropertyStoreURL)
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return "", connectors.Errorf(connectors.BadRequest, "%s must be the store's address alone, without credentials, query or fragment", PropertyStoreURL)
	}
	u.Path = strings.TrimSuffix(u.Path, "/")
	u.RawPath = ""
	return u.String() + "/wp-json/wc/v3", nil
}

func newClient(call connectors.Call) (*client, error) {
	base, err := APIBase(call.Connection.Properties[PropertyStoreURL])
	if err != nil {
		return nil, err
	}
	return &client{base: base, http: call.HTTP}, nil
}

// do sends a request with an optional JSON body and decodes a JSON answer
// into out; it returns the answer for its headers.
func (c *client) do(ctx context.Context, what, method, path string, query url.Values, in, out any) (*egress.Response, error) {
	resp, err := egress.JSON(ctx, c.http, egress.Request{
		Method: method, URL: c.base + path, Query: query, JSON: in, MaxBodyBytes: maxBody,
	}, out)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, connectors.HTTPError(err, errorFrom))
	}
	return resp, nil
}

// errorFrom classifies a refusal as connectors.FromHTTPResponse does, with
// WordPress's error code after the message: "Invalid ID.
// (woocommerce_rest_shop_order_invalid_id)".
func errorFrom(resp *http.Response, raw []byte) *connectors.Error {
	e := connectors.FromHTTPResponse(resp, raw)
	var ae apiError
	if e != nil && json.Unmarshal(raw, &ae) == nil && ae.Code != "" && ae.Message != "" {
		e.Message = ae.Message + " (" + ae.Code + ")"
	}
	return e
}

func orderPath(id int) string { return "/orders/" + strconv.Itoa(id) }

// LineItemInput is a line of a new order.
type LineItemInput struct {
	ProductID   int `json:"product_id" description:"The product's id."`
	VariationID int `json:"variation_id,omitempty" description:"The variation's id, for variable products."`
	Quantity    int `json:"quantity" description:"How many."`
}

// ShippingLine is a shipping charge of a new order.
type ShippingLine struct {
	MethodID    string `json:"method_id" description:"The shipping method's id, e.g. flat_rate."`
	MethodTitle string `json:"method_title" description:"The shipping method's name."`
	Total       string `json:"total" description:"The charge, a decimal string."`
}

// CreateOrderInput is the input of create_order.
type CreateOrderInput struct {
	Status             string          `json:"status,omitempty" enum:"pending,processing,on-hold,completed,cancelled,refunded,failed,checkout-draft" description:"The order's status; pending when not given."`
	Currency           string          `json:"currency,omitempty" description:"ISO 4217 currency code; the store's when not given."`
	CustomerID         int             `json:"customer_id,omitempty" description:"The customer's user id; a guest order when not given."`
	CustomerNote       string          `json:"customer_note,omitempty" description:"A note from the customer."`
	PaymentMethod      string          `json:"payment_method,omitempty" description:"The payment method's id, e.g. bacs."`
	PaymentMethodTitle string          `json:"payment_method_title,omitempty" description:"The payment method's name."`
	SetPaid            bool            `json:"set_paid,omitempty" description:"Mark the order paid, which moves it to processing and reduces stock."`
	Billing            *Address        `json:"billing,omitempty" description:"The billing address."`
	Shipping           *Address        `json:"shipping,omitempty" description:"The shipping address."`
	LineItems          []LineItemInput `json:"line_items,omitempty" description:"The products ordered."`
	ShippingLines      []ShippingLine  `json:"shipping_lines,omitempty" description:"Shipping charges."`
}

func createOrder() *connectors.Func[CreateOrderInput, Order] {
	return connectors.NewAction(connectors.ActionSpec{
		ID:          "create_order",
		Name:        "Create order",
		Kind:        connectors.ActionCreate,
		Description: "Creates an order (POST /wp-json/wc/v3/orders). Sending it twice creates two orders.",
		SampleInput: json.RawMessage(`{
			"payment_method": "bacs", "payment_method_title": "Direct Bank Transfer", "set_paid": true,
			"billing": {"first_name": "John", "last_name": "Doe", "address_1": "969 Market", "city": "San Francisco",
			            "state": "CA", "postcode": "94103", "country": "US", "email": "john.doe@example.com", "phone": "(555) 555-5555"},
			"shipping": {"first_name": "John", "last_name": "Doe", "address_1": "969 Market", "city": "San Francisco",
			             "state": "CA", "postcode": "94103", "country": "US"},
			"line_items": [{"product_id": 93, "quantity": 2}, {"product_id": 22, "variation_id": 23, "quantity": 1}],
			"shipping_lines": [{"method_id": "flat_rate", "method_title": "Flat Rate", "total": "10.00"}]
		}`),
	}, func(ctx context.Context, call connectors.Call, in CreateOrderInput) (Order, error) {
		c, err := newClient(call)
		if err != nil {
			return Order{}, err
		}
		var out Order
		_, err = c.do(ctx, "creating woocommerce order", http.MethodPost, "/orders", nil, in, &out)
		return out, err
	})
}

// UpdateOrderInput is the input of update_order.
type UpdateOrderInput struct {
	ID                 int      `json:"id" description:"The order's id."`
	Status             string   `json:"status,omitempty" description:"The new status: one of WooCommerce's (pending, processing, on-hold, completed, cancelled, refunded, failed) or a custom one the store defines."`
	CustomerNote       string   `json:"customer_note,omitempty" description:"A new customer note."`
	PaymentMethod      string   `json:"payment_method,omitempty" description:"The payment method's id."`
	PaymentMethodTitle string   `json:"payment_method_title,omitempty" description:"The payment method's name."`
	TransactionID      string   `json:"transaction_id,omitempty" description:"The payment's transaction id."`
	SetPaid            bool     `json:"set_paid,omitempty" description:"Mark the order paid."`
	Billing            *Address `json:"billing,omitempty" description:"Billing address fields to change."`
	Shipping           *Address `json:"shipping,omitempty" description:"Shipping address fields to change."`
}

func updateOrder() *connectors.Func[UpdateOrderInput, Order] {
	return connectors.NewAction(connectors.ActionSpec{
		ID:          "update_order",
		Name:        "Update order",
		Kind:        connectors.ActionUpdate,
		Description: "Changes an order's fields (PUT /wp-json/wc/v3/orders/{id}); fields not given are left as they are.",
		Idempotent:  true,
		SampleInput: json.RawMessage(`{"id": 727, "status": "completed"}`),
	}, func(ctx context.Context, call connectors.Call, in UpdateOrderInput) (Order, error) {
		if in.ID <= 0 {
			return Order{}, connectors.Errorf(connectors.BadRequest, "id must be a positive order id")
		}
		c, err := newClient(call)
		if err != nil {
			return Order{}, err
		}
		body := in
		body.ID = 0
		var out Order
		_, err = c.do(ctx, "updating woocommerce order", http.MethodPut, orderPath(in.ID), nil, updateBody(body), &out)
		return out, err
	})
}

// updateBody is UpdateOrderInput without its id, which goes in the path.
func updateBody(in UpdateOrderInput) any {
	return struct {
		Status             string   `json:"status,omitempty"`
		CustomerNote       string   `json:"customer_note,omitempty"`
		PaymentMethod      string   `json:"payment_method,omitempty"`
		PaymentMethodTitle string   `json:"payment_method_title,omitempty"`
		TransactionID      string   `json:"transaction_id,omitempty"`
		SetPaid            bool     `json:"set_paid,omitempty"`
		Billing            *Address `json:"billing,omitempty"`
		Shipping           *Address `json:"shipping,omitempty"`
	}{in.Status, in.CustomerNote, in.PaymentMethod, in.PaymentMethodTitle, in.TransactionID, in.SetPaid, in.Billing, in.Shipping}
}

// GetOrderInput is the input of get_order.
type GetOrderInput struct {
	ID int `json:"id" description:"The order's id."`
}

func getOrder() *connectors.Func[GetOrderInput, Order] {
	return connectors.NewAction(connectors.ActionSpec{
		ID:          "get_order",
		Name:        "Get order",
		Kind:        connectors.ActionSearch,
		Description: "Reads one order (GET /wp-json/wc/v3/orders/{id}); an unknown id is NotFound.",
		Idempotent:  true,
		SampleInput: json.RawMessage(`{"id": 727}`),
	}, func(ctx context.Context, call connectors.Call, in GetOrderInput) (Order, error) {
		if in.ID <= 0 {
			return Order{}, connectors.Errorf(connectors.BadRequest, "id must be a positive order id")
		}
		c, err := newClient(call)
		if err != nil {
			return Order{}, err
		}
		var out Order
		_, err = c.do(ctx, "reading woocommerce order", http.MethodGet, orderPath(in.ID), nil, nil, &out)
		return out, err
	})
}

// SearchOrdersInput is the input of search_orders.
type SearchOrdersInput struct {
	Status     string `json:"status,omitempty" description:"Only orders with this status (any status when not given); a comma-separated list is allowed."`
	After      string `json:"after,omitempty" description:"Only orders created after this ISO 8601 time, e.g. 2026-03-01T00:00:00."`
	Before     string `json:"before,omitempty" description:"Only orders created before this ISO 8601 time."`
	CustomerID int    `json:"customer_id,omitempty" description:"Only this customer's orders."`
	Search     string `json:"search,omitempty" description:"Only orders matching this text."`
	Page       int    `json:"page,omitempty" description:"The page to read, from 1; 1 when not given."`
	PerPage    int    `json:"per_page,omitempty" description:"Orders per page, 1 to 100; 10 when not given."`
	OrderBy    string `json:"orderby,omitempty" enum:"date,id,include,title,slug,modified" description:"What to sort by; date when not given."`
	Order      string `json:"order,omitempty" enum:"asc,desc" description:"Sort direction; desc when not given."`
}

// OrderPage is the output of search_orders: one page of orders and the
// totals WooCommerce reports in X-WP-Total and X-WP-TotalPages.
type OrderPage struct {
	Orders     []Order `json:"orders" description:"The orders on this page."`
	Page       int     `json:"page" description:"This page's number, from 1."`
	PerPage    int     `json:"per_page" description:"The page size asked for."`
	Total      int     `json:"total" description:"How many orders match, over all pages."`
	TotalPages int     `json:"total_pages" description:"How many pages there are."`
	HasMore    bool    `json:"has_more" description:"Whether a later page exists; read it with page + 1."`
}

func searchOrders() *connectors.Func[SearchOrdersInput, OrderPage] {
	return connectors.NewAction(connectors.ActionSpec{
		ID:   "search_orders",
		Name: "Search orders",
		Kind: connectors.ActionSearch,
		Description: "Lists orders matching the filters, one page at a time (GET /wp-json/wc/v3/orders), with the " +
			"number of matches and pages.",
		Idempotent:  true,
		SampleInput: json.RawMessage(`{"status": "processing", "after": "2026-01-01T00:00:00", "per_page": 20}`),
	}, func(ctx context.Context, call connectors.Call, in SearchOrdersInput) (OrderPage, error) {
		if in.Page == 0 {
			in.Page = 1
		}
		if in.PerPage == 0 {
			in.PerPage = 10
		}
		if in.Page < 1 || in.PerPage < 1 || in.PerPage > 100 {
			return OrderPage{}, connectors.Errorf(connectors.BadRequest, "page must be at least 1 and per_page between 1 and 100")
		}
		c, err := newClient(call)
		if err != nil {
			return OrderPage{}, err
		}
		q := url.Values{"page": {strconv.Itoa(in.Page)}, "per_page": {strconv.Itoa(in.PerPage)}}
		for k, v := range map[string]string{"status": in.Status, "after": in.After, "before": in.Before, "search": in.Search, "orderby": in.OrderBy, "order": in.Order} {
			if v != "" {
				q.Set(k, v)
			}
		}
		if in.CustomerID != 0 {
			q.Set("customer", strconv.Itoa(in.CustomerID))
		}
		out := OrderPage{Page: in.Page, PerPage: in.PerPage}
		resp, err := c.do(ctx, "searching woocommerce orders", http.MethodGet, "/orders", q, nil, &out.Orders)
		if err != nil {
			return OrderPage{}, err
		}
		if out.Orders == nil {
			out.Orders = []Order{}
		}
		out.Total, _ = strconv.Atoi(resp.Header.Get("X-WP-Total"))
		out.TotalPages, _ = strconv.Atoi(resp.Header.Get("X-WP-TotalPages"))
		out.HasMore = out.Page < out.TotalPages
		return out, nil
	})
}
