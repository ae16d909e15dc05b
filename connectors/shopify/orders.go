package shopify

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/junction-run/junction/connectors"
)

// Address is a shipping or billing address.
type Address struct {
	FirstName   string `json:"first_name,omitempty" description:"The recipient's first name."`
	LastName    string `json:"last_name,omitempty" description:"The recipient's last name."`
	Company     string `json:"company,omitempty" description:"The recipient's company."`
	Address1    string `json:"address1,omitempty" description:"The street address."`
	Address2    string `json:"address2,omitempty" description:"More of the street address: flat, floor, suite."`
	City        string `json:"city,omitempty" description:"The city."`
	Province    string `json:"province,omitempty" description:"The province, state or region."`
	Zip         string `json:"zip,omitempty" description:"The postal code."`
	Country     string `json:"country,omitempty" description:"The country's name."`
	CountryCode string `json:"country_code,omitempty" description:"The country's ISO 3166-1 alpha-2 code."`
	Phone       string `json:"phone,omitempty" description:"The recipient's phone number."`
}

// NoteAttribute is a name/value pair on an order.
type NoteAttribute struct {
	Name  string `json:"name" description:"The attribute's name."`
	Value string `json:"value" description:"The attribute's value."`
}

// LineItem is an item of an order.
type LineItem struct {
	ID                  int64  `json:"id,omitempty" description:"Shopify's id for the line item."`
	VariantID           int64  `json:"variant_id,omitempty" description:"The product variant ordered."`
	ProductID           int64  `json:"product_id,omitempty" description:"The product ordered."`
	Title               string `json:"title,omitempty" description:"The product's title."`
	SKU                 string `json:"sku,omitempty" description:"The variant's stock keeping unit."`
	Quantity            int    `json:"quantity" description:"How many were ordered."`
	Price               string `json:"price,omitempty" description:"The unit price, as a decimal string."`
	FulfillableQuantity int    `json:"fulfillable_quantity,omitempty" description:"How many are left to fulfil."`
	FulfillmentStatus   string `json:"fulfillment_status,omitempty" description:"fulfilled, partial or not_eligible; empty when unfulfilled."`
}

// Order is a Shopify order: the output of create_order and update_order.
// Shopify answers many more fields; these are the ones steps use.
type Order struct {
	ID                int64           `json:"id" description:"Shopify's id for the order."`
	AdminGraphQLAPIID string          `json:"admin_graphql_api_id,omitempty" description:"The order's GraphQL id."`
	Name              string          `json:"name,omitempty" description:"The order's name as the shop shows it, e.g. #1001."`
	OrderNumber       int             `json:"order_number,omitempty" description:"The order's number, e.g. 1001."`
	Email             string          `json:"email,omitempty" description:"The customer's email address."`
	Phone             string          `json:"phone,omitempty" description:"The customer's phone number."`
	FinancialStatus   string          `json:"financial_status,omitempty" description:"pending, authorized, partially_paid, paid, partially_refunded, refunded or voided."`
	FulfillmentStatus string          `json:"fulfillment_status,omitempty" description:"partial, fulfilled or restocked; empty when unfulfilled."`
	Currency          string          `json:"currency,omitempty" description:"The ISO 4217 code of the shop currency."`
	TotalPrice        string          `json:"total_price,omitempty" description:"The total, as a decimal string."`
	Tags              string          `json:"tags,omitempty" description:"The order's tags, comma-separated."`
	Note              string          `json:"note,omitempty" description:"The order's note."`
	NoteAttributes    []NoteAttribute `json:"note_attributes,omitempty" description:"Extra name/value pairs on the order."`
	LineItems         []LineItem      `json:"line_items,omitempty" description:"The ordered items."`
	ShippingAddress   *Address        `json:"shipping_address,omitempty" description:"Where the order ships to."`
	CancelledAt       *time.Time      `json:"cancelled_at,omitempty" description:"When the order was cancelled, if it was."`
	ClosedAt          *time.Time      `json:"closed_at,omitempty" description:"When the order was closed, if it was."`
	CreatedAt         time.Time       `json:"created_at,omitzero" description:"When the order was created."`
	UpdatedAt         time.Time       `json:"updated_at,omitzero" description:"When the order was last changed."`
}

// TagList returns the order's tags.
func (o Order) TagList() []string { return SplitTags(o.Tags) }

// SplitTags splits Shopify's comma-separated tags.
func SplitTags(tags string) []string {
	var out []string
	for t := range strings.SplitSeq(tags, ",") {
		if t = strings.TrimSpace(t); t != "" {
			out = append(out, t)
		}
	}
	return out
}

// JoinTags joins tags the way Shopify writes them.
func JoinTags(tags []string) string { return strings.Join(tags, ", ") }

