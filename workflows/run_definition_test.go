package workflows_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/junction-run/junction/activities"
	"github.com/junction-run/junction/definition"
	"github.com/junction-run/junction/runs"
	junctionworker "github.com/junction-run/junction/worker"
	"github.com/junction-run/junction/workflows"
)

func steps(t *testing.T, js string) []definition.Step {
	t.Helper()
	var s []definition.Step
	if err := json.Unmarshal([]byte(js), &s); err != nil {
		t.Fatal(err)
	}
	return s
}

func newEnv() *testsuite.TestWorkflowEnvironment {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	env.RegisterWorkflowWithOptions(workflows.RunDefinition, workflow.RegisterOptions{Name: runs.RunDefinitionWorkflow})
	env.RegisterActivityWithOptions(activities.New(nil).HTTPRequest, activity.RegisterOptions{Name: runs.HTTPRequestActivity})
	return env
}

func input(st []definition.Step, payload map[string]any) runs.RunInput {
	return runs.RunInput{
		AccountID: "acme", DefinitionID: "d1", Version: 1, Trigger: "http_request", EventID: "e1",
		TriggeredAt: time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC), Steps: st, Payload: payload,
	}
}

func TestRunDefinitionFollowsStepsAndSavesOutputs(t *testing.T) {
	env := newEnv()
	var calls []runs.HTTPRequest
	env.OnActivity(runs.HTTPRequestActivity, mock.Anything, mock.Anything).Return(
		func(_ context.Context, req runs.HTTPRequest) (runs.HTTPResponse, error) {
			calls = append(calls, req)
			code := 200
			if req.StepID == "lookup" {
				code = 404
			}
			return runs.HTTPResponse{ResponseCode: code, ResponseBody: map[string]any{"n": float64(len(calls))}}, nil
		})

	st := steps(t, `[
	  {"id":"lookup","stepType":"HttpRequest",
	   "inputs":{"url":"{{'http://crm.test/customers/' + data.customer}}","method":"GET"},
	   "outputs":{"lookupCode":"{{step.responseCode}}"},
	   "selectNextStep":{"create":"{{data.lookupCode == 404}}","update":"{{data.lookupCode == 200}}"}},
	  {"id":"create","stepType":"HttpRequest",
	   "inputs":{"url":"http://crm.test/customers","method":"POST","body":{"name":"{{data.customer}}","seen":"{{steps.lookup.responseCode}}"}},
	   "outputs":{"created":"{{step.responseBody.n}}"},"nextStepId":"notify"},
	  {"id":"update","stepType":"HttpRequest","inputs":{"url":"http://crm.test/x","method":"PUT"}},
	  {"id":"notify","stepType":"HttpRequest","inputs":{"url":"http://hooks.test/done","method":"POST","body":{"at":"{{data.triggeredAt}}"}}}
	]`)
	env.ExecuteWorkflow(runs.RunDefinitionWorkflow, input(st, map[string]any{"customer": "ada"}))
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	var out runs.RunOutput
	if err := env.GetWorkflowResult(&out); err != nil {
		t.Fatal(err)
	}

	var path []string
	for _, c := range calls {
		path = append(path, c.StepID)
	}
	if got := mustJSON(path); got != `["lookup","create","notify"]` {
		t.Fatalf("steps run %s", got)
	}
	if calls[0].URL != "http://crm.test/customers/ada" || calls[0].Method != "GET" {
		t.Errorf("lookup call %+v", calls[0])
	}
	if got := mustJSON(calls[1].Body); got != `{"name":"ada","seen":404}` {
		t.Errorf("create body %s", got)
	}
	if got := mustJSON(calls[2].Body); got != `{"at":"2026-11-24T09:00:00Z"}` {
		t.Errorf("notify body %s", got)
	}
	if out.Data["lookupCode"] != float64(404) || out.Data["created"] != float64(2) || out.Data["accountId"] != "acme" {
		t.Errorf("context data %v", out.Data)
	}
	if len(out.Log) != 3 || out.Log[2].StepName != "notify" || out.Log[2].Status != runs.StepComplete {
		t.Errorf("step log %+v", out.Log)
	}
}

