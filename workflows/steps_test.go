package workflows_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/junction-run/junction/activities"
	"github.com/junction-run/junction/runs"
)

// recorder mocks the third-party activities and remembers every call, in
// order, by step id. The test environment runs a Parallel step's branches'
// activities on goroutines of their own, hence the lock.
type recorder struct {
	mu     sync.Mutex
	calls  []string
	sms    []runs.SMSRequest
	http   []runs.HTTPRequest
	awaits []string // "register <key>", "release <key>"
}

func (rec *recorder) register(env *testsuite.TestWorkflowEnvironment) {
	// The reply registry: what a WaitForReply step records, in order.
	for name, verb := range map[string]string{runs.RegisterAwaitActivity: "register", runs.ReleaseAwaitActivity: "release"} {
		env.RegisterActivityWithOptions(func(_ context.Context, a runs.Await) error {
			rec.mu.Lock()
			defer rec.mu.Unlock()
			rec.awaits = append(rec.awaits, verb+" "+a.Key+" "+a.DefinitionID)
			return nil
		}, activity.RegisterOptions{Name: name})
	}
	m := &activities.Messaging{}
	env.RegisterActivityWithOptions(m.SendSMS, activity.RegisterOptions{Name: runs.SendSMSActivity})
	env.RegisterActivityWithOptions(m.SendChatAppsMessage, activity.RegisterOptions{Name: runs.SendChatAppsMessageActivity})
	env.OnActivity(runs.HTTPRequestActivity, mock.Anything, mock.Anything).Return(
		func(_ context.Context, req runs.HTTPRequest) (runs.HTTPResponse, error) {
			rec.mu.Lock()
			rec.calls = append(rec.calls, req.StepID)
			rec.http = append(rec.http, req)
			rec.mu.Unlock()
			if strings.HasPrefix(req.StepID, "flaky") {
				return runs.HTTPResponse{}, temporal.NewNonRetryableApplicationError("the CRM said no", "BadRequest", nil)
			}
			return runs.HTTPResponse{ResponseCode: 200, ResponseBody: map[string]any{"step": req.StepID}}, nil
		}).Maybe()
	env.OnActivity(runs.SendSMSActivity, mock.Anything, mock.Anything).Return(
		func(_ context.Context, req runs.SMSRequest) (runs.MessageResult, error) {
			rec.mu.Lock()
			rec.calls = append(rec.calls, req.StepID)
			rec.sms = append(rec.sms, req)
			rec.mu.Unlock()
			return runs.MessageResult{UMID: "umid-" + req.StepID, Status: "Queued"}, nil
		}).Maybe()
}

func runSteps(t *testing.T, js string, payload map[string]any, setup func(*testsuite.TestWorkflowEnvironment)) (*recorder, runs.RunOutput, error) {
	t.Helper()
	env := newEnv()
	rec := &recorder{}
	rec.register(env)
	if setup != nil {
		setup(env)
	}
	env.ExecuteWorkflow(runs.RunDefinitionWorkflow, input(steps(t, js), payload))
	var out runs.RunOutput
	err := env.GetWorkflowError()
	if err == nil {
		err = env.GetWorkflowResult(&out)
	}
	return rec, out, err
}

func call(id string) string {
	return `{"id":"` + id + `","stepType":"HttpRequest","inputs":{"url":"http://x.test/` + id + `","method":"POST"}`
}

