package manage_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"go.temporal.io/sdk/mocks"

	"github.com/junction-run/junction/connectors"
	"github.com/junction-run/junction/connectors/declarative"
	"github.com/junction-run/junction/connectors/upgrade"
	"github.com/junction-run/junction/manage"
	"github.com/junction-run/junction/store"
)

// accountApps serves account acme's versions of the testdata app of
// package connectors/upgrade, as apps kept as data.
type accountApps struct{ reg *connectors.Registry }

func (a accountApps) AppRegistry(_ context.Context, accountID, key string, _ bool) (*connectors.Registry, error) {
	if accountID != "acme" || key != "acme_crm" {
		return nil, fmt.Errorf("%w %q", connectors.ErrUnknownConnector, key)
	}
	return a.reg, nil
}

func acmeVersions(t *testing.T) *connectors.Registry {
	t.Helper()
	reg := connectors.NewRegistry()
	for _, file := range []string{"acme_v1.json", "acme_v2.json"} {
		data, err := os.ReadFile(filepath.Join("..", "connectors", "upgrade", "testdata", file))
		if err != nil {
			t.Fatal(err)
		}
		app, err := declarative.Parse(data)
		if err != nil {
			t.Fatal(err)
		}
		c, err := app.Connector()
		if err != nil {
			t.Fatal(err)
		}
		reg.MustRegister(c)
	}
	return reg
}

// acmeStore is a fresh store with account acme.
func acmeStore(t *testing.T) *store.Store {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "junction.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	if _, err := st.CreateAccount(ctx, store.Account{ID: "acme", Name: "Acme"}); err != nil {
		t.Fatal(err)
	}
	return st
}

// recordedCall is a call of create_contact on 1.0.0 as the worker records
// it: Acme answered with the contact, under both its ids.
func recordedCall(t *testing.T, workflowID string, input map[string]any) store.RecordedCall {
	t.Helper()
	answer, _ := json.Marshal(map[string]any{"id": "ct_1", "contact_id": "C-0001", "email": input["email"], "lifecycle": "lead"})
	call := upgrade.Call{Input: input, AuthKind: connectors.AuthAPIKey, Properties: map[string]string{"base_url": "https://acme.example"},
		Exchanges: []upgrade.Exchange{{Request: upgrade.Request{Method: "POST", URL: "https://acme.example/v1/contacts"},
			Answer: &upgrade.Answer{Status: 201, ContentType: "application/json", Body: string(answer)}}},
		Output: map[string]any{"id": "ct_1", "email": input["email"], "lifecycle": "lead"}}
	raw, err := json.Marshal(call)
	if err != nil {
		t.Fatal(err)
	}
	return store.RecordedCall{AccountID: "acme", WorkflowID: workflowID, ActivityID: "5", StepID: "contact",
		App: "acme_crm", Version: "1.0.0", Action: "create_contact", Record: raw}
}

func summarize(cs []upgrade.Change) []string {
	out := []string{}
	for _, c := range cs {
		out = append(out, strings.Join(strings.Fields(c.Kind+" "+c.Field), " "))
	}
	return out
}

