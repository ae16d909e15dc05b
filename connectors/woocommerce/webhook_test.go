package woocommerce_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/junction-run/junction/connectors/woocommerce"
	"github.com/junction-run/junction/connectors/woocommerce/woocommercetest"
)

// The vector lives in the fake, where the conformance kit finds it.
const (
	vecSecret = woocommercetest.VectorSecret
	vecBody   = woocommercetest.VectorBody
	vecSig    = woocommercetest.VectorSig
)

func wcHeader(sig string) http.Header {
	h := http.Header{}
	if sig != "" {
		h.Set(woocommerce.SignatureHeader, sig)
	}
	h.Set(woocommerce.TopicHeader, "order.created")
	return h
}

func TestSignMatchesVector(t *testing.T) {
	if got := woocommerce.Sign([]byte(vecBody), vecSecret); got != vecSig {
		t.Errorf("Sign = %q, want %q", got, vecSig)
	}
}

func TestVerifyWebhook(t *testing.T) {
	for _, tc := range []struct {
		name    string
		header  http.Header
		body    string
		secrets []string
		want    error
	}{
		{"vector", wcHeader(vecSig), vecBody, []string{vecSecret}, nil},
		{"rotation: old secret first", wcHeader(vecSig), vecBody, []string{"old", vecSecret}, nil},
		{"rotation: empty secrets skipped", wcHeader(vecSig), vecBody, []string{"", vecSecret}, nil},
		{"tampered body", wcHeader(vecSig), `{"id":727,"status":"completed"}`, []string{vecSecret}, woocommerce.ErrBadSignature},
		{"whitespace added", wcHeader(vecSig), vecBody + "\n", []string{vecSecret}, woocommerce.ErrBadSignature},
		{"wrong secret", wcHeader(vecSig), vecBody, []string{"not-the-secret"}, woocommerce.ErrBadSignature},
		{"hex instead of base64", wcHeader(strings.Repeat("ab", 32)), vecBody, []string{vecSecret}, woocommerce.ErrBadSignature},
		{"not base64", wcHeader("%%%"), vecBody, []string{vecSecret}, woocommerce.ErrBadSignature},
		{"missing header", wcHeader(""), vecBody, []string{vecSecret}, woocommerce.ErrNoSignature},
		{"no secret", wcHeader(vecSig), vecBody, nil, woocommerce.ErrNoSecret},
		{"only empty secrets", wcHeader(vecSig), vecBody, []string{""}, woocommerce.ErrNoSecret},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := woocommerce.VerifyWebhook(tc.header, []byte(tc.body), tc.secrets...)
			if !errors.Is(err, tc.want) {
				t.Errorf("VerifyWebhook = %v, want %v", err, tc.want)
			}
			if err != nil {
				for _, s := range tc.secrets {
					if len(s) >= 4 && strings.Contains(err.Error(), s) {
						t.Errorf("the error %q quotes a secret", err)
					}
				}
				if sig := tc.header.Get(woocommerce.SignatureHeader); sig != "" && strings.Contains(err.Error(), sig) {
					t.Errorf("the error %q quotes the signature", err)
				}
			}
		})
	}
}

func TestSamplePayloadSigned(t *testing.T) {
	tr := woocommerce.New().Spec().Triggers[0]
	body := []byte(tr.SamplePayload)
	h := wcHeader(woocommerce.Sign(body, "s3cret"))
	if err := woocommerce.VerifyWebhook(h, body, "s3cret"); err != nil {
		t.Error(err)
	}
	if woocommerce.IsPing(h, body) {
		t.Error("an order delivery is taken for a ping")
	}
	if !woocommerce.IsPing(http.Header{}, []byte("webhook_id=12")) {
		t.Error("the ping is not recognised")
	}
	// Deliveries carry fields the schema does not name.
	if err := tr.Payload.Validate([]byte(`{"id": 1, "parent_id": 0, "number": "1", "order_key": "k", "created_via": "checkout",
		"status": "pending", "currency": "USD", "date_created": "", "date_modified": "", "discount_total": "0.00",
		"shipping_total": "0.00", "total_tax": "0.00", "total": "0.00", "customer_id": 0, "customer_note": "",
		"billing": {"first_name": "A", "brand_new_field": 1}, "shipping": {}, "payment_method": "", "payment_method_title": "",
		"transaction_id": "", "date_paid": null, "date_completed": null,
		"line_items": [], "_links": {"self": [{"href": "https://shop.example.com/wp-json/wc/v3/orders/1"}]}}`)); err != nil {
		t.Errorf("a delivery with more fields: %v", err)
	}
}
