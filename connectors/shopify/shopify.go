// Package shopify is the connector for Shopify's Admin REST API: create and
// update orders, create fulfillments, set inventory levels, search orders
// and products; webhook triggers for orders/create, orders/fulfilled and
// inventory_levels/update verified with X-Shopify-Hmac-Sha256; and a polling
// trigger for new orders whose cursor is since_id. Package shopifytest fakes
// the API.
//
// Shopify's API, as this connector uses it:
//
//   - each shop is served at https://<shop>.myshopify.com, and the REST
//     Admin API under /admin/api/<version>/, e.g. /admin/api/2025-01/orders.json;
//   - requests authenticate with the header X-Shopify-Access-Token (a
//     custom app's Admin API access token, or an OAuth access token);
//   - bodies wrap the resource: {"order": {...}}, {"orders": [...]};
//   - errors answer {"errors": "..."} or {"errors": {"field": ["message"]}};
//     429 carries Retry-After in seconds;
//   - lists page with page_info cursors in the Link header
//     (<...page_info=...>; rel="next"), and a request that carries
//     page_info may carry nothing but limit and fields besides;
//   - webhooks carry X-Shopify-Hmac-Sha256, the base64 HMAC-SHA256 of the
//     raw body keyed with the app's client secret.
package shopify

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/junction-run/junction/connectors"
)

// ID is the connector's id.
const ID = "shopify"

// Version is the connector version New returns.
const Version = "1.0.0"

// The connection's custom properties.
const (
	// PropShop is the shop's myshopify.com domain, e.g.
	// northwind.myshopify.com.
	PropShop = "shop"
	// PropAPIVersion is the Admin API version, e.g. 2025-01.
	PropAPIVersion = "api_version"
)

// DefaultAPIVersion is the Admin API version used when the connection
// names none.
const DefaultAPIVersion = "2025-01"

// AccessTokenHeader carries the Admin API access token.
const AccessTokenHeader = "X-Shopify-Access-Token"

// New returns version 1.0.0 of the Shopify connector.
func New() *connectors.Static {
	actions := []connectors.Action{
		createOrder(), updateOrder(), createFulfillment(), setInventoryLevel(), searchOrders(), searchProducts(),
	}
	spec := connectors.Spec{
		ID:   ID,
		Name: "Shopify",
		Description: "Shopify's Admin REST API: create and update orders, fulfil them, set inventory levels, " +
			"search orders and products; start runs when orders are created or fulfilled, when inventory " +
			"levels change, or when polling finds new orders.",
		Version:  Version,
		Status:   connectors.StatusStable,
		Auth:     []connectors.AuthSpec{accessToken()},
		Triggers: []connectors.TriggerSpec{ordersCreate(), ordersFulfilled(), inventoryLevelsUpdate(), newOrders()},
		Properties: []connectors.Field{
			{
				Name: PropShop, Type: connectors.FieldString, Required: true,
				Description: "The shop's myshopify.com domain, e.g. northwind.myshopify.com (not its custom domain).",
			},
			{
				Name: PropAPIVersion, Type: connectors.FieldString, Default: DefaultAPIVersion,
				Description: "The Admin API version, as in /admin/api/<version>/; " + DefaultAPIVersion + " when not given.",
			},
		},
	}
	for _, a := range actions {
		spec.Actions = append(spec.Actions, a.Spec())
	}
	return connectors.New(spec, actions...).WithWebhooks(webhooks(spec)...).WithPollers(pollers(spec)...).
		WithCheck(check)
}

func accessToken() connectors.AuthSpec {
	a := connectors.APIKeyAuth(connectors.APIKeyInHeader, AccessTokenHeader)
	a.Description = "An Admin API access token (shpat_…): from a custom app (Settings → Apps and sales channels → " +
		"Develop apps → API credentials), or from the OAuth grant of a public app. It needs the read and write " +
		"scopes of orders, fulfillments, inventory and products."
	a.Fields = append(a.Fields, connectors.WebhookSecretField("The secret Shopify signs webhooks with, for the webhook "+
		"triggers: the app's client secret (API secret key) for webhooks the app subscribes, or the key shown under "+
		"Settings → Notifications → Webhooks for webhooks made in the admin."))
	return a
}