// TestPlanAppUpgrade dry-runs moving a definition from 1.0.0 to 2.0.0 of
// an app kept as data: the schema changes that matter to the action it
// uses, what saving it would refuse (its connection's auth kind is gone),
// and its recorded runs replayed, newest first.
func TestPlanAppUpgrade(t *testing.T) {
	ctx := context.Background()
	st := acmeStore(t)
	conn, err := st.CreateConnection(ctx, store.Connection{AccountID: "acme", ID: "7b0c3f4e-5d6a-4b8c-9e1f-2a3b4c5d6e7f", App: "acme_crm", AppVersion: "1.0.0",
		AuthKind: "bearer", Fields: map[string]string{}, Properties: map[string]string{"base_url": "https://acme.example"}, SecretFields: []string{"token"}})
	if err != nil {
		t.Fatal(err)
	}
	registry := connectors.NewRegistry().WithAccountApps(accountApps{acmeVersions(t)})
	defs := manage.NewDefinitions(st, mocks.NewClient(t), "default", registry, false)
	doc, err := defs.Create(ctx, "acme", []byte(`{"trigger": "http_request", "apps": {"acme_crm": "1.0.0"}, "definition": {"name": "new lead", "steps": [
		{"id": "contact", "stepType": "acme_crm.create_contact", "connection": "`+conn.ID+`", "inputs": {"email": "{{data.email}}", "name": "{{data.name}}"}}]}}`))
	if err != nil {
		t.Fatal(err)
	}
	for _, rc := range []store.RecordedCall{
		recordedCall(t, "acme/"+doc.ID+"/first", map[string]any{"email": "grace@example.com", "name": "Grace"}),
		recordedCall(t, "acme/"+doc.ID+"/second", map[string]any{"email": "ada@example.com", "name": "Ada", "tags": []any{"vip"}}),
		func() store.RecordedCall {
			// A call recorded without its answer: 1.0.0 cannot make
			// what it returned again.
			rc := recordedCall(t, "acme/"+doc.ID+"/third", map[string]any{"email": "alan@example.com", "name": "Alan"})
			rc.Record = []byte(`{"input": {"email": "alan@example.com", "name": "Alan"}, "exchanges": [], "output": {"id": "ct_9"}}`)
			return rc
		}(),
	} {
		rc.DefinitionID = doc.ID
		if err := st.RecordCall(ctx, rc); err != nil {
			t.Fatal(err)
		}
	}

	report, err := defs.PlanAppUpgrade(ctx, "acme", doc.ID, manage.UpgradeAppRequest{App: "acme_crm", Version: "2.0.0", DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	if report.From != "1.0.0" || report.To != "2.0.0" || report.DefinitionVersion != 1 || report.Safe || report.NotReplayed != "" {
		t.Errorf("report %+v", report)
	}
	wantSchema := []string{"input_retyped score", "input_removed tags", "input_required name", "output_removed lifecycle",
		"property_needed region", "auth_removed bearer", "definition_fault definition.steps[0].connection"}
	if got := summarize(report.SchemaChanges); !slices.Equal(got, wantSchema) {
		t.Errorf("schema changes\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(wantSchema, "\n"))
	}
	var runs []string
	for _, r := range report.Runs {
		for _, s := range r.Steps {
			runs = append(runs, r.WorkflowID+" "+s.Step+" "+s.Version+": "+strings.Join(summarize(s.Differences), ", "))
		}
	}
	wantRuns := []string{
		"third contact 1.0.0: not_replayed",
		"second contact 1.0.0: input_invalid tags",
		"first contact 1.0.0: request_changed url, request_changed body.source, output_changed id, output_removed lifecycle",
	}
	if !slices.Equal(runs, wantRuns) {
		t.Errorf("runs\n%s\nwant\n%s", strings.Join(runs, "\n"), strings.Join(wantRuns, "\n"))
	}

	// The dry run moved nothing.
	latest, err := defs.Get(ctx, "acme", doc.ID, 0)
	if err != nil {
		t.Fatal(err)
	}
	if now, err := manage.Document(latest); err != nil || now.Version != 1 || now.Apps["acme_crm"] != "1.0.0" {
		t.Errorf("after the dry run the definition is %+v, %v", now, err)
	}
}

func TestUpgradeAppRefuses(t *testing.T) {
	ctx := context.Background()
	st := acmeStore(t)
	registry := connectors.NewRegistry().WithAccountApps(accountApps{acmeVersions(t)})
	defs := manage.NewDefinitions(st, mocks.NewClient(t), "default", registry, false)
	conn, err := st.CreateConnection(ctx, store.Connection{AccountID: "acme", ID: "1f2e3d4c-5b6a-4978-8a9b-0c1d2e3f4a5b", App: "acme_crm", AppVersion: "1.0.0",
		AuthKind: "api_key", Fields: map[string]string{}, Properties: map[string]string{"base_url": "https://acme.example"}, SecretFields: []string{"key"}})
	if err != nil {
		t.Fatal(err)
	}
	doc, err := defs.Create(ctx, "acme", []byte(`{"trigger": "http_request", "apps": {"acme_crm": "1.0.0"}, "definition": {"name": "lookup", "steps": [
		{"id": "get", "stepType": "acme_crm.get_contact", "connection": "`+conn.ID+`", "inputs": {"id": "{{data.id}}"}}]}}`))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		id        string
		req       manage.UpgradeAppRequest
		wantErr   error
		wantField string
	}{
		{name: "no app", req: manage.UpgradeAppRequest{Version: "2.0.0"}, wantErr: store.ErrInvalid, wantField: "app"},
		{name: "no version", req: manage.UpgradeAppRequest{App: "acme_crm"}, wantErr: store.ErrInvalid, wantField: "version"},
		{name: "an app the definition does not use", req: manage.UpgradeAppRequest{App: "slack", Version: "1.0.0"}, wantErr: store.ErrInvalid, wantField: "app"},
		{name: "a version the app does not have", req: manage.UpgradeAppRequest{App: "acme_crm", Version: "3.0.0"}, wantErr: store.ErrInvalid, wantField: "version"},
		{name: "the version pinned already", req: manage.UpgradeAppRequest{App: "acme_crm", Version: "1.0.0"}, wantErr: store.ErrInvalid, wantField: "version"},
		{name: "no such definition", id: "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d", req: manage.UpgradeAppRequest{App: "acme_crm", Version: "2.0.0"}, wantErr: store.ErrNotFound},
	}
	for _, tt := range tests {
		for _, dry := range []bool{true, false} {
			t.Run(fmt.Sprintf("%s dry run %v", tt.name, dry), func(t *testing.T) {
				id := tt.id
				if id == "" {
					id = doc.ID
				}
				tt.req.DryRun = dry
				if dry {
					_, err = defs.PlanAppUpgrade(ctx, "acme", id, tt.req)
				} else {
					_, err = defs.UpgradeApp(ctx, "acme", id, tt.req)
				}
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
				var me *manage.Error
				if tt.wantField != "" && (!errors.As(err, &me) || len(me.Fields) != 1 || me.Fields[0].Path != tt.wantField) {
					t.Errorf("err %v names %+v, want field %s", err, me, tt.wantField)
				}
			})
		}
	}

	// A renamed action: the plan says where it went, and saving on 2.0.0
	// would be refused.
	report, err := defs.PlanAppUpgrade(ctx, "acme", doc.ID, manage.UpgradeAppRequest{App: "acme_crm", Version: "2.0.0"})
	if err != nil {
		t.Fatal(err)
	}
	if report.Safe || len(report.SchemaChanges) == 0 || report.SchemaChanges[0].Kind != upgrade.ActionRemoved || report.SchemaChanges[0].To != "fetch_contact" {
		t.Errorf("report %+v", report)
	}
	if !slices.Contains(summarize(report.SchemaChanges), "definition_fault definition.steps[0].stepType") {
		t.Errorf("schema changes %v, want the step type refused", summarize(report.SchemaChanges))
	}
	if _, err := defs.UpgradeApp(ctx, "acme", doc.ID, manage.UpgradeAppRequest{App: "acme_crm", Version: "2.0.0"}); err == nil {
		t.Error("moving to a version without the action succeeded")
	}
}
