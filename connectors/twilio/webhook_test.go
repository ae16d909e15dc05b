package twilio_test

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/junction-run/junction/connectors"
	"github.com/junction-run/junction/connectors/twilio"
	"github.com/junction-run/junction/connectors/twilio/twiliotest"
)

// The helper libraries' vector lives in the fake, where the conformance kit
// finds it.
const (
	docToken = twiliotest.DocToken
	docURL   = twiliotest.DocURL
	docSig   = twiliotest.DocSig
)

var docParams = twiliotest.DocParams

// The example on Twilio's webhook security page and in its Ruby helper's
// docs: the same URL and token, with the caller +12349013030.
const docPageSig = "0/KCTR6DLpKmkAf8muzZqo1nDgQ="

func docPageParams() url.Values {
	p := docParams()
	p.Set("Caller", "+12349013030")
	p.Set("From", "+12349013030")
	return p
}

func header(sig string) http.Header {
	h := http.Header{}
	h.Set(twilio.SignatureHeader, sig)
	return h
}

func TestSignMatchesTwiliosVectors(t *testing.T) {
	if got := twilio.Sign(docURL, docParams(), docToken); got != docSig {
		t.Errorf("Sign = %q, want %q", got, docSig)
	}
	if got := twilio.Sign(docURL, docPageParams(), docToken); got != docPageSig {
		t.Errorf("Sign = %q, want %q", got, docPageSig)
	}
}

func TestVerifySignature(t *testing.T) {
	tampered := docParams()
	tampered.Set("Digits", "1235")
	added := docParams()
	added.Set("Body", "extra")
	for _, tc := range []struct {
		name   string
		url    string
		form   url.Values
		header http.Header
		tokens []string
		want   error
	}{
		{"documented vector", docURL, docParams(), header(docSig), []string{docToken}, nil},
		{"documented page vector", docURL, docPageParams(), header(docPageSig), []string{docToken}, nil},
		{"default port added", "https://mycompany.com:443/myapp.php?foo=1&bar=2", docParams(), header(docSig), []string{docToken}, nil},
		{"rotation: old token first", docURL, docParams(), header(docSig), []string{"old-token", docToken}, nil},
		{"rotation: empty tokens skipped", docURL, docParams(), header(docSig), []string{"", docToken}, nil},
		{"tampered parameter", docURL, tampered, header(docSig), []string{docToken}, twilio.ErrBadSignature},
		{"added parameter", docURL, added, header(docSig), []string{docToken}, twilio.ErrBadSignature},
		{"other URL", "https://mycompany.com/myapp.php?foo=1&bar=3", docParams(), header(docSig), []string{docToken}, twilio.ErrBadSignature},
		{"http instead of https", "http://mycompany.com/myapp.php?foo=1&bar=2", docParams(), header(docSig), []string{docToken}, twilio.ErrBadSignature},
		{"other port", "https://mycompany.com:8443/myapp.php?foo=1&bar=2", docParams(), header(docSig), []string{docToken}, twilio.ErrBadSignature},
		{"wrong token", docURL, docParams(), header(docSig), []string{"54321"}, twilio.ErrBadSignature},
		{"tampered signature", docURL, docParams(), header("RSOYDt4T1cUTdK1PDd93/VVr8B9="), []string{docToken}, twilio.ErrBadSignature},
		{"not base64", docURL, docParams(), header("not base64!"), []string{docToken}, twilio.ErrBadSignature},
		{"truncated signature", docURL, docParams(), header("RSOYDt4T1cUT"), []string{docToken}, twilio.ErrBadSignature},
		{"missing header", docURL, docParams(), http.Header{}, []string{docToken}, twilio.ErrNoSignature},
		{"no token", docURL, docParams(), header(docSig), nil, twilio.ErrNoToken},
		{"only empty tokens", docURL, docParams(), header(docSig), []string{""}, twilio.ErrNoToken},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := twilio.VerifySignature(tc.url, tc.form, tc.header, tc.tokens...)
			if !errors.Is(err, tc.want) {
				t.Errorf("VerifySignature = %v, want %v", err, tc.want)
			}
			if err != nil {
				for _, tok := range tc.tokens {
					if len(tok) >= 4 && strings.Contains(err.Error(), tok) {
						t.Errorf("the error %q quotes a token", err)
					}
				}
				if strings.Contains(err.Error(), tc.header.Get(twilio.SignatureHeader)) && tc.header.Get(twilio.SignatureHeader) != "" {
					t.Errorf("the error %q quotes the signature", err)
				}
			}
		})
	}
}

