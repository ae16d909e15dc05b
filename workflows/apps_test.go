package workflows_test

import (
	"context"
	"testing"

	"github.com/junction-run/junction/runs"
	"go.temporal.io/sdk/activity"
)

// TestConnectorStepsCallThePinnedVersion: a connector step's activity input
// carries the version the definition pinned for its app, inside nested
// blocks too; an app the definition does not pin gets "" (the latest
// stable version, for definitions saved before pinning).
func TestConnectorStepsCallThePinnedVersion(t *testing.T) {
	env := newEnv()
	versions := map[string]string{}
	fake := func(_ context.Context, in runs.ConnectorCall) (any, error) {
		versions[in.StepID] = in.Version
		return map[string]any{"ok": true}, nil
	}
	env.RegisterActivityWithOptions(fake, activity.RegisterOptions{Name: "shopify.update_order"})
	env.RegisterActivityWithOptions(fake, activity.RegisterOptions{Name: "slack.post_message"})
	in := input(steps(t, `[
	  {"id":"mark","stepType":"shopify.update_order","inputs":{"id":"1"},"nextStepId":"each"},
	  {"id":"each","stepType":"ForEach","inputs":{"items":[1]},"do":[[
	    {"id":"again","stepType":"shopify.update_order","inputs":{"id":"2"}}]],"nextStepId":"tell"},
	  {"id":"tell","stepType":"slack.post_message","inputs":{"channel":"C1","text":"done"}}]`), nil)
	in.Apps = map[string]string{"shopify": "1.0.0"}
	env.ExecuteWorkflow(runs.RunDefinitionWorkflow, in)
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"mark": "1.0.0", "again": "1.0.0", "tell": ""}
	for step, v := range want {
		if got, ran := versions[step]; !ran || got != v {
			t.Errorf("step %s ran %v with version %q, want %q", step, ran, got, v)
		}
	}
}
