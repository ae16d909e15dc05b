package twiliotest

import (
	"encoding/json"
	"net/http"
	"net/url"
	"time"

	"github.com/junction-run/junction/connectors"
	"github.com/junction-run/junction/connectors/connectortest"
	"github.com/junction-run/junction/connectors/twilio"
)

// The test vector of Twilio's own helper libraries (twilio-csharp's
// RequestValidatorTest, twilio-python's and twilio-node's request
// validator tests): auth token 12345, this URL and these parameters.
// Reproduce it with
//
//	printf '%s' 'https://mycompany.com/myapp.php?foo=1&bar=2CallSidCA1234567890ABCDECaller+14158675309Digits1234From+14158675309To+18005551212' |
//	  openssl dgst -sha1 -hmac 12345 -binary | base64
const (
	DocToken = "12345"
	DocURL   = "https://mycompany.com/myapp.php?foo=1&bar=2"
	DocSig   = "RSOYDt4T1cUTdK1PDd93/VVr8B8="
)

// DocParams are the vector's form parameters.
func DocParams() url.Values {
	return url.Values{
		"CallSid": {"CA1234567890ABCDE"},
		"Caller":  {"+14158675309"},
		"Digits":  {"1234"},
		"From":    {"+14158675309"},
		"To":      {"+18005551212"},
	}
}

var _ connectortest.WebhookSigner = (*Server)(nil)

// WebhookVectors returns the helper libraries' vector as a delivery.
func (s *Server) WebhookVectors() []connectortest.WebhookVector {
	h := http.Header{}
	h.Set("Content-Type", "application/x-www-form-urlencoded")
	h.Set(twilio.SignatureHeader, DocSig)
	return []connectortest.WebhookVector{{Name: "Twilio's helper libraries' RequestValidator vector", Trigger: "incoming_sms",
		Delivery: connectors.Delivery{Header: h, Body: []byte(DocParams().Encode()), URL: DocURL, Secrets: []string{DocToken}}}}
}

// SignWebhook makes the request Twilio sends: payload's parameters (a
// JSON object of strings) as a form, signed with the Auth Token secret
// together with the webhook's url.
func (s *Server) SignWebhook(_ string, payload []byte, secret, hookURL string, at time.Time) connectortest.SignedDelivery {
	var params map[string]string
	if err := json.Unmarshal(payload, &params); err != nil {
		panic("twiliotest: the payload is not an object of strings: " + err.Error())
	}
	form := url.Values{}
	for k, v := range params {
		form.Set(k, v)
	}
	h := http.Header{}
	h.Set("Content-Type", "application/x-www-form-urlencoded")
	h.Set(twilio.SignatureHeader, twilio.Sign(hookURL, form, secret))
	return connectortest.SignedDelivery{Delivery: connectors.Delivery{Header: h, Body: []byte(form.Encode()), URL: hookURL, Now: at},
		BodySigned: true}
}
