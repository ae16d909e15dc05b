package manage

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	failurepb "go.temporal.io/api/failure/v1"
	workflowpb "go.temporal.io/api/workflow/v1"

	"github.com/junction-run/junction/connectors"
	"github.com/junction-run/junction/definition"
	"github.com/junction-run/junction/runs"
	"github.com/junction-run/junction/store"
)

// Actions runs one connector action on its own, outside any definition
// (POST /actions/{app}.{action}): it checks a request the way a saved
// definition's connector step is checked, by building the one-step
// definition of the action's run and running the same validator over it;
// intake starts the run; and Result reads the run's outcome, waiting for
// it a while.
type Actions struct {
	registry    *connectors.Registry
	connections connectionReader
	runs        *Runs
}

// NewActions returns the service over the connectors the account may use,
// its connections (*store.Store) and the runs service that reads runs.
func NewActions(registry *connectors.Registry, connections connectionReader, runs *Runs) *Actions {
	return &Actions{registry: registry, connections: connections, runs: runs}
}

// ActionRequest is a request to run one action, as a client writes it.
type ActionRequest struct {
	// Connection is the id of the account's connection to the action's
	// app; it may be left out only for an app that takes no credentials.
	Connection string `json:"connection"`
	// Inputs are the action's inputs, taken as they are: no string in
	// them is an expression.
	Inputs map[string]any `json:"inputs"`
	// Version is the app version to call; "" is the latest stable one.
	Version string `json:"version"`
	// Retry and Timeout are a connector step's own (definition.md).
	Retry   *definition.RetryPolicy `json:"retry"`
	Timeout string                  `json:"timeout"`
}

// CheckedAction is a request that passed Check: what intake starts.
type CheckedAction struct {
	// Step is the run's one step, runs.ActionStep.
	Step definition.Step
	// AppVersion is the app version the run calls.
	AppVersion string
}

// actionStepPath is where the validator names the action's step.
const actionStepPath = "definition.steps[0]"

// Check reports everything wrong with a request to run action
// ("shopify.update_order") in the account: an action the registry does not
// have is a store.ErrNotFound; any other problem, each named by its path
// in the request (connection, inputs.id, retry.maximumInterval, version),
// is a store.ErrInvalid. A store failure while reading the connection is
// returned as such.
func (a *Actions) Check(ctx context.Context, accountID, action string, req ActionRequest) (CheckedAction, error) {
	app, _, ok := definition.ConnectorAction(action)
	if !ok {
		return CheckedAction{}, invalid([]FieldError{{Path: "action", Code: definition.CodeInvalidValue,
			Message: "must be <app>.<action> in lower case, e.g. shopify.update_order"}})
	}
	step := runs.ActionStep(action, req.Connection, req.Inputs, req.Retry, req.Timeout)
	doc := &definition.Document{Trigger: definition.TriggerHTTPRequest,
		Definition: definition.Workflow{Name: action, Steps: []definition.Step{step}}}
	if req.Version != "" {
		doc.Apps = map[string]string{app: req.Version}
	}
	var problems []FieldError
	if err := doc.Validate(); err != nil {
		verr, isValidation := errors.AsType[*definition.ValidationError](err)
		if !isValidation {
			return CheckedAction{}, internal(err, "Could not check the action")
		}
		problems = verr.Errors
	}
	// The registry's checks see the caller's inputs themselves, not the
	// expressions the step reads them with, and as values only.
	literal := *doc
	literal.Definition.Steps = []definition.Step{step}
	literal.Definition.Steps[0].Inputs = req.Inputs
	check := newConnectorCheck(ctx, a.registry, a.connections, accountID, &literal)
	check.literalInputs = true
	found, err := check.run()
	if err != nil {
		return CheckedAction{}, failed(err, "Could not check the action's connection")
	}
	problems = append(problems, found...)
	for _, p := range problems {
		if p.Path == actionStepPath+".stepType" {
			return CheckedAction{}, &Error{What: p.Message, Err: store.ErrNotFound,
				Fields: []FieldError{{Path: "action", Code: p.Code, Message: p.Message}}}
		}
	}
	if len(problems) > 0 {
		for i := range problems {
			problems[i].Path = actionRequestPath(problems[i].Path)
		}
		slices.SortStableFunc(problems, func(x, y FieldError) int { return strings.Compare(x.Path, y.Path) })
		return CheckedAction{}, invalid(problems)
	}
	// The app's defaults the check wrote into the step (applyStepDefaults).
	step.Retry, step.Timeout = literal.Definition.Steps[0].Retry, literal.Definition.Steps[0].Timeout
	return CheckedAction{Step: step, AppVersion: literal.Apps[app]}, nil
}

// actionRequestPath turns where the validator found a problem in the
// action's one-step definition into where it is in the request.
func actionRequestPath(p string) string {
	switch {
	case strings.HasPrefix(p, actionStepPath+"."):
		return strings.TrimPrefix(p, actionStepPath+".")
	case p == "apps" || strings.HasPrefix(p, "apps.") || strings.HasPrefix(p, "apps["):
		return "version"
	}
	return p
}

// ActionStatus is where an action's run is.
type ActionStatus string

// Statuses of an action's run.
const (
	ActionRunning   ActionStatus = "running"
	ActionCompleted ActionStatus = "completed"
	// ActionFailed: the run ended without the action's result: it failed
	// once its retries were spent, or was terminated, cancelled or timed
	// out (TemporalStatus says which).
	ActionFailed ActionStatus = "failed"
)

