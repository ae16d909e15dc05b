package manage

import (
	"context"
	"strings"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	failurepb "go.temporal.io/api/failure/v1"
	workflowpb "go.temporal.io/api/workflow/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"google.golang.org/protobuf/proto"

	"github.com/junction-run/junction/runs"
	"github.com/junction-run/junction/store"
)

// Status is a run's state in 8x8's words.
type Status string

// 8x8's run statuses.
const (
	// Runnable: running, waiting for an event or pausing for a while.
	Runnable Status = "Runnable"
	// Suspended: suspended through the API; resuming continues it.
	Suspended Status = "Suspended"
	// Complete: ran to its end without error.
	Complete Status = "Complete"
	// Terminated: terminated, failed, canceled or timed out.
	Terminated Status = "Terminated"
)

// Valid reports whether s is one of 8x8's statuses.
func (s Status) Valid() bool {
	return s == Runnable || s == Suspended || s == Complete || s == Terminated
}

// Actions a run can be controlled with (Runs.Control): 8x8's PATCH statuses.
const (
	ActionSuspend   = runs.ControlSuspend
	ActionResume    = runs.ControlResume
	ActionTerminate = "terminate"
)

// Filter narrows a list of runs; its zero value keeps them all.
type Filter struct {
	Status Status
	// StartedFrom and StartedTo bound the start time, both included; a zero
	// time leaves that end open.
	StartedFrom, StartedTo time.Time
}

// Run is one run of a definition as the management API shows it: 8x8's
// workflow instance, with where to find it in Temporal.
type Run struct {
	// WorkflowID is the event part of the Temporal workflow id: the id 8x8's
	// API names runs by.
	WorkflowID   string
	DefinitionID string
	Version      int
	Status       Status
	StartedAt    time.Time
	// CompletedAt is zero while the run is open.
	CompletedAt time.Time
	// Data is the run's context: accountId, triggeredAt and subAccountId as
	// visibility holds them, or the whole context when the run could be read.
	Data map[string]any
	// DefinitionName is the name of the definition version the run
	// executes; only the account's list (ListAccount) fills it in.
	DefinitionName string
	// Logs, when asked for, are the steps run so far, with their calls'
	// attempts. A step left open by a run that ended is Cancelled,
	// completed when the run closed.
	Logs []StepLog

	TemporalWorkflowID string
	RunID              string
	// TemporalStatus is the precise state behind Status (Failed and
	// Terminated both read as Terminated, for example).
	TemporalStatus string
}

// RunError is one thing that went wrong in a run: 8x8's workflowErrors item.
type RunError struct {
	WorkflowID string
	Step       string
	Message    string
	ErrorTime  time.Time
}

// StepCancelled is 8x8's status of a step its run ended in the middle of.
const StepCancelled = "Cancelled"

// runsTemporal is what Runs needs of Temporal; client.Client implements it.
type runsTemporal interface {
	visibility
	CountWorkflow(ctx context.Context, request *workflowservice.CountWorkflowExecutionsRequest) (*workflowservice.CountWorkflowExecutionsResponse, error)
	DescribeWorkflowExecution(ctx context.Context, workflowID, runID string) (*workflowservice.DescribeWorkflowExecutionResponse, error)
	TerminateWorkflow(ctx context.Context, workflowID, runID, reason string, details ...any) error
	UpdateWorkflow(ctx context.Context, options client.UpdateWorkflowOptions) (client.WorkflowUpdateHandle, error)
	GetWorkflow(ctx context.Context, workflowID, runID string) client.WorkflowRun
	QueryWorkflow(ctx context.Context, workflowID, runID, queryType string, args ...any) (converter.EncodedValue, error)
	GetWorkflowHistory(ctx context.Context, workflowID, runID string, isLongPoll bool, filterType enumspb.HistoryEventFilterType) client.HistoryEventIterator
}

// Runs reads and controls an account's runs. Temporal is the only record
// of them: lists come from its visibility store, a run's context and step
// log from the run itself (its result once completed, a query while open).
type Runs struct {
	temporal    runsTemporal
	namespace   string
	definitions definitionReader
	payloads    converter.DataConverter
}

// NewRuns returns the runs service over a Temporal client of namespace.
// definitions finds the definitions runs belong to (*store.Store); payloads
// reads what the history holds encoded, the runs' memos and failure
// messages, which are encrypted when the payload codec is on (nil:
// Temporal's default converter).
func NewRuns(temporal runsTemporal, namespace string, definitions definitionReader, payloads converter.DataConverter) *Runs {
	if payloads == nil {
		payloads = converter.GetDefaultDataConverter()
	}
	return &Runs{temporal: temporal, namespace: namespace, definitions: definitions, payloads: payloads}
}