func TestRunDefinitionFailures(t *testing.T) {
	tests := []struct {
		name     string
		steps    string
		activity func(runs.HTTPRequest) (runs.HTTPResponse, error)
		wantType string
	}{
		{
			name:  "a step that keeps failing fails the run",
			steps: `[{"id":"a","stepType":"HttpRequest","inputs":{"url":"http://x.test","method":"GET"}}]`,
			activity: func(runs.HTTPRequest) (runs.HTTPResponse, error) {
				return runs.HTTPResponse{}, temporal.NewNonRetryableApplicationError("bad", runs.ErrTypeBadRequest, nil)
			},
			wantType: runs.ErrTypeStepFailed,
		},
		{
			name:  "a jump loop ends at the step limit",
			steps: `[{"id":"a","stepType":"HttpRequest","inputs":{"url":"http://x.test","method":"GET"},"nextStepId":"a"}]`,
			activity: func(runs.HTTPRequest) (runs.HTTPResponse, error) {
				return runs.HTTPResponse{ResponseCode: 200}, nil
			},
			wantType: runs.ErrTypeStepLimit,
		},
		{
			name:     "a computed parallelism past its bound fails the step",
			steps:    `[{"id":"a","stepType":"ForEach","inputs":{"items":"{{[1, 2]}}","parallelism":"{{500 * 2}}"},"do":[[{"id":"b","stepType":"SetVariables","inputs":{"x":1}}]]}]`,
			wantType: runs.ErrTypeInvalidStep,
		},
		{
			name:     "a computed timeout past its bound fails the step before any call",
			steps:    `[{"id":"a","stepType":"HttpRequest","inputs":{"url":"http://x.test","method":"GET","timeoutSeconds":"{{24 * 3600}}"}}]`,
			wantType: runs.ErrTypeInvalidStep,
		},
		{
			name:  "a step result larger than a run keeps of one step fails the step",
			steps: `[{"id":"a","stepType":"HttpRequest","inputs":{"url":"http://x.test","method":"GET"}}]`,
			activity: func(runs.HTTPRequest) (runs.HTTPResponse, error) {
				return runs.HTTPResponse{ResponseCode: 200, ResponseBody: strings.Repeat("x", 1200<<10)}, nil
			},
			wantType: runs.ErrTypeStateTooLarge,
		},
		{
			name: "a run whose state outgrows what a run keeps fails, whatever onError says",
			steps: `[{"id":"a","stepType":"HttpRequest","inputs":{"url":"http://x.test","method":"GET"},"nextStepId":"b"},
			         {"id":"b","stepType":"HttpRequest","inputs":{"url":"http://x.test","method":"GET"},"onError":{"action":"continue"}}]`,
			activity: func(runs.HTTPRequest) (runs.HTTPResponse, error) {
				return runs.HTTPResponse{ResponseCode: 200, ResponseBody: strings.Repeat("x", 500<<10)}, nil
			},
			wantType: runs.ErrTypeStateTooLarge,
		},
		{
			name:     "an unsupported step type fails clearly",
			steps:    `[{"id":"a","stepType":"VoiceMessage","inputs":{}}]`,
			wantType: runs.ErrTypeNotSupported,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			env := newEnv()
			if tc.activity != nil {
				env.OnActivity(runs.HTTPRequestActivity, mock.Anything, mock.Anything).Return(
					func(_ context.Context, req runs.HTTPRequest) (runs.HTTPResponse, error) {
						return tc.activity(req)
					})
			}
			env.ExecuteWorkflow(runs.RunDefinitionWorkflow, input(steps(t, tc.steps), nil))
			err := env.GetWorkflowError()
			var appErr *temporal.ApplicationError
			if !errors.As(err, &appErr) || appErr.Type() != tc.wantType {
				t.Fatalf("got %v, want application error %s", err, tc.wantType)
			}
		})
	}
}

// TestReplayRecordedHistories replays every history in testdata/histories
// against today's interpreter: a change to the commands RunDefinition emits
// that is not guarded by workflow.GetVersion fails here, before it breaks
// runs in flight. Histories are recorded by the end-to-end tests with
// -record-histories (see internal/devstack).
func TestReplayRecordedHistories(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "histories", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no recorded histories in testdata/histories")
	}
	replayer := worker.NewWorkflowReplayer()
	junctionworker.Register(replayerRegistry{replayer}, junctionworker.Activities{})
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			if _, err := os.Stat(f); err != nil {
				t.Fatal(err)
			}
			if err := replayer.ReplayWorkflowHistoryFromJSONFile(nil, f); err != nil {
				t.Fatalf("replaying %s: %v", f, err)
			}
		})
	}
}

// replayerRegistry lets the worker's registration run against a replayer,
// which registers workflows but has no use for activities.
type replayerRegistry struct{ worker.WorkflowReplayer }

func (replayerRegistry) RegisterActivityWithOptions(any, activity.RegisterOptions) {}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// TestLocalHTTPSteps checks that a run started with LocalHTTPSteps makes
// short HttpRequest calls as local activities, long ones as regular
// activities, and that the two give the step the same result.
func TestLocalHTTPSteps(t *testing.T) {
	for _, tc := range []struct {
		name      string
		local     bool
		timeout   string // the step's timeoutSeconds input
		wantLocal bool
	}{
		{"off", false, "5", false},
		{"on, short call", true, "5", true},
		{"on, default timeout", true, "", true},
		{"on, long call", true, "30", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := newEnv()
			var local, regular int
			env.SetOnLocalActivityStartedListener(func(*activity.Info, context.Context, []any) { local++ })
			env.SetOnActivityStartedListener(func(*activity.Info, context.Context, converter.EncodedValues) { regular++ })
			env.OnActivity(runs.HTTPRequestActivity, mock.Anything, mock.Anything).Return(
				runs.HTTPResponse{ResponseCode: 201, ResponseBody: map[string]any{"ok": true}}, nil)
			inputs := `{"url":"http://sink.test/ingest","method":"POST"`
			if tc.timeout != "" {
				inputs += `,"timeoutSeconds":` + tc.timeout
			}
			st := steps(t, `[{"id":"post","stepType":"HttpRequest","inputs":`+inputs+`},"outputs":{"code":"{{step.responseCode}}"}}]`)
			in := input(st, nil)
			in.LocalHTTPSteps = tc.local
			env.ExecuteWorkflow(runs.RunDefinitionWorkflow, in)
			if err := env.GetWorkflowError(); err != nil {
				t.Fatal(err)
			}
			var out runs.RunOutput
			if err := env.GetWorkflowResult(&out); err != nil {
				t.Fatal(err)
			}
			if out.Data["code"] != float64(201) {
				t.Errorf("data.code = %v, want 201", out.Data["code"])
			}
			if tc.wantLocal && (local != 1 || regular != 0) || !tc.wantLocal && (local != 0 || regular != 1) {
				t.Errorf("local activities %d, regular %d; want local=%v", local, regular, tc.wantLocal)
			}
		})
	}
}
