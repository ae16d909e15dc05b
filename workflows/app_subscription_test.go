package workflows_test

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/junction-run/junction/activities"
	"github.com/junction-run/junction/connectors"
	"github.com/junction-run/junction/connectors/auth"
	"github.com/junction-run/junction/connectors/connectortest"
	"github.com/junction-run/junction/connectors/connectortest/example/exampletest"
	"github.com/junction-run/junction/connectors/declarative"
	"github.com/junction-run/junction/runs"
	"github.com/junction-run/junction/store"
	"github.com/junction-run/junction/workflows"
)

const subscriptionSecret = "whsec_workflow_test"

// acmeConnection resolves every connection to an Acme connection of the
// workspace northwind, with the fake's token and a webhook secret, as
// VaultConnections would from Vault.
type acmeConnection struct{}

func (acmeConnection) Resolve(_ context.Context, _, id string) (connectors.Connection, auth.Credentials, error) {
	return connectors.Connection{ID: id, AuthKind: connectors.AuthBearer, Properties: map[string]string{"workspace": "northwind"},
			Secrets: connectors.SecretValues{connectors.FieldToken: exampletest.Token, connectors.FieldWebhookSecret: subscriptionSecret}},
		auth.Bearer(exampletest.Token), nil
}

// subscriptionEnv is a test environment running AppSubscription with the
// real activities, which send their requests to Acme's fake and record
// the state in a SQLite store.
func subscriptionEnv(t *testing.T, fake *exampletest.Server, edit func(string) string) (*testsuite.TestWorkflowEnvironment, *store.Store) {
	t.Helper()
	doc, err := os.ReadFile(filepath.Join("..", "connectors", "declarative", "testdata", "valid", "acme_crm.json"))
	if err != nil {
		t.Fatal(err)
	}
	if edit != nil {
		doc = []byte(edit(string(doc)))
	}
	app, err := declarative.Parse(doc)
	if err != nil {
		t.Fatal(err)
	}
	c, err := app.Connector()
	if err != nil {
		t.Fatal(err)
	}
	registry := connectors.NewRegistry()
	if err := registry.Register(c); err != nil {
		t.Fatal(err)
	}
	base, err := url.Parse(fake.BaseURL())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	st, err := store.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "junction.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	if _, err := st.CreateAccount(ctx, store.Account{ID: "acme", Name: "Acme"}); err != nil {
		t.Fatal(err)
	}
	acts := &activities.AppSubscriptions{Store: st, Connectors: &activities.Connectors{Registry: registry, Connections: acmeConnection{},
		Transport: connectortest.Redirect(base, http.DefaultTransport)}}
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	env.RegisterWorkflowWithOptions(workflows.AppSubscription, workflow.RegisterOptions{Name: runs.AppSubscriptionWorkflow})
	env.RegisterActivityWithOptions(acts.Subscribe, activity.RegisterOptions{Name: runs.SubscribeAppWebhookActivity})
	env.RegisterActivityWithOptions(acts.Renew, activity.RegisterOptions{Name: runs.RenewAppWebhookActivity})
	env.RegisterActivityWithOptions(acts.Unsubscribe, activity.RegisterOptions{Name: runs.UnsubscribeAppWebhookActivity})
	env.RegisterActivityWithOptions(acts.Record, activity.RegisterOptions{Name: runs.RecordAppSubscriptionActivity})
	return env, st
}

func target(connection string) *runs.AppSubscriptionTarget {
	return &runs.AppSubscriptionTarget{App: "acme", AppVersion: "1.0.0", Trigger: "contact_created", ConnectionID: connection,
		WebhookURL: "https://junction.example/hooks/acme/" + connection + "/contact_created"}
}

// requestLines are the fake's requests, "METHOD /path" each.
func requestLines(fake *exampletest.Server) []string {
	var out []string
	for _, r := range fake.Requests() {
		out = append(out, r.Method+" "+r.Path)
	}
	return out
}

