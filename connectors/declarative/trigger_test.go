package declarative_test

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"hash"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/junction-run/junction/connectors"
	"github.com/junction-run/junction/connectors/connectortest"
	"github.com/junction-run/junction/connectors/connectortest/example"
	"github.com/junction-run/junction/connectors/connectortest/example/exampletest"
)

const acmeSample = `{"event_id":"evt_01HZX3V9","type":"contact.created","occurred_at":"2026-03-02T10:15:00Z",` +
	`"contact":{"id":"ct_1001","email":"ada@example.com","lifecycle":"lead","created_at":"2026-03-02T10:15:00Z"}}`

// The app's contact_created is found by the registry and accepts what the
// Go connector's signer signs, as the Go connector's own trigger does.
func TestWebhookLikeGoConnector(t *testing.T) {
	r := connectors.NewRegistry()
	if err := r.Register(acme(t)); err != nil {
		t.Fatal(err)
	}
	hook, tr, err := r.Webhook("acme", "1.0.0", "contact_created")
	if err != nil {
		t.Fatal(err)
	}
	if tr.SecretField != connectors.FieldWebhookSecret || tr.IDPointer != "/event_id" {
		t.Errorf("trigger spec %+v", tr)
	}
	body := []byte(acmeSample)
	const secret = "whsec_test"
	signed := func(sig string) connectors.Delivery {
		h := http.Header{}
		h.Set("Content-Type", "application/json")
		if sig != "" {
			h.Set(example.SignatureHeader, sig)
		}
		return connectors.Delivery{Header: h, Body: body, Secrets: []string{"whsec_new", secret}, Now: time.Now()}
	}

	for name, d := range map[string]connectors.Delivery{
		"example.Sign":     signed(example.Sign(body, secret)),
		"exampletest.Sign": signed(exampletest.Sign(body, secret)),
	} {
		got, err := hook.Receive(d)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(got.Events) != 1 || got.Events[0].ID != "evt_01HZX3V9" || string(got.Events[0].Payload) != acmeSample {
			t.Errorf("%s: events %+v", name, got.Events)
		}
		// The Go connector agrees.
		if err := example.VerifyWebhook(d.Header, d.Body, d.Secrets...); err != nil {
			t.Errorf("%s: the Go connector refuses it: %v", name, err)
		}
	}

	for name, d := range map[string]connectors.Delivery{
		"wrong signature": signed(example.Sign(body, "someone-else")),
		"not hex":         signed("zz" + example.Sign(body, secret)[2:]),
		"missing header":  signed(""),
		"no secret": func() connectors.Delivery {
			d := signed(example.Sign(body, secret))
			d.Secrets = []string{""}
			return d
		}(),
	} {
		if _, err := hook.Receive(d); !errors.Is(err, connectors.ErrWebhookSignature) {
			t.Errorf("%s: error %v, want ErrWebhookSignature", name, err)
		}
	}
}

// The app passes the conformance kit's webhook checks with the Go
// connector's fake as the signer (its documented vector included).
func TestConformanceWebhooks(t *testing.T) {
	connectortest.CheckWebhooks(t, acme(t), exampletest.New(t))
	if err := connectortest.CheckTrigger(acme(t).Spec().Triggers[0]); err != nil {
		t.Error(err)
	}
}

// hookApp is itemsApp with one trigger whose signature is sig.
func hookApp(t *testing.T, sig string) connectors.Connector {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal([]byte(itemsApp), &doc); err != nil {
		t.Fatal(err)
	}
	var trigger map[string]any
	if err := json.Unmarshal([]byte(`{"id": "item_changed", "name": "Item changed", "kind": "webhook",
		"description": "An item changed.",
		"payload": {"type": "object", "properties": {"id": {"type": "integer"}}, "required": ["id"]},
		"samplePayload": {"id": 42}, "eventIdPath": "/id", "signature": `+sig+`}`), &trigger); err != nil {
		t.Fatal(err)
	}
	doc["triggers"] = []any{trigger}
	b, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	return itemsWith(t, string(b))
}

func hookOf(t *testing.T, c connectors.Connector) connectors.Webhook {
	t.Helper()
	hooks := c.(connectors.WebhookConnector).Webhooks()
	if len(hooks) != 1 {
		t.Fatalf("%d webhooks, want 1", len(hooks))
	}
	return hooks[0]
}

