package workflows_test

import (
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/junction-run/junction/activities"
	"github.com/junction-run/junction/egress"
	"github.com/junction-run/junction/runs"
	"github.com/junction-run/junction/workflows"
)

// webhookReceiver answers a Webhook step's requests with the statuses in
// turn (the last one for ever after), and records each request with the
// time of the environment's clock it came at.
type webhookReceiver struct {
	statuses []int
	now      func() time.Time

	mu   sync.Mutex
	reqs []webhookRequest
}

type webhookRequest struct {
	method, path, contentType, auth string
	body                            string
	at                              time.Time
}

func (wr *webhookReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	wr.mu.Lock()
	n := len(wr.reqs)
	wr.reqs = append(wr.reqs, webhookRequest{r.Method, r.URL.Path, r.Header.Get("Content-Type"), r.Header.Get("Authorization"), string(body), wr.now()})
	status := wr.statuses[min(n, len(wr.statuses)-1)]
	wr.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	fmt.Fprintf(w, `{"id":"erp-%d"}`, n+1)
}

func (wr *webhookReceiver) requests() []webhookRequest {
	wr.mu.Lock()
	defer wr.mu.Unlock()
	return append([]webhookRequest(nil), wr.reqs...)
}

// webhookEnv is a time-skipping environment running RunDefinition, the
// Webhook workflow and the real webhook activity against a receiver on
// loopback.
func webhookEnv(t *testing.T, statuses ...int) (*testsuite.TestWorkflowEnvironment, *webhookReceiver, string) {
	t.Helper()
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	env.SetStartTime(time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC))
	rc := &webhookReceiver{statuses: statuses, now: env.Now}
	srv := httptest.NewServer(rc)
	t.Cleanup(srv.Close)
	allow, err := egress.ParseAllow(egress.AllowLoopback)
	if err != nil {
		t.Fatal(err)
	}
	acts := &activities.Outbound{Egress: egress.NewClient(egress.Options{Allow: allow}), Now: env.Now}
	env.RegisterWorkflowWithOptions(workflows.RunDefinition, workflow.RegisterOptions{Name: runs.RunDefinitionWorkflow})
	env.RegisterWorkflowWithOptions(workflows.Webhook, workflow.RegisterOptions{Name: runs.WebhookWorkflow})
	env.RegisterActivityWithOptions(acts.SendWebhook, activity.RegisterOptions{Name: runs.SendWebhookActivity})
	return env, rc, srv.URL
}

// A Webhook step retries a failing receiver on its schedule, sends its XML
// body and basic auth on every attempt, and maps the answer into the run.
func TestWebhookStepRetriesAndMapsTheAnswer(t *testing.T) {
	env, rc, url := webhookEnv(t, 500, 503, 201)
	st := steps(t, `[{"id":"notify","stepType":"Webhook",
	  "inputs":{"method":"put","url":"`+url+`/orders/{{data.order.id}}","format":"xml",
	    "body":{"order":{"id":"{{data.order.id}}","lines":"{{data.order.lines}}"}},
	    "auth":{"type":"basic","username":"junction","password":"s3cret"},
	    "retry":{"schedule":["1m","10m"]}},
	  "outputs":{"erpId":"{{step.body.id}}","erpStatus":"{{step.statusCode}}","tries":"{{step.attempts}}"}}]`)
	env.ExecuteWorkflow(runs.RunDefinitionWorkflow, input(st, map[string]any{"order": map[string]any{"id": "1001", "lines": []any{"A1", "B2"}}}))
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	var out runs.RunOutput
	if err := env.GetWorkflowResult(&out); err != nil {
		t.Fatal(err)
	}
	if out.Data["erpId"] != "erp-3" || out.Data["erpStatus"] != float64(201) || out.Data["tries"] != float64(3) {
		t.Errorf("outputs: %v", out.Data)
	}
	reqs := rc.requests()
	if len(reqs) != 3 {
		t.Fatalf("%d requests, want 3", len(reqs))
	}
	wantAuth := "Basic " + base64.StdEncoding.EncodeToString([]byte("junction:s3cret"))
	const wantBody = `<?xml version="1.0" encoding="UTF-8"?><event><order><id>1001</id><lines>A1</lines><lines>B2</lines></order></event>`
	for i, r := range reqs {
		if r.method != http.MethodPut || r.path != "/orders/1001" || r.auth != wantAuth || r.body != wantBody ||
			!strings.HasPrefix(r.contentType, "application/xml") {
			t.Errorf("request %d: %s %s %q %q %s", i+1, r.method, r.path, r.contentType, r.auth, r.body)
		}
	}
	// 1 min then 10 min, each ± 20 %.
	for i, want := range []time.Duration{time.Minute, 10 * time.Minute} {
		gap := reqs[i+1].at.Sub(reqs[i].at)
		if gap < want*8/10 || gap > want*12/10+time.Second {
			t.Errorf("attempt %d came %s after the one before, want %s ± 20 %%", i+2, gap, want)
		}
	}
}