// TestAppSubscriptionLifecycle: a definition enabled on Acme's
// contact_created subscribes Junction's webhook URL; the workflow renews
// the subscription an hour before each expiry (24 h), on its own clock;
// disabling the definition unsubscribes it, after which the workflow
// records it unsubscribed and ends.
func TestAppSubscriptionLifecycle(t *testing.T) {
	fake := exampletest.New(t)
	env, st := subscriptionEnv(t, fake, nil)
	var during store.AppSubscription
	env.RegisterDelayedCallback(func() {
		var err error
		if during, err = st.AppSubscription(context.Background(), "acme", "d1"); err != nil {
			t.Error(err)
		}
	}, time.Hour)
	env.RegisterDelayedCallback(func() {
		env.SignalWorkflow(runs.AppSubscriptionSignal, runs.AppSubscriptionWant{Seq: 2})
	}, 50*time.Hour)
	env.ExecuteWorkflow(runs.AppSubscriptionWorkflow, runs.AppSubscriptionInput{AccountID: "acme", DefinitionID: "d1",
		Want: runs.AppSubscriptionWant{Seq: 1, Target: target("c1")}})
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	want := []string{"POST /v1/webhooks", "POST /v1/webhooks/wh_1/renew", "POST /v1/webhooks/wh_1/renew", "DELETE /v1/webhooks/wh_1"}
	if got := requestLines(fake); !slices.Equal(got, want) {
		t.Errorf("requests %v, want %v", got, want)
	}
	subscribe := fake.Requests()[0]
	if !strings.Contains(string(subscribe.Body), target("c1").WebhookURL) || !strings.Contains(string(subscribe.Body), subscriptionSecret) ||
		subscribe.Header.Get("Idempotency-Key") == "" {
		t.Errorf("subscribe sent %s with headers %v", subscribe.Body, subscribe.Header)
	}
	if during.Status != runs.AppSubscriptionSubscribed || during.SubscriptionID != "wh_1" || during.WebhookURL != target("c1").WebhookURL ||
		during.ExpiresAt.IsZero() {
		t.Errorf("recorded while subscribed: %+v", during)
	}
	after, err := st.AppSubscription(context.Background(), "acme", "d1")
	if err != nil || after.Status != runs.AppSubscriptionUnsubscribed || after.SubscriptionID != "" {
		t.Errorf("recorded at the end: %+v, %v", after, err)
	}
	if hooks := fake.Webhooks("northwind"); len(hooks) != 0 {
		t.Errorf("the fake still has %+v", hooks)
	}
}

// A refusal the app will always repeat is recorded as failed and not
// retried; the next save (a signal) tries again. A stale signal changes
// nothing; moving to another connection moves the subscription; deleting
// the definition unsubscribes and forgets the record.
func TestAppSubscriptionFailsThenMoves(t *testing.T) {
	fake := exampletest.New(t)
	env, st := subscriptionEnv(t, fake, nil)
	fake.FailNext(http.StatusUnprocessableEntity, 0)
	var failed store.AppSubscription
	env.RegisterDelayedCallback(func() {
		failed, _ = st.AppSubscription(context.Background(), "acme", "d1")
		env.SignalWorkflow(runs.AppSubscriptionSignal, runs.AppSubscriptionWant{Seq: 2, Target: target("c1")})
	}, time.Minute)
	env.RegisterDelayedCallback(func() {
		// Stale: a save older than the last one.
		env.SignalWorkflow(runs.AppSubscriptionSignal, runs.AppSubscriptionWant{Seq: 1})
	}, 2*time.Minute)
	env.RegisterDelayedCallback(func() {
		env.SignalWorkflow(runs.AppSubscriptionSignal, runs.AppSubscriptionWant{Seq: 3, Target: target("c2")})
	}, 3*time.Minute)
	env.RegisterDelayedCallback(func() {
		env.SignalWorkflow(runs.AppSubscriptionSignal, runs.AppSubscriptionWant{Seq: 1 << 30, Deleted: true})
	}, 4*time.Minute)
	env.ExecuteWorkflow(runs.AppSubscriptionWorkflow, runs.AppSubscriptionInput{AccountID: "acme", DefinitionID: "d1",
		Want: runs.AppSubscriptionWant{Seq: 1, Target: target("c1")}})
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	if failed.Status != runs.AppSubscriptionFailed || !strings.Contains(failed.Error, "injected failure") || strings.Contains(failed.Error, subscriptionSecret) {
		t.Errorf("recorded after the 422: %+v", failed)
	}
	want := []string{"POST /v1/webhooks", "POST /v1/webhooks", "DELETE /v1/webhooks/wh_1", "POST /v1/webhooks", "DELETE /v1/webhooks/wh_2"}
	if got := requestLines(fake); !slices.Equal(got, want) {
		t.Errorf("requests %v, want %v", got, want)
	}
	if reqs := fake.Requests(); !strings.Contains(string(reqs[3].Body), target("c2").WebhookURL) {
		t.Errorf("the move subscribed %s", reqs[3].Body)
	}
	if _, err := st.AppSubscription(context.Background(), "acme", "d1"); err == nil {
		t.Error("the deleted definition's record is still there")
	}
}