// Every algorithm, encoding, prefix, what is signed and timestamping, with
// signatures computed here with crypto/hmac.
func TestSignatureSchemes(t *testing.T) {
	const (
		secret = "shh-secret"
		url    = "https://junction.example/hooks/a/c/item_changed?x=1"
		body   = `{"id": 42, "name": "Widget"}`
	)
	now := time.Date(2026, 3, 2, 10, 15, 0, 0, time.UTC)
	ts := strconv.FormatInt(now.Unix(), 10)
	for _, tt := range []struct {
		name, sig   string
		hash        func() hash.Hash
		encode      func([]byte) string
		prefix      string
		signed      string // what the MAC covers
		timestamped bool
	}{
		{"sha256 hex body", `{"algorithm": "hmac-sha256", "header": "X-Sig", "encoding": "hex"}`,
			sha256.New, hex.EncodeToString, "", body, false},
		{"sha256 base64 body (Shopify)", `{"algorithm": "hmac-sha256", "header": "X-Sig", "encoding": "base64", "over": "body"}`,
			sha256.New, base64.StdEncoding.EncodeToString, "", body, false},
		{"sha1 hex body prefixed", `{"algorithm": "hmac-sha1", "header": "X-Sig", "encoding": "hex", "prefix": "sha1="}`,
			sha1.New, hex.EncodeToString, "sha1=", body, false},
		{"sha1 base64 url+body", `{"algorithm": "hmac-sha1", "header": "X-Sig", "encoding": "base64", "over": "url+body"}`,
			sha1.New, base64.StdEncoding.EncodeToString, "", url + body, false},
		{"sha256 hex url+body", `{"scheme": "hmac", "algorithm": "hmac-sha256", "header": "X-Sig", "encoding": "hex", "over": "url+body"}`,
			sha256.New, hex.EncodeToString, "", url + body, false},
		{"sha256 hex timestamped", `{"algorithm": "hmac-sha256", "header": "X-Sig", "encoding": "hex", "prefix": "v1=", "timestampHeader": "X-Ts", "tolerance": "2m"}`,
			sha256.New, hex.EncodeToString, "v1=", ts + "." + body, true},
		{"sha1 base64 timestamped url+body", `{"algorithm": "hmac-sha1", "header": "X-Sig", "encoding": "base64", "over": "url+body", "timestampHeader": "X-Ts"}`,
			sha1.New, base64.StdEncoding.EncodeToString, "", ts + "." + url + body, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := hookApp(t, tt.sig)
			if err := connectors.NewRegistry().Register(c); err != nil {
				t.Fatal(err)
			}
			hook := hookOf(t, c)
			m := hmac.New(tt.hash, []byte(secret))
			m.Write([]byte(tt.signed))
			delivery := func(sig string, at time.Time) connectors.Delivery {
				h := http.Header{}
				h.Set("X-Sig", sig)
				if tt.timestamped {
					h.Set("X-Ts", strconv.FormatInt(at.Unix(), 10))
				}
				return connectors.Delivery{Header: h, Body: []byte(body), URL: url, Now: now, Secrets: []string{"old", secret}}
			}
			good := tt.prefix + tt.encode(m.Sum(nil))
			got, err := hook.Receive(delivery(good, now))
			if err != nil {
				t.Fatal(err)
			}
			if len(got.Events) != 1 || got.Events[0].ID != "42" {
				t.Errorf("events %+v", got.Events)
			}
			refused := map[string]connectors.Delivery{"missing header": delivery("", now)}
			wrong := delivery(good, now)
			wrong.Secrets = []string{"someone-else"}
			refused["wrong secret"] = wrong
			tampered := delivery(good, now)
			tampered.Body = []byte(`{"id": 43, "name": "Widget"}`)
			refused["tampered body"] = tampered
			otherURL := delivery(good, now)
			otherURL.URL += "&y=2"
			if tt.prefix != "" {
				refused["no prefix"] = delivery(tt.encode(m.Sum(nil)), now)
			}
			if tt.timestamped {
				refused["stale timestamp"] = delivery(good, now.Add(-time.Hour))
				refused["future timestamp"] = delivery(good, now.Add(time.Hour))
				noTS := delivery(good, now)
				noTS.Header.Del("X-Ts")
				refused["no timestamp"] = noTS
			}
			for name, d := range refused {
				if _, err := hook.Receive(d); !errors.Is(err, connectors.ErrWebhookSignature) {
					t.Errorf("%s: error %v, want ErrWebhookSignature", name, err)
				}
			}
			_, err = hook.Receive(otherURL)
			if covered := strings.Contains(tt.signed, url); covered != errors.Is(err, connectors.ErrWebhookSignature) {
				t.Errorf("another URL: error %v (the URL is signed: %v)", err, covered)
			}
		})
	}
}

