package manage

import (
	"github.com/junction-run/junction/connectors"
	"github.com/junction-run/junction/definition"
)

// applyStepDefaults writes the defaults an app declares for an action's
// steps (connectors.StepDefaults) into a step of that action, field by
// field where the step sets none, when its definition is saved: the saved
// version then shows the policy its runs use, and it is the engine's
// (package workflows) own merge of a step's retry over its defaults that
// applies it. A step whose retry has an expiration but no maximum of
// attempts keeps none: the expiration is its budget.
func applyStepDefaults(st *definition.Step, d *connectors.StepDefaults) {
	if d == nil {
		return
	}
	if st.Timeout == "" {
		st.Timeout = d.Timeout
	}
	r := d.Retry
	if r == nil {
		return
	}
	var p definition.RetryPolicy
	if st.Retry != nil {
		p = *st.Retry // a copy: the step's own policy may be shared
	}
	if p.InitialInterval == "" {
		p.InitialInterval = r.InitialInterval
	}
	if p.BackoffCoefficient == 0 {
		p.BackoffCoefficient = r.BackoffCoefficient
	}
	if p.MaximumInterval == "" {
		p.MaximumInterval = r.MaximumInterval
	}
	if p.MaximumAttempts == 0 && p.Expiration == "" {
		p.MaximumAttempts = r.MaximumAttempts
	}
	st.Retry = &p
}
