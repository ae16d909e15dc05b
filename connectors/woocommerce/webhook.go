package woocommerce

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"github.com/junction-run/junction/connectors"
)

// SignatureScheme is how WooCommerce signs webhooks: see VerifyWebhook.
const SignatureScheme = "woocommerce_hmac_sha256"

// Headers WooCommerce sends with every delivery.
const (
	SignatureHeader  = "X-WC-Webhook-Signature"
	TopicHeader      = "X-WC-Webhook-Topic"       // order.created
	ResourceHeader   = "X-WC-Webhook-Resource"    // order
	EventHeader      = "X-WC-Webhook-Event"       // created
	SourceHeader     = "X-WC-Webhook-Source"      // the store's URL
	WebhookIDHeader  = "X-WC-Webhook-ID"          // the webhook's id
	DeliveryIDHeader = "X-WC-Webhook-Delivery-ID" // the delivery's id
)

// Errors VerifyWebhook returns. None of them quotes a secret or a
// signature.
var (
	// ErrNoSecret: no webhook secret was given to verify with.
	ErrNoSecret = errors.New("woocommerce: no webhook secret to verify the signature with")
	// ErrNoSignature: the request has no X-WC-Webhook-Signature.
	ErrNoSignature = errors.New("woocommerce: the request has no " + SignatureHeader + " header")
	// ErrBadSignature: the signature matches none of the secrets.
	ErrBadSignature = errors.New("woocommerce: the " + SignatureHeader + " signature does not match")
)

// Sign returns the X-WC-Webhook-Signature WooCommerce sends with body:
// base64 of HMAC-SHA256 of the raw body, keyed with the webhook's secret.
func Sign(body []byte, secret string) string {
	return base64.StdEncoding.EncodeToString(mac(body, secret))
}

func mac(body []byte, secret string) []byte {
	m := hmac.New(sha256.New, []byte(secret))
	_, _ = m.Write(body)
	return m.Sum(nil)
}

// VerifyWebhook checks a delivery's X-WC-Webhook-Signature against each of
// secrets (several while rotating), in constant time per secret. body is
// the raw request body, unparsed. It returns nil, ErrNoSecret,
// ErrNoSignature or ErrBadSignature.
func VerifyWebhook(header http.Header, body []byte, secrets ...string) error {
	if !connectors.HasSecret(secrets) {
		return ErrNoSecret
	}
	got := strings.TrimSpace(header.Get(SignatureHeader))
	if got == "" {
		return ErrNoSignature
	}
	sig, err := base64.StdEncoding.Strict().DecodeString(got)
	if err != nil || len(sig) != sha256.Size {
		return ErrBadSignature
	}
	if _, ok := connectors.SignedWith(sig, secrets, func(k string) []byte { return mac(body, k) }); !ok {
		return ErrBadSignature
	}
	return nil
}

// IsPing reports whether a delivery is the ping WooCommerce sends when a
// webhook is saved: a form body webhook_id=<id> rather than an order. It
// should be answered 200 and start no run.
func IsPing(header http.Header, body []byte) bool {
	return header.Get(TopicHeader) == "" && strings.HasPrefix(string(body), "webhook_id=")
}

// orderPayloadSchema is Order's schema opened up: deliveries carry the
// whole order as the REST API shows it, with many more fields (meta_data,
// tax_lines, coupon_lines, _links, …) than Order names.
func orderPayloadSchema() *connectors.Schema {
	return connectors.OpenObjects(connectors.MustSchemaFor[Order]())
}

