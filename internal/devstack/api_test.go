package devstack_test

import (
	"bytes"
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/junction-run/junction/gateway"
	"github.com/junction-run/junction/internal/devstack"
	"github.com/junction-run/junction/store"
)

// waitingDefinition waits for a reply (so its runs stay open) and then calls
// the sink.
func waitingDefinition(sinkURL string) []byte {
	return []byte(`{"trigger":"http_request","status":"enabled","definition":{"name":"waits","steps":[
	  {"id":"wait","stepType":"WaitForReply","inputs":{"from":"{{data.from}}","channel":"sms"},"nextStepId":"notify"},
	  {"id":"notify","stepType":"HttpRequest","inputs":{"url":"` + sinkURL + `/after-wait","method":"POST"}}]}}`)
}

// TestForeignKeysSeeNothing walks every route of the API with a key of
// another account on paths naming real resources of acme: each answers
// 404, and nothing of acme changes.
func TestForeignKeysSeeNothing(t *testing.T) {
	s := startStack(t, t.TempDir(), false)
	defer s.Stop(context.Background())
	sk := newSink(t)
	ctx := context.Background()

	def := createDefinition(t, s, "acme", waitingDefinition(sk.URL))
	defID := def["id"].(string)
	run := trigger(t, s, "acme", `{"from":"+6591234567"}`, map[string]string{"Idempotency-Key": "matrix-1"})
	key, _, err := s.Store.CreateAPIKey(ctx, "acme", "victim", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Store.CreateSubAccount(ctx, store.SubAccount{AccountID: "acme", ID: "acme_sms", Name: "SMS"}); err != nil {
		t.Fatal(err)
	}
	_, foreign, err := s.Store.CreateAPIKey(ctx, "globex", "attacker", []string{store.ScopeAdmin})
	if err != nil {
		t.Fatal(err)
	}

	params := strings.NewReplacer(":accountId", "acme", ":definitionId", defID, ":workflowId", run.Runs[0].WorkflowID,
		":keyId", key.ID, ":subAccountId", "acme_sms")
	bodies := map[string]string{
		"PATCH": `{"status":"terminate"}`,
		"PUT":   string(orderDefinition(sk.URL, "enabled")),
		"POST":  `{}`,
	}
	var walked int
	for _, r := range s.Gateway.Routes() {
		method, path := r[0], r[1]
		if !strings.HasPrefix(path, "/api/v1/accounts/") {
			continue
		}
		walked++
		url := s.GatewayURL + params.Replace(path)
		t.Run(method+" "+path, func(t *testing.T) {
			resp := call(t, method, url, []byte(bodies[method]), map[string]string{"Authorization": "Bearer " + foreign})
			if resp.Status != http.StatusNotFound {
				t.Fatalf("status %d, want 404: %s", resp.Status, resp.Body)
			}
			if strings.Contains(string(resp.Body), defID) || strings.Contains(string(resp.Body), key.Prefix) {
				t.Fatalf("the answer names acme's resources: %s", resp.Body)
			}
		})
	}
	if walked < 20 {
		t.Fatalf("walked %d account routes; the router has fewer than expected", walked)
	}

	// acme is untouched.
	if vs, _ := s.Store.DefinitionVersions(ctx, "acme", defID, store.Page{}); len(vs) != 1 {
		t.Errorf("acme's definition has %d versions", len(vs))
	}
	if k, err := s.Store.APIKey(ctx, "acme", key.ID); err != nil || k.RevokedAt != nil {
		t.Errorf("acme's key: %v, revoked %v", err, k.RevokedAt)
	}
	if subs, _ := s.Store.ListSubAccounts(ctx, "acme", store.Page{}); len(subs) != 1 {
		t.Errorf("acme has %d sub-accounts", len(subs))
	}
	var inst map[string]any
	call(t, http.MethodGet, s.GatewayURL+"/api/v1/accounts/acme/definitions/"+defID+"/workflows/matrix-1", nil, nil).decode(t, &inst)
	if inst["status"] != "Runnable" {
		t.Errorf("acme's run is %v", inst["status"])
	}
}

func TestAuthentication(t *testing.T) {
	s := startStack(t, t.TempDir(), false)
	defer s.Stop(context.Background())
	ctx := context.Background()
	base := s.GatewayURL + "/api/v1/accounts/acme"
	_, reader, err := s.Store.CreateAPIKey(ctx, "acme", "dashboards", []string{store.ScopeRead})
	if err != nil {
		t.Fatal(err)
	}
	_, runner, err := s.Store.CreateAPIKey(ctx, "acme", "webhooks", []string{store.ScopeRuns})
	if err != nil {
		t.Fatal(err)
	}
	revoked, revokedKey, err := s.Store.CreateAPIKey(ctx, "acme", "old", nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Store.RevokeAPIKey(ctx, "acme", revoked.ID); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name   string
		method string
		path   string
		auth   string
		want   int
		code   int
	}{
		{"no key", "GET", "/definitions", "-", 401, 1200},
		{"not a bearer", "GET", "/definitions", "Basic YWNtZTpwdw==", 401, 1200},
		{"unknown key", "GET", "/definitions", "Bearer jk_00000000_nope", 401, 1200},
		{"revoked key", "GET", "/definitions", "Bearer " + revokedKey, 401, 1200},
		{"read key reads", "GET", "/definitions", "Bearer " + reader, 200, 0},
		{"read key cannot write", "POST", "/definitions", "Bearer " + reader, 403, 1201},
		{"read key cannot trigger", "POST", "/triggers/http_request", "Bearer " + reader, 403, 1201},
		{"runs key triggers", "POST", "/triggers/http_request", "Bearer " + runner, 200, 0},
		{"runs key cannot change definitions", "POST", "/definitions", "Bearer " + runner, 403, 1201},
		{"runs key cannot mint keys", "POST", "/keys", "Bearer " + runner, 403, 1201},
		{"read key cannot list keys", "GET", "/keys", "Bearer " + reader, 403, 1201},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			header := map[string]string{"Authorization": tc.auth}
			if tc.auth == "-" {
				header = map[string]string{"Authorization": ""}
			}
			resp := call(t, tc.method, base+tc.path, []byte(`{}`), header)
			if resp.Status != tc.want {
				t.Fatalf("status %d, want %d: %s", resp.Status, tc.want, resp.Body)
			}
			if tc.code != 0 {
				var e struct{ Code int }
				resp.decode(t, &e)
				if e.Code != tc.code {
					t.Errorf("code %d, want %d", e.Code, tc.code)
				}
			}
			if strings.Contains(string(resp.Body), revokedKey) || strings.Contains(string(resp.Body), reader) {
				t.Errorf("the answer holds a key: %s", resp.Body)
			}
		})
	}
}