// OrderLineItemInput is an item of a new order: a variant, or a custom
// item with a title and a price.
type OrderLineItemInput struct {
	VariantID int64  `json:"variant_id,omitempty" description:"The product variant to order; or give title and price for a custom item."`
	Title     string `json:"title,omitempty" description:"A custom item's title."`
	Price     string `json:"price,omitempty" description:"A custom item's unit price, as a decimal string; a variant's price when not given."`
	SKU       string `json:"sku,omitempty" description:"A custom item's stock keeping unit."`
	Quantity  int    `json:"quantity" description:"How many; at least 1."`
}

// CreateOrderInput is the input of create_order.
type CreateOrderInput struct {
	LineItems              []OrderLineItemInput `json:"line_items" description:"The items ordered; at least one."`
	Email                  string               `json:"email,omitempty" description:"The customer's email address; Shopify finds or creates the customer."`
	Phone                  string               `json:"phone,omitempty" description:"The customer's phone number, E.164."`
	FinancialStatus        string               `json:"financial_status,omitempty" enum:"pending,authorized,partially_paid,paid,partially_refunded,refunded,voided" description:"The payment status; paid when not given."`
	Currency               string               `json:"currency,omitempty" description:"The ISO 4217 code of the order's currency; the shop's when not given."`
	Tags                   []string             `json:"tags,omitempty" description:"Tags to file the order under."`
	Note                   string               `json:"note,omitempty" description:"A note on the order."`
	NoteAttributes         []NoteAttribute      `json:"note_attributes,omitempty" description:"Extra name/value pairs on the order."`
	ShippingAddress        *Address             `json:"shipping_address,omitempty" description:"Where the order ships to."`
	BillingAddress         *Address             `json:"billing_address,omitempty" description:"The billing address."`
	SendReceipt            bool                 `json:"send_receipt,omitempty" description:"Email the customer an order confirmation."`
	SendFulfillmentReceipt bool                 `json:"send_fulfillment_receipt,omitempty" description:"Email the customer when the order is fulfilled."`
	InventoryBehaviour     string               `json:"inventory_behaviour,omitempty" enum:"bypass,decrement_ignoring_policy,decrement_obeying_policy" description:"Whether to take the items from inventory; bypass when not given."`
}

func createOrder() *connectors.Func[CreateOrderInput, Order] {
	return connectors.NewAction(connectors.ActionSpec{
		ID:   "create_order",
		Name: "Create order",
		Kind: connectors.ActionCreate,
		Description: "Creates an order (POST /orders.json), e.g. one placed on another channel. Each call creates " +
			"a new order. Shopify answers 422 with its reasons when the order is invalid.",
		SampleInput: json.RawMessage(`{"email": "ada@example.com", "line_items": [{"variant_id": 447654529, "quantity": 1}, ` +
			`{"title": "Gift wrap", "price": "4.50", "quantity": 1}], "tags": ["marketplace"], ` +
			`"note_attributes": [{"name": "channel", "value": "amazon"}]}`),
	}, runCreateOrder)
}

func runCreateOrder(ctx context.Context, call connectors.Call, in CreateOrderInput) (Order, error) {
	if len(in.LineItems) == 0 {
		return Order{}, connectors.Errorf(connectors.BadRequest, "line_items is empty")
	}
	for i, li := range in.LineItems {
		if li.Quantity < 1 {
			return Order{}, connectors.Errorf(connectors.BadRequest, "line_items[%d].quantity must be at least 1", i)
		}
		if li.VariantID == 0 && (li.Title == "" || li.Price == "") {
			return Order{}, connectors.Errorf(connectors.BadRequest, "line_items[%d] needs a variant_id, or a title and a price", i)
		}
	}
	c, err := newClient(call)
	if err != nil {
		return Order{}, err
	}
	order := map[string]any{"line_items": in.LineItems}
	set := func(k string, v any, ok bool) {
		if ok {
			order[k] = v
		}
	}
	set("email", in.Email, in.Email != "")
	set("phone", in.Phone, in.Phone != "")
	set("financial_status", in.FinancialStatus, in.FinancialStatus != "")
	set("currency", in.Currency, in.Currency != "")
	set("tags", JoinTags(in.Tags), len(in.Tags) > 0)
	set("note", in.Note, in.Note != "")
	set("note_attributes", in.NoteAttributes, len(in.NoteAttributes) > 0)
	set("shipping_address", in.ShippingAddress, in.ShippingAddress != nil)
	set("billing_address", in.BillingAddress, in.BillingAddress != nil)
	set("send_receipt", in.SendReceipt, in.SendReceipt)
	set("send_fulfillment_receipt", in.SendFulfillmentReceipt, in.SendFulfillmentReceipt)
	set("inventory_behaviour", in.InventoryBehaviour, in.InventoryBehaviour != "")
	var out struct {
		Order Order `json:"order"`
	}
	if _, err := c.do(ctx, "creating order", http.MethodPost, c.url("/orders.json", nil), map[string]any{"order": order}, &out); err != nil {
		return Order{}, err
	}
	return out.Order, nil
}

