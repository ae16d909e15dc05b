package shopify

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"
	"strings"

	"github.com/junction-run/junction/connectors"
)

// Webhook headers Shopify sends with every delivery.
const (
	HeaderHmac       = "X-Shopify-Hmac-Sha256"
	HeaderTopic      = "X-Shopify-Topic"
	HeaderShopDomain = "X-Shopify-Shop-Domain"
	HeaderWebhookID  = "X-Shopify-Webhook-Id"
	HeaderEventID    = "X-Shopify-Event-Id"
)

// Errors of VerifyWebhook.
var (
	// ErrMissingSignature: the delivery has no X-Shopify-Hmac-Sha256.
	ErrMissingSignature = errors.New("shopify webhook: missing " + HeaderHmac + " header")
	// ErrBadSignature: the signature is not that of the body under any of
	// the secrets.
	ErrBadSignature = errors.New("shopify webhook: signature does not match the body")
	// ErrNoSecret: no secret was given to check the signature with.
	ErrNoSecret = errors.New("shopify webhook: no secret to verify the signature with")
)

// VerifyWebhook checks a webhook delivery's X-Shopify-Hmac-Sha256: the
// base64 HMAC-SHA256 of the raw body, keyed with the app's client secret.
// More than one secret may be given while a secret is being rotated; the
// delivery is accepted if any of them signed it. body must be the bytes as
// received, before any JSON decoding. Comparisons take constant time.
func VerifyWebhook(header http.Header, body []byte, secrets ...string) error {
	sig := strings.TrimSpace(header.Get(HeaderHmac))
	if sig == "" {
		return ErrMissingSignature
	}
	got, err := base64.StdEncoding.DecodeString(sig)
	if err != nil || len(got) != sha256.Size {
		return ErrBadSignature
	}
	checked, ok := connectors.SignedWith(got, secrets, func(s string) []byte { return mac(body, s) })
	switch {
	case !checked:
		return ErrNoSecret
	case !ok:
		return ErrBadSignature
	}
	return nil
}

// Sign returns the X-Shopify-Hmac-Sha256 of body under secret.
func Sign(body []byte, secret string) string {
	return base64.StdEncoding.EncodeToString(mac(body, secret))
}

func mac(body []byte, secret string) []byte {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return m.Sum(nil)
}

// webhooks are the code of the webhook triggers: VerifyWebhook, a check
// that the delivery's topic is the trigger's (a webhook pointed at the
// wrong URL is refused rather than run as the wrong event), and the event
// id at the trigger's IDPointer, or in X-Shopify-Event-Id for
// inventory_levels/update.
func webhooks(spec connectors.Spec) []connectors.Webhook {
	var out []connectors.Webhook
	for _, t := range spec.Triggers {
		topic, ok := TriggerTopics[t.ID]
		if !ok || t.Kind != connectors.TriggerWebhook {
			continue
		}
		out = append(out, &connectors.JSONWebhook{
			Spec:        t,
			Verify:      func(d connectors.Delivery) error { return VerifyWebhook(d.Header, d.Body, d.Secrets...) },
			TopicHeader: HeaderTopic,
			Topic:       topic,
			IDHeaders:   []string{HeaderWebhookID},
		})
	}
	return out
}
