package manage_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/mocks"

	"github.com/junction-run/junction/connectors"
	"github.com/junction-run/junction/connectors/declarative"
	"github.com/junction-run/junction/manage"
	"github.com/junction-run/junction/runs"
	"github.com/junction-run/junction/store"
)

// TestAppSubscriptionFollowsTheDefinition follows a definition on Acme's
// contact_created (an app trigger Junction subscribes) through its life,
// without a server: saved enabled, the workflow is signalled with start to
// subscribe Junction's webhook URL, and a pending record shows in the
// answer; saved disabled, it is signalled that nothing is wanted; deleted,
// that the definition is gone. A definition on a trigger that is not
// subscribed costs no call to Temporal.
func TestAppSubscriptionFollowsTheDefinition(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "junction.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.CreateAccount(ctx, store.Account{ID: "acme", Name: "Acme"}); err != nil {
		t.Fatal(err)
	}
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
	registry := connectors.NewRegistry()
	if err := registry.Register(c); err != nil {
		t.Fatal(err)
	}
	conn, err := st.CreateConnection(ctx, store.Connection{AccountID: "acme", ID: "7d1c2b3a-4e5f-4a6b-8c7d-9e0f1a2b3c4d", App: "acme",
		AppVersion: "1.0.0", AuthKind: "bearer", Fields: map[string]string{}, Properties: map[string]string{"workspace": "northwind"},
		SecretFields: []string{"token"}})
	if err != nil {
		t.Fatal(err)
	}
	// The definition does not poll: its poll schedule is deleted at every
	// save, whether there is one or not.
	tc, schedules, handle := mocks.NewClient(t), mocks.NewScheduleClient(t), mocks.NewScheduleHandle(t)
	tc.On("ScheduleClient").Return(schedules)
	schedules.On("GetHandle", mock.Anything, mock.Anything).Return(handle)
	handle.On("Delete", mock.Anything).Return(nil)
	defs := manage.NewDefinitions(st, tc, "default", registry, false)
	body := func(status, trigger string) []byte {
		return []byte(`{"trigger":"` + trigger + `","triggerConnection":"` + conn.ID + `","status":"` + status + `",
		  "definition":{"name":"Welcome","steps":[{"id":"note","stepType":"SetVariables","inputs":{"who":"{{data.payload.contact.email}}"}}]}}`)
	}
	const base = "https://junction.example"
	saving := manage.WithPublicURL(ctx, base+"/")

	// Saved enabled: subscribe.
	var started client.StartWorkflowOptions
	var want runs.AppSubscriptionWant
	tc.On("SignalWithStartWorkflow", mock.Anything, mock.Anything, runs.AppSubscriptionSignal, mock.Anything, mock.Anything,
		runs.AppSubscriptionWorkflow, mock.Anything).Run(func(args mock.Arguments) {
		want = args.Get(3).(runs.AppSubscriptionWant)
		started = args.Get(4).(client.StartWorkflowOptions)
	}).Return(nil, nil).Once()
	doc, err := defs.Create(saving, "acme", body("enabled", "acme.contact_created"))
	if err != nil {
		t.Fatal(err)
	}
	hookURL := base + "/hooks/acme/" + conn.ID + "/contact_created"
	if started.ID != runs.AppSubscriptionWorkflowID("acme", doc.ID) || started.TaskQueue != runs.TaskQueue || want.Seq != 1 ||
		want.Target == nil || *want.Target != (runs.AppSubscriptionTarget{App: "acme", AppVersion: "1.0.0", Trigger: "contact_created",
		ConnectionID: conn.ID, WebhookURL: hookURL}) {
		t.Errorf("started %+v with %+v", started, want)
	}
	if s := doc.AppSubscription; s == nil || s.Status != runs.AppSubscriptionPending || s.WebhookURL != hookURL {
		t.Errorf("the answer's app subscription: %+v", s)
	}

	// Saved disabled: nothing is wanted.
	tc.On("SignalWorkflow", mock.Anything, runs.AppSubscriptionWorkflowID("acme", doc.ID), "", runs.AppSubscriptionSignal, mock.Anything).
		Run(func(args mock.Arguments) { want = args.Get(4).(runs.AppSubscriptionWant) }).Return(nil).Once()
	if _, err := defs.Update(saving, "acme", doc.ID, body("disabled", "acme.contact_created"), 0); err != nil {
		t.Fatal(err)
	}
	if want.Seq != 2 || want.Target != nil || want.Deleted {
		t.Errorf("disabled: signalled %+v", want)
	}
	// The workflow's record shows in every answer.
	if err := st.SetAppSubscription(ctx, store.AppSubscription{AccountID: "acme", DefinitionID: doc.ID, Status: runs.AppSubscriptionUnsubscribed,
		App: "acme", Trigger: "contact_created", ConnectionID: conn.ID, WebhookURL: hookURL}); err != nil {
		t.Fatal(err)
	}
	versions, err := defs.Versions(ctx, "acme", doc.ID, 0, store.Page{Limit: 10})
	if err != nil || len(versions) != 2 || versions[0].AppSubscription == nil || versions[0].AppSubscription.Status != runs.AppSubscriptionUnsubscribed {
		t.Errorf("versions %+v (%v)", versions, err)
	}

	// Saved without the gateway's URL: saved, and the answer says the
	// subscription could not be updated.
	if _, err := defs.Update(ctx, "acme", doc.ID, body("enabled", "acme.contact_created"), 0); err == nil ||
		!strings.Contains(err.Error(), "app subscription could not be updated") {
		t.Errorf("enabled without a public URL: %v", err)
	}

	// Deleted: the definition is gone; a workflow that ended already leaves
	// the record to delete.
	tc.On("SignalWorkflow", mock.Anything, runs.AppSubscriptionWorkflowID("acme", doc.ID), "", runs.AppSubscriptionSignal, mock.Anything).
		Run(func(args mock.Arguments) { want = args.Get(4).(runs.AppSubscriptionWant) }).Return(serviceerror.NewNotFound("gone")).Once()
	tc.On("ListWorkflow", mock.Anything, mock.Anything).Return(&workflowservice.ListWorkflowExecutionsResponse{}, nil).Once()
	if err := defs.Delete(ctx, "acme", doc.ID, 0); err != nil {
		t.Fatal(err)
	}
	if !want.Deleted || want.Target != nil {
		t.Errorf("deleted: signalled %+v", want)
	}
	if _, err := st.AppSubscription(ctx, "acme", doc.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the deleted definition's record: %v", err)
	}

	// A definition on an http_request trigger: no call to Temporal (the
	// mock fails on any).
	if _, err := defs.Create(saving, "acme", []byte(`{"trigger":"http_request","status":"enabled",
		"definition":{"name":"Plain","steps":[{"id":"note","stepType":"SetVariables","inputs":{"a":"1"}}]}}`)); err != nil {
		t.Fatal(err)
	}
}