// SignatureScheme is how Shopify signs webhooks: the base64 HMAC-SHA256 of
// the raw body, keyed with the app's client secret, in
// X-Shopify-Hmac-Sha256. VerifyWebhook checks it.
const SignatureScheme = "shopify_hmac_sha256"

// Webhook topics of the triggers.
const (
	TopicOrdersCreate          = "orders/create"
	TopicOrdersFulfilled       = "orders/fulfilled"
	TopicInventoryLevelsUpdate = "inventory_levels/update"
)

// TriggerTopics maps each webhook trigger's id to its Shopify topic.
var TriggerTopics = map[string]string{
	"orders_create":           TopicOrdersCreate,
	"orders_fulfilled":        TopicOrdersFulfilled,
	"inventory_levels_update": TopicInventoryLevelsUpdate,
}

// NewOrdersPollInterval is the new_orders trigger's default interval.
const NewOrdersPollInterval = 5 * time.Minute

// orderPayload is the schema of an order as webhooks and polling deliver
// it. Shopify sends many more fields than it names; they are allowed.
func orderPayload() *connectors.Schema {
	return connectors.MustSchema(`{
		"type": "object",
		"description": "A Shopify order, as the REST Admin API represents it; only the fields most steps use are described, and Shopify sends many more.",
		"required": ["id", "created_at"],
		"properties": {
			"id": {"type": "integer", "description": "Shopify's id for the order."},
			"admin_graphql_api_id": {"type": "string", "description": "The order's GraphQL id, gid://shopify/Order/<id>."},
			"name": {"type": "string", "description": "The order's name as the shop shows it, e.g. #1001."},
			"order_number": {"type": "integer", "description": "The order's number, e.g. 1001."},
			"email": {"type": ["string", "null"], "description": "The customer's email address."},
			"phone": {"type": ["string", "null"], "description": "The customer's phone number."},
			"financial_status": {"type": ["string", "null"], "description": "pending, authorized, partially_paid, paid, partially_refunded, refunded or voided."},
			"fulfillment_status": {"type": ["string", "null"], "description": "null (unfulfilled), partial, fulfilled or restocked."},
			"currency": {"type": "string", "description": "The ISO 4217 code of the shop currency."},
			"total_price": {"type": "string", "description": "The total, as a decimal string."},
			"tags": {"type": "string", "description": "The order's tags, comma-separated."},
			"note": {"type": ["string", "null"], "description": "The order's note."},
			"note_attributes": {"type": "array", "description": "Extra name/value pairs on the order.", "items": {"type": "object"}},
			"line_items": {"type": "array", "description": "The ordered items.", "items": {"type": "object", "properties": {
				"id": {"type": "integer"}, "variant_id": {"type": ["integer", "null"]}, "product_id": {"type": ["integer", "null"]},
				"title": {"type": "string"}, "sku": {"type": ["string", "null"]}, "quantity": {"type": "integer"}, "price": {"type": "string"}
			}}},
			"created_at": {"type": "string", "format": "date-time", "description": "When the order was created."},
			"updated_at": {"type": "string", "format": "date-time", "description": "When the order was last changed."}
		}
	}`)
}

const sampleOrder = `{
	"id": 450789469,
	"admin_graphql_api_id": "gid://shopify/Order/450789469",
	"name": "#1001",
	"order_number": 1001,
	"email": "bob.norman@mail.example.com",
	"phone": null,
	"financial_status": "paid",
	"fulfillment_status": %s,
	"currency": "USD",
	"total_price": "598.94",
	"tags": "imported",
	"note": null,
	"note_attributes": [{"name": "colour", "value": "red"}],
	"line_items": [{"id": 466157049, "variant_id": 39072856, "product_id": 632910392, "title": "IPod Nano - 8gb",
	                "sku": "IPOD2008GREEN", "quantity": 1, "price": "199.00"}],
	"created_at": "2026-03-02T10:15:00-05:00",
	"updated_at": "2026-03-02T10:20:00-05:00"
}`