// UpdateOrderInput is the input of update_order.
type UpdateOrderInput struct {
	ID              int64           `json:"id" description:"Shopify's id for the order."`
	Tags            []string        `json:"tags,omitempty" description:"Replaces all of the order's tags."`
	AddTags         []string        `json:"add_tags,omitempty" description:"Tags to add to those the order has, e.g. Ready to ship."`
	RemoveTags      []string        `json:"remove_tags,omitempty" description:"Tags to take off the order."`
	Note            *string         `json:"note,omitempty" description:"Replaces the order's note; an empty string clears it."`
	NoteAttributes  []NoteAttribute `json:"note_attributes,omitempty" description:"Replaces the order's note attributes."`
	Email           string          `json:"email,omitempty" description:"The customer's new email address."`
	Phone           string          `json:"phone,omitempty" description:"The customer's new phone number."`
	ShippingAddress *Address        `json:"shipping_address,omitempty" description:"Replaces the shipping address."`
}

func updateOrder() *connectors.Func[UpdateOrderInput, Order] {
	return connectors.NewAction(connectors.ActionSpec{
		ID:   "update_order",
		Name: "Update order",
		Kind: connectors.ActionUpdate,
		Description: "Changes an order's tags, note, note attributes, contact details or shipping address " +
			"(PUT /orders/{id}.json). add_tags and remove_tags read the order's tags first and write the result, " +
			"so marking an order Ready to ship is {\"id\": …, \"add_tags\": [\"Ready to ship\"]}. Fields not given are left alone.",
		Idempotent: true,
		SampleInput: json.RawMessage(`{"id": 450789469, "add_tags": ["Ready to ship"], ` +
			`"note": "Packed at the Leeds warehouse.", "note_attributes": [{"name": "shipment_status", "value": "packed"}]}`),
	}, runUpdateOrder)
}

func runUpdateOrder(ctx context.Context, call connectors.Call, in UpdateOrderInput) (Order, error) {
	if in.ID <= 0 {
		return Order{}, connectors.Errorf(connectors.BadRequest, "id must be an order id")
	}
	if in.Tags == nil && in.AddTags == nil && in.RemoveTags == nil && in.Note == nil && in.NoteAttributes == nil &&
		in.Email == "" && in.Phone == "" && in.ShippingAddress == nil {
		return Order{}, connectors.Errorf(connectors.BadRequest, "nothing to change: give tags, add_tags, remove_tags, note, note_attributes, email, phone or shipping_address")
	}
	c, err := newClient(call)
	if err != nil {
		return Order{}, err
	}
	path := "/orders/" + strconv.FormatInt(in.ID, 10) + ".json"
	order := map[string]any{"id": in.ID}
	if in.Tags != nil || in.AddTags != nil || in.RemoveTags != nil {
		tags := in.Tags
		if tags == nil {
			var cur struct {
				Order Order `json:"order"`
			}
			q := url.Values{"fields": {"id,tags"}}
			if _, err := c.do(ctx, "reading order", http.MethodGet, c.url(path, q), nil, &cur); err != nil {
				return Order{}, err
			}
			tags = cur.Order.TagList()
		}
		order["tags"] = JoinTags(mergeTags(tags, in.AddTags, in.RemoveTags))
	}
	if in.Note != nil {
		order["note"] = *in.Note
	}
	if in.NoteAttributes != nil {
		order["note_attributes"] = in.NoteAttributes
	}
	if in.Email != "" {
		order["email"] = in.Email
	}
	if in.Phone != "" {
		order["phone"] = in.Phone
	}
	if in.ShippingAddress != nil {
		order["shipping_address"] = in.ShippingAddress
	}
	var out struct {
		Order Order `json:"order"`
	}
	if _, err := c.do(ctx, "updating order", http.MethodPut, c.url(path, nil), map[string]any{"order": order}, &out); err != nil {
		return Order{}, err
	}
	return out.Order, nil
}

// mergeTags adds add to tags and takes remove off, comparing as Shopify
// does (case-insensitively), keeping the order and dropping duplicates.
func mergeTags(tags, add, remove []string) []string {
	var out []string
	has := func(list []string, t string) bool {
		return slices.ContainsFunc(list, func(x string) bool { return strings.EqualFold(strings.TrimSpace(x), t) })
	}
	for _, t := range append(slices.Clone(tags), add...) {
		t = strings.TrimSpace(t)
		if t == "" || has(out, t) || has(remove, t) {
			continue
		}
		out = append(out, t)
	}
	return out
}