// listQuery is the visibility query for the account's runs of one version
// of a definition that pass filter, whose status is valid or empty. An
// empty definitionID or a zero version leaves that part open.
func listQuery(accountID, definitionID string, version int, filter Filter) *runs.Query {
	q := runs.Runs(accountID)
	if definitionID != "" {
		q.Is(runs.DefinitionIDKey, definitionID)
	}
	if version != 0 {
		q.IsInt(runs.DefinitionVersionKey, int64(version))
	}
	switch filter.Status {
	case "":
	case Runnable:
		q.Status("Running").Unset(runs.RunStatusKey)
	case Suspended:
		q.Status("Running").Is(runs.RunStatusKey, runs.RunStatusSuspended)
	case Complete:
		q.Status("Completed")
	case Terminated:
		q.Status("Terminated", "Failed", "Canceled", "TimedOut")
	}
	if !filter.StartedFrom.IsZero() {
		q.StartedFrom(filter.StartedFrom)
	}
	if !filter.StartedTo.IsZero() {
		q.StartedBy(filter.StartedTo)
	}
	return q
}

// List lists the runs of one version (0: the latest) of a definition. A
// filter status that is not a Status is a store.ErrInvalid.
func (r *Runs) List(ctx context.Context, accountID, definitionID string, version int, filter Filter, page store.Page) ([]Run, error) {
	if filter.Status != "" && !filter.Status.Valid() {
		return nil, &Error{What: "status must be one of Runnable, Suspended, Complete, Terminated.", Err: store.ErrInvalid}
	}
	def, err := requireDefinition(ctx, r.definitions, accountID, definitionID, version)
	if err != nil {
		return nil, err
	}
	execs, err := listExecutions(ctx, r.temporal, r.namespace, listQuery(accountID, definitionID, def.Version, filter).String(), page)
	if err != nil {
		return nil, failed(err, "Could not list runs")
	}
	out := make([]Run, 0, len(execs))
	for _, e := range execs {
		out = append(out, r.fromInfo(e))
	}
	return out, nil
}

// Get returns one run of a definition, with its context and, with logs, its
// step log.
//
// The log reads the run's history once more, for each call's attempts
// (chainCalls: with the runs before it, when it continued as new and the
// log reaches back into them).
func (r *Runs) Get(ctx context.Context, accountID, definitionID, workflowID string, logs bool) (Run, error) {
	desc, err := r.find(ctx, accountID, definitionID, workflowID)
	if err != nil {
		return Run{}, err
	}
	info := desc.GetWorkflowExecutionInfo()
	run := r.fromInfo(info)
	state, ok := r.state(ctx, info)
	if !ok {
		return run, nil
	}
	run.Data = state.Data
	if logs {
		open := info.GetStatus() == enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING
		log := make([]runs.StepLog, 0, len(state.Log))
		for _, l := range state.Log {
			if l.CompletedAt.IsZero() && !open {
				l.Status = StepCancelled
				l.CompletedAt = closeTime(info)
			}
			log = append(log, l)
		}
		var calls []*stepCall
		if len(log) > 0 {
			calls = r.chainCalls(ctx, info.GetExecution(), desc.GetPendingActivities(), log[0].StartedAt)
		}
		run.Logs = withAttempts(log, calls, open)
	}
	return run, nil
}

// Control suspends, resumes or terminates a run (ActionSuspend,
// ActionResume, ActionTerminate). Suspend and resume are answered by the run
// itself, so a nil error means it has taken effect; a suspended run starts
// no further step. A run that has ended is a store.ErrConflict.
func (r *Runs) Control(ctx context.Context, accountID, definitionID, workflowID, action string) error {
	past, ok := map[string]string{ActionSuspend: "suspended", ActionResume: "resumed", ActionTerminate: "terminated"}[action]
	if !ok {
		return &Error{What: "The action must be suspend, resume or terminate.", Err: store.ErrInvalid}
	}
	desc, err := r.find(ctx, accountID, definitionID, workflowID)
	if err != nil {
		return err
	}
	info := desc.GetWorkflowExecutionInfo()
	if info.GetStatus() != enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING {
		return &Error{What: "The workflow is " + string(status(info.GetStatus(), "")) + "; it cannot be " + past + ".", Err: store.ErrConflict}
	}
	exec := info.GetExecution()
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if action == ActionTerminate {
		if err := r.temporal.TerminateWorkflow(ctx, exec.GetWorkflowId(), exec.GetRunId(), "terminated through the API"); err != nil {
			return failed(err, "Could not terminate the run")
		}
		return nil
	}
	handle, err := r.temporal.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		WorkflowID:   exec.GetWorkflowId(),
		RunID:        exec.GetRunId(),
		UpdateName:   runs.ControlUpdate,
		Args:         []any{runs.ControlRequest{Action: action}},
		WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	if err == nil {
		err = handle.Get(ctx, nil)
	}
	if err != nil {
		return failed(err, "Could not %s the run (is a worker running?)", action)
	}
	return nil
}

