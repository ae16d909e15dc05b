package shopify

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"github.com/junction-run/junction/connectors"
)

// FulfillmentOrderLineItem is a line item of a fulfillment order and how
// many of it to fulfil.
type FulfillmentOrderLineItem struct {
	ID       int64 `json:"id" description:"The fulfillment order line item's id (not the order's line item id)."`
	Quantity int   `json:"quantity" description:"How many to fulfil; at least 1."`
}

// FulfillmentOrderItems names a fulfillment order and, optionally, which
// of its line items to fulfil.
type FulfillmentOrderItems struct {
	FulfillmentOrderID        int64                      `json:"fulfillment_order_id" description:"The fulfillment order's id (GET /orders/{id}/fulfillment_orders.json lists an order's)."`
	FulfillmentOrderLineItems []FulfillmentOrderLineItem `json:"fulfillment_order_line_items,omitempty" description:"The line items to fulfil; every remaining item of the fulfillment order when not given."`
}

// TrackingInfo says how a shipment can be tracked.
type TrackingInfo struct {
	Number  string `json:"number,omitempty" description:"The tracking number."`
	URL     string `json:"url,omitempty" description:"The tracking page's URL."`
	Company string `json:"company,omitempty" description:"The carrier, e.g. UPS, DHL Express, Royal Mail."`
}

// CreateFulfillmentInput is the input of create_fulfillment.
type CreateFulfillmentInput struct {
	LineItemsByFulfillmentOrder []FulfillmentOrderItems `json:"line_items_by_fulfillment_order" description:"What to fulfil, by fulfillment order; at least one."`
	TrackingInfo                *TrackingInfo           `json:"tracking_info,omitempty" description:"How to track the shipment."`
	NotifyCustomer              bool                    `json:"notify_customer,omitempty" description:"Email the customer a shipping confirmation."`
	Message                     string                  `json:"message,omitempty" description:"A message to the fulfillment service."`
}

// Fulfillment is a Shopify fulfillment: the output of create_fulfillment.
type Fulfillment struct {
	ID              int64      `json:"id" description:"Shopify's id for the fulfillment."`
	OrderID         int64      `json:"order_id" description:"The order fulfilled."`
	Name            string     `json:"name,omitempty" description:"The fulfillment's name, e.g. #1001.1."`
	Status          string     `json:"status,omitempty" description:"pending, open, success, cancelled, error or failure."`
	Service         string     `json:"service,omitempty" description:"The fulfillment service, e.g. manual."`
	TrackingCompany string     `json:"tracking_company,omitempty" description:"The carrier."`
	TrackingNumber  string     `json:"tracking_number,omitempty" description:"The first tracking number."`
	TrackingNumbers []string   `json:"tracking_numbers,omitempty" description:"Every tracking number."`
	TrackingURL     string     `json:"tracking_url,omitempty" description:"The first tracking URL."`
	LineItems       []LineItem `json:"line_items,omitempty" description:"The order's line items this fulfillment covers."`
	CreatedAt       time.Time  `json:"created_at,omitzero" description:"When the fulfillment was created."`
}

func createFulfillment() *connectors.Func[CreateFulfillmentInput, Fulfillment] {
	return connectors.NewAction(connectors.ActionSpec{
		ID:   "create_fulfillment",
		Name: "Create fulfillment",
		Kind: connectors.ActionCreate,
		Description: "Fulfils items of one or more fulfillment orders of the same order (POST /fulfillments.json), " +
			"with tracking information. Shopify answers 422 when an item is already fulfilled.",
		SampleInput: json.RawMessage(`{"line_items_by_fulfillment_order": [{"fulfillment_order_id": 1046000778, ` +
			`"fulfillment_order_line_items": [{"id": 1025578633, "quantity": 1}]}], ` +
			`"tracking_info": {"number": "MS1562678", "url": "https://www.my-shipping-company.com?tracking_number=MS1562678", "company": "my-shipping-company"}, ` +
			`"notify_customer": true}`),
	}, runCreateFulfillment)
}

func runCreateFulfillment(ctx context.Context, call connectors.Call, in CreateFulfillmentInput) (Fulfillment, error) {
	if len(in.LineItemsByFulfillmentOrder) == 0 {
		return Fulfillment{}, connectors.Errorf(connectors.BadRequest, "line_items_by_fulfillment_order is empty")
	}
	for i, fo := range in.LineItemsByFulfillmentOrder {
		if fo.FulfillmentOrderID <= 0 {
			return Fulfillment{}, connectors.Errorf(connectors.BadRequest, "line_items_by_fulfillment_order[%d].fulfillment_order_id must be an id", i)
		}
		for j, li := range fo.FulfillmentOrderLineItems {
			if li.ID <= 0 || li.Quantity < 1 {
				return Fulfillment{}, connectors.Errorf(connectors.BadRequest, "line_items_by_fulfillment_order[%d].fulfillment_order_line_items[%d] needs an id and a quantity of at least 1", i, j)
			}
		}
	}
	c, err := newClient(call)
	if err != nil {
		return Fulfillment{}, err
	}
	var out struct {
		Fulfillment Fulfillment `json:"fulfillment"`
	}
	if _, err := c.do(ctx, "creating fulfillment", http.MethodPost, c.url("/fulfillments.json", nil), map[string]any{"fulfillment": in}, &out); err != nil {
		return Fulfillment{}, err
	}
	return out.Fulfillment, nil
}
