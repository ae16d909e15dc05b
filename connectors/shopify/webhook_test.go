package shopify_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"
	"testing"

	"github.com/junction-run/junction/connectors/shopify"
	"github.com/junction-run/junction/connectors/shopify/shopifytest"
)

// The vector lives in the fake, where the conformance kit finds it.
const (
	vectorBody   = shopifytest.VectorBody
	vectorSecret = shopifytest.VectorSecret
	vectorSig    = shopifytest.VectorSig
)

func header(sig string) http.Header {
	h := http.Header{}
	h.Set("X-Shopify-Topic", "orders/create")
	if sig != "" {
		h.Set("X-Shopify-Hmac-Sha256", sig)
	}
	return h
}

func TestWebhookVector(t *testing.T) {
	m := hmac.New(sha256.New, []byte(vectorSecret))
	m.Write([]byte(vectorBody))
	if independent := base64.StdEncoding.EncodeToString(m.Sum(nil)); independent != vectorSig {
		t.Fatalf("the vector is wrong: %s", independent)
	}
	if got := shopify.Sign([]byte(vectorBody), vectorSecret); got != vectorSig {
		t.Errorf("Sign = %s, want %s", got, vectorSig)
	}
	if err := shopify.VerifyWebhook(header(vectorSig), []byte(vectorBody), vectorSecret); err != nil {
		t.Errorf("the documented vector was refused: %v", err)
	}
}

func TestWebhookRefusals(t *testing.T) {
	body := []byte(vectorBody)
	for name, tc := range map[string]struct {
		header  http.Header
		body    []byte
		secrets []string
		want    error
	}{
		"tampered body":  {header(vectorSig), []byte(`{"id":450789469,"email":"eve@mail.example.com"}`), []string{vectorSecret}, shopify.ErrBadSignature},
		"trailing byte":  {header(vectorSig), append([]byte(vectorBody), '\n'), []string{vectorSecret}, shopify.ErrBadSignature},
		"wrong secret":   {header(vectorSig), body, []string{"shpss_other"}, shopify.ErrBadSignature},
		"missing header": {header(""), body, []string{vectorSecret}, shopify.ErrMissingSignature},
		"not base64":     {header("not base64!"), body, []string{vectorSecret}, shopify.ErrBadSignature},
		"hex not base64": {header("a9a11370d9d3648d2fb954369950"), body, []string{vectorSecret}, shopify.ErrBadSignature},
		"no secret":      {header(vectorSig), body, nil, shopify.ErrNoSecret},
		"empty secret":   {header(vectorSig), body, []string{""}, shopify.ErrNoSecret},
		"truncated sig":  {header(vectorSig[:20]), body, []string{vectorSecret}, shopify.ErrBadSignature},
		"other body sig": {header(shopify.Sign([]byte(`{}`), vectorSecret)), body, []string{vectorSecret}, shopify.ErrBadSignature},
	} {
		t.Run(name, func(t *testing.T) {
			err := shopify.VerifyWebhook(tc.header, tc.body, tc.secrets...)
			if !errors.Is(err, tc.want) {
				t.Errorf("error %v, want %v", err, tc.want)
			}
		})
	}
}

func TestWebhookSecretRotation(t *testing.T) {
	body := []byte(vectorBody)
	// The old secret still signs; the new one is listed first.
	if err := shopify.VerifyWebhook(header(vectorSig), body, "shpss_new", vectorSecret); err != nil {
		t.Errorf("old secret during rotation: %v", err)
	}
	if err := shopify.VerifyWebhook(header(shopify.Sign(body, "shpss_new")), body, "shpss_new", vectorSecret); err != nil {
		t.Errorf("new secret during rotation: %v", err)
	}
}
