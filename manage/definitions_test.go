package manage_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/mocks"
	"go.temporal.io/sdk/temporal"

	"github.com/junction-run/junction/connectors"
	"github.com/junction-run/junction/connectors/catalog"
	"github.com/junction-run/junction/connectors/connectortest/example"
	"github.com/junction-run/junction/connectors/shopify"
	"github.com/junction-run/junction/manage"
	"github.com/junction-run/junction/runs"
	"github.com/junction-run/junction/store"
)

// TestPollSchedule follows a polling definition's schedule through its
// life, without a server: created running with the definition's first
// version, paused (cursor and all) by a disabled version, deleted with the
// definition.
func TestPollSchedule(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "junction.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.CreateAccount(ctx, store.Account{ID: "acme", Name: "Acme"}); err != nil {
		t.Fatal(err)
	}
	registry := catalog.New()
	shop, err := registry.Lookup("shopify", "")
	if err != nil {
		t.Fatal(err)
	}
	conn, err := st.CreateConnection(ctx, store.Connection{AccountID: "acme", ID: "5e1c9d9a-2b7f-4c3e-8a51-0d6f2e9b7c44", App: "shopify", AppVersion: shop.Spec().Version,
		AuthKind: "api_key", Fields: map[string]string{}, Properties: map[string]string{"shop": "northwind.myshopify.com"}, SecretFields: []string{"key"}})
	if err != nil {
		t.Fatal(err)
	}
	tc, schedules, handle := mocks.NewClient(t), mocks.NewScheduleClient(t), mocks.NewScheduleHandle(t)
	tc.On("ScheduleClient").Return(schedules)
	defs := manage.NewDefinitions(st, tc, "default", registry, true)
	body := func(status string) []byte {
		return []byte(`{"trigger":"shopify.new_orders","triggerConnection":"` + conn.ID + `","status":"` + status + `",
		  "definition":{"name":"Paid orders","steps":[{"id":"note","stepType":"SetVariables","inputs":{"order":"{{data.payload.name}}"}}]}}`)
	}

	var created client.ScheduleOptions
	schedules.On("Create", mock.Anything, mock.Anything).Run(func(args mock.Arguments) {
		created = args.Get(1).(client.ScheduleOptions)
	}).Return(handle, nil).Once()
	doc, err := defs.Create(ctx, "acme", body("enabled"))
	if err != nil {
		t.Fatal(err)
	}
	id := runs.PollScheduleID("acme", doc.ID)
	in, _ := created.Action.(*client.ScheduleWorkflowAction).Args[0].(runs.PollInput)
	if created.ID != id || created.Paused || len(created.Spec.Intervals) != 1 ||
		created.Spec.Intervals[0].Every != shopify.NewOrdersPollInterval ||
		created.Spec.Intervals[0].Offset != manage.PollScheduleOffset(id, shopify.NewOrdersPollInterval) ||
		in.Version != 1 || in.ConnectionID != conn.ID || in.TriggerID != "new_orders" || !in.LocalHTTPSteps || doc.Apps["shopify"] != shop.Spec().Version {
		t.Errorf("schedule %+v with %+v", created, in)
	}

	// A disabled version: the schedule exists, so it is updated, paused.
	schedules.On("GetHandle", mock.Anything, id).Return(handle)
	handle.On("Describe", mock.Anything).Return(&client.ScheduleDescription{}, nil).Once()
	schedules.On("Create", mock.Anything, mock.Anything).Return(nil, temporal.ErrScheduleAlreadyRunning).Once()
	var updated *client.ScheduleUpdate
	handle.On("Update", mock.Anything, mock.Anything).Run(func(args mock.Arguments) {
		updated, _ = args.Get(1).(client.ScheduleUpdateOptions).DoUpdate(client.ScheduleUpdateInput{Description: client.ScheduleDescription{}})
	}).Return(nil).Once()
	if _, err := defs.Update(ctx, "acme", doc.ID, body("disabled"), 1); err != nil {
		t.Fatal(err)
	}
	if updated == nil || !updated.Schedule.State.Paused || updated.Schedule.Action.(*client.ScheduleWorkflowAction).Args[0].(runs.PollInput).Version != 2 {
		t.Errorf("update %+v", updated)
	}

	// Deleted: the schedule first, then the runs, then the definition.
	handle.On("Delete", mock.Anything).Return(nil).Once()
	tc.On("ListWorkflow", mock.Anything, mock.Anything).Return(&workflowservice.ListWorkflowExecutionsResponse{}, nil).Once()
	if err := defs.Delete(ctx, "acme", doc.ID, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := defs.Get(ctx, "acme", doc.ID, 0); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("after delete: %v", err)
	}
}

// A definition triggered by an app that declares state schemas gets them,
// for the scopes it declares none of its own for.
func TestDefinitionPinsTheAppsStateSchemas(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "junction.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.CreateAccount(ctx, store.Account{ID: "acme", Name: "Acme"}); err != nil {
		t.Fatal(err)
	}
	registry := connectors.NewRegistry()
	if err := registry.Register(example.New()); err != nil {
		t.Fatal(err)
	}
	app, err := registry.Lookup(example.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	conn, err := st.CreateConnection(ctx, store.Connection{AccountID: "acme", ID: "0b6a9f0e-8d3c-4b1a-9e2f-7c5d4a3b2e1f", App: example.ID,
		AppVersion: app.Spec().Version, AuthKind: "api_key", Fields: map[string]string{}, Properties: map[string]string{"workspace": "northwind"},
		SecretFields: []string{"key"}})
	if err != nil {
		t.Fatal(err)
	}
	// A definition that does not poll has its poll schedule deleted,
	// whether there is one or not.
	tc, schedules, handle := mocks.NewClient(t), mocks.NewScheduleClient(t), mocks.NewScheduleHandle(t)
	tc.On("ScheduleClient").Return(schedules)
	schedules.On("GetHandle", mock.Anything, mock.Anything).Return(handle)
	handle.On("Delete", mock.Anything).Return(nil)
	defs := manage.NewDefinitions(st, tc, "default", registry, true)
	for _, tc := range []struct {
		name, states string
		want         string // the user scope's schema, as saved
	}{
		{"none declared: the app's", "", `"pattern":"^ct_"`},
		{"its own wins", `"states": {"user": {"schema": {"type": "object", "properties": {"plan": {"type": "string"}}}}},`, `"plan":{"type":"string"}`},
		{"an expiry alone keeps it and takes the app's schema", `"states": {"user": {"expiresIn": "P7D"}},`, `"pattern":"^ct_"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc, err := defs.Create(ctx, "acme", []byte(`{"trigger": "acme.contact_created", "triggerConnection": "`+conn.ID+`", `+tc.states+`
				"definition": {"name": "welcome", "steps": [{"id": "s", "stepType": "SetState", "inputs": {"scope": "user", "values": {"acmeContactId": "ct_1"}}}]}}`))
			if err != nil {
				t.Fatal(err)
			}
			saved, err := defs.Get(ctx, "acme", doc.ID, 0)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(strings.ReplaceAll(string(saved.Body), " ", ""), tc.want) {
				t.Errorf("saved %s, want the user schema to hold %s", saved.Body, tc.want)
			}
			if tc.name == "an expiry alone keeps it and takes the app's schema" && doc.States["user"].ExpiresIn != "P7D" {
				t.Errorf("states %+v", doc.States)
			}
		})
	}
}
