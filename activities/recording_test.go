package activities

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/testsuite"

	"github.com/junction-run/junction/connectors"
	"github.com/junction-run/junction/connectors/auth"
	"github.com/junction-run/junction/connectors/declarative"
	"github.com/junction-run/junction/connectors/upgrade"
	"github.com/junction-run/junction/definition"
	"github.com/junction-run/junction/runs"
	"github.com/junction-run/junction/store"
)

// The secrets of the recorded calls: the connection's token, and the
// app's partner id, a secret environment variable.
const (
	recordToken     = "tok-recorded-5f4e3d2c"
	recordPartnerID = "partner-recorded-2718"
)

// storedApp serves the testdata app of package connectors/upgrade as an
// app account acme keeps as data.
type storedApp struct{ reg *connectors.Registry }

func (s storedApp) AppRegistry(_ context.Context, accountID, key string, _ bool) (*connectors.Registry, error) {
	if accountID != "acme" || key != "acme_crm" {
		return nil, connectors.ErrUnknownConnector
	}
	return s.reg, nil
}

type acmeConnection struct{ baseURL string }

func (c acmeConnection) Resolve(_ context.Context, _, id string) (connectors.Connection, auth.Credentials, error) {
	return connectors.Connection{ID: id, AuthKind: connectors.AuthBearer, Properties: map[string]string{"base_url": c.baseURL},
		Secrets: connectors.SecretValues{connectors.FieldToken: recordToken}}, auth.Bearer(recordToken), nil
}

type partnerEnv struct{}

func (partnerEnv) Env(context.Context, string, string, string) (connectors.EnvVars, error) {
	return connectors.EnvVars{"ACME_PARTNER_ID": recordPartnerID}, nil
}

// TestConnectorStepsAreRecorded runs steps of an app kept as data through
// the activity: what they sent and got is recorded in the store, under
// the run's definition, without a secret; a call outside a definition's
// run, or of a built-in connector, is not recorded.
func TestConnectorStepsAreRecorded(t *testing.T) {
	var sent []string
	fake := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		sent = append(sent, r.Header.Get("Authorization")+" "+r.Header.Get("X-Acme-Partner")+" "+string(body))
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		// An answer that echoes what it got: secrets included.
		_, _ = w.Write([]byte(`{"id": "ct_1", "email": "grace@example.com", "lifecycle": "lead", "echo": ` + strconvQuote(string(body)) + `}`))
	}))
	t.Cleanup(fake.Close)

	data, err := os.ReadFile(filepath.Join("..", "connectors", "upgrade", "testdata", "acme_v1.json"))
	if err != nil {
		t.Fatal(err)
	}
	app, err := declarative.Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := app.Connector()
	if err != nil {
		t.Fatal(err)
	}
	apps := connectors.NewRegistry()
	apps.MustRegister(conn)

	ctx := context.Background()
	st, err := store.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "junction.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	if _, err := st.CreateAccount(ctx, store.Account{ID: "acme", Name: "Acme"}); err != nil {
		t.Fatal(err)
	}
	c := &Connectors{Registry: connectors.NewRegistry().WithAccountApps(storedApp{apps}), Connections: acmeConnection{fake.URL},
		Env: partnerEnv{}, Recorder: st}
	var s testsuite.WorkflowTestSuite
	env := s.NewTestActivityEnvironment()
	env.RegisterActivityWithOptions(c.Run, activity.RegisterOptions{Name: "acme_crm.create_contact"})

	// The name is the partner id, through {{env.ACME_PARTNER_ID}}.
	call := runs.ConnectorCall{StepID: "contact", AccountID: "acme", DefinitionID: "def-1", Connector: "acme_crm", Action: "create_contact",
		Version: "1.0.0", ConnectionID: "conn-1", Input: map[string]any{"email": "grace@example.com", "name": "{{env.ACME_PARTNER_ID}}"},
		Env: []definition.EnvSlot{{Pointer: "/name", Parts: []definition.EnvPart{{Env: "ACME_PARTNER_ID"}}}}}
	if _, err := env.ExecuteActivity("acme_crm.create_contact", call); err != nil {
		t.Fatal(err)
	}
	unrecorded := call
	unrecorded.DefinitionID = ""
	if _, err := env.ExecuteActivity("acme_crm.create_contact", unrecorded); err != nil {
		t.Fatal(err)
	}
	// The same app built in: Go code a replay cannot trust to send
	// nothing, so nothing to record.
	builtIn := &Connectors{Registry: apps, Connections: acmeConnection{fake.URL}, Env: partnerEnv{}, Recorder: st}
	builtInEnv := s.NewTestActivityEnvironment()
	builtInEnv.RegisterActivityWithOptions(builtIn.Run, activity.RegisterOptions{Name: "acme_crm.create_contact"})
	ofBuiltIn := call
	ofBuiltIn.DefinitionID = "def-2"
	if _, err := builtInEnv.ExecuteActivity("acme_crm.create_contact", ofBuiltIn); err != nil {
		t.Fatal(err)
	}
	if calls, err := st.RecordedCalls(ctx, "acme", "def-2", 10); err != nil || len(calls) != 0 {
		t.Errorf("a built-in connector's call was recorded: %d %v", len(calls), err)
	}
	if len(sent) != 3 || !strings.Contains(sent[0], "Bearer "+recordToken) || !strings.Contains(sent[0], recordPartnerID) {
		t.Fatalf("the third party got %q: the steps did not run as they would", sent)
	}

	calls, err := st.RecordedCalls(ctx, "acme", "def-1", 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(calls) != 1 {
		t.Fatalf("recorded %d calls, want the step of the definition's run", len(calls))
	}
	rc := calls[0]
	if rc.StepID != "contact" || rc.App != "acme_crm" || rc.Version != "1.0.0" || rc.Action != "create_contact" || rc.WorkflowID == "" || rc.ActivityID == "" {
		t.Errorf("recorded %+v", rc)
	}
	for _, secret := range []string{recordToken, recordPartnerID} {
		if strings.Contains(string(rc.Record), secret) {
			t.Errorf("the record holds a secret: %s", rc.Record)
		}
	}
	var rec upgrade.Call
	if err := json.Unmarshal(rc.Record, &rec); err != nil {
		t.Fatal(err)
	}
	out, _ := rec.Output.(map[string]any)
	if rec.Input["email"] != "grace@example.com" || len(rec.Exchanges) != 1 || rec.Exchanges[0].Answer == nil ||
		rec.Exchanges[0].Answer.Status != http.StatusCreated || rec.Exchanges[0].Request.URL != fake.URL+"/v1/contacts" ||
		out["id"] != "ct_1" || rec.Properties["base_url"] != fake.URL {
		t.Errorf("record %s", rc.Record)
	}
}

func strconvQuote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