// Without a renew request, a renewal subscribes again and ends the
// subscription it replaces.
func TestAppSubscriptionRenewsBySubscribingAgain(t *testing.T) {
	fake := exampletest.New(t)
	env, _ := subscriptionEnv(t, fake, func(doc string) string {
		return strings.Replace(doc, `"renew": {"request": {"method": "POST", "path": "/v1/webhooks/{{subscription.id}}/renew"}},`, "", 1)
	})
	env.RegisterDelayedCallback(func() {
		env.SignalWorkflow(runs.AppSubscriptionSignal, runs.AppSubscriptionWant{Seq: 2})
	}, 30*time.Hour)
	env.ExecuteWorkflow(runs.AppSubscriptionWorkflow, runs.AppSubscriptionInput{AccountID: "acme", DefinitionID: "d1",
		Want: runs.AppSubscriptionWant{Seq: 1, Target: target("c1")}})
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	want := []string{"POST /v1/webhooks", "POST /v1/webhooks", "DELETE /v1/webhooks/wh_1", "DELETE /v1/webhooks/wh_2"}
	if got := requestLines(fake); !slices.Equal(got, want) {
		t.Errorf("requests %v, want %v", got, want)
	}
}

// An app that is down is retried by Temporal (the activity's retry
// policy, after the app's Retry-After), and once the patience is spent,
// again a while later; the subscription is made when the app is back.
func TestAppSubscriptionRetriesAnAppThatIsDown(t *testing.T) {
	fake := exampletest.New(t)
	env, st := subscriptionEnv(t, fake, nil)
	// Down for more than one round of retries.
	fake.Script(slices.Repeat([]connectortest.Failure{{Status: http.StatusServiceUnavailable, RetryAfter: 2 * time.Minute}}, 6)...)
	var pending store.AppSubscription
	env.RegisterDelayedCallback(func() {
		pending, _ = st.AppSubscription(context.Background(), "acme", "d1")
	}, workflows.AppSubscriptionPatience+time.Minute)
	env.RegisterDelayedCallback(func() {
		env.SignalWorkflow(runs.AppSubscriptionSignal, runs.AppSubscriptionWant{Seq: 2})
	}, 2*time.Hour)
	env.ExecuteWorkflow(runs.AppSubscriptionWorkflow, runs.AppSubscriptionInput{AccountID: "acme", DefinitionID: "d1",
		Want: runs.AppSubscriptionWant{Seq: 1, Target: target("c1")}})
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	if pending.Status != runs.AppSubscriptionPending || !strings.Contains(pending.Error, "503") && !strings.Contains(pending.Error, "Unavailable") {
		t.Errorf("recorded while the app was down: %+v", pending)
	}
	got := requestLines(fake)
	if len(got) != 8 || got[6] != "POST /v1/webhooks" || got[7] != "DELETE /v1/webhooks/wh_1" {
		t.Errorf("requests %v: six refused, then subscribe and unsubscribe", got)
	}
}
