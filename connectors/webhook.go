package connectors

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// Webhook is the code behind one declared webhook trigger: it checks that
// a delivery comes from the third party and turns it into events. The
// gateway calls Receive for every request to the trigger's URL, before it
// starts anything; Receive does no I/O, so it can be tested as a pure
// function against the third party's documented signature vectors.
type Webhook interface {
	// Trigger is the id of the TriggerSpec it implements.
	Trigger() string
	// Receive verifies the delivery with d.Secrets, then parses it. A
	// delivery whose signature does not hold returns an error that
	// errors.Is ErrWebhookSignature, and nothing else; one that is signed
	// but cannot be understood returns an error that errors.Is
	// ErrWebhookPayload.
	Receive(d Delivery) (Received, error)
}

// WebhookConnector is a Connector whose webhook triggers have code.
// Register insists that a connector with webhook triggers implements it,
// with exactly one Webhook per declared webhook trigger.
type WebhookConnector interface {
	Connector
	Webhooks() []Webhook
}

// Delivery is one HTTP request a third party made to a webhook trigger's
// URL, as the gateway received it.
type Delivery struct {
	Header http.Header
	// Body is the raw request body, byte for byte: signatures cover it.
	Body []byte
	// URL is the full public URL the third party called, scheme, host,
	// path and query string, as it was configured there: Twilio signs it.
	URL string
	// Now is the time of receipt, for schemes with a timestamp (Slack).
	Now time.Time
	// Secrets are the values that may have signed the delivery: the
	// connection's TriggerSpec.SecretField, and during a rotation the old
	// value too. Empty values are ignored.
	Secrets []string
}

// Received is what a verified delivery carries.
type Received struct {
	// Events start runs, one per subscribed definition each.
	Events []WebhookEvent
	// Answer, when not nil, is the response the third party expects
	// instead of Junction's JSON summary: a handshake's answer (Slack's
	// url_verification challenge, WooCommerce's ping) when Events is
	// empty, or a body the third party insists on (Twilio's empty TwiML).
	// The gateway sends it only once every start was accepted.
	Answer *WebhookAnswer
}

// WebhookEvent is one event of a delivery.
type WebhookEvent struct {
	// ID is the event's unique id, the same on every redelivery of the
	// event: runs are deduplicated on it.
	ID string
	// Payload is the event as a run receives it; it matches the trigger's
	// payload schema.
	Payload json.RawMessage
}

// WebhookAnswer is an HTTP answer to a delivery.
type WebhookAnswer struct {
	Status      int
	ContentType string
	Body        []byte
}

// The two ways a delivery fails; connectors wrap their own errors in them.
var (
	// ErrWebhookSignature: the delivery is not proven to come from the
	// third party (no signature, a wrong one, a stale timestamp, no secret
	// to check with). The gateway answers 401 and starts nothing.
	ErrWebhookSignature = errors.New("webhook signature check failed")
	// ErrWebhookPayload: the delivery is signed but its body is not what
	// the trigger documents. The gateway answers 400.
	ErrWebhookPayload = errors.New("webhook payload is not understood")
)

// SignatureError wraps a connector's signature error in ErrWebhookSignature.
func SignatureError(err error) error {
	return fmt.Errorf("%w: %w", ErrWebhookSignature, err)
}

// PayloadErrorf is an ErrWebhookPayload with a message.
func PayloadErrorf(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrWebhookPayload, fmt.Sprintf(format, args...))
}

// JSONWebhook implements the usual webhook: one JSON event per delivery,
// checked by Verify, whose id is at the trigger's IDPointer or, when that
// is empty, in its IDHeader. Handshake, when set, sees a verified delivery
// first and may answer it without events (a ping).
type JSONWebhook struct {
	Spec   TriggerSpec
	Verify func(d Delivery) error
	// Unsigned, when set, answers deliveries the third party sends
	// without a signature and that start nothing (WooCommerce's ping); it
	// sees the delivery before Verify.
	Unsigned func(d Delivery) (*WebhookAnswer, bool)
	// Handshake, when set, answers verified deliveries that start nothing
	// (Slack's url_verification).
	Handshake func(d Delivery) (*WebhookAnswer, bool)
	// Answer, when set, is sent back after the event's runs are started.
	Answer *WebhookAnswer
	// IDHeaders are tried, in order, after Spec.IDHeader, for third
	// parties that renamed the header.
	IDHeaders []string
	// TopicHeader, when set, names the header in which the third party
	// says what a delivery is about (X-Shopify-Topic, X-WC-Webhook-Topic);
	// a verified delivery whose header is set to anything but Topic is
	// refused (ErrWebhookPayload), so that a webhook pointed at the wrong
	// trigger's URL is not run as the wrong event.
	TopicHeader, Topic string
}

var _ Webhook = (*JSONWebhook)(nil)

// Trigger returns the trigger's id.
func (w *JSONWebhook) Trigger() string { return w.Spec.ID }

