package declarative_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/junction-run/junction/connectors"
	"github.com/junction-run/junction/connectors/connectortest"
	"github.com/junction-run/junction/connectors/connectortest/example/exampletest"
)

const hookURL = "https://junction.example/hooks/acme/conn-1/contact_created"

// subscriber is the Acme app, found through a registry as the activities
// find it, as a WebhookSubscriber.
func subscriber(t *testing.T, c connectors.Connector) connectors.WebhookSubscriber {
	t.Helper()
	r := connectors.NewRegistry()
	if err := r.Register(c); err != nil {
		t.Fatal(err)
	}
	found, err := r.Lookup(c.Spec().ID, "")
	if err != nil {
		t.Fatal(err)
	}
	s, ok := found.(connectors.WebhookSubscriber)
	if !ok {
		t.Fatalf("%T is not a WebhookSubscriber", found)
	}
	return s
}

// subscriptionCall is an Acme call whose connection has a webhook secret.
func subscriptionCall(t *testing.T, fake *exampletest.Server, secret string) connectors.Call {
	o := acmeOptions()
	o.Connection.Secrets = connectors.SecretValues{connectors.FieldToken: exampletest.Token, connectors.FieldWebhookSecret: secret}
	call := o.Call(t, fake.BaseURL(), "")
	call.IdempotencyKey = "subscription-key-1"
	return call
}

// TestSubscribeRenewUnsubscribe runs the Acme app's subscription requests
// against Acme's fake: subscribe points Acme at the webhook URL with the
// connection's webhook secret, and Acme's deliveries, signed with it, pass
// the trigger; renew extends it; unsubscribe ends it, and ending it again
// is no error.
func TestSubscribeRenewUnsubscribe(t *testing.T) {
	fake := exampletest.New(t)
	const secret = "whsec_subscribed_acme"
	s := subscriber(t, acme(t))
	if !s.SubscribesWebhook("contact_created") || s.SubscribesWebhook("contact_deleted") {
		t.Fatal("the app subscribes contact_created, and nothing else")
	}
	call := subscriptionCall(t, fake, secret)
	before := time.Now()
	sub, err := s.SubscribeWebhook(t.Context(), call, "contact_created", hookURL)
	if err != nil {
		t.Fatal(err)
	}
	hooks := fake.Webhooks("northwind")
	if len(hooks) != 1 || hooks[0].ID != sub.ID || hooks[0].URL != hookURL || hooks[0].Secret != secret ||
		strings.Join(hooks[0].Events, ",") != "contact.created" {
		t.Fatalf("the fake has webhooks %+v; the subscription %+v", hooks, sub)
	}
	if !sub.ExpiresAt.Equal(hooks[0].ExpiresAt) || !sub.RenewAt.Equal(sub.ExpiresAt.Add(-time.Hour)) || sub.ExpiresAt.Before(before) {
		t.Errorf("expires %s, renews %s; the fake's expiry %s", sub.ExpiresAt, sub.RenewAt, hooks[0].ExpiresAt)
	}
	subscribe := fake.Requests()[0]
	if subscribe.Header.Get("Idempotency-Key") != "subscription-key-1" || subscribe.Header.Get("Authorization") != "Bearer "+exampletest.Token {
		t.Errorf("subscribe sent headers %v", subscribe.Header)
	}

	// Acme's delivery, signed with the secret it was given, passes.
	received := make(chan connectors.Delivery, 1)
	junction := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		received <- connectors.Delivery{Header: r.Header, Body: body, Secrets: []string{secret}, Now: time.Now()}
	}))
	defer junction.Close()
	fake.SetWebhookLifetime(3 * time.Hour)
	if err := s.UnsubscribeWebhook(t.Context(), call, "contact_created", hookURL, sub); err != nil {
		t.Fatal(err)
	}
	local, err := s.SubscribeWebhook(t.Context(), call, "contact_created", junction.URL)
	if err != nil {
		t.Fatal(err)
	}
	// Three hours to live: renewed an hour before (renewBefore).
	if got := local.ExpiresAt.Sub(local.RenewAt); got != time.Hour {
		t.Errorf("renews %s before expiry, want 1h", got)
	}
	event := []byte(`{"event_id": "evt_sub_1", "type": "contact.created", "occurred_at": "2026-03-02T10:15:00Z",
		"contact": {"id": "ct_1", "email": "ada@example.com", "lifecycle": "lead", "created_at": "2026-03-02T10:15:00Z"}}`)
	if delivered, err := fake.Deliver(t.Context(), junction.Client(), "northwind", event); err != nil || len(delivered) != 1 {
		t.Fatalf("delivered %+v: %v", delivered, err)
	}
	got, err := hookOf(t, acme(t)).Receive(<-received)
	if err != nil || len(got.Events) != 1 || got.Events[0].ID != "evt_sub_1" {
		t.Fatalf("Acme's delivery: %+v, %v", got, err)
	}

	renewed, err := s.RenewWebhook(t.Context(), call, "contact_created", junction.URL, local)
	if err != nil {
		t.Fatal(err)
	}
	hooks = fake.Webhooks("northwind")
	if renewed.ID != local.ID || len(hooks) != 1 || hooks[0].Renewals != 1 || !renewed.ExpiresAt.Equal(hooks[0].ExpiresAt) {
		t.Errorf("renewed %+v; the fake has %+v", renewed, hooks)
	}
	if err := s.UnsubscribeWebhook(t.Context(), call, "contact_created", junction.URL, renewed); err != nil {
		t.Fatal(err)
	}
	if hooks := fake.Webhooks("northwind"); len(hooks) != 0 {
		t.Errorf("after unsubscribe the fake has %+v", hooks)
	}
	if err := s.UnsubscribeWebhook(t.Context(), call, "contact_created", junction.URL, renewed); err != nil {
		t.Errorf("unsubscribing what is gone: %v", err)
	}
	// Renewing what is gone is the third party's not found.
	if _, err := s.RenewWebhook(t.Context(), call, "contact_created", junction.URL, renewed); !isKind(err, connectors.NotFound) {
		t.Errorf("renewing what is gone: %v, want NotFound", err)
	}
}