// Errors lists what went wrong in a run: every failed step, and how the run
// ended when it failed or was terminated.
func (r *Runs) Errors(ctx context.Context, accountID, definitionID, workflowID string) ([]RunError, error) {
	desc, err := r.find(ctx, accountID, definitionID, workflowID)
	if err != nil {
		return nil, err
	}
	info := desc.GetWorkflowExecutionInfo()
	id := eventPart(info.GetExecution().GetWorkflowId())
	out := []RunError{}
	lastStep := ""
	if state, ok := r.state(ctx, info); ok {
		for _, l := range state.Log {
			lastStep = l.StepName
			if l.Status == runs.StepFailed {
				out = append(out, RunError{WorkflowID: id, Step: l.StepName, Message: l.Error, ErrorTime: l.CompletedAt})
			}
		}
		if state.CurrentStep != "" {
			lastStep = state.CurrentStep
		}
	}
	switch info.GetStatus() {
	case enumspb.WORKFLOW_EXECUTION_STATUS_TERMINATED, enumspb.WORKFLOW_EXECUTION_STATUS_FAILED,
		enumspb.WORKFLOW_EXECUTION_STATUS_TIMED_OUT, enumspb.WORKFLOW_EXECUTION_STATUS_CANCELED:
		out = append(out, RunError{WorkflowID: id, Step: lastStep, Message: r.closeReason(ctx, info), ErrorTime: closeTime(info)})
	}
	return out, nil
}

// Count counts the account's runs started in [from, to).
func (r *Runs) Count(ctx context.Context, accountID string, from, to time.Time) (int64, error) {
	resp, err := r.temporal.CountWorkflow(ctx, &workflowservice.CountWorkflowExecutionsRequest{
		Namespace: r.namespace,
		Query:     runs.Runs(accountID).StartedFrom(from).StartedBefore(to).String(),
	})
	if err != nil {
		return 0, failed(err, "Could not count runs")
	}
	return resp.GetCount(), nil
}

// find describes a definition's run, named by the event part of its id.
func (r *Runs) find(ctx context.Context, accountID, definitionID, workflowID string) (*workflowservice.DescribeWorkflowExecutionResponse, error) {
	if _, err := requireDefinition(ctx, r.definitions, accountID, definitionID, 0); err != nil {
		return nil, err
	}
	desc, err := r.temporal.DescribeWorkflowExecution(ctx, runs.RunWorkflowID(accountID, definitionID, workflowID), "")
	switch {
	case isNotFound(err):
		return nil, notFound("Workflow %s not found.", workflowID)
	case err != nil:
		return nil, failed(err, "Could not read the run")
	}
	return desc, nil
}

// closeReason reads why a run ended from its close event.
func (r *Runs) closeReason(ctx context.Context, info *workflowpb.WorkflowExecutionInfo) string {
	exec := info.GetExecution()
	iter := r.temporal.GetWorkflowHistory(ctx, exec.GetWorkflowId(), exec.GetRunId(), false, enumspb.HISTORY_EVENT_FILTER_TYPE_CLOSE_EVENT)
	for iter.HasNext() {
		ev, err := iter.Next()
		if err != nil {
			break
		}
		if a := ev.GetWorkflowExecutionTerminatedEventAttributes(); a != nil {
			return "Terminated: " + a.GetReason()
		}
		if a := ev.GetWorkflowExecutionFailedEventAttributes(); a != nil {
			f := r.decodeFailure(a.GetFailure())
			return "Failed: " + f.GetMessage() + causeOf(f.GetCause())
		}
		if ev.GetWorkflowExecutionTimedOutEventAttributes() != nil {
			return "Timed out."
		}
		if ev.GetWorkflowExecutionCanceledEventAttributes() != nil {
			return "Canceled."
		}
	}
	return temporalStatus(info.GetStatus())
}