func TestVerifyWebhookRequest(t *testing.T) {
	// An inbound SMS as the gateway receives it: the signature covers the
	// URL Twilio was given and the parsed POST form.
	const hook = "https://hooks.junction.example/w/tw_123?src=twilio"
	form := url.Values{
		"MessageSid": {"SM1f0e8ae6ade43cb3c0ce4525424e404f"}, "AccountSid": {twiliotest.AccountSid},
		"From": {"+14155552671"}, "To": {"+15017122661"}, "Body": {"Where is my order? 50% off & more"},
		"NumMedia": {"0"},
	}
	r := twiliotest.Webhook(hook, form, twilio.Sign(hook, form, twiliotest.AuthToken))
	if err := r.ParseForm(); err != nil {
		t.Fatal(err)
	}
	if err := twilio.VerifySignature(hook, r.PostForm, r.Header, twiliotest.AuthToken); err != nil {
		t.Errorf("a signed delivery was refused: %v", err)
	}
	if p := twilio.Payload(r.PostForm); p["MessageSid"] != form.Get("MessageSid") || p["Body"] != form.Get("Body") {
		t.Errorf("payload = %v", p)
	}
	r.PostForm.Set("Body", "Refund me")
	if err := twilio.VerifySignature(hook, r.PostForm, r.Header, twiliotest.AuthToken); !errors.Is(err, twilio.ErrBadSignature) {
		t.Errorf("a tampered body: %v", err)
	}
}

func TestSignRepeatedParameters(t *testing.T) {
	a := url.Values{"MediaUrl": {"b", "a"}, "To": {"+1"}}
	b := url.Values{"To": {"+1"}, "MediaUrl": {"a", "b"}}
	if twilio.Sign(docURL, a, docToken) != twilio.Sign(docURL, b, docToken) {
		t.Error("the order of a parameter's values changes the signature")
	}
}

// A signed form whose parameter is not UTF-8 is refused as a payload
// error (400), not turned into U+FFFD: two MessageSids differing only in
// invalid bytes would otherwise share an event id.
func TestReceiveRefusesParametersThatAreNotUTF8(t *testing.T) {
	const hookURL, token = "https://junction.example.com/hooks/acme/c1/incoming_sms", "tok-utf8-test"
	hook := twilioWebhook(t)
	for _, sid := range []string{"SM\xff01", "SM\xfe01"} {
		form := url.Values{"MessageSid": {sid}, "Body": {"hi"}}
		_, err := hook.Receive(connectors.Delivery{Header: header(twilio.Sign(hookURL, form, token)), Body: []byte(form.Encode()), URL: hookURL, Secrets: []string{token}})
		if !errors.Is(err, connectors.ErrWebhookPayload) || !strings.Contains(err.Error(), "MessageSid") {
			t.Errorf("MessageSid %q: %v, want a payload error naming it", sid, err)
		}
	}
	form := url.Values{"MessageSid": {"SM1f0e8ae6ade43cb3c0ce4525424e404f"}, "Body": {"Grüße 👋"}}
	got, err := hook.Receive(connectors.Delivery{Header: header(twilio.Sign(hookURL, form, token)), Body: []byte(form.Encode()), URL: hookURL, Secrets: []string{token}})
	if err != nil || len(got.Events) != 1 {
		t.Fatalf("UTF-8: %v", err)
	}
}
