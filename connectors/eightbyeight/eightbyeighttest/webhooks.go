package eightbyeighttest

import (
	"net/http"
	"time"

	"github.com/junction-run/junction/connectors"
	"github.com/junction-run/junction/connectors/connectortest"
)

var _ connectortest.WebhookSigner = (*Server)(nil)

// WebhookVectors are RFC 7617's Basic example (user "Aladdin", password
// "open sesame") and RFC 6750's Bearer example, the documented spellings of
// the two ways a delivery may present the webhook secret. 8x8 documents no
// signature of its own.
func (s *Server) WebhookVectors() []connectortest.WebhookVector {
	basic := http.Header{"Authorization": {"Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=="}}
	bearer := http.Header{"Authorization": {"Bearer mF_9.B5f-4.1JqM"}}
	body := []byte(`{"namespace":"SMS","eventType":"inbound_message_received","payload":{"umid":"u-1"}}`)
	var out []connectortest.WebhookVector
	for _, trigger := range []string{"inbound_sms", "inbound_chat_apps"} {
		out = append(out,
			connectortest.WebhookVector{Name: "RFC 7617 §2 Basic example", Trigger: trigger,
				Delivery: connectors.Delivery{Header: basic, Body: body, Secrets: []string{"open sesame"}}},
			connectortest.WebhookVector{Name: "RFC 6750 §2.1 Bearer example", Trigger: trigger,
				Delivery: connectors.Delivery{Header: bearer, Body: body, Secrets: []string{"mF_9.B5f-4.1JqM"}}})
	}
	return out
}

// SignWebhook makes the request 8x8 sends to a URL registered with the
// secret as its password: the event as JSON with HTTP Basic credentials.
// The secret covers neither the body nor a time.
func (s *Server) SignWebhook(_ string, payload []byte, secret, _ string, at time.Time) connectortest.SignedDelivery {
	r, _ := http.NewRequest(http.MethodPost, "https://junction.example/", nil)
	r.SetBasicAuth("8x8", secret)
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	h.Set("Authorization", r.Header.Get("Authorization"))
	return connectortest.SignedDelivery{Delivery: connectors.Delivery{Header: h, Body: payload, Now: at}}
}
