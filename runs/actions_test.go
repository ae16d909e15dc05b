package runs_test

import (
	"reflect"
	"testing"
	"time"

	"github.com/junction-run/junction/definition"
	"github.com/junction-run/junction/runs"
)

// TestActionStepPassesInputsAsTheyAre: the one step of an action's run
// renders, over the data the run starts with, exactly the inputs the caller
// sent, whatever their keys and values hold: text that looks like an
// expression or an environment variable stays text, and nothing is left
// for the activity to fill in.
func TestActionStepPassesInputsAsTheyAre(t *testing.T) {
	for _, tc := range []struct {
		name   string
		inputs map[string]any
	}{
		{"none", map[string]any{}},
		{"plain values keep their types", map[string]any{"id": 450789469.0, "paid": true, "note": nil, "tags": []any{"a", "b"},
			"address": map[string]any{"city": "Leeds", "zip": "LS1"}}},
		{"text that looks like expressions", map[string]any{"text": "{{ data.accountId }}", "secret": "{{env.API_KEY}}",
			"stray": "a }} b", "nested": map[string]any{"deep": []any{"{{ 1 + 1 }}"}}}},
		{"keys that are no plain names", map[string]any{"a b": 1.0, `quote"d`: "x", "}} {{": "y", "line\nbreak": "z", "ünï": "w", "": "empty"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			step := runs.ActionStep("shopify.update_order", "conn-1", tc.inputs, nil, "")
			doc := definition.Document{Trigger: definition.TriggerHTTPRequest,
				Definition: definition.Workflow{Name: "shopify.update_order", Steps: []definition.Step{step}}}
			if err := doc.Validate(); err != nil {
				t.Fatalf("the step is not a valid definition step: %v", err)
			}
			in := runs.RunInput{AccountID: "acme", TriggeredAt: time.Now(), Payload: runs.ActionPayload(tc.inputs)}
			got, slots, err := definition.RenderKeepingEnv(step.Inputs, definition.Env{Data: runs.InitialData(in)})
			if err != nil {
				t.Fatal(err)
			}
			if len(slots) != 0 {
				t.Errorf("environment slots %v: the caller's text would be filled in", slots)
			}
			if !reflect.DeepEqual(got, tc.inputs) {
				t.Errorf("rendered %#v\nwant     %#v", got, tc.inputs)
			}
		})
	}
}

func TestActionDefinitionID(t *testing.T) {
	if got := runs.RunWorkflowID("acme", runs.ActionDefinitionID("shopify.update_order"), "order-1"); got != "acme/action:shopify.update_order/order-1" {
		t.Errorf("workflow id %q", got)
	}
}
