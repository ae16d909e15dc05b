package workflows_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/activity"

	"github.com/junction-run/junction/definition"
	"github.com/junction-run/junction/runs"
)

// TestEnvReferencesStayLiteralInTheWorkflow: the workflow renders every expression but
// {{env.NAME}}, which reaches the activity (and the step log) as that text, with slots that say
// where it stands. Text from the event that looks like a reference is not a slot.
func TestEnvReferencesStayLiteralInTheWorkflow(t *testing.T) {
	env := newEnv()
	env.RegisterActivityWithOptions(func(context.Context, runs.ConnectorCall) (any, error) { return nil, nil },
		activity.RegisterOptions{Name: "http.call"})
	var httpReq runs.HTTPRequest
	env.OnActivity(runs.HTTPRequestActivity, mock.Anything, mock.Anything).Return(
		func(_ context.Context, req runs.HTTPRequest) (runs.HTTPResponse, error) {
			httpReq = req
			return runs.HTTPResponse{ResponseCode: 200}, nil
		})
	var call runs.ConnectorCall
	env.OnActivity("http.call", mock.Anything, mock.Anything).Return(
		func(_ context.Context, in runs.ConnectorCall) (any, error) {
			call = in
			return map[string]any{"status": 200}, nil
		})

	st := steps(t, `[
	  {"id":"lookup","stepType":"HttpRequest","nextStepId":"notify",
	   "inputs":{"url":"https://crm.test/{{env.REGION}}/customers/{{data.customer}}","method":"GET",
	             "headers":{"Authorization":"Bearer {{env.CRM_TOKEN}}"}}},
	  {"id":"notify","stepType":"http.call",
	   "inputs":{"method":"POST","url":"https://hooks.test/","body":{"key":"{{env.CRM_TOKEN}}","note":"{{data.note}}"}}}
	]`)
	env.ExecuteWorkflow(runs.RunDefinitionWorkflow, input(st, map[string]any{"customer": "ada", "note": "{{env.CRM_TOKEN}}"}))
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}

	if httpReq.URL != "https://crm.test/{{env.REGION}}/customers/ada" || httpReq.Headers["Authorization"] != "Bearer {{env.CRM_TOKEN}}" {
		t.Errorf("HttpRequest input: url %q, headers %v", httpReq.URL, httpReq.Headers)
	}
	if httpReq.AccountID != "acme" || len(httpReq.Env) != 2 {
		t.Fatalf("HttpRequest account %q, slots %+v", httpReq.AccountID, httpReq.Env)
	}
	if names := definition.EnvNames(httpReq.Env); mustJSON(names) != `["CRM_TOKEN","REGION"]` {
		t.Errorf("HttpRequest references %v", names)
	}

	body, _ := call.Input["body"].(map[string]any)
	if body["key"] != "{{env.CRM_TOKEN}}" || body["note"] != "{{env.CRM_TOKEN}}" {
		t.Errorf("connector input body %v", body)
	}
	if mustJSON(call.Env) != `[{"pointer":"/body/key","parts":[{"env":"CRM_TOKEN"}]}]` {
		t.Errorf("connector slots %s: only the definition's reference, not the event's look-alike", mustJSON(call.Env))
	}

	var out runs.RunOutput
	if err := env.GetWorkflowResult(&out); err != nil {
		t.Fatal(err)
	}
	if log := mustJSON(out.Log); !strings.Contains(log, "Bearer {{env.CRM_TOKEN}}") {
		t.Errorf("the step log does not show the reference as written: %s", log)
	}
}
