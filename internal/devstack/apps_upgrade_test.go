package devstack_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/junction-run/junction/internal/devstack"
	"github.com/junction-run/junction/store"
)

// The secrets of the upgrade test: the connection's token, and the app's
// partner id, a secret environment variable it sends as a header.
const (
	crmToken     = "crm-token-8d7c6b5a4f3e"
	crmPartnerID = "crm-partner-1618033"
)

// crmFake is the third party of the upgrade test: it creates contacts and
// answers each with two ids, its old one and its new one, as an API in
// the middle of a migration does.
type crmFake struct {
	*httptest.Server
	mu       sync.Mutex
	contacts int
	requests int
}

func newCRMFake(t *testing.T) *crmFake {
	f := &crmFake{}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		defer f.mu.Unlock()
		f.requests++
		w.Header().Set("Content-Type", "application/json")
		if r.Header.Get("Authorization") != "Bearer "+crmToken {
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = io.WriteString(w, `{"error": "unauthorized"}`)
			return
		}
		var in struct{ Email string }
		if r.Method != http.MethodPost || r.URL.Path != "/v1/contacts" || json.NewDecoder(r.Body).Decode(&in) != nil {
			w.WriteHeader(http.StatusNotFound)
			_, _ = io.WriteString(w, `{"error": "no such route"}`)
			return
		}
		f.contacts++
		w.WriteHeader(http.StatusCreated)
		_ = json.NewEncoder(w).Encode(map[string]any{"id": fmt.Sprintf("ct_%d", f.contacts), "contact_id": fmt.Sprintf("C-%04d", f.contacts),
			"email": in.Email, "lifecycle": "lead"})
	}))
	t.Cleanup(f.Close)
	return f
}

func (f *crmFake) sent() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.requests
}

// upgradeReport is the dry run's answer, as far as the test reads it.
type upgradeReport struct {
	From, To      string
	Safe          bool
	SchemaChanges []upgradeChange
	Runs          []struct {
		WorkflowID string
		Steps      []struct {
			Step, Version string
			Differences   []upgradeChange
		}
	}
}

type upgradeChange struct {
	Kind, Action, Field string
	From, To            any
}

func hasChange(cs []upgradeChange, kind, field string, from, to any) bool {
	for _, c := range cs {
		if c.Kind == kind && c.Field == field && (from == nil || c.From == from) && (to == nil || c.To == to) {
			return true
		}
	}
	return false
}