func TestKeysThroughTheAPI(t *testing.T) {
	s := startStack(t, t.TempDir(), false)
	defer s.Stop(context.Background())
	base := s.GatewayURL + "/api/v1/accounts/acme"

	resp := call(t, http.MethodPost, base+"/keys", []byte(`{"name":"ci","scopes":["runs"]}`), nil)
	if resp.Status != http.StatusCreated {
		t.Fatalf("create: %d %s", resp.Status, resp.Body)
	}
	var created struct{ ID, Prefix, Key string }
	resp.decode(t, &created)
	if created.Key == "" || !strings.HasPrefix(created.Key, created.Prefix) || resp.Header.Get("Location") != "/api/v1/accounts/acme/keys/"+created.ID {
		t.Fatalf("created %+v, Location %q", created, resp.Header.Get("Location"))
	}
	list := call(t, http.MethodGet, base+"/keys", nil, nil)
	if strings.Contains(string(list.Body), created.Key) || !strings.Contains(string(list.Body), created.Prefix) {
		t.Fatalf("the list must show the prefix and never the key: %s", list.Body)
	}
	useKey := func(key string) int {
		return call(t, http.MethodPost, base+"/triggers/http_request", []byte(`{}`), map[string]string{"Authorization": "Bearer " + key}).Status
	}
	if st := useKey(created.Key); st != 200 {
		t.Fatalf("new key: %d", st)
	}

	resp = call(t, http.MethodPost, base+"/keys/"+created.ID+"/rotate", nil, nil)
	var rotated struct{ ID, Key string }
	resp.decode(t, &rotated)
	if resp.Status != http.StatusCreated || rotated.Key == "" || rotated.Key == created.Key {
		t.Fatalf("rotate: %d %s", resp.Status, resp.Body)
	}
	if useKey(created.Key) != 401 || useKey(rotated.Key) != 200 {
		t.Fatal("after rotation the old key must fail and the new one work")
	}
	var one struct{ ID, Prefix, Key string }
	call(t, http.MethodGet, base+"/keys/"+rotated.ID, nil, nil).decode(t, &one)
	if one.ID != rotated.ID || one.Key != "" {
		t.Fatalf("reading a key: %+v (the secret must never come back)", one)
	}
	if st := call(t, http.MethodDelete, base+"/keys/"+rotated.ID, nil, nil).Status; st != http.StatusNoContent {
		t.Fatalf("revoke: %d", st)
	}
	if st := call(t, http.MethodPost, base+"/keys/"+rotated.ID+"/rotate", nil, nil).Status; st != http.StatusConflict {
		t.Fatalf("rotating a revoked key: %d, want 409", st)
	}
	if useKey(rotated.Key) != 401 {
		t.Fatal("a revoked key still works")
	}
	if st := call(t, http.MethodDelete, base+"/keys/key_doesnotexist", nil, nil).Status; st != http.StatusNotFound {
		t.Fatalf("revoking an unknown key: %d", st)
	}

	// Sub-accounts, same conventions.
	resp = call(t, http.MethodPost, base+"/subaccounts", []byte(`{"id":"acme_sms","name":"SMS"}`), nil)
	if resp.Status != http.StatusCreated || resp.Header.Get("Location") != "/api/v1/accounts/acme/subaccounts/acme_sms" {
		t.Fatalf("create sub-account: %d %s", resp.Status, resp.Body)
	}
	var sub struct{ ID, Name string }
	call(t, http.MethodGet, base+"/subaccounts/acme_sms", nil, nil).decode(t, &sub)
	if sub.ID != "acme_sms" || sub.Name != "SMS" {
		t.Fatalf("reading the sub-account: %+v", sub)
	}
	if st := call(t, http.MethodPost, base+"/subaccounts", []byte(`{"id":"acme_sms"}`), nil).Status; st != http.StatusConflict {
		t.Fatalf("duplicate sub-account: %d", st)
	}
	if st := call(t, http.MethodDelete, base+"/subaccounts/acme_sms", nil, nil).Status; st != http.StatusNoContent {
		t.Fatalf("delete sub-account: %d", st)
	}
}

