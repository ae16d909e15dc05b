package intake

import (
	"context"
	"fmt"

	"github.com/junction-run/junction/definition"
	"github.com/junction-run/junction/runs"
)

// Action is a request to run one connector action, checked by the caller
// (manage.Actions): the step, the connector version it calls and the
// caller's inputs.
type Action struct {
	AccountID string
	// Step is the run's one step, runs.ActionStep of the action.
	Step definition.Step
	// AppVersion is the version of the step's connector the run calls.
	AppVersion string
	// Inputs are the caller's inputs as sent; the step reads them from the
	// run's data (runs.ActionPayload).
	Inputs map[string]any
	// EventID is the request's own id (its Idempotency-Key, or a fresh
	// one): a second request with it finds the first one's run.
	EventID string
}

// RunAction starts the run of one action and returns it once Temporal has
// accepted it. The run is found again, open or closed, when the same event
// id comes back for the same action; it does not start twice.
func (i *Intake) RunAction(ctx context.Context, a Action) (Run, error) {
	app, _, isConnector := definition.ConnectorAction(a.Step.StepType)
	if !isConnector {
		return Run{}, &Error{What: "Could not run the action", Err: fmt.Errorf("step type %q is not a connector action", a.Step.StepType)}
	}
	in := runs.RunInput{
		AccountID:    a.AccountID,
		DefinitionID: runs.ActionDefinitionID(a.Step.StepType),
		Name:         a.Step.StepType,
		Trigger:      runs.ActionTrigger,
		EventID:      a.EventID,
		TriggeredAt:  i.now().UTC(),
		Steps:        []definition.Step{a.Step},
		Apps:         map[string]string{app: a.AppVersion},
		Payload:      runs.ActionPayload(a.Inputs),
	}
	var err error
	if in.RunEvents, err = i.runEvents(ctx, a.AccountID); err != nil {
		return Run{}, err
	}
	summary := fmt.Sprintf("%s %s, request %s", a.Step.StepType, a.AppVersion, a.EventID)
	run, err := i.startWithSummary(ctx, in, summary)
	if err != nil {
		return Run{}, unavailable(err, "Could not start the run of %s", a.Step.StepType)
	}
	return run, nil
}