func TestStepTypes(t *testing.T) {
	tests := []struct {
		name      string
		steps     string
		payload   map[string]any
		wantCalls string
		check     func(t *testing.T, rec *recorder, out runs.RunOutput)
	}{
		{
			name: "Branch follows every true condition, else the default",
			steps: `[{"id":"route","stepType":"Branch","selectNextStep":{
			   "sg":"{{isCountryCode(data.msisdn, 'SG')}}","us":"{{isCountryCode(data.msisdn, 'US')}}","other":null}},
			  ` + call("sg") + `}, ` + call("us") + `}, ` + call("other") + `}]`,
			payload:   map[string]any{"msisdn": "+6591234567"},
			wantCalls: "sg",
		},
		{
			name: "Branch default when nothing matches",
			steps: `[{"id":"route","stepType":"Branch","selectNextStep":{"sg":"{{isCountryCode(data.msisdn, 'SG')}}","other":null}},
			  ` + call("sg") + `}, ` + call("other") + `}]`,
			payload:   map[string]any{"msisdn": "+4420794600"},
			wantCalls: "other",
		},
		{
			name: "If runs its blocks when true, then its next step",
			steps: `[{"id":"check","stepType":"If","inputs":{"condition":"{{data.urgent}}"},"nextStepId":"after",
			   "do":[[` + call("inner1") + `,"nextStepId":"inner2"}, ` + call("inner2") + `}]]},
			  ` + call("after") + `}]`,
			payload:   map[string]any{"urgent": true},
			wantCalls: "inner1,inner2,after",
		},
		{
			name: "If skips its blocks when false",
			steps: `[{"id":"check","stepType":"If","inputs":{"condition":"{{data.urgent}}"},"nextStepId":"after",
			   "do":[[` + call("inner1") + `}]]}, ` + call("after") + `}]`,
			payload:   map[string]any{"urgent": false},
			wantCalls: "after",
		},
		{
			name:      "Wait of two days takes no test time",
			steps:     `[{"id":"pause","stepType":"Wait","inputs":{"duration":"2.00:00:00"},"nextStepId":"after"}, ` + call("after") + `}]`,
			wantCalls: "after",
			check: func(t *testing.T, _ *recorder, out runs.RunOutput) {
				if got := out.Log[0].CompletedAt.Sub(out.Log[0].StartedAt); out.Log[0].StepType != "Wait" || got < 48*time.Hour {
					t.Errorf("wait step %s lasted %s of workflow time, want 48h", out.Log[0].StepType, got)
				}
			},
		},
		{
			name: "SMS reply to the sender with outputs saved",
			steps: `[{"id":"reply","stepType":"SMS","inputs":{"subAccountId":"acme_sms","destination":"{{data.payload.source}}",
			   "source":"{{data.payload.destination}}","text":"{{'Thanks: ' + data.payload.body}}"},
			   "outputs":{"smsUmid":"{{step.umid}}","smsStatus":"{{step.status}}"}}]`,
			payload:   map[string]any{"payload": map[string]any{"source": "+6591234567", "destination": "+6500000000", "body": "hi"}},
			wantCalls: "reply",
			check: func(t *testing.T, rec *recorder, out runs.RunOutput) {
				s := rec.sms[0]
				if s.SubAccountID != "acme_sms" || s.Destination != "+6591234567" || s.Source != "+6500000000" || s.Text != "Thanks: hi" {
					t.Errorf("sms %+v", s)
				}
				if out.Data["smsUmid"] != "umid-reply" || out.Data["smsStatus"] != "Queued" {
					t.Errorf("outputs %v", out.Data)
				}
			},
		},
		{
			name: "SetVariables writes the context",
			steps: `[{"id":"vars","stepType":"SetVariables","inputs":{"total":"{{data.a + data.b}}","label":"order"},"nextStepId":"use"},
			  {"id":"use","stepType":"HttpRequest","inputs":{"url":"http://x.test/use","method":"POST","body":{"t":"{{data.total}}","l":"{{data.label}}"}}}]`,
			payload:   map[string]any{"a": 2.0, "b": 3.0},
			wantCalls: "use",
			check: func(t *testing.T, rec *recorder, _ runs.RunOutput) {
				if got := mustJSON(rec.http[0].Body); got != `{"l":"order","t":5}` {
					t.Errorf("body %s", got)
				}
			},
		},
		{
			name: "ForEach runs its body per item with item and index",
			steps: `[{"id":"lines","stepType":"ForEach","inputs":{"items":"{{data.lines}}","parallelism":2},"nextStepId":"done",
			   "do":[[{"id":"line","stepType":"HttpRequest","inputs":{"url":"http://x.test/line","method":"POST","body":{"sku":"{{item.sku}}","i":"{{index}}"}}}]]},
			  ` + call("done") + `}]`,
			payload:   map[string]any{"lines": []any{map[string]any{"sku": "A"}, map[string]any{"sku": "B"}, map[string]any{"sku": "C"}}},
			wantCalls: "line,line,line,done",
			check: func(t *testing.T, rec *recorder, out runs.RunOutput) {
				seen := map[string]bool{}
				for _, h := range rec.http[:3] {
					seen[mustJSON(h.Body)] = true
				}
				for _, want := range []string{`{"i":0,"sku":"A"}`, `{"i":1,"sku":"B"}`, `{"i":2,"sku":"C"}`} {
					if !seen[want] {
						t.Errorf("no call with body %s (got %v)", want, seen)
					}
				}
			},
		},
		{
			name:  "Parallel runs every branch and joins",
			steps: `[{"id":"fan","stepType":"Parallel","nextStepId":"join","do":[[` + call("a") + `}],[` + call("b") + `}]]}, ` + call("join") + `}]`,
			check: func(t *testing.T, rec *recorder, _ runs.RunOutput) {
				if len(rec.calls) != 3 || rec.calls[2] != "join" {
					t.Errorf("calls %v: want both branches, then join", rec.calls)
				}
			},
		},
		{
			name:      "onError continue records the error and goes on",
			steps:     `[` + call("flaky") + `,"onError":{"action":"continue"},"nextStepId":"next","outputs":{"err":"{{step.error}}"}}, ` + call("next") + `}]`,
			wantCalls: "flaky,next",
			check: func(t *testing.T, _ *recorder, out runs.RunOutput) {
				if out.Log[0].Status != runs.StepFailed {
					t.Errorf("failed step logged as %s", out.Log[0].Status)
				}
			},
		},
		{
			name:      "onError goto routes to the handler",
			steps:     `[` + call("flaky") + `,"onError":{"action":"goto","nextStepId":"handler"},"nextStepId":"next"}, ` + call("next") + `}, ` + call("handler") + `}]`,
			wantCalls: "flaky,handler",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec, out, err := runSteps(t, tc.steps, tc.payload, nil)
			_ = rec
			if err != nil {
				t.Fatal(err)
			}
			if tc.wantCalls != "" {
				if got := joinCalls(rec.calls); got != tc.wantCalls {
					t.Fatalf("calls %s, want %s", got, tc.wantCalls)
				}
			}
			if tc.check != nil {
				tc.check(t, rec, out)
			}
		})
	}
}