// SearchOrdersInput is the input of search_orders.
type SearchOrdersInput struct {
	Status            string    `json:"status,omitempty" enum:"open,closed,cancelled,any" description:"Which orders; open when not given."`
	FinancialStatus   string    `json:"financial_status,omitempty" enum:"authorized,pending,paid,partially_paid,refunded,voided,partially_refunded,any,unpaid" description:"Only orders with this payment status."`
	FulfillmentStatus string    `json:"fulfillment_status,omitempty" enum:"shipped,partial,unshipped,any,unfulfilled" description:"Only orders with this fulfillment status."`
	SinceID           int64     `json:"since_id,omitempty" description:"Only orders with a greater id; they come oldest first."`
	CreatedAtMin      time.Time `json:"created_at_min,omitzero" description:"Only orders created at or after this time."`
	CreatedAtMax      time.Time `json:"created_at_max,omitzero" description:"Only orders created at or before this time."`
	UpdatedAtMin      time.Time `json:"updated_at_min,omitzero" description:"Only orders changed at or after this time."`
	Limit             int       `json:"limit,omitempty" description:"Orders per page, 1 to 250; 50 when not given."`
	MaxPages          int       `json:"max_pages,omitempty" description:"Pages to fetch by following the Link header, 1 to 100; 1 when not given."`
	PageInfo          string    `json:"page_info,omitempty" description:"Continue a search from the next_page_info an earlier search returned; the filters are then those of that search and must not be given again."`
}

// SearchOrdersOutput is the output of search_orders.
type SearchOrdersOutput struct {
	Orders       []Order `json:"orders" description:"The orders found, in Shopify's order."`
	Pages        int     `json:"pages" description:"How many pages were fetched."`
	NextPageInfo string  `json:"next_page_info,omitempty" description:"Where the next page starts, if there are more orders than were fetched; pass it as page_info."`
}

func searchOrders() *connectors.Func[SearchOrdersInput, SearchOrdersOutput] {
	return connectors.NewAction(connectors.ActionSpec{
		ID:   "search_orders",
		Name: "Search orders",
		Kind: connectors.ActionSearch,
		Description: "Lists orders matching the filters (GET /orders.json), following the Link header's next pages " +
			"up to max_pages.",
		Idempotent:  true,
		SampleInput: json.RawMessage(`{"status": "any", "created_at_min": "2026-01-01T00:00:00Z", "limit": 50, "max_pages": 2}`),
	}, runSearchOrders)
}

func runSearchOrders(ctx context.Context, call connectors.Call, in SearchOrdersInput) (SearchOrdersOutput, error) {
	if err := checkPaging(in.Limit, in.MaxPages); err != nil {
		return SearchOrdersOutput{}, err
	}
	q := url.Values{}
	if in.PageInfo != "" {
		if in.Status != "" || in.FinancialStatus != "" || in.FulfillmentStatus != "" || in.SinceID != 0 ||
			!in.CreatedAtMin.IsZero() || !in.CreatedAtMax.IsZero() || !in.UpdatedAtMin.IsZero() {
			return SearchOrdersOutput{}, connectors.Errorf(connectors.BadRequest, "page_info continues an earlier search: give only limit and max_pages with it")
		}
		q.Set("page_info", in.PageInfo)
	}
	setQ(q, "status", in.Status)
	setQ(q, "financial_status", in.FinancialStatus)
	setQ(q, "fulfillment_status", in.FulfillmentStatus)
	if in.SinceID != 0 {
		q.Set("since_id", strconv.FormatInt(in.SinceID, 10))
	}
	setTime(q, "created_at_min", in.CreatedAtMin)
	setTime(q, "created_at_max", in.CreatedAtMax)
	setTime(q, "updated_at_min", in.UpdatedAtMin)
	q.Set("limit", strconv.Itoa(cmpOr(in.Limit, defaultLimit)))
	c, err := newClient(call)
	if err != nil {
		return SearchOrdersOutput{}, err
	}
	out := SearchOrdersOutput{Orders: []Order{}}
	out.Pages, out.NextPageInfo, err = c.list(ctx, "searching orders", c.url("/orders.json", q), in.MaxPages, func(raw []byte) error {
		var page struct {
			Orders []Order `json:"orders"`
		}
		if err := json.Unmarshal(raw, &page); err != nil {
			return err
		}
		out.Orders = append(out.Orders, page.Orders...)
		return nil
	})
	if err != nil {
		return SearchOrdersOutput{}, err
	}
	return out, nil
}

func setQ(q url.Values, k, v string) {
	if v != "" {
		q.Set(k, v)
	}
}

func setTime(q url.Values, k string, t time.Time) {
	if !t.IsZero() {
		q.Set(k, t.Format(time.RFC3339))
	}
}

func cmpOr(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}
