package shopifytest

import (
	"crypto/sha256"
	"fmt"
	"net/http"
	"time"

	"github.com/junction-run/junction/connectors"
	"github.com/junction-run/junction/connectors/connectortest"
	"github.com/junction-run/junction/connectors/shopify"
)

// The webhook signature vector. Shopify publishes none; this one was
// computed outside Go:
//
//	printf '%s' "$body" | openssl dgst -sha256 -hmac "$secret" -binary | base64
const (
	VectorBody   = `{"id":450789469,"email":"bob.norman@mail.example.com"}`
	VectorSecret = "shpss_test_secret"
	VectorSig    = "qaETcNnTZI0vuVQ2mR4c0RPwlyVFVu9yVrqMqTBjY+E="
)

var _ connectortest.WebhookSigner = (*Server)(nil)

// WebhookVectors returns the openssl vector as a delivery of each webhook
// trigger: the scheme is the same for every topic.
func (s *Server) WebhookVectors() []connectortest.WebhookVector {
	var out []connectortest.WebhookVector
	for trigger, topic := range shopify.TriggerTopics {
		h := http.Header{}
		h.Set(shopify.HeaderTopic, topic)
		h.Set(shopify.HeaderHmac, VectorSig)
		out = append(out, connectortest.WebhookVector{Name: "openssl HMAC-SHA256 vector", Trigger: trigger,
			Delivery: connectors.Delivery{Header: h, Body: []byte(VectorBody), Secrets: []string{VectorSecret}}})
	}
	return out
}

// SignWebhook makes the delivery Shopify sends for trigger: the topic,
// shop, API version and ids in their headers, the body signed with secret.
// The ids are derived from the trigger and payload, so the same event
// signed twice is the same delivery, as a retry is.
func (s *Server) SignWebhook(trigger string, payload []byte, secret, _ string, at time.Time) connectortest.SignedDelivery {
	sum := sha256.Sum256(append([]byte(trigger+"\x00"), payload...))
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	h.Set(shopify.HeaderTopic, shopify.TriggerTopics[trigger])
	h.Set(shopify.HeaderShopDomain, "northwind.myshopify.com")
	h.Set("X-Shopify-API-Version", shopify.DefaultAPIVersion)
	h.Set(shopify.HeaderWebhookID, fmt.Sprintf("%x-%x-%x-%x-%x", sum[0:4], sum[4:6], sum[6:8], sum[8:10], sum[10:16]))
	h.Set(shopify.HeaderEventID, fmt.Sprintf("%x-%x-%x-%x-%x", sum[16:20], sum[20:22], sum[22:24], sum[24:26], sum[26:32]))
	h.Set("X-Shopify-Triggered-At", at.UTC().Format(time.RFC3339Nano))
	h.Set(shopify.HeaderHmac, shopify.Sign(payload, secret))
	return connectortest.SignedDelivery{Delivery: connectors.Delivery{Header: h, Body: payload, Now: at}, BodySigned: true}
}