// When the schedule is spent, or the receiver answers 410, the step fails
// and its onError route takes over.
func TestWebhookStepFailures(t *testing.T) {
	tests := []struct {
		name     string
		statuses []int
		schedule string
		requests int
		errType  string
	}{
		{"schedule spent", []int{500}, `["1m","1m"]`, 3, runs.ErrTypeRetriesExhausted},
		{"gone", []int{500, 410}, `["1m","1m","1m"]`, 2, runs.ErrTypeGone},
		{"a 4xx is retried too (EddyDesk)", []int{404, 404, 200}, `["1m","1m"]`, 3, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env, rc, url := webhookEnv(t, tt.statuses...)
			st := steps(t, `[{"id":"notify","stepType":"Webhook","inputs":{"url":"`+url+`/h","body":{"n":1},"retry":{"schedule":`+tt.schedule+`}},
			  "onError":{"action":"goto","nextStepId":"fallback"}},
			  {"id":"fallback","stepType":"SetVariables","inputs":{"failed":true}}]`)
			env.ExecuteWorkflow(runs.RunDefinitionWorkflow, input(st, nil))
			if err := env.GetWorkflowError(); err != nil {
				t.Fatal(err)
			}
			var out runs.RunOutput
			if err := env.GetWorkflowResult(&out); err != nil {
				t.Fatal(err)
			}
			if n := len(rc.requests()); n != tt.requests {
				t.Errorf("%d requests, want %d", n, tt.requests)
			}
			_, failed := out.Data["failed"]
			if failed != (tt.errType != "") {
				t.Errorf("fallback ran: %v, want %v (data %v)", failed, tt.errType != "", out.Data)
			}
			if tt.errType != "" {
				found := false
				for _, l := range out.Log {
					found = found || l.StepName == "notify" && strings.Contains(l.Error, tt.errType)
				}
				if !found {
					t.Errorf("the step log does not name %s: %+v", tt.errType, out.Log)
				}
			}
		})
	}
}

// "wait": false: the run goes on at once; the webhook is sent by a
// workflow of its own, retried there.
func TestWebhookStepWithoutWaiting(t *testing.T) {
	env, rc, url := webhookEnv(t, 503, 200)
	st := steps(t, `[{"id":"notify","stepType":"Webhook","inputs":{"url":"`+url+`/h","format":"form","body":{"order":"{{data.id}}","tags":["a","b"]},"wait":false},
	  "outputs":{"sender":"{{step.workflowId}}"},"nextStepId":"after"},
	  {"id":"after","stepType":"SetVariables","inputs":{"went_on":true}}]`)
	env.ExecuteWorkflow(runs.RunDefinitionWorkflow, input(st, map[string]any{"id": 7}))
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	var out runs.RunOutput
	if err := env.GetWorkflowResult(&out); err != nil {
		t.Fatal(err)
	}
	if out.Data["went_on"] != true || out.Data["sender"] == "" || out.Data["sender"] == nil {
		t.Errorf("data %v: want the run to go on with the sender's workflow id", out.Data)
	}
	reqs := rc.requests()
	if len(reqs) != 2 {
		t.Fatalf("%d requests, want 2 (the child retries the 503)", len(reqs))
	}
	if want := "order=7&tags%5B0%5D=a&tags%5B1%5D=b"; reqs[1].body != want || reqs[1].contentType != "application/x-www-form-urlencoded" {
		t.Errorf("form body %q (%s), want %q", reqs[1].body, reqs[1].contentType, want)
	}
}
