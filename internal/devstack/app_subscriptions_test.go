package devstack_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"

	"github.com/junction-run/junction/connectors/connectortest/example"
	"github.com/junction-run/junction/connectors/connectortest/example/exampletest"
	"github.com/junction-run/junction/internal/devstack"
	"github.com/junction-run/junction/runs"
)

// appSubscriptionAnswer is a definition's appSubscription in the API.
type appSubscriptionAnswer struct {
	Status     string `json:"status"`
	Connection string `json:"connection"`
	WebhookURL string `json:"webhookUrl"`
	ID         string `json:"id"`
	ExpiresAt  string `json:"expiresAt"`
	Error      string `json:"error"`
}

// definitionSubscription reads the latest version of a definition and
// returns its appSubscription (nil when it has none), and the answer.
func definitionSubscription(t *testing.T, api, id string) (*appSubscriptionAnswer, string) {
	t.Helper()
	resp := call(t, http.MethodGet, api+"/definitions/"+id, nil, nil)
	var docs []struct {
		AppSubscription *appSubscriptionAnswer `json:"appSubscription"`
	}
	resp.decode(t, &docs)
	if len(docs) == 0 {
		t.Fatalf("definition %s: %s", id, resp.Body)
	}
	return docs[0].AppSubscription, string(resp.Body)
}

// waitSubscription waits until the definition's appSubscription has status.
func waitSubscription(t *testing.T, api, id, status string) appSubscriptionAnswer {
	t.Helper()
	var got *appSubscriptionAnswer
	waitFor(t, "app subscription "+status, time.Minute, func() bool {
		got, _ = definitionSubscription(t, api, id)
		return got != nil && got.Status == status
	})
	return *got
}

