package twilio_test

import (
	"encoding/json"
	"errors"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/junction-run/junction/connectors"
	"github.com/junction-run/junction/connectors/twilio"
	"github.com/junction-run/junction/connectors/twilio/twiliotest"
)

// FuzzForm fuzzes the form Twilio posts, the URL it signs and the Auth
// Token. A body that is not a form is refused as unsigned. Any form is
// accepted under its own signature, whatever the order of its parameters,
// and refused under another token or with a parameter added; an accepted
// delivery makes one event, identified by MessageSid, whose payload is
// each parameter's first value.
func FuzzForm(f *testing.F) {
	f.Add(twiliotest.DocParams().Encode(), twiliotest.DocURL, twiliotest.DocToken)
	sms := url.Values{}
	for k, v := range map[string]string{"MessageSid": "SM1f0e8ae6ade43cb3c0ce4525424e404f", "AccountSid": "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
		"From": "+14155552671", "To": "+15017122661", "Body": "Where is my order? 50% off & more", "NumMedia": "0"} {
		sms.Set(k, v)
	}
	f.Add(sms.Encode(), "https://junction.example/hooks/acct/conn/incoming_sms", "auth-token")
	f.Add("MessageSid=SM1&Body=a&Body=b", "https://junction.example:443/hooks?x=1", "t")
	f.Add("MessageSid=SM1;Body=a", "http://[::1]:80/hooks", "t")
	f.Add("%zz", "https://junction.example/", "t")

	hook := twilioWebhook(f)
	f.Fuzz(func(t *testing.T, body, hookURL, token string) {
		form, err := url.ParseQuery(body)
		if err != nil {
			d := connectors.Delivery{Header: header(twilio.Sign(hookURL, form, token)), Body: []byte(body), URL: hookURL, Secrets: []string{token}}
			if _, err := hook.Receive(d); !errors.Is(err, connectors.ErrWebhookSignature) {
				t.Fatalf("a body that is not a form: error %v, want a signature error", err)
			}
			return
		}
		sig := twilio.Sign(hookURL, form, token)
		if token == "" {
			if err := twilio.VerifySignature(hookURL, form, header(sig), token); !errors.Is(err, twilio.ErrNoToken) {
				t.Fatalf("no token: %v, want ErrNoToken", err)
			}
			return
		}
		if err := twilio.VerifySignature(hookURL, form, header(sig), token); err != nil {
			t.Fatalf("the form's own signature: %v", err)
		}
		parts := strings.Split(body, "&")
		slices.Reverse(parts)
		if reordered, err := url.ParseQuery(strings.Join(parts, "&")); err == nil && reflect.DeepEqual(sortedValues(reordered), sortedValues(form)) {
			if err := twilio.VerifySignature(hookURL, reordered, header(sig), token); err != nil {
				t.Fatalf("the parameters in another order: %v", err)
			}
		}
		if err := twilio.VerifySignature(hookURL, form, header(sig), "x"+token); !errors.Is(err, twilio.ErrBadSignature) {
			t.Fatalf("another token: %v, want ErrBadSignature", err)
		}
		added := url.Values{}
		for k, v := range form {
			added[k] = slices.Clone(v)
		}
		added.Add("Junction-Fuzz-Added", "1")
		if err := twilio.VerifySignature(hookURL, added, header(sig), token); !errors.Is(err, twilio.ErrBadSignature) {
			t.Fatalf("a parameter added: %v, want ErrBadSignature", err)
		}

		got, err := hook.Receive(connectors.Delivery{Header: header(sig), Body: []byte(body), URL: hookURL, Secrets: []string{token}})
		switch {
		case errors.Is(err, connectors.ErrWebhookSignature):
			t.Fatalf("a signed form refused as unsigned: %v", err)
		case err != nil:
			if !errors.Is(err, connectors.ErrWebhookPayload) {
				t.Fatalf("error %v is not a payload error", err)
			}
			if form.Get("MessageSid") != "" && validUTF8(form) {
				t.Fatalf("a form with a MessageSid refused: %v", err)
			}
			return
		}
		if !validUTF8(form) {
			t.Fatalf("a form that is not UTF-8 accepted: %+v", got.Events)
		}
		var want map[string]string
		b, _ := json.Marshal(twilio.Payload(form))
		_ = json.Unmarshal(b, &want)
		if len(got.Events) != 1 || got.Events[0].ID != want["MessageSid"] {
			t.Fatalf("events %+v, want one identified by MessageSid %q", got.Events, want["MessageSid"])
		}
		var payload map[string]string
		if err := json.Unmarshal(got.Events[0].Payload, &payload); err != nil {
			t.Fatalf("payload: %v", err)
		}
		if !reflect.DeepEqual(payload, want) {
			t.Fatalf("payload %v, want %v", payload, want)
		}
	})
}

// twilioWebhook is incoming_sms's Webhook.
func twilioWebhook(t testing.TB) connectors.Webhook {
	for _, h := range twilio.New().Webhooks() {
		if h.Trigger() == "incoming_sms" {
			return h
		}
	}
	t.Fatal("no incoming_sms webhook")
	return nil
}

// sortedValues is form with each name's values sorted: what the signature
// covers.
func sortedValues(form url.Values) url.Values {
	out := url.Values{}
	for k, v := range form {
		out[k] = slices.Sorted(slices.Values(v))
	}
	return out
}

// validUTF8 reports whether every name and value of form is UTF-8, which
// is all Receive accepts.
func validUTF8(form url.Values) bool {
	for k, vs := range form {
		if !utf8.ValidString(k) {
			return false
		}
		for _, v := range vs {
			if !utf8.ValidString(v) {
				return false
			}
		}
	}
	return true
}
