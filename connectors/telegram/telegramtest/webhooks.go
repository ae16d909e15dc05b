package telegramtest

import (
	"net/http"
	"time"

	"github.com/junction-run/junction/connectors"
	"github.com/junction-run/junction/connectors/connectortest"
	"github.com/junction-run/junction/connectors/telegram"
)

// WebhookSecret is the secret_token of the vector: Telegram documents the
// scheme (the token sent back as it was given) but no example.
const WebhookSecret = "s3cr3t-Token_2026"

var _ connectortest.WebhookSigner = (*Server)(nil)

// WebhookVectors returns an update carrying the token, as setWebhook's
// documentation describes.
func (s *Server) WebhookVectors() []connectortest.WebhookVector {
	h := http.Header{}
	h.Set(telegram.HeaderSecretToken, WebhookSecret)
	return []connectortest.WebhookVector{{Name: "setWebhook's secret_token, sent back as given", Trigger: "update",
		Delivery: connectors.Delivery{Header: h, Body: []byte(`{"update_id":10000}`), Secrets: []string{WebhookSecret}}}}
}

// SignWebhook makes the request Telegram sends: the update as JSON with
// the secret token in X-Telegram-Bot-Api-Secret-Token. The token covers
// neither the body nor a time.
func (s *Server) SignWebhook(_ string, payload []byte, secret, _ string, at time.Time) connectortest.SignedDelivery {
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	h.Set(telegram.HeaderSecretToken, secret)
	return connectortest.SignedDelivery{Delivery: connectors.Delivery{Header: h, Body: payload, Now: at}}
}