// ActionRun is the run of one action as the API shows it.
type ActionRun struct {
	// Action is the action, "shopify.update_order".
	Action string
	// WorkflowID is the event part of the run's Temporal workflow id.
	WorkflowID         string
	TemporalWorkflowID string
	RunID              string
	Status             ActionStatus
	TemporalStatus     string
	StartedAt          time.Time
	// CompletedAt is zero while the run is open.
	CompletedAt time.Time
	// Output is the action's result, once completed.
	Output any
	// Error says why a failed run has no result.
	Error *ActionError
}

// ActionError is why an action's run ended without a result: the error
// type of the last failure (a connector's kind such as NotFound or
// Unauthorized, or Terminated, TimedOut, Canceled) and its message.
type ActionError struct {
	Type    string
	Message string
}

// Result reads the run an action's request started (workflowID is the
// request's event id) and, while it is open, waits up to wait for it to
// end. A run that is still open then is ActionRunning. A run that does not
// exist is a store.ErrNotFound.
func (a *Actions) Result(ctx context.Context, accountID, action, workflowID string, wait time.Duration) (ActionRun, error) {
	id := runs.RunWorkflowID(accountID, runs.ActionDefinitionID(action), workflowID)
	info, err := a.describe(ctx, id, workflowID)
	if err != nil {
		return ActionRun{}, err
	}
	if info.GetStatus() == enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING && wait > 0 {
		waitCtx, cancel := context.WithTimeout(ctx, wait)
		// Its outcome is read below, from the run: this only waits.
		_ = a.runs.temporal.GetWorkflow(waitCtx, id, info.GetExecution().GetRunId()).Get(waitCtx, nil)
		cancel()
		if err := ctx.Err(); err != nil {
			return ActionRun{}, failed(err, "Could not wait for the action's run")
		}
		if info, err = a.describe(ctx, id, workflowID); err != nil {
			return ActionRun{}, err
		}
	}
	run := ActionRun{Action: action, WorkflowID: workflowID, TemporalWorkflowID: id, RunID: info.GetExecution().GetRunId(),
		Status: ActionRunning, TemporalStatus: temporalStatus(info.GetStatus()),
		StartedAt: info.GetStartTime().AsTime(), CompletedAt: closeTime(info)}
	switch info.GetStatus() {
	case enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING:
	case enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED:
		run.Status = ActionCompleted
		state, ok := a.runs.state(ctx, info)
		if !ok {
			return ActionRun{}, failed(errNoResult, "Could not read the action's result")
		}
		for _, l := range state.Log {
			if l.StepName == runs.ActionStepID {
				run.Output = l.Output
			}
		}
	default:
		run.Status = ActionFailed
		run.Error = a.closeError(ctx, info)
	}
	return run, nil
}

// errNoResult: a completed run whose result could not be read.
var errNoResult = errors.New("the completed run's result could not be read")

// describe reads the run with the Temporal workflow id id.
func (a *Actions) describe(ctx context.Context, id, workflowID string) (*workflowpb.WorkflowExecutionInfo, error) {
	desc, err := a.runs.temporal.DescribeWorkflowExecution(ctx, id, "")
	switch {
	case isNotFound(err):
		return nil, notFound("Run %s of this action not found.", workflowID)
	case err != nil:
		return nil, failed(err, "Could not read the action's run")
	}
	return desc.GetWorkflowExecutionInfo(), nil
}

// closeError reads why a run ended without a result from its close event:
// for a failure, the innermost application error (the connector's), whose
// type and message say what the third party answered.
func (a *Actions) closeError(ctx context.Context, info *workflowpb.WorkflowExecutionInfo) *ActionError {
	exec := info.GetExecution()
	iter := a.runs.temporal.GetWorkflowHistory(ctx, exec.GetWorkflowId(), exec.GetRunId(), false, enumspb.HISTORY_EVENT_FILTER_TYPE_CLOSE_EVENT)
	for iter.HasNext() {
		ev, err := iter.Next()
		if err != nil {
			break
		}
		if at := ev.GetWorkflowExecutionTerminatedEventAttributes(); at != nil {
			return &ActionError{Type: "Terminated", Message: at.GetReason()}
		}
		if at := ev.GetWorkflowExecutionFailedEventAttributes(); at != nil {
			return innermost(a.runs.decodeFailure(at.GetFailure()))
		}
		if ev.GetWorkflowExecutionTimedOutEventAttributes() != nil {
			return &ActionError{Type: "TimedOut", Message: "The run timed out."}
		}
		if ev.GetWorkflowExecutionCanceledEventAttributes() != nil {
			return &ActionError{Type: "Canceled", Message: "The run was canceled."}
		}
	}
	return &ActionError{Type: temporalStatus(info.GetStatus()), Message: "The run ended without a result."}
}

// innermost is the deepest application failure of f's chain, or f itself
// when it has none: the step's failure wraps the activity's, which wraps
// the connector's own.
func innermost(f *failurepb.Failure) *ActionError {
	out := &ActionError{Type: "Failed", Message: f.GetMessage()}
	for c := f; c != nil; c = c.GetCause() {
		if app := c.GetApplicationFailureInfo(); app != nil {
			out = &ActionError{Type: app.GetType(), Message: c.GetMessage()}
		}
	}
	return out
}
