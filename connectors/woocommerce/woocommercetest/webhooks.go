package woocommercetest

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strings"
	"time"

	"github.com/junction-run/junction/connectors"
	"github.com/junction-run/junction/connectors/connectortest"
	"github.com/junction-run/junction/connectors/woocommerce"
)

// The webhook signature vector. WooCommerce publishes none; this one was
// computed independently of Go:
//
//	printf '%s' '{"id":727,"status":"processing"}' | openssl dgst -sha256 -hmac 'wc-webhook-secret' -binary | base64
const (
	VectorSecret = "wc-webhook-secret"
	VectorBody   = `{"id":727,"status":"processing"}`
	VectorSig    = "28UptfPMUjhsHKsvuslXOpeCW/6n8ZSdFkQt9f5GYjY="
)

var topics = map[string]string{"order_created": "order.created", "order_updated": "order.updated"}

var _ connectortest.WebhookSigner = (*Server)(nil)

// WebhookVectors returns the openssl vector as a delivery of each order
// trigger.
func (s *Server) WebhookVectors() []connectortest.WebhookVector {
	var out []connectortest.WebhookVector
	for trigger, topic := range topics {
		h := http.Header{}
		h.Set(woocommerce.TopicHeader, topic)
		h.Set(woocommerce.SignatureHeader, VectorSig)
		h.Set(woocommerce.DeliveryIDHeader, "vector")
		out = append(out, connectortest.WebhookVector{Name: "openssl HMAC-SHA256 vector", Trigger: trigger,
			Delivery: connectors.Delivery{Header: h, Body: []byte(VectorBody), Secrets: []string{VectorSecret}}})
	}
	return out
}

// SignWebhook makes the delivery WooCommerce sends for trigger: topic,
// resource, event, source and ids in their headers, the body signed with
// secret. The delivery id is derived from the trigger and payload, so the
// same event signed twice is the same delivery.
func (s *Server) SignWebhook(trigger string, payload []byte, secret, _ string, at time.Time) connectortest.SignedDelivery {
	topic := topics[trigger]
	resource, event, _ := strings.Cut(topic, ".")
	sum := sha256.Sum256(append([]byte(trigger+"\x00"), payload...))
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	h.Set(woocommerce.SourceHeader, "https://store.example/")
	h.Set(woocommerce.TopicHeader, topic)
	h.Set(woocommerce.ResourceHeader, resource)
	h.Set(woocommerce.EventHeader, event)
	h.Set(woocommerce.WebhookIDHeader, "12")
	h.Set(woocommerce.DeliveryIDHeader, hex.EncodeToString(sum[:16]))
	h.Set(woocommerce.SignatureHeader, woocommerce.Sign(payload, secret))
	return connectortest.SignedDelivery{Delivery: connectors.Delivery{Header: h, Body: payload, Now: at}, BodySigned: true}
}
