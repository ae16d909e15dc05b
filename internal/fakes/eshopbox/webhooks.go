package eshopbox

import (
	"net/http"
	"time"

	"github.com/junction-run/junction/connectors"
	"github.com/junction-run/junction/connectors/connectortest"
)

// WebhookHeader carries the key Eshopbox was given when the webhook was
// registered (webhookHeaders.x-api-key), on every delivery: Eshopbox
// authenticates webhooks with agreed headers, not with a signature.
const WebhookHeader = "x-api-key"

var _ connectortest.WebhookSigner = (*Fake)(nil)

// WebhookVectors returns, for each trigger of the Eshopbox app, a delivery
// carrying the key of the registration example in Eshopbox's webhook
// documentation: the scheme is a shared key, so any body passes with it.
func (f *Fake) WebhookVectors() []connectortest.WebhookVector {
	const key = "eshopbox-registration-example-key"
	var out []connectortest.WebhookVector
	for trigger, body := range map[string]string{
		"shipment_updated":  `{"eventId": "SHP1-2", "resource": "shipment", "eventSubType": "packed"}`,
		"inventory_updated": `{"eventId": "INV-SKU1-1", "resource": "channel_inventory", "eventSubType": "updated"}`,
	} {
		h := http.Header{}
		h.Set(WebhookHeader, key)
		out = append(out, connectortest.WebhookVector{Name: "x-api-key from webhookHeaders", Trigger: trigger,
			Delivery: connectors.Delivery{Header: h, Body: []byte(body), Secrets: []string{key}}})
	}
	return out
}

// SignWebhook makes the delivery Eshopbox sends to a webhook registered
// with webhookHeaders {"x-api-key": secret}.
func (f *Fake) SignWebhook(_ string, payload []byte, secret, _ string, at time.Time) connectortest.SignedDelivery {
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	h.Set(WebhookHeader, secret)
	return connectortest.SignedDelivery{Delivery: connectors.Delivery{Header: h, Body: payload, Now: at}}
}