// TestUpgradeADefinitionToANewAppVersion moves a definition from version 1
// of an app kept as data to version 2, which drops an output field and
// maps the answer's id from another field, while a run on version 1
// waits: the dry run replays the recorded run and reports the removed
// field and the changed answer, sending nothing; the upgrade saves a new
// definition version; the waiting run finishes on version 1 and a new run
// uses version 2. What was recorded holds no secret.
func TestUpgradeADefinitionToANewAppVersion(t *testing.T) {
	fake := newCRMFake(t)
	s := startTestStack(t, devstack.Config{ConnectorTransport: hostRouter{"crm.example": mustURL(t, fake.URL)}})
	requireVault(t, s)
	api := s.GatewayURL + "/api/v1/accounts/acme"

	v1, err := os.ReadFile(filepath.Join("..", "..", "connectors", "upgrade", "testdata", "acme_v1.json"))
	if err != nil {
		t.Fatal(err)
	}
	var app map[string]any
	if err := json.Unmarshal(v1, &app); err != nil {
		t.Fatal(err)
	}
	// Version 2: create_contact returns no lifecycle, and its id is the
	// answer's contact_id.
	app["version"] = "2.0.0"
	create := app["actions"].([]any)[0].(map[string]any)
	create["output"] = map[string]any{"type": "object", "properties": map[string]any{"id": map[string]any{"type": "string"}, "email": map[string]any{"type": "string"}}}
	create["response"] = map[string]any{"outputs": map[string]any{"id": "$.contact_id", "email": "$.email"}}
	v2, err := json.Marshal(app)
	if err != nil {
		t.Fatal(err)
	}

	if r := call(t, http.MethodPost, api+"/apps", v1, nil); r.Status != http.StatusCreated {
		t.Fatalf("store 1.0.0: %d %s", r.Status, r.Body)
	}
	if r := call(t, http.MethodPut, api+"/apps/acme_crm/versions/1.0.0/env", []byte(`{"variables":{"ACME_PARTNER_ID":{"value":"`+crmPartnerID+`","secret":true}}}`), nil); r.Status != http.StatusOK {
		t.Fatalf("env: %d %s", r.Status, r.Body)
	}
	conn := createConnection(t, api, `{"app":"acme_crm","authKind":"bearer","fields":{"token":"`+crmToken+`"},"properties":{"base_url":"https://crm.example"}}`)
	def := createDefinition(t, s, "acme", []byte(`{"trigger": "http_request", "status": "enabled", "apps": {"acme_crm": "1.0.0"}, "definition": {"name": "new lead", "steps": [
		{"id": "contact", "stepType": "acme_crm.create_contact", "connection": "`+conn+`",
		 "inputs": {"email": "{{data.email}}", "name": "{{data.name}}"}, "outputs": {"contactId": "{{step.id}}"}, "nextStepId": "pause"},
		{"id": "pause", "stepType": "Wait", "inputs": {"duration": "00:00:01"}, "nextStepId": "again"},
		{"id": "again", "stepType": "acme_crm.create_contact", "connection": "`+conn+`",
		 "inputs": {"email": "{{'again.' + data.email}}"}, "outputs": {"againId": "{{step.id}}"}}]}}`))
	defID := def["id"].(string)
	runsURL := api + "/definitions/" + defID + "/workflows"

	// A run on 1.0.0 that completes: its calls are recorded.
	first := trigger(t, s, "acme", `{"email": "grace@example.com", "name": "Grace Hopper"}`, map[string]string{"Idempotency-Key": "first"})
	if data := waitRun(t, s, first.Runs[0].TemporalWorkflowID); data["contactId"] != "ct_1" || data["againId"] != "ct_2" {
		t.Fatalf("the first run's data: %v", data)
	}
	// A run on 1.0.0 that waits: suspended from its start, it runs its
	// steps once the definition is on 2.0.0.
	waiting := trigger(t, s, "acme", `{"email": "ada@example.com", "name": "Ada Lovelace"}`, map[string]string{"Idempotency-Key": "waiting"})
	if r := call(t, http.MethodPatch, runsURL+"/waiting", []byte(`{"status":"suspend"}`), nil); r.Status != http.StatusOK {
		t.Fatalf("suspend: %d %s", r.Status, r.Body)
	}

	if r := call(t, http.MethodPost, api+"/apps", v2, nil); r.Status != http.StatusCreated {
		t.Fatalf("store 2.0.0: %d %s", r.Status, r.Body)
	}

	// The dry run: nothing moves, nothing is sent.
	upgradeURL := api + "/definitions/" + defID + "/upgrade-app"
	sent := fake.sent()
	dry := call(t, http.MethodPost, upgradeURL, []byte(`{"app": "acme_crm", "version": "2.0.0", "dryRun": true}`), nil)
	if dry.Status != http.StatusOK {
		t.Fatalf("dry run: %d %s", dry.Status, dry.Body)
	}
	if fake.sent() != sent {
		t.Errorf("the dry run sent %d requests to the third party", fake.sent()-sent)
	}
	var report upgradeReport
	dry.decode(t, &report)
	if report.From != "1.0.0" || report.To != "2.0.0" || report.Safe || !hasChange(report.SchemaChanges, "output_removed", "lifecycle", nil, nil) {
		t.Errorf("the dry run: %s", dry.Body)
	}
	var replayed bool
	for _, run := range report.Runs {
		if run.WorkflowID != "first" {
			continue
		}
		replayed = len(run.Steps) == 2
		for _, step := range run.Steps {
			if step.Version != "1.0.0" || !hasChange(step.Differences, "output_removed", "lifecycle", "lead", nil) ||
				!hasChange(step.Differences, "output_changed", "id", nil, nil) {
				t.Errorf("step %s of the first run replayed: %+v", step.Step, step)
			}
		}
		if run.Steps[0].Step != "contact" || !hasChange(run.Steps[0].Differences, "output_changed", "id", "ct_1", "C-0001") {
			t.Errorf("the first run's first step: %+v", run.Steps[0])
		}
	}
	if !replayed {
		t.Errorf("the dry run did not replay the first run's two calls: %s", dry.Body)
	}
	for _, secret := range []string{crmToken, crmPartnerID} {
		if strings.Contains(string(dry.Body), secret) {
			t.Errorf("the dry run's answer holds a secret: %s", dry.Body)
		}
	}
	for _, bad := range []struct{ body, field string }{
		{`{"app": "slack", "version": "1.0.0", "dryRun": true}`, "app"},
		{`{"app": "acme_crm", "version": "9.9.9", "dryRun": true}`, "version"},
		{`{"app": "acme_crm", "version": "1.0.0"}`, "version"},
		{`{"app": "acme_crm", "dryRun": true}`, "version"},
		{`{"app": "acme_crm", "version": "2.0.0", "dry": true}`, "dry"},
	} {
		r := call(t, http.MethodPost, upgradeURL, []byte(bad.body), nil)
		var e struct{ Errors []struct{ Path string } }
		r.decode(t, &e)
		if r.Status != http.StatusBadRequest || len(e.Errors) == 0 || e.Errors[0].Path != bad.field {
			t.Errorf("%s: %d %s, want a 400 naming %s", bad.body, r.Status, r.Body, bad.field)
		}
	}
	if r := call(t, http.MethodPost, api+"/definitions/0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d/upgrade-app", []byte(`{"app": "acme_crm", "version": "2.0.0"}`), nil); r.Status != http.StatusNotFound {
		t.Errorf("an unknown definition: %d %s", r.Status, r.Body)
	}

	// The upgrade: the definition's next version pins 2.0.0.
	up := call(t, http.MethodPost, upgradeURL, []byte(`{"app": "acme_crm", "version": "2.0.0"}`), nil)
	var moved struct {
		Version int
		Apps    map[string]string
	}
	up.decode(t, &moved)
	if up.Status != http.StatusOK || moved.Version != 2 || moved.Apps["acme_crm"] != "2.0.0" {
		t.Fatalf("upgrade: %d %s", up.Status, up.Body)
	}

	// The waiting run finishes on 1.0.0: ids as 1.0.0 maps them.
	if r := call(t, http.MethodPatch, runsURL+"/waiting", []byte(`{"status":"resume"}`), nil); r.Status != http.StatusOK {
		t.Fatalf("resume: %d %s", r.Status, r.Body)
	}
	if data := waitRun(t, s, waiting.Runs[0].TemporalWorkflowID); !strings.HasPrefix(fmt.Sprint(data["contactId"]), "ct_") || !strings.HasPrefix(fmt.Sprint(data["againId"]), "ct_") {
		t.Errorf("the waiting run's data: %v, want 1.0.0's ids", data)
	}
	// A new run uses 2.0.0.
	after := trigger(t, s, "acme", `{"email": "alan@example.com", "name": "Alan Turing"}`, map[string]string{"Idempotency-Key": "after"})
	if data := waitRun(t, s, after.Runs[0].TemporalWorkflowID); !strings.HasPrefix(fmt.Sprint(data["contactId"]), "C-") {
		t.Errorf("the new run's data: %v, want 2.0.0's ids", data)
	}

	// What was recorded: each run's calls on the version it pinned, their
	// outputs as that version made them, and no secret.
	calls, err := s.Store.RecordedCalls(context.Background(), "acme", defID, 10)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{first.Runs[0].TemporalWorkflowID: "1.0.0", waiting.Runs[0].TemporalWorkflowID: "1.0.0", after.Runs[0].TemporalWorkflowID: "2.0.0"}
	seen := map[string]int{}
	for _, rc := range calls {
		seen[rc.WorkflowID]++
		var rec struct{ Output map[string]any }
		if err := json.Unmarshal(rc.Record, &rec); err != nil {
			t.Fatal(err)
		}
		_, hasLifecycle := rec.Output["lifecycle"]
		if rc.Version != want[rc.WorkflowID] || hasLifecycle != (rc.Version == "1.0.0") {
			t.Errorf("run %s, step %s: recorded on %s with output %v, want %s", rc.WorkflowID, rc.StepID, rc.Version, rec.Output, want[rc.WorkflowID])
		}
		assertNoSecret(t, rc)
	}
	for wf := range want {
		if seen[wf] != 2 {
			t.Errorf("run %s has %d recorded calls, want 2", wf, seen[wf])
		}
	}
}

func assertNoSecret(t *testing.T, rc store.RecordedCall) {
	t.Helper()
	for _, secret := range []string{crmToken, crmPartnerID} {
		if strings.Contains(string(rc.Record), secret) {
			t.Errorf("the record of %s %s holds a secret: %s", rc.WorkflowID, rc.StepID, rc.Record)
		}
	}
}