// TestAppSubscriptionThroughTheAPI: a stored app whose webhook trigger the
// app sends only once asked to (Acme's contact_created, with subscribe,
// renew and unsubscribe requests). A definition saved enabled on it makes
// Junction subscribe its webhook URL at Acme (its fake), with the
// connection's webhook secret; Acme's delivery, signed with that secret,
// starts a run, and a delivery of another event type is acknowledged and
// starts nothing; disabling the definition unsubscribes, and so does
// deleting it after it is enabled again. The API shows the subscription's
// state throughout; the secrets are in no history, log or API answer.
func TestAppSubscriptionThroughTheAPI(t *testing.T) {
	fake := exampletest.New(t)
	logger, logs := bufferLogger()
	s := startTestStack(t, devstack.Config{Logger: logger, ConnectorTransport: hostRouter{"acme.example": mustURL(t, fake.BaseURL())}})
	requireVault(t, s)
	api := s.GatewayURL + "/api/v1/accounts/acme"
	doc, err := os.ReadFile(filepath.Join("..", "..", "connectors", "declarative", "testdata", "valid", "acme_crm.json"))
	if err != nil {
		t.Fatal(err)
	}
	doc = bytes.Replace(doc, []byte(`"key": "acme"`), []byte(`"key": "acme_crm"`), 1)
	if r := call(t, http.MethodPost, api+"/apps", doc, nil); r.Status != http.StatusCreated {
		t.Fatalf("push the app: %d %s", r.Status, r.Body)
	}
	const webhookSecret = "whsec-acme-subscribed-e2e"
	conn := createConnection(t, api, `{"app":"acme_crm","authKind":"api_key","fields":{"key":"`+exampletest.APIKey+
		`","webhook_secret":"`+webhookSecret+`"},"properties":{"workspace":"northwind"}}`)
	hookURL := s.GatewayURL + "/hooks/acme/" + conn + "/contact_created"
	definition := func(status string) []byte {
		return []byte(`{"trigger": "acme_crm.contact_created", "triggerConnection": "` + conn + `", "status": "` + status + `",
			"definition": {"name": "welcome", "steps": [{"id": "note", "stepType": "SetVariables", "inputs": {"who": "{{data.payload.contact.email}}"}}]}}`)
	}
	var answers []string
	def := createDefinition(t, s, "acme", definition("enabled"))
	id := def["id"].(string)
	raw, _ := json.Marshal(def)
	answers = append(answers, string(raw))

	// Junction subscribes its webhook URL at Acme, with the secret.
	waitFor(t, "Acme to hold the subscription", time.Minute, func() bool { return len(fake.Webhooks("northwind")) == 1 })
	hook := fake.Webhooks("northwind")[0]
	if hook.URL != hookURL || hook.Secret != webhookSecret || strings.Join(hook.Events, ",") != "contact.created" {
		t.Errorf("Acme holds %+v, want %s with the connection's secret", hook, hookURL)
	}
	subscribed := waitSubscription(t, api, id, runs.AppSubscriptionSubscribed)
	if subscribed.ID != hook.ID || subscribed.WebhookURL != hookURL || subscribed.Connection != conn || subscribed.ExpiresAt == "" {
		t.Errorf("the API shows %+v; Acme holds %+v", subscribed, hook)
	}
	workflowID := runs.AppSubscriptionWorkflowID("acme", id)
	desc, err := s.Client.DescribeWorkflowExecution(context.Background(), workflowID, "")
	if err != nil || desc.WorkflowExecutionInfo.GetType().GetName() != runs.AppSubscriptionWorkflow {
		t.Fatalf("the subscription workflow: %v %v", desc, err)
	}
	firstRun := desc.WorkflowExecutionInfo.GetExecution().GetRunId()

	// Acme delivers a contact.created, signed as it signs: a run starts.
	event := []byte(`{"event_id": "evt_subscribed_1", "type": "contact.created", "occurred_at": "2026-12-07T03:00:00Z",
		"contact": {"id": "ct_7", "email": "grace@example.com", "lifecycle": "lead", "created_at": "2026-12-07T03:00:00Z"}}`)
	delivered, err := fake.Deliver(context.Background(), http.DefaultClient, "northwind", event)
	if err != nil || len(delivered) != 1 || delivered[0].Status != http.StatusOK {
		t.Fatalf("Acme's delivery: %+v %v", delivered, err)
	}
	var got webhookResult
	if err := json.Unmarshal(delivered[0].Body, &got); err != nil || len(got.Events) != 1 || len(got.Events[0].Runs) != 1 {
		t.Fatalf("Acme's delivery answered %s (%v)", delivered[0].Body, err)
	}
	if who := waitRun(t, s, got.Events[0].Runs[0].TemporalWorkflowID)["who"]; who != "grace@example.com" {
		t.Errorf("the run read %v", who)
	}
	// Another event type on the same URL: acknowledged, nothing starts.
	other := []byte(`{"event_id": "evt_subscribed_2", "type": "contact.deleted", "contact": {"id": "ct_7"}}`)
	ack := call(t, http.MethodPost, hookURL, other, map[string]string{example.SignatureHeader: exampletest.Sign(other, webhookSecret)})
	var acked webhookResult
	ack.decode(t, &acked)
	if ack.Status != http.StatusOK || len(acked.Events) != 0 {
		t.Errorf("a contact.deleted: %d %s", ack.Status, ack.Body)
	}
	forged := call(t, http.MethodPost, hookURL, event, map[string]string{example.SignatureHeader: exampletest.Sign(event, "not-the-secret")})
	if forged.Status != http.StatusUnauthorized {
		t.Errorf("a forged delivery: %d %s", forged.Status, forged.Body)
	}

	// Disabled: Junction unsubscribes, and the workflow ends.
	if r := call(t, http.MethodPut, api+"/definitions/"+id, definition("disabled"), nil); r.Status != http.StatusOK {
		t.Fatalf("disable: %d %s", r.Status, r.Body)
	} else {
		answers = append(answers, string(r.Body))
	}
	waitFor(t, "Acme to drop the subscription", time.Minute, func() bool { return len(fake.Webhooks("northwind")) == 0 })
	if unsubscribed := waitSubscription(t, api, id, runs.AppSubscriptionUnsubscribed); unsubscribed.ID != "" {
		t.Errorf("unsubscribed, the API shows %+v", unsubscribed)
	}
	waitFor(t, "the subscription workflow to end", time.Minute, func() bool {
		d, err := s.Client.DescribeWorkflowExecution(context.Background(), workflowID, firstRun)
		return err == nil && d.WorkflowExecutionInfo.GetStatus() == enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED
	})
	recordHistory(t, s, "app_subscription_subscribe_unsubscribe", workflowID, firstRun)
	var lines []string
	for _, r := range fake.Requests() {
		lines = append(lines, r.Method+" "+r.Path)
	}
	if want := "POST /v1/webhooks,DELETE /v1/webhooks/" + hook.ID; strings.Join(lines, ",") != want {
		t.Errorf("Acme saw %v, want %s", lines, want)
	}

	// Enabled again, then deleted: subscribed, then unsubscribed, and the
	// record goes with the definition.
	if r := call(t, http.MethodPut, api+"/definitions/"+id, definition("enabled"), nil); r.Status != http.StatusOK {
		t.Fatalf("enable: %d %s", r.Status, r.Body)
	}
	again := waitSubscription(t, api, id, runs.AppSubscriptionSubscribed)
	if again.ID == hook.ID || len(fake.Webhooks("northwind")) != 1 {
		t.Errorf("subscribed again as %+v; Acme holds %+v", again, fake.Webhooks("northwind"))
	}
	_, answer := definitionSubscription(t, api, id)
	answers = append(answers, answer)
	if r := call(t, http.MethodDelete, api+"/definitions/"+id, nil, nil); r.Status != http.StatusAccepted {
		t.Fatalf("delete: %d %s", r.Status, r.Body)
	}
	waitFor(t, "Acme to drop the subscription of the deleted definition", time.Minute, func() bool { return len(fake.Webhooks("northwind")) == 0 })
	waitFor(t, "the deleted definition's record to go", time.Minute, func() bool {
		_, err := s.Store.AppSubscription(context.Background(), "acme", id)
		return err != nil
	})

	// The webhook secret and the API key went to Acme only.
	histories, types := allHistories(t, s)
	if !types[runs.AppSubscriptionWorkflow] {
		t.Errorf("no %s history among %v", runs.AppSubscriptionWorkflow, types)
	}
	for name, secret := range map[string]string{"the webhook secret": webhookSecret, "the API key": exampletest.APIKey} {
		assertNowhere(t, secret, name, map[string]string{"histories": histories, "logs": logs.String(), "API answers": strings.Join(answers, "\n")})
	}
}