func orderSample(fulfillment string) json.RawMessage {
	return json.RawMessage(fmt.Sprintf(sampleOrder, fulfillment))
}

func ordersCreate() connectors.TriggerSpec {
	return orderWebhook("orders_create", "Order created",
		"Shopify calls the webhook (topic orders/create) once an order is created: at checkout, "+
			"from a draft order, or through the API. The payload is the order.",
		"null")
}

func ordersFulfilled() connectors.TriggerSpec {
	return orderWebhook("orders_fulfilled", "Order fulfilled",
		"Shopify calls the webhook (topic orders/fulfilled) once every item of an order is "+
			"fulfilled. The payload is the order.",
		`"fulfilled"`)
}

// orderWebhook declares a webhook trigger whose payload is the order; its
// sample order's fulfillment_status is the JSON value fulfillment.
func orderWebhook(id, name, description, fulfillment string) connectors.TriggerSpec {
	return connectors.TriggerSpec{
		ID:            id,
		Name:          name,
		Kind:          connectors.TriggerWebhook,
		Description:   description,
		Payload:       orderPayload(),
		SamplePayload: orderSample(fulfillment),
		IDPointer:     "/id",
		Signature:     SignatureScheme,
		SecretField:   connectors.FieldWebhookSecret,
	}
}

func inventoryLevelsUpdate() connectors.TriggerSpec {
	return connectors.TriggerSpec{
		ID:   "inventory_levels_update",
		Name: "Inventory level updated",
		Kind: connectors.TriggerWebhook,
		Description: "Shopify calls the webhook (topic inventory_levels/update) when the available quantity " +
			"of an inventory item at a location changes. The payload carries no id of its own: the event is " +
			"identified by the delivery's X-Shopify-Event-Id header (X-Shopify-Webhook-Id from shops that do not " +
			"send it yet), the same on every retry of the delivery.",
		Payload: connectors.MustSchema(`{
			"type": "object",
			"required": ["inventory_item_id", "location_id", "available", "updated_at", "admin_graphql_api_id"],
			"properties": {
				"inventory_item_id": {"type": "integer", "description": "The inventory item (one per product variant)."},
				"location_id": {"type": "integer", "description": "The location."},
				"available": {"type": ["integer", "null"], "description": "The quantity now available; null when the item is not tracked."},
				"updated_at": {"type": "string", "format": "date-time", "description": "When the level changed."},
				"admin_graphql_api_id": {"type": "string", "description": "gid://shopify/InventoryLevel/<location_id>?inventory_item_id=<inventory_item_id>."}
			}
		}`),
		SamplePayload: json.RawMessage(`{
			"inventory_item_id": 808950810,
			"location_id": 655441491,
			"available": 42,
			"updated_at": "2026-03-02T10:15:00-05:00",
			"admin_graphql_api_id": "gid://shopify/InventoryLevel/655441491?inventory_item_id=808950810"
		}`),
		IDHeader:    HeaderEventID,
		Signature:   SignatureScheme,
		SecretField: connectors.FieldWebhookSecret,
	}
}

func newOrders() connectors.TriggerSpec {
	return connectors.TriggerSpec{
		ID:   "new_orders",
		Name: "New order (polling)",
		Kind: connectors.TriggerPolling,
		Description: "Asks Shopify for orders (any status) with an id above the last one seen, oldest first; " +
			"the cursor is that since_id. For shops that cannot register webhooks.",
		Payload:       orderPayload(),
		SamplePayload: orderSample("null"),
		IDPointer:     "/id",
		PollInterval:  NewOrdersPollInterval,
	}
}
