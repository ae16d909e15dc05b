package declarative_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/junction-run/junction/connectors"
)

// signatureVectors is testdata/signatures/schemes.json: one delivery per
// signature scheme, signed outside Junction's code.
type signatureVectors struct {
	Secret  string    `json:"secret"`
	URL     string    `json:"url"`
	Now     time.Time `json:"now"`
	Body    string    `json:"body"`
	Schemes []struct {
		Name      string            `json:"name"`
		Signature json.RawMessage   `json:"signature"`
		Headers   map[string]string `json:"headers"`
		Covers    []string          `json:"covers"`
		Refused   []struct {
			Name    string            `json:"name"`
			Headers map[string]string `json:"headers"`
			Reason  string            `json:"reason"`
		} `json:"refused"`
	} `json:"schemes"`
}

// TestEverySignatureScheme: for every scheme a trigger can declare, the
// delivery the third party signs starts an event, and deliveries that are
// forged (another secret), tampered with (body, URL), expired (outside the
// tolerance) or unsigned are refused as ErrWebhookSignature, which the
// gateway answers 401 with the reason.
func TestEverySignatureScheme(t *testing.T) {
	raw, err := os.ReadFile("testdata/signatures/schemes.json")
	if err != nil {
		t.Fatal(err)
	}
	var vectors signatureVectors
	if err := json.Unmarshal(raw, &vectors); err != nil {
		t.Fatal(err)
	}
	schemes := map[string]bool{}
	for _, sc := range vectors.Schemes {
		t.Run(sc.Name, func(t *testing.T) {
			var sig struct{ Scheme string }
			_ = json.Unmarshal(sc.Signature, &sig)
			schemes[sig.Scheme] = true
			hook := hookOf(t, hookApp(t, string(sc.Signature)))
			delivery := func(headers map[string]string) connectors.Delivery {
				h := http.Header{}
				h.Set("Content-Type", "application/json")
				for k, v := range headers {
					h.Set(k, v)
				}
				return connectors.Delivery{Header: h, Body: []byte(vectors.Body), URL: vectors.URL, Now: vectors.Now,
					Secrets: []string{"whsec_rotated_out", vectors.Secret}}
			}
			got, err := hook.Receive(delivery(sc.Headers))
			if err != nil {
				t.Fatalf("the signed delivery: %v", err)
			}
			if len(got.Events) != 1 || got.Events[0].ID != "42" {
				t.Fatalf("the signed delivery made events %+v", got.Events)
			}
			if len(sc.Headers) == 0 {
				return // unsigned: there is nothing to forge
			}

			type refusal struct {
				d      connectors.Delivery
				reason string
			}
			refused := map[string]refusal{}
			forged := delivery(sc.Headers)
			forged.Secrets = []string{"whsec_someone_else"}
			refused["forged: the connection's secret is another"] = refusal{forged, "matches none"}
			refused["unsigned"] = refusal{delivery(nil), "no "}
			noSecret := delivery(sc.Headers)
			noSecret.Secrets = nil
			refused["no secret on the connection"] = refusal{noSecret, "no webhook secret"}
			if slices.Contains(sc.Covers, "body") {
				tampered := delivery(sc.Headers)
				tampered.Body = []byte(strings.Replace(vectors.Body, "42", "43", 1))
				refused["tampered body"] = refusal{tampered, "matches none"}
			}
			if slices.Contains(sc.Covers, "url") {
				moved := delivery(sc.Headers)
				moved.URL = strings.Replace(vectors.URL, "v=1", "v=2", 1)
				refused["another URL"] = refusal{moved, "matches none"}
			}
			if slices.Contains(sc.Covers, "time") {
				late := delivery(sc.Headers)
				late.Now = vectors.Now.Add(time.Hour)
				refused["expired: received an hour later"] = refusal{late, "timestamp"}
				early := delivery(sc.Headers)
				early.Now = vectors.Now.Add(-time.Hour)
				refused["received an hour before it was signed"] = refusal{early, "timestamp"}
			}
			for _, r := range sc.Refused {
				refused[r.Name] = refusal{delivery(r.Headers), r.Reason}
			}
			for name, r := range refused {
				_, err := hook.Receive(r.d)
				if !errors.Is(err, connectors.ErrWebhookSignature) {
					t.Errorf("%s: error %v, want ErrWebhookSignature", name, err)
				} else if !strings.Contains(err.Error(), r.reason) {
					t.Errorf("%s: reason %q does not say %q", name, err, r.reason)
				}
			}
			// What is not covered may change.
			if !slices.Contains(sc.Covers, "body") {
				other := delivery(sc.Headers)
				other.Body = []byte(strings.Replace(vectors.Body, "42", "43", 1))
				if _, err := hook.Receive(other); err != nil {
					t.Errorf("another body, which the scheme does not sign: %v", err)
				}
			}
		})
	}
	for _, s := range []string{"", "hmac", "token", "basic", "none"} {
		if !schemes[s] {
			t.Errorf("no vector of scheme %q", s)
		}
	}
}
