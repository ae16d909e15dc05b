package shiprocket

import (
	"net/http"
	"time"

	"github.com/junction-run/junction/connectors"
	"github.com/junction-run/junction/connectors/connectortest"
)

// WebhookHeader carries the token set with the webhook URL in
// Shiprocket's settings (Settings → API → Webhooks), on every delivery.
const WebhookHeader = "x-api-key"

var _ connectortest.WebhookSigner = (*Fake)(nil)

// WebhookVectors returns a tracking update with the token in x-api-key,
// as Shiprocket's settings page describes it.
func (f *Fake) WebhookVectors() []connectortest.WebhookVector {
	const token = "shiprocket-settings-example-token"
	h := http.Header{}
	h.Set(WebhookHeader, token)
	body := `{"awb": "19041424751540", "current_status": "DELIVERED", "current_status_id": 7, "shipment_status": "DELIVERED",
		"shipment_status_id": 7, "current_timestamp": "04 03 2026 18:20:11", "order_id": "NW-1000", "sr_order_id": 348456380}`
	return []connectortest.WebhookVector{{Name: "x-api-key from the webhook settings", Trigger: "shipment_status",
		Delivery: connectors.Delivery{Header: h, Body: []byte(body), Secrets: []string{token}}}}
}

// SignWebhook makes the delivery Shiprocket sends to a webhook set up
// with token secret.
func (f *Fake) SignWebhook(_ string, payload []byte, secret, _ string, at time.Time) connectortest.SignedDelivery {
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	h.Set(WebhookHeader, secret)
	return connectortest.SignedDelivery{Delivery: connectors.Delivery{Header: h, Body: payload, Now: at}}
}
