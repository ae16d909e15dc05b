package outbound

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// The headers of a signed delivery (Standard Webhooks).
const (
	HeaderID        = "webhook-id"
	HeaderTimestamp = "webhook-timestamp"
	HeaderSignature = "webhook-signature"
)

// secretPrefix marks a signing secret's text form, as Svix and the
// specification write it.
const secretPrefix = "whsec_"

// Sizes of a signing secret's key, from the specification: at least 24
// bytes, at most 64. NewSecret makes 32.
const (
	minSecretBytes = 24
	maxSecretBytes = 64
	newSecretBytes = 32
)

// SigningSecret is a subscription's HMAC-SHA256 key. Printing it shows
// only that it is one; Encode gives the text form, shown once when the
// secret is made and kept in Vault.
type SigningSecret struct{ key []byte }

// NewSecret makes a random signing secret.
func NewSecret() (SigningSecret, error) {
	key := make([]byte, newSecretBytes)
	if _, err := rand.Read(key); err != nil {
		return SigningSecret{}, fmt.Errorf("making a signing secret: %w", err)
	}
	return SigningSecret{key: key}, nil
}

// ErrInvalidSecret is what ParseSecret answers for text that is not a
// signing secret. Its messages never quote the text.
var ErrInvalidSecret = errors.New("not a signing secret")

// ParseSecret reads a secret's text form: "whsec_" and the base64 of 24
// to 64 bytes.
func ParseSecret(text string) (SigningSecret, error) {
	raw, ok := strings.CutPrefix(strings.TrimSpace(text), secretPrefix)
	if !ok {
		return SigningSecret{}, fmt.Errorf("%w: it must start with %s", ErrInvalidSecret, secretPrefix)
	}
	key, err := base64.StdEncoding.DecodeString(raw)
	if err != nil {
		return SigningSecret{}, fmt.Errorf("%w: what follows %s is not base64", ErrInvalidSecret, secretPrefix)
	}
	if len(key) < minSecretBytes || len(key) > maxSecretBytes {
		return SigningSecret{}, fmt.Errorf("%w: its key is %d bytes, not %d to %d", ErrInvalidSecret, len(key), minSecretBytes, maxSecretBytes)
	}
	return SigningSecret{key: key}, nil
}

// Encode is the secret's text form, "whsec_" and base64.
func (s SigningSecret) Encode() string {
	return secretPrefix + base64.StdEncoding.EncodeToString(s.key)
}

// String keeps the secret out of logs and errors.
func (s SigningSecret) String() string { return secretPrefix + "[redacted]" }

// GoString keeps it out of %#v too.
func (s SigningSecret) GoString() string { return s.String() }

// Sign is the webhook-signature header's value for a message: one
// "v1,<base64 HMAC-SHA256 of id.timestamp.body>" per secret, separated by
// spaces, so that a receiver holding either the old or the new secret
// accepts it during a rotation.
func Sign(id string, at time.Time, body []byte, secrets ...SigningSecret) string {
	content := signedContent(id, at, body)
	sigs := make([]string, 0, len(secrets))
	for _, s := range secrets {
		mac := hmac.New(sha256.New, s.key)
		mac.Write(content)
		sigs = append(sigs, "v1,"+base64.StdEncoding.EncodeToString(mac.Sum(nil)))
	}
	return strings.Join(sigs, " ")
}

func signedContent(id string, at time.Time, body []byte) []byte {
	b := make([]byte, 0, len(id)+len(body)+24)
	b = append(b, id...)
	b = append(b, '.')
	b = strconv.AppendInt(b, at.Unix(), 10)
	b = append(b, '.')
	return append(b, body...)
}

// Headers are the three headers of a signed delivery of body, the same
// id on every attempt of one message (a receiver's idempotency key).
func Headers(id string, at time.Time, body []byte, secrets ...SigningSecret) http.Header {
	h := http.Header{}
	h.Set(HeaderID, id)
	h.Set(HeaderTimestamp, strconv.FormatInt(at.Unix(), 10))
	h.Set(HeaderSignature, Sign(id, at, body, secrets...))
	return h
}
