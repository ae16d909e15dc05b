package devstack_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/junction-run/junction/internal/devstack"
	"github.com/junction-run/junction/runs"
)

// TestComputedBoundsAtRunTime: a bound that a literal meets at save
// (ForEach's parallelism, 1 to 50) holds for a value an expression
// computes from the event too. The run fails at that step, not retried,
// with the same words the save would have used; the run errors say so.
func TestComputedBoundsAtRunTime(t *testing.T) {
	s := startTestStack(t, devstack.Config{})
	createDefinition(t, s, "acme", []byte(`{"trigger":"http_request","status":"enabled","definition":{"name":"Fan out","steps":[
	  {"id":"each","stepType":"ForEach","inputs":{"items":"{{data.items}}","parallelism":"{{data.width}}"},
	   "do":[[{"id":"note","stepType":"SetVariables","inputs":{"seen":"{{item}}"}}]]}]}}`))
	res := trigger(t, s, "acme", `{"items":[1,2,3],"width":100000}`, nil)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	err := s.Client.GetWorkflow(ctx, res.Runs[0].TemporalWorkflowID, "").Get(ctx, nil)
	var appErr *temporal.ApplicationError
	found := false
	for e := err; e != nil; e = errors.Unwrap(e) {
		if errors.As(e, &appErr) && appErr.Type() == runs.ErrTypeInvalidStep {
			found = true
		}
	}
	if !found || !strings.Contains(err.Error(), "parallelism: must be a number from 1 to 50") {
		t.Fatalf("the run ended with %v; want a non-retryable %s naming the bound", err, runs.ErrTypeInvalidStep)
	}
	recordHistory(t, s, "foreach_parallelism_past_bound", res.Runs[0].TemporalWorkflowID, res.Runs[0].RunID)
	errs := call(t, http.MethodGet, s.GatewayURL+"/api/v1/accounts/acme/definitions/"+res.Runs[0].DefinitionID+"/workflows/"+res.Runs[0].WorkflowID+"/errors", nil, nil)
	if errs.Status != http.StatusOK || !strings.Contains(string(errs.Body), "must be a number from 1 to 50") {
		t.Errorf("run errors: %d %s", errs.Status, errs.Body)
	}
}
