package workflows

import (
	"github.com/junction-run/junction/definition"
	"go.temporal.io/sdk/workflow"
)

// renderCallInputs is renderInputs for the steps whose activity makes the call (HttpRequest and
// connector actions): {{env.NAME}} references stay as they are, and the slots say where, so the
// activity fills in the values. No environment value is ever known here, so none can enter the
// history: not in the activity's input, not in the step log.
func (r *run) renderCallInputs(ctx workflow.Context, step definition.Step, sc *scope) (map[string]any, []definition.EnvSlot, error) {
	rendered, slots, err := definition.RenderKeepingEnv(step.Inputs, r.env(sc, nil))
	if err != nil {
		return nil, nil, expressionError(step.ID, "inputs", err)
	}
	inputs, _ := rendered.(map[string]any)
	if inputs == nil {
		inputs = map[string]any{}
	}
	return inputs, slots, checkRendered(ctx, step, inputs)
}