// decodeFailure returns a copy of f whose messages, and its causes', are
// readable: with payload encryption on, workers encode them
// (payloadcodec.FailureConverter), and the history says only "Encoded
// failure".
func (r *Runs) decodeFailure(f *failurepb.Failure) *failurepb.Failure {
	if f == nil {
		return nil
	}
	f = proto.Clone(f).(*failurepb.Failure)
	for c := f; c != nil; c = c.GetCause() {
		converter.DecodeCommonFailureAttributes(r.payloads, c)
	}
	return f
}

func causeOf(f *failurepb.Failure) string {
	msg := ""
	for ; f != nil; f = f.GetCause() {
		msg += ": " + f.GetMessage()
	}
	return msg
}

// state reads a run's context and step log: from the result of a completed
// run (no worker needed), otherwise by querying it. A run whose state cannot
// be read still answers, with the context visibility holds.
func (r *Runs) state(ctx context.Context, info *workflowpb.WorkflowExecutionInfo) (runs.RunState, bool) {
	exec := info.GetExecution()
	if info.GetStatus() == enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED {
		var out runs.RunOutput
		if err := r.temporal.GetWorkflow(ctx, exec.GetWorkflowId(), exec.GetRunId()).Get(ctx, &out); err == nil {
			return runs.RunState{Data: out.Data, Log: out.Log}, true
		}
	}
	qctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	v, err := r.temporal.QueryWorkflow(qctx, exec.GetWorkflowId(), exec.GetRunId(), runs.StateQuery)
	if err != nil {
		return runs.RunState{}, false
	}
	var state runs.RunState
	if err := v.Get(&state); err != nil {
		return runs.RunState{}, false
	}
	return state, true
}

// fromInfo is what visibility says of a run.
func (r *Runs) fromInfo(info *workflowpb.WorkflowExecutionInfo) Run {
	attrs := info.GetSearchAttributes().GetIndexedFields()
	id := info.GetExecution().GetWorkflowId()
	run := Run{
		WorkflowID:         eventPart(id),
		DefinitionID:       keywordAttr(attrs[runs.DefinitionIDKey.GetName()]),
		Version:            int(intAttr(attrs[runs.DefinitionVersionKey.GetName()])),
		Status:             status(info.GetStatus(), keywordAttr(attrs[runs.RunStatusKey.GetName()])),
		StartedAt:          info.GetStartTime().AsTime(),
		CompletedAt:        closeTime(info),
		TemporalWorkflowID: id,
		RunID:              info.GetExecution().GetRunId(),
		TemporalStatus:     temporalStatus(info.GetStatus()),
	}
	triggeredAt := run.StartedAt.UTC().Format(TimeLayout)
	if p := info.GetMemo().GetFields()[runs.MemoTriggeredAt]; p != nil {
		// Memos are payloads: encrypted when the payload codec is on.
		_ = r.payloads.FromPayload(p, &triggeredAt)
	}
	run.Data = map[string]any{
		"accountId":   keywordAttr(attrs[runs.AccountIDKey.GetName()]),
		"triggeredAt": triggeredAt,
	}
	if sub := keywordAttr(attrs[runs.SubAccountIDKey.GetName()]); sub != "" {
		run.Data["subAccountId"] = sub
	}
	return run
}

// eventPart is the event part of a run's workflow id, 8x8's workflowId.
func eventPart(workflowID string) string {
	return workflowID[strings.LastIndex(workflowID, "/")+1:]
}

// closeTime is when the run closed, zero while it is open.
func closeTime(info *workflowpb.WorkflowExecutionInfo) time.Time {
	if info.GetCloseTime() == nil {
		return time.Time{}
	}
	return info.GetCloseTime().AsTime()
}

func temporalStatus(s enumspb.WorkflowExecutionStatus) string {
	return strings.TrimPrefix(s.String(), "WORKFLOW_EXECUTION_STATUS_")
}

// status is 8x8's status of a run in Temporal status s, with runStatus its
// RunStatusKey search attribute.
func status(s enumspb.WorkflowExecutionStatus, runStatus string) Status {
	switch s {
	case enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING:
		if runStatus == runs.RunStatusSuspended {
			return Suspended
		}
		return Runnable
	case enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED:
		return Complete
	default:
		return Terminated
	}
}

func keywordAttr(p *commonpb.Payload) string {
	var s string
	if p != nil {
		_ = converter.GetDefaultDataConverter().FromPayload(p, &s)
	}
	return s
}

func intAttr(p *commonpb.Payload) int64 {
	var n int64
	if p != nil {
		_ = converter.GetDefaultDataConverter().FromPayload(p, &n)
	}
	return n
}