// Receive verifies and parses the delivery. Verify's errors that are
// neither ErrWebhookSignature nor ErrWebhookPayload are wrapped in
// ErrWebhookSignature, so Verify may return a connector's own signature
// errors as they are.
func (w *JSONWebhook) Receive(d Delivery) (Received, error) {
	if w.Unsigned != nil {
		if a, ok := w.Unsigned(d); ok {
			return Received{Answer: a}, nil
		}
	}
	if err := w.Verify(d); err != nil {
		if errors.Is(err, ErrWebhookSignature) || errors.Is(err, ErrWebhookPayload) {
			return Received{}, err
		}
		return Received{}, SignatureError(err)
	}
	if w.TopicHeader != "" {
		if got := d.Header.Get(w.TopicHeader); got != "" && got != w.Topic {
			return Received{}, PayloadErrorf("%s: the delivery's %s is %s; point that webhook at its own trigger", w.Spec.ID, w.TopicHeader, got)
		}
	}
	if w.Handshake != nil {
		if a, ok := w.Handshake(d); ok {
			return Received{Answer: a}, nil
		}
	}
	ev, err := EventOf(w.Spec, d.Header, d.Body, w.IDHeaders...)
	if err != nil {
		return Received{}, err
	}
	return Received{Events: []WebhookEvent{ev}, Answer: w.Answer}, nil
}

// EventOf makes the event of a JSON payload: its id is at spec.IDPointer
// (with the values at spec.IDQualifiers, joined by JoinEventID) or, when
// the spec has none, in spec.IDHeader (or the first of moreHeaders that
// is set). The payload must be a JSON object.
func EventOf(spec TriggerSpec, header http.Header, payload []byte, moreHeaders ...string) (WebhookEvent, error) {
	trimmed := bytes.TrimSpace(payload)
	if len(trimmed) == 0 || trimmed[0] != '{' || !json.Valid(trimmed) {
		return WebhookEvent{}, PayloadErrorf("%s: the body is not a JSON object", spec.ID)
	}
	if spec.IDPointer != "" {
		id, err := spec.eventID(trimmed)
		if err != nil {
			return WebhookEvent{}, err
		}
		return WebhookEvent{ID: id, Payload: json.RawMessage(trimmed)}, nil
	}
	for _, h := range append([]string{spec.IDHeader}, moreHeaders...) {
		if h == "" {
			continue
		}
		if id := header.Get(h); id != "" {
			return WebhookEvent{ID: id, Payload: json.RawMessage(trimmed)}, nil
		}
	}
	return WebhookEvent{}, PayloadErrorf("%s: the delivery has no %s header to identify the event", spec.ID, spec.IDHeader)
}

func idString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case json.Number:
		if _, err := strconv.ParseInt(x.String(), 10, 64); err == nil {
			return x.String()
		}
	}
	return ""
}

// WithWebhooks returns the connector with the code of its webhook
// triggers; Register checks that they match the declared ones.
func (s *Static) WithWebhooks(hooks ...Webhook) *Static {
	s.webhooks = append(s.webhooks, hooks...)
	return s
}

// Webhooks returns the webhook implementations.
func (s *Static) Webhooks() []Webhook { return s.webhooks }

// checkWebhooks adds to p every disagreement between the declared webhook
// triggers and the implementations, both ways.
func checkWebhooks(p *problems, c Connector) {
	var hooks []Webhook
	if wc, ok := c.(WebhookConnector); ok {
		hooks = wc.Webhooks()
	}
	implemented := checkImplementations(p, c.Spec(), TriggerWebhook, "Webhooks", hooks)
	for _, t := range c.Spec().Triggers {
		if t.Kind == TriggerWebhook && !implemented[t.ID] {
			p.add("triggers["+t.ID+"]", "is a declared webhook trigger without an implementation (Webhooks())")
		}
	}
}

// PresentedSecret compares a secret that a delivery presents as it is
// (Telegram's secret token, a shared secret in Authorization) with the
// connection's secrets. The comparison takes the same time whatever the
// lengths and whichever secret matches, so timing tells an attacker
// nothing. configured is false when no non-empty secret was given.
func PresentedSecret(presented string, secrets []string) (configured, matched bool) {
	// Compare digests, so that the time taken does not depend on lengths.
	got := sha256.Sum256([]byte(presented))
	match := 0
	for _, s := range secrets {
		if s == "" {
			continue
		}
		configured = true
		want := sha256.Sum256([]byte(s))
		match |= subtle.ConstantTimeCompare(got[:], want[:])
	}
	return configured, match == 1
}

// SignedWith reports whether sig is the MAC of a delivery under one of
// secrets, mac computing the expected value for a secret: the rotation-
// aware check of every HMAC scheme (Shopify, WooCommerce, Slack, Twilio).
// Every non-empty secret is tried, so the time taken does not say which
// one matched; each comparison takes constant time. configured is false
// when no non-empty secret was given.
func SignedWith(sig []byte, secrets []string, mac func(secret string) []byte) (configured, matched bool) {
	for _, s := range secrets {
		if s == "" {
			continue
		}
		configured = true
		if hmac.Equal(sig, mac(s)) {
			matched = true
		}
	}
	return configured, matched
}

// HasSecret reports whether secrets holds a non-empty value: schemes that
// check for a secret before anything else say ErrNoSecret first.
func HasSecret(secrets []string) bool {
	for _, s := range secrets {
		if s != "" {
			return true
		}
	}
	return false
}

// OpenObjects lets every object of s hold properties it does not list,
// and returns s: third parties add fields to their payloads over time,
// and a delivery must not be refused, nor a run's payload fail its
// schema, for them. Trigger payload schemas derived from Go types
// (MustSchemaFor) are closed by default.
func OpenObjects(s *Schema) *Schema {
	if s == nil {
		return nil
	}
	if s.AdditionalProperties.IsFalse() {
		s.AdditionalProperties = nil
	}
	for _, p := range s.Properties {
		OpenObjects(p)
	}
	OpenObjects(s.Items)
	for _, l := range [][]*Schema{s.AllOf, s.AnyOf, s.OneOf} {
		for _, sub := range l {
			OpenObjects(sub)
		}
	}
	return s
}
