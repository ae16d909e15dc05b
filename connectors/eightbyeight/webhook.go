package eightbyeight

import (
	"encoding/base64"
	"errors"
	"net/http"
	"strings"

	"github.com/junction-run/junction/connectors"
)

// SignatureScheme is how Junction authenticates 8x8's inbound webhooks on
// its /hooks route. 8x8 signs nothing, so the connection's webhook_secret
// must come back with every delivery: as the password of HTTP Basic auth
// (register the webhook URL as https://8x8:<secret>@host/hooks/...; any user
// name) or as a Bearer token.
const SignatureScheme = "shared_secret_authorization"

// The reasons VerifyWebhook refuses a delivery.
var (
	// ErrNoCredentials: the delivery has no Authorization header, or the
	// connection has no webhook secret.
	ErrNoCredentials = errors.New("8x8 webhook: no Authorization credentials to check")
	// ErrBadCredentials: the credentials match none of the secrets.
	ErrBadCredentials = errors.New("8x8 webhook: the Authorization credentials do not match the webhook secret")
)

// VerifyWebhook checks that a delivery's Authorization header carries one
// of the webhook's secrets, as a Basic password or a Bearer token. Several
// secrets may be given, so one can be rotated without refusing deliveries
// on their way. The comparison takes the same time whichever secret
// matches. The secret covers neither body nor time: replays are stopped by
// the message's umid.
func VerifyWebhook(header http.Header, secrets ...string) error {
	got, ok := presentedSecret(header.Get("Authorization"))
	if !ok {
		return ErrNoCredentials
	}
	have, matched := connectors.PresentedSecret(got, secrets)
	switch {
	case !have:
		return ErrNoCredentials
	case !matched:
		return ErrBadCredentials
	}
	return nil
}

// presentedSecret is the Basic password or the Bearer token of an
// Authorization header.
func presentedSecret(authorization string) (string, bool) {
	scheme, value, ok := strings.Cut(strings.TrimSpace(authorization), " ")
	if !ok || value == "" {
		return "", false
	}
	switch strings.ToLower(scheme) {
	case "bearer":
		return strings.TrimSpace(value), true
	case "basic":
		raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(value))
		if err != nil {
			return "", false
		}
		_, password, ok := strings.Cut(string(raw), ":")
		return password, ok && password != ""
	}
	return "", false
}

// inboundWebhook is the code of an inbound trigger: VerifyWebhook, then one
// event per delivery, identified by the message's umid.
func inboundWebhook(spec connectors.TriggerSpec) *connectors.JSONWebhook {
	return &connectors.JSONWebhook{
		Spec:   spec,
		Verify: func(d connectors.Delivery) error { return VerifyWebhook(d.Header, d.Secrets...) },
	}
}