func orderTrigger(id string) connectors.TriggerSpec {
	name, topic, when := "Order created", "order.created", "an order is created, at checkout, in the admin or through the API"
	if id == "order_updated" {
		name, topic, when = "Order updated", "order.updated", "an order changes: its status, items, addresses or notes"
	}
	t := connectors.TriggerSpec{
		ID:   id,
		Name: name,
		Kind: connectors.TriggerWebhook,
		Description: "WooCommerce posts the order to the webhook when " + when + " (a webhook with topic " + topic +
			", API version WP REST API Integration v3, under WooCommerce → Settings → Advanced → Webhooks). " +
			"Deliveries are signed in X-WC-Webhook-Signature with the webhook's secret; the payload is the order.",
		Payload:       orderPayloadSchema(),
		SamplePayload: json.RawMessage(sampleOrder),
		IDPointer:     "/id",
		Signature:     SignatureScheme,
		SecretField:   connectors.FieldWebhookSecret,
	}
	if id == "order_updated" {
		// An order is updated many times: each delivery is its own event.
		t.IDPointer, t.IDHeader = "", DeliveryIDHeader
	}
	return t
}

// Topics of the order triggers, as X-WC-Webhook-Topic names them.
var triggerTopics = map[string]string{"order_created": "order.created", "order_updated": "order.updated"}

// orderWebhook is an order trigger's code: the ping WooCommerce sends,
// unsigned, when the webhook is saved is answered 200 and starts nothing;
// every other delivery must pass VerifyWebhook and carry the trigger's
// topic. order_created's event is the order id, order_updated's the
// delivery id.
func orderWebhook(id string) *connectors.JSONWebhook {
	return &connectors.JSONWebhook{
		Spec: orderTrigger(id),
		Unsigned: func(d connectors.Delivery) (*connectors.WebhookAnswer, bool) {
			if !IsPing(d.Header, d.Body) {
				return nil, false
			}
			return &connectors.WebhookAnswer{Status: http.StatusOK, ContentType: "text/plain; charset=utf-8"}, true
		},
		Verify:      func(d connectors.Delivery) error { return VerifyWebhook(d.Header, d.Body, d.Secrets...) },
		TopicHeader: TopicHeader,
		Topic:       triggerTopics[id],
	}
}

const sampleOrder = `{
	"id": 727, "parent_id": 0, "number": "727", "order_key": "wc_order_58d2d042d1d",
	"created_via": "checkout", "version": "9.6.0", "status": "processing", "currency": "USD",
	"date_created": "2026-03-02T10:15:00", "date_created_gmt": "2026-03-02T18:15:00",
	"date_modified": "2026-03-02T10:15:01", "date_modified_gmt": "2026-03-02T18:15:01",
	"discount_total": "0.00", "discount_tax": "0.00", "shipping_total": "10.00", "shipping_tax": "0.00",
	"cart_tax": "0.00", "total": "29.99", "total_tax": "0.00", "prices_include_tax": false,
	"customer_id": 0, "customer_ip_address": "", "customer_user_agent": "", "customer_note": "",
	"billing": {"first_name": "John", "last_name": "Doe", "company": "", "address_1": "969 Market", "address_2": "",
	            "city": "San Francisco", "state": "CA", "postcode": "94103", "country": "US",
	            "email": "john.doe@example.com", "phone": "(555) 555-5555"},
	"shipping": {"first_name": "John", "last_name": "Doe", "company": "", "address_1": "969 Market", "address_2": "",
	             "city": "San Francisco", "state": "CA", "postcode": "94103", "country": "US", "phone": ""},
	"payment_method": "bacs", "payment_method_title": "Direct Bank Transfer", "transaction_id": "",
	"date_paid": "2026-03-02T10:15:01", "date_paid_gmt": "2026-03-02T18:15:01",
	"date_completed": null, "date_completed_gmt": null, "cart_hash": "",
	"meta_data": [],
	"line_items": [{"id": 315, "name": "Woo Single #1", "product_id": 93, "variation_id": 0, "quantity": 1,
	                "tax_class": "", "subtotal": "19.99", "subtotal_tax": "0.00", "total": "19.99", "total_tax": "0.00",
	                "taxes": [], "meta_data": [], "sku": "woo-single-1", "price": 19.99}],
	"tax_lines": [], "shipping_lines": [{"id": 317, "method_title": "Flat Rate", "method_id": "flat_rate", "total": "10.00"}],
	"fee_lines": [], "coupon_lines": [], "refunds": []
}`