func isKind(err error, k connectors.ErrorKind) bool {
	got, ok := connectors.KindOf(err)
	return ok && got == k
}

// acmeWith is the Acme app with edit applied to its document.
func acmeWith(t *testing.T, edit func(trigger map[string]any)) connectors.Connector {
	t.Helper()
	raw, err := os.ReadFile("testdata/valid/acme_crm.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	edit(doc["triggers"].([]any)[0].(map[string]any))
	b, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	return itemsWith(t, string(b))
}

// Without a renew request, renewing subscribes again: a new subscription,
// which the caller unsubscribes the old one for. A fixed lifetime sets the
// expiry when the answer does not.
func TestRenewBySubscribingAgain(t *testing.T) {
	fake := exampletest.New(t)
	s := subscriber(t, acmeWith(t, func(tr map[string]any) {
		delete(tr, "renew")
		sub := tr["subscribe"].(map[string]any)
		delete(sub, "expiresAt")
		sub["lifetime"] = "30m"
	}))
	call := subscriptionCall(t, fake, "whsec_x")
	first, err := s.SubscribeWebhook(t.Context(), call, "contact_created", hookURL)
	if err != nil {
		t.Fatal(err)
	}
	if life := first.ExpiresAt.Sub(first.RenewAt); life != 15*time.Minute {
		t.Errorf("a 30m subscription renews %s before expiry, want half its life", life)
	}
	second, err := s.RenewWebhook(t.Context(), call, "contact_created", hookURL, first)
	if err != nil {
		t.Fatal(err)
	}
	if second.ID == first.ID || len(fake.Webhooks("northwind")) != 2 {
		t.Errorf("renewed %+v from %+v; the fake has %+v", second, first, fake.Webhooks("northwind"))
	}
}

// Failures of the third party are the connector errors every action
// gives, and never quote the connection's secrets.
func TestSubscriptionFailures(t *testing.T) {
	fake := exampletest.New(t)
	const secret = "whsec_never_in_errors"
	s := subscriber(t, acme(t))
	call := subscriptionCall(t, fake, secret)
	fake.Script(connectortest.Failure{Status: http.StatusUnprocessableEntity,
		Body: []byte(`{"error": {"code": "invalid", "message": "secret ` + secret + ` is too weak"}}`)})
	_, err := s.SubscribeWebhook(t.Context(), call, "contact_created", hookURL)
	if !isKind(err, connectors.Unprocessable) || strings.Contains(err.Error(), secret) {
		t.Errorf("a 422: %v", err)
	}
	fake.FailNext(http.StatusServiceUnavailable, 30*time.Second)
	_, err = s.SubscribeWebhook(t.Context(), call, "contact_created", hookURL)
	var ce *connectors.Error
	if !errors.As(err, &ce) || ce.Kind != connectors.Unavailable || ce.RetryAfter != 30*time.Second {
		t.Errorf("a 503: %v", err)
	}
	// An answer without the subscription's id cannot be unsubscribed.
	noID := subscriber(t, acmeWith(t, func(tr map[string]any) { tr["subscribe"].(map[string]any)["id"] = "$.webhook.id" }))
	if _, err := noID.SubscribeWebhook(t.Context(), call, "contact_created", hookURL); !isKind(err, connectors.BadRequest) ||
		!strings.Contains(err.Error(), "$.webhook.id") {
		t.Errorf("no id in the answer: %v", err)
	}
	if _, err := s.SubscribeWebhook(t.Context(), call, "contact_deleted", hookURL); !isKind(err, connectors.BadRequest) {
		t.Errorf("a trigger that is not subscribed: %v", err)
	}
	for _, r := range fake.Requests() {
		if r.Method == http.MethodPost && !bytes.Contains(r.Body, []byte(secret)) {
			t.Errorf("subscribe sent %s without the webhook secret", r.Body)
		}
	}
}
