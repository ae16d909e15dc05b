package activities

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/junction-run/junction/connectors"
	"github.com/junction-run/junction/connectors/auth"
	"github.com/junction-run/junction/connectors/catalog"
	"github.com/junction-run/junction/connectors/connectortest"
	"github.com/junction-run/junction/connectors/connectortest/example/exampletest"
	"github.com/junction-run/junction/connectors/declarative"
	"github.com/junction-run/junction/runs"
)

const appSubscriptionSecret = "whsec_activity_test"

// subscribingAcmeConnection resolves every connection to an Acme connection with the
// fake's token and a webhook secret.
type subscribingAcmeConnection struct{}

func (subscribingAcmeConnection) Resolve(_ context.Context, _, id string) (connectors.Connection, auth.Credentials, error) {
	return connectors.Connection{ID: id, AuthKind: connectors.AuthBearer, Properties: map[string]string{"workspace": "northwind"},
			Secrets: connectors.SecretValues{connectors.FieldToken: exampletest.Token, connectors.FieldWebhookSecret: appSubscriptionSecret}},
		auth.Bearer(exampletest.Token), nil
}

// TestAppSubscriptionActivities: the requests go to the app through the
// connection, their answers become subscriptions the workflow renews on its
// own clock, and their failures the Temporal errors every connector call
// gives, scrubbed of the connection's secrets.
func TestAppSubscriptionActivities(t *testing.T) {
	fake := exampletest.New(t)
	raw, err := os.ReadFile(filepath.Join("..", "connectors", "declarative", "testdata", "valid", "acme_crm.json"))
	if err != nil {
		t.Fatal(err)
	}
	app, err := declarative.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	c, err := app.Connector()
	if err != nil {
		t.Fatal(err)
	}
	registry := catalog.New()
	if err := registry.Register(c); err != nil {
		t.Fatal(err)
	}
	base, err := url.Parse(fake.BaseURL())
	if err != nil {
		t.Fatal(err)
	}
	acts := &AppSubscriptions{Connectors: &Connectors{Registry: registry, Connections: subscribingAcmeConnection{}, Transport: connectortest.Redirect(base, http.DefaultTransport)}}
	var s testsuite.WorkflowTestSuite
	env := s.NewTestActivityEnvironment()
	env.RegisterActivityWithOptions(acts.Subscribe, activity.RegisterOptions{Name: runs.SubscribeAppWebhookActivity})
	env.RegisterActivityWithOptions(acts.Renew, activity.RegisterOptions{Name: runs.RenewAppWebhookActivity})
	env.RegisterActivityWithOptions(acts.Unsubscribe, activity.RegisterOptions{Name: runs.UnsubscribeAppWebhookActivity})
	target := runs.AppSubscriptionTarget{App: "acme", AppVersion: "1.0.0", Trigger: "contact_created", ConnectionID: "c1",
		WebhookURL: "https://junction.example/hooks/acme/c1/contact_created"}
	run := func(name string, target runs.AppSubscriptionTarget, sub *runs.AppSubscription) (runs.AppSubscription, error) {
		v, err := env.ExecuteActivity(name, runs.AppSubscriptionCall{AccountID: "acme", DefinitionID: "d1", Target: target, Subscription: sub})
		var out runs.AppSubscription
		if err == nil {
			err = v.Get(&out)
		}
		return out, err
	}

	sub, err := run(runs.SubscribeAppWebhookActivity, target, nil)
	if err != nil {
		t.Fatal(err)
	}
	if sub.ID != "wh_1" || sub.Target != target || sub.RenewIn < 22*time.Hour || sub.RenewIn > 23*time.Hour || sub.ExpiresAt.IsZero() {
		t.Errorf("subscribed %+v: renews in about 23h of the fake's 24h", sub)
	}
	// Acme lost it (deleted at Acme): the renewal subscribes again.
	if hooks := fake.Webhooks("northwind"); len(hooks) != 1 {
		t.Fatalf("the fake holds %+v", hooks)
	}
	if _, err := run(runs.UnsubscribeAppWebhookActivity, target, &sub); err != nil {
		t.Fatal(err)
	}
	renewed, err := run(runs.RenewAppWebhookActivity, target, &sub)
	if err != nil || renewed.ID != "wh_2" {
		t.Errorf("renewing a lost subscription: %+v, %v", renewed, err)
	}

	for _, tc := range []struct {
		name      string
		target    runs.AppSubscriptionTarget
		failure   *connectortest.Failure
		errType   string
		retryable bool
	}{
		{"an app the account does not have", runs.AppSubscriptionTarget{App: "nope", Trigger: "x"}, nil, runs.ErrTypeBadRequest, false},
		{"an app that does not subscribe", runs.AppSubscriptionTarget{App: "shopify", Trigger: "orders_create"}, nil, runs.ErrTypeBadRequest, false},
		{"Acme down", target, &connectortest.Failure{Status: http.StatusServiceUnavailable, RetryAfter: 20 * time.Second}, runs.ErrTypeUnavailable, true},
		{"Acme refuses, quoting the secret", target, &connectortest.Failure{Status: http.StatusForbidden,
			Body: []byte(`{"error": {"code": "forbidden", "message": "secret ` + appSubscriptionSecret + ` is not allowed"}}`)}, runs.ErrTypeUnauthorized, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.failure != nil {
				fake.Script(*tc.failure)
			}
			_, err := run(runs.SubscribeAppWebhookActivity, tc.target, nil)
			var appErr *temporal.ApplicationError
			if !errors.As(err, &appErr) || appErr.Type() != tc.errType || appErr.NonRetryable() == tc.retryable {
				t.Fatalf("error %v, want %s (retryable %v)", err, tc.errType, tc.retryable)
			}
			if strings.Contains(err.Error(), appSubscriptionSecret) {
				t.Errorf("the error quotes the webhook secret: %v", err)
			}
			if tc.failure != nil && tc.failure.RetryAfter > 0 && appErr.NextRetryDelay() != tc.failure.RetryAfter {
				t.Errorf("next retry after %s, want the app's %s", appErr.NextRetryDelay(), tc.failure.RetryAfter)
			}
		})
	}
}