func joinCalls(calls []string) string {
	out := ""
	for i, c := range calls {
		if i > 0 {
			out += ","
		}
		out += c
	}
	return out
}

func TestWaitForReply(t *testing.T) {
	steps := `[{"id":"ask","stepType":"WaitForReply","inputs":{"from":"{{data.payload.source}}","channel":"sms","timeout":"0.01:00:00"},
	   "outputs":{"answer":"{{step.reply.payload.body}}"},"nextStepId":"after"}, ` + call("after") + `}]`
	payload := map[string]any{"payload": map[string]any{"source": "+6591234567"}}

	t.Run("a reply from the awaited sender resumes the run", func(t *testing.T) {
		_, out, err := runSteps(t, steps, payload, func(env *testsuite.TestWorkflowEnvironment) {
			env.RegisterDelayedCallback(func() {
				// Someone else first, then a redelivery of the real reply.
				env.SignalWorkflow(runs.ReplySignal, runs.Reply{EventID: "m0", From: "+4400000000", Channel: "sms",
					Event: map[string]any{"payload": map[string]any{"body": "spam"}}})
				env.SignalWorkflow(runs.ReplySignal, runs.Reply{EventID: "m1", From: "6591234567", Channel: "SMS",
					Event: map[string]any{"payload": map[string]any{"body": "yes"}}})
			}, 10*time.Minute)
		})
		if err != nil {
			t.Fatal(err)
		}
		if out.Data["answer"] != "yes" {
			t.Fatalf("answer %v", out.Data["answer"])
		}
	})

	t.Run("the awaited reply is registered while the step waits", func(t *testing.T) {
		rec, _, err := runSteps(t, steps, payload, nil)
		if err != nil {
			t.Fatal(err)
		}
		if want := []string{"register sms:6591234567 d1", "release sms:6591234567 d1"}; !slices.Equal(rec.awaits, want) {
			t.Errorf("registry %v, want %v", rec.awaits, want)
		}
	})

	t.Run("no reply within the timeout continues with a null reply", func(t *testing.T) {
		rec, out, err := runSteps(t, steps, payload, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, has := out.Data["answer"]; !has || out.Data["answer"] != nil || joinCalls(rec.calls) != "after" {
			t.Fatalf("answer %v, calls %v", out.Data["answer"], rec.calls)
		}
		if got := out.Log[0].CompletedAt.Sub(out.Log[0].StartedAt); got != time.Hour {
			t.Errorf("waited %s of workflow time, want the 1h timeout", got)
		}
	})
}

func TestRunDefinitionContinuesAsNew(t *testing.T) {
	env := newEnv()
	rec := &recorder{}
	rec.register(env)
	env.SetContinueAsNewSuggested(true)
	env.ExecuteWorkflow(runs.RunDefinitionWorkflow, input(steps(t, `[`+call("a")+`,"nextStepId":"b"}, `+call("b")+`}]`), nil))
	var can *workflow.ContinueAsNewError
	if err := env.GetWorkflowError(); !errors.As(err, &can) {
		t.Fatalf("got %v, want continue-as-new", err)
	}
	// One step per run at least, so a run always makes progress before it
	// continues as new.
	if joinCalls(rec.calls) != "a" {
		t.Fatalf("calls before continue-as-new: %v", rec.calls)
	}
}

func TestSuspendHoldsTheNextStepUntilResumed(t *testing.T) {
	env := newEnv()
	rec := &recorder{}
	rec.register(env)
	var suspendedAt, resumedAt time.Time
	env.RegisterDelayedCallback(func() {
		suspendedAt = env.Now()
		env.UpdateWorkflow(runs.ControlUpdate, "u1", &testsuite.TestUpdateCallback{
			OnReject: func(err error) { t.Errorf("suspend rejected: %v", err) },
			OnAccept: func() {}, OnComplete: func(any, error) {},
		}, runs.ControlRequest{Action: runs.ControlSuspend})
	}, 30*time.Minute)
	env.RegisterDelayedCallback(func() {
		if len(rec.calls) != 0 {
			t.Errorf("step ran while suspended: %v", rec.calls)
		}
		resumedAt = env.Now()
		env.UpdateWorkflow(runs.ControlUpdate, "u2", &testsuite.TestUpdateCallback{
			OnReject: func(err error) { t.Errorf("resume rejected: %v", err) },
			OnAccept: func() {}, OnComplete: func(any, error) {},
		}, runs.ControlRequest{Action: runs.ControlResume})
	}, 5*time.Hour)
	env.RegisterDelayedCallback(func() {
		env.UpdateWorkflow(runs.ControlUpdate, "u3", &testsuite.TestUpdateCallback{
			OnReject: func(error) {}, OnAccept: func() { t.Error("a bogus action was accepted") }, OnComplete: func(any, error) {},
		}, runs.ControlRequest{Action: "explode"})
	}, time.Minute)

	// The wait ends after 1 hour, while the run is suspended: the next step
	// must wait for the resume at 5 hours.
	env.ExecuteWorkflow(runs.RunDefinitionWorkflow, input(steps(t,
		`[{"id":"pause","stepType":"Wait","inputs":{"duration":"01:00:00"},"nextStepId":"after"}, `+call("after")+`}]`), nil))
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	var out runs.RunOutput
	if err := env.GetWorkflowResult(&out); err != nil {
		t.Fatal(err)
	}
	if joinCalls(rec.calls) != "after" || suspendedAt.IsZero() || resumedAt.IsZero() {
		t.Fatalf("calls %v", rec.calls)
	}
	if started := out.Log[1].StartedAt; started.Before(resumedAt) {
		t.Fatalf("step after the wait started at %s, before the resume at %s", started, resumedAt)
	}
}

// TestTimeAndIDsAreReplaySafe: now() is workflow time and uuid() a recorded
// side effect, so a replay sees exactly what the first run saw.
func TestTimeAndIDsAreReplaySafe(t *testing.T) {
	env := newEnv()
	rec := &recorder{}
	rec.register(env)
	start := time.Date(2026, 11, 24, 9, 30, 0, 0, time.UTC)
	env.SetStartTime(start)
	env.ExecuteWorkflow(runs.RunDefinitionWorkflow, input(steps(t,
		`[{"id":"vars","stepType":"SetVariables","inputs":{"id":"{{uuid()}}","other":"{{uuid()}}","at":"{{now()}}"}}]`), nil))
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	var out runs.RunOutput
	if err := env.GetWorkflowResult(&out); err != nil {
		t.Fatal(err)
	}
	id, _ := out.Data["id"].(string)
	if len(id) != 36 || out.Data["other"] == id {
		t.Errorf("uuid() gave %v and %v", out.Data["id"], out.Data["other"])
	}
	at, err := time.Parse(time.RFC3339Nano, out.Data["at"].(string))
	if err != nil || !at.Equal(start) {
		t.Errorf("now() = %v, want the workflow's start time %s", out.Data["at"], start)
	}
}