func TestRateLimitPerKey(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	s, err := devstack.Start(ctx, devstack.Config{DataDir: t.TempDir(), TemporalAddress: "127.0.0.1:0", UIAddress: "-",
		HTTPAddress: "127.0.0.1:0", VaultListen: "127.0.0.1:0", Limits: gateway.Limits{APIKey: gateway.RateLimit{PerSecond: 0.2, Burst: 3}}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Stop(context.Background())
	authorize(t, s, "acme")
	url := s.GatewayURL + "/api/v1/accounts/acme/definitions"
	for i := 0; i < 3; i++ {
		if st := call(t, http.MethodGet, url, nil, nil).Status; st != 200 {
			t.Fatalf("request %d within the burst: %d", i+1, st)
		}
	}
	resp := call(t, http.MethodGet, url, nil, nil)
	if resp.Status != http.StatusTooManyRequests {
		t.Fatalf("request past the burst: %d", resp.Status)
	}
	// One token every 5 s: however slow the machine, the burst is not
	// refilled between these requests, and the wait is at most 5 s.
	if secs, err := strconv.Atoi(resp.Header.Get("Retry-After")); err != nil || secs < 1 || secs > 5 {
		t.Fatalf("Retry-After %q", resp.Header.Get("Retry-After"))
	}
	// Another key has its own budget.
	authorize(t, s, "globex")
	if st := call(t, http.MethodGet, s.GatewayURL+"/api/v1/accounts/globex/definitions", nil, nil).Status; st != 200 {
		t.Fatalf("another key was limited too: %d", st)
	}
}

func TestSuspendResumeTerminate(t *testing.T) {
	s := startStack(t, t.TempDir(), false)
	defer s.Stop(context.Background())
	sk := newSink(t)
	def := createDefinition(t, s, "acme", []byte(`{"trigger":"http_request","status":"enabled","definition":{"name":"pause","steps":[
	  {"id":"pause","stepType":"Wait","inputs":{"duration":"00:00:02"},"nextStepId":"notify"},
	  {"id":"notify","stepType":"HttpRequest","inputs":{"url":"`+sk.URL+`/resumed","method":"POST"}}]}}`))
	defID := def["id"].(string)
	runs := s.GatewayURL + "/api/v1/accounts/acme/definitions/" + defID + "/workflows"

	trigger(t, s, "acme", `{}`, map[string]string{"Idempotency-Key": "pausable"})
	if resp := call(t, http.MethodPatch, runs+"/pausable", []byte(`{"status":"suspend"}`), nil); resp.Status != 200 {
		t.Fatalf("suspend: %d %s", resp.Status, resp.Body)
	}
	var inst map[string]any
	call(t, http.MethodGet, runs+"/pausable", nil, nil).decode(t, &inst)
	if inst["status"] != "Suspended" {
		t.Fatalf("status after suspend: %v", inst["status"])
	}
	waitFor(t, "the suspended run to be listed as Suspended", 30*time.Second, func() bool {
		var list []map[string]any
		call(t, http.MethodGet, runs+"?status=Suspended", nil, nil).decode(t, &list)
		return len(list) == 1
	})
	// The wait ends at 2 s; the next step must not start while suspended.
	time.Sleep(4 * time.Second)
	if n := len(sk.received()); n != 0 {
		t.Fatalf("a suspended run called the sink %d times", n)
	}
	if resp := call(t, http.MethodPatch, runs+"/pausable", []byte(`{"status":"resume"}`), nil); resp.Status != 200 {
		t.Fatalf("resume: %d %s", resp.Status, resp.Body)
	}
	waitFor(t, "the resumed run to call the sink", 30*time.Second, func() bool { return len(sk.received()) == 1 })
	waitFor(t, "the run to complete", 30*time.Second, func() bool {
		call(t, http.MethodGet, runs+"/pausable", nil, nil).decode(t, &inst)
		return inst["status"] == "Complete"
	})
	if resp := call(t, http.MethodPatch, runs+"/pausable", []byte(`{"status":"resume"}`), nil); resp.Status != http.StatusConflict {
		t.Fatalf("resuming a complete run: %d, want 409", resp.Status)
	}

	// Terminate a run in its wait: Terminated, with an error entry.
	trigger(t, s, "acme", `{}`, map[string]string{"Idempotency-Key": "doomed"})
	waitFor(t, "the run to reach its wait", 30*time.Second, func() bool {
		var in struct{ Logs []struct{ StepName string } }
		call(t, http.MethodGet, runs+"/doomed?includeLogs=true", nil, nil).decode(t, &in)
		return len(in.Logs) == 1 && in.Logs[0].StepName == "pause"
	})
	if resp := call(t, http.MethodPatch, runs+"/doomed", []byte(`{"status":"terminate"}`), nil); resp.Status != 200 {
		t.Fatalf("terminate: %d %s", resp.Status, resp.Body)
	}
	var doomed struct {
		Status string
		Logs   []struct{ StepName, Status string }
	}
	call(t, http.MethodGet, runs+"/doomed?includeLogs=true", nil, nil).decode(t, &doomed)
	if doomed.Status != "Terminated" || len(doomed.Logs) != 1 || doomed.Logs[0].Status != "Cancelled" {
		t.Fatalf("after terminate: %+v (the interrupted step must read Cancelled)", doomed)
	}
	var errs []struct{ WorkflowID, Step, Message, ErrorTime string }
	call(t, http.MethodGet, runs+"/doomed/errors", nil, nil).decode(t, &errs)
	if len(errs) != 1 || errs[0].WorkflowID != "doomed" || errs[0].Step != "pause" || !strings.Contains(errs[0].Message, "Terminated") || errs[0].ErrorTime == "" {
		t.Fatalf("errors of the terminated run: %+v", errs)
	}
	if resp := call(t, http.MethodPatch, runs+"/doomed", []byte(`{"status":"pause"}`), nil); resp.Status != 400 {
		t.Fatalf("an unknown action: %d", resp.Status)
	}
}

func TestIfMatchAndUsage(t *testing.T) {
	s := startStack(t, t.TempDir(), false)
	defer s.Stop(context.Background())
	sk := newSink(t)
	def := createDefinition(t, s, "acme", orderDefinition(sk.URL, "enabled"))
	url := s.GatewayURL + "/api/v1/accounts/acme/definitions/" + def["id"].(string)

	tag := call(t, http.MethodGet, url, nil, nil).Header.Get("ETag")
	if tag != `"v1"` {
		t.Fatalf("ETag %q", tag)
	}
	if one := call(t, http.MethodGet, url+"?version=1", nil, nil).Header.Get("ETag"); one != `"v1"` {
		t.Fatalf("ETag of ?version=1: %q", one)
	}
	// A dry run checks what the save would and stores nothing.
	dry := call(t, http.MethodPut, url+"?dryRun=true", orderDefinition(sk.URL, "disabled"), map[string]string{"If-Match": tag})
	var checked struct {
		Version int
		Status  string
	}
	dry.decode(t, &checked)
	if dry.Status != 200 || dry.Header.Get("ETag") != "" || checked.Version != 2 || checked.Status != "disabled" {
		t.Fatalf("dry run of an update: %d %v %s", dry.Status, dry.Header, dry.Body)
	}
	if now := call(t, http.MethodGet, url, nil, nil).Header.Get("ETag"); now != tag {
		t.Fatalf("after a dry run the latest version is %q, want %q", now, tag)
	}
	broken := bytes.Replace(orderDefinition(sk.URL, "enabled"), []byte(`"method": "POST"`), []byte(`"method": "FETCH"`), 1)
	dry = call(t, http.MethodPost, s.GatewayURL+"/api/v1/accounts/acme/definitions?dryRun=true", broken, nil)
	if dry.Status != http.StatusBadRequest || !bytes.Contains(dry.Body, []byte(`"path":"definition.steps[0].inputs.method"`)) {
		t.Fatalf("dry run of an invalid create: %d %s", dry.Status, dry.Body)
	}
	resp := call(t, http.MethodPut, url, orderDefinition(sk.URL, "enabled"), map[string]string{"If-Match": tag})
	if resp.Status != 200 || resp.Header.Get("ETag") != `"v2"` {
		t.Fatalf("update with the current ETag: %d, ETag %q", resp.Status, resp.Header.Get("ETag"))
	}
	resp = call(t, http.MethodPut, url, orderDefinition(sk.URL, "disabled"), map[string]string{"If-Match": tag})
	if resp.Status != http.StatusPreconditionFailed {
		t.Fatalf("update with a stale ETag: %d %s", resp.Status, resp.Body)
	}

	for i := 0; i < 3; i++ {
		trigger(t, s, "acme", orderPayload, nil)
	}
	waitFor(t, "usage to count three runs", 30*time.Second, func() bool {
		var u struct {
			AccountID             string
			ExecutedWorkflowCount int
			CountStartedMonth     int
			CountStartedYear      int
		}
		call(t, http.MethodGet, s.GatewayURL+"/api/v1/accounts/acme/usage", nil, nil).decode(t, &u)
		now := time.Now().UTC()
		return u.AccountID == "acme" && u.ExecutedWorkflowCount == 3 && u.CountStartedMonth == int(now.Month()) && u.CountStartedYear == now.Year()
	})
	var hist []struct{ ExecutedWorkflowCount, Month, Year int }
	call(t, http.MethodGet, s.GatewayURL+"/api/v1/accounts/acme/usage/history", nil, nil).decode(t, &hist)
	if len(hist) != 12 || hist[0].ExecutedWorkflowCount != 3 || hist[1].ExecutedWorkflowCount != 0 {
		t.Fatalf("usage history %+v", hist)
	}
}