// A stale delivery of the Acme scheme with a timestamp is refused within
// the default tolerance, five minutes.
func TestDefaultTolerance(t *testing.T) {
	hook := hookOf(t, hookApp(t, `{"algorithm": "hmac-sha256", "header": "X-Sig", "encoding": "hex", "timestampHeader": "X-Ts"}`))
	now := time.Now()
	body := []byte(`{"id": 1}`)
	at := func(when time.Time) connectors.Delivery {
		ts := strconv.FormatInt(when.Unix(), 10)
		m := hmac.New(sha256.New, []byte("k"))
		m.Write([]byte(ts + "."))
		m.Write(body)
		h := http.Header{}
		h.Set("X-Sig", hex.EncodeToString(m.Sum(nil)))
		h.Set("X-Ts", ts)
		return connectors.Delivery{Header: h, Body: body, Secrets: []string{"k"}, Now: now}
	}
	if _, err := hook.Receive(at(now.Add(-4 * time.Minute))); err != nil {
		t.Errorf("4 minutes old: %v", err)
	}
	if _, err := hook.Receive(at(now.Add(-6 * time.Minute))); !errors.Is(err, connectors.ErrWebhookSignature) {
		t.Errorf("6 minutes old: error %v, want ErrWebhookSignature", err)
	}
}

func TestTokenAndUnsigned(t *testing.T) {
	body := []byte(`{"id": 7}`)
	token := hookOf(t, hookApp(t, `{"scheme": "token", "header": "X-Token", "prefix": "Token "}`))
	with := func(v string, secrets ...string) connectors.Delivery {
		h := http.Header{}
		if v != "" {
			h.Set("X-Token", v)
		}
		return connectors.Delivery{Header: h, Body: body, Secrets: secrets}
	}
	if got, err := token.Receive(with("Token tok-1", "tok-0", "tok-1")); err != nil || len(got.Events) != 1 || got.Events[0].ID != "7" {
		t.Errorf("right token: %+v, %v", got, err)
	}
	for name, d := range map[string]connectors.Delivery{
		"wrong token": with("Token tok-2", "tok-1"),
		"no prefix":   with("tok-1", "tok-1"),
		"no header":   with("", "tok-1"),
		"no secret":   with("Token ", ""),
	} {
		if _, err := token.Receive(d); !errors.Is(err, connectors.ErrWebhookSignature) {
			t.Errorf("%s: error %v, want ErrWebhookSignature", name, err)
		}
	}

	c := hookApp(t, `{"scheme": "none"}`)
	if tr := c.Spec().Triggers[0]; tr.Signature != connectors.SignatureNone || tr.SecretField != "" {
		t.Errorf("unsigned trigger spec %+v", tr)
	}
	for _, a := range c.Spec().Auth {
		if len(a.Fields) > 0 && a.Fields[len(a.Fields)-1].Name == connectors.FieldWebhookSecret {
			t.Errorf("%s has a webhook secret though no trigger is signed", a.Kind)
		}
	}
	if got, err := hookOf(t, c).Receive(with("")); err != nil || len(got.Events) != 1 {
		t.Errorf("unsigned: %+v, %v", got, err)
	}
	if _, err := hookOf(t, c).Receive(connectors.Delivery{Body: []byte(`[1]`)}); !errors.Is(err, connectors.ErrWebhookPayload) {
		t.Errorf("not an object: error %v, want ErrWebhookPayload", err)
	}
}

// A signed trigger gives every auth kind but none (which takes no
// fields) the secret webhook_secret field.
func TestWebhookSecretField(t *testing.T) {
	c := hookApp(t, `{"scheme": "token", "header": "X-Token"}`)
	for _, a := range c.Spec().Auth {
		if a.Kind == connectors.AuthNone {
			if len(a.Fields) > 0 {
				t.Errorf("auth none has fields %v", a.Fields)
			}
			continue
		}
		found := false
		for _, f := range a.Fields {
			if f.Name == connectors.FieldWebhookSecret {
				found = f.Secret
			}
		}
		if !found {
			t.Errorf("auth %s has no secret %s field", a.Kind, connectors.FieldWebhookSecret)
		}
	}
	if err := c.Spec().Validate(); err != nil {
		t.Error(err)
	}
}
