package gateway

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	failurepb "go.temporal.io/api/failure/v1"
	"go.temporal.io/api/serviceerror"
	workflowpb "go.temporal.io/api/workflow/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"

	"github.com/junction-run/junction/runs"
	"github.com/junction-run/junction/store"
)

// 8x8's instance statuses.
const (
	statusRunnable   = "Runnable"
	statusSuspended  = "Suspended"
	statusComplete   = "Complete"
	statusTerminated = "Terminated"
)

// runInstance is 8x8's workflowInstance, with Junction's additions for
// finding the run in the Temporal UI.
type runInstance struct {
	WorkflowID   string         `json:"workflowId"`
	Data         map[string]any `json:"data"`
	DefinitionID string         `json:"definitionId"`
	Version      int            `json:"version"`
	Status       string         `json:"status"`
	StartedAt    string         `json:"startedAt"`
	CompletedAt  *string        `json:"completedAt"` // null while the run is open, as 8x8 writes
	Logs         []runLog       `json:"logs,omitempty"`

	TemporalWorkflowID string `json:"temporalWorkflowId"`
	RunID              string `json:"runId"`
	// TemporalStatus is the precise state behind Status (Failed and
	// Terminated both read as 8x8's Terminated, for example).
	TemporalStatus string `json:"temporalStatus"`
}

// runLog is 8x8's workflowLog.
type runLog struct {
	ID          string  `json:"id"`
	StepName    string  `json:"stepName"`
	StepType    string  `json:"stepType,omitempty"`
	StartedAt   string  `json:"startedAt"`
	CompletedAt *string `json:"completedAt"`
	Status      string  `json:"status"`
	Inputs      any     `json:"inputs,omitempty"`
	Output      any     `json:"output,omitempty"`
	Error       string  `json:"error,omitempty"`
}

// listRuns lists the runs of one definition version (default: the latest),
// from Temporal's visibility store.
func (g *Gateway) listRuns(c *gin.Context) {
	ctx := c.Request.Context()
	accountID := c.Param("accountId")
	id, ok := g.definitionID(c)
	if !ok {
		return
	}
	page, ok := g.page(c)
	if !ok {
		return
	}
	version, ok := g.versionParam(c)
	if !ok {
		return
	}
	def, ok := g.requireDefinition(c, id, version)
	if !ok {
		return
	}

	query := runs.Runs(accountID).Is(runs.DefinitionIDKey, id).IsInt(runs.DefinitionVersionKey, int64(def.Version))
	if s, present := c.GetQuery("status"); present {
		if !statusClause(query, s) {
			g.fail(c, http.StatusBadRequest, codeInvalidParameter, "status must be one of Runnable, Suspended, Complete, Terminated.",
				[]fieldError{{Path: "status", Message: "must be one of Runnable, Suspended, Complete, Terminated"}})
			return
		}
	}
	for _, bound := range []struct {
		param string
		add   func(time.Time) *runs.Query
	}{{"startTimeFrom", query.StartedFrom}, {"startTimeTo", query.StartedBy}} {
		v, present := c.GetQuery(bound.param)
		if !present {
			continue
		}
		t, err := time.Parse(time.RFC3339Nano, v)
		if err != nil {
			g.fail(c, http.StatusBadRequest, codeInvalidParameter, bound.param+" must be an ISO 8601 timestamp.",
				[]fieldError{{Path: bound.param, Message: "must be an ISO 8601 timestamp such as 2026-01-02T15:04:05Z"}})
			return
		}
		bound.add(t)
	}

	execs, err := g.listExecutions(ctx, query.String(), page)
	if err != nil {
		g.failInternal(c, http.StatusServiceUnavailable, "Could not list runs", err)
		return
	}
	out := make([]runInstance, 0, len(execs))
	for _, e := range execs {
		out = append(out, g.instanceFromInfo(e))
	}
	c.JSON(http.StatusOK, out)
}

// listExecutions pages through visibility until offset+limit runs are seen.
func (g *Gateway) listExecutions(ctx context.Context, query string, page store.Page) ([]*workflowpb.WorkflowExecutionInfo, error) {
	want := page.Offset + page.Limit
	var all []*workflowpb.WorkflowExecutionInfo
	var token []byte
	for len(all) < want {
		resp, err := g.temporal.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{
			Namespace:     g.namespace,
			PageSize:      int32(min(want, 1000)),
			NextPageToken: token,
			Query:         query,
		})
		if err != nil {
			return nil, err
		}
		all = append(all, resp.GetExecutions()...)
		token = resp.GetNextPageToken()
		if len(token) == 0 {
			break
		}
	}
	if page.Offset >= len(all) {
		return nil, nil
	}
	return all[page.Offset:min(len(all), want)], nil
}

// statusClause narrows the query to runs in one of 8x8's statuses; false
// for a status 8x8 does not have.
func statusClause(q *runs.Query, s string) bool {
	switch s {
	case statusRunnable:
		q.Status("Running").Unset(runs.RunStatusKey)
	case statusSuspended:
		q.Status("Running").Is(runs.RunStatusKey, runs.RunStatusSuspended)
	case statusComplete:
		q.Status("Completed")
	case statusTerminated:
		q.Status("Terminated", "Failed", "Canceled", "TimedOut")
	default:
		return false
	}
	return true
}

// getRun returns one run with its context data, and its step log when
// includeLogs=true.
func (g *Gateway) getRun(c *gin.Context) {
	info, ok := g.findRun(c)
	if !ok {
		return
	}
	inst := g.instanceFromInfo(info)
	if state, ok := g.runState(c.Request.Context(), info); ok {
		inst.Data = state.Data
		if c.Query("includeLogs") == "true" {
			inst.Logs = make([]runLog, 0, len(state.Log))
			for _, l := range state.Log {
				entry := runLog{
					ID: l.ID, StepName: l.StepName, StepType: l.StepType, Status: l.Status, Error: l.Error,
					StartedAt: formatTime(l.StartedAt), CompletedAt: optionalTime(l.CompletedAt),
					Inputs: l.Inputs, Output: l.Output,
				}
				// A run that ended (terminated, failed) in the middle of a
				// step leaves that step open; 8x8 calls it Cancelled.
				if entry.CompletedAt == nil && info.GetStatus() != enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING {
					entry.Status = "Cancelled"
					entry.CompletedAt = optionalTime(info.GetCloseTime().AsTime())
				}
				inst.Logs = append(inst.Logs, entry)
			}
		}
	}
	c.JSON(http.StatusOK, inst)
}

// findRun resolves the {definitionId}/{workflowId} of the path to a run of
// the account, answering 400 or 404 itself.
func (g *Gateway) findRun(c *gin.Context) (*workflowpb.WorkflowExecutionInfo, bool) {
	ctx := c.Request.Context()
	accountID := c.Param("accountId")
	id, ok := g.definitionID(c)
	if !ok {
		return nil, false
	}
	runKey := c.Param("workflowId")
	if !runs.ValidEventID(runKey) {
		g.fail(c, http.StatusBadRequest, codeInvalidParameter, "Invalid workflow id.",
			[]fieldError{{Path: "workflowId", Message: runs.EventIDRule}})
		return nil, false
	}
	if _, ok := g.requireDefinition(c, id, 0); !ok {
		return nil, false
	}
	desc, err := g.temporal.DescribeWorkflowExecution(ctx, runs.RunWorkflowID(accountID, id, runKey), "")
	var notFound *serviceerror.NotFound
	if errors.As(err, &notFound) {
		g.fail(c, http.StatusNotFound, codeNotFound, "Workflow "+runKey+" not found.", nil)
		return nil, false
	}
	if err != nil {
		g.failInternal(c, http.StatusServiceUnavailable, "Could not read the run", err)
		return nil, false
	}
	return desc.GetWorkflowExecutionInfo(), true
}

// controlRun is 8x8's PATCH: {"status": "suspend" | "resume" | "terminate"}.
// Suspend and resume are answered by the run itself (an update), so 200
// means it has taken effect; a suspended run starts no further step.
func (g *Gateway) controlRun(c *gin.Context) {
	var req struct {
		Status string `json:"status"`
	}
	if !g.decodeStrict(c, &req) {
		return
	}
	if req.Status != "suspend" && req.Status != "resume" && req.Status != "terminate" {
		g.fail(c, http.StatusBadRequest, codeInvalidParameter, "status must be suspend, resume or terminate.",
			[]fieldError{{Path: "status", Code: "invalid_value", Message: "must be suspend, resume or terminate"}})
		return
	}
	info, ok := g.findRun(c)
	if !ok {
		return
	}
	if info.GetStatus() != enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING {
		past := map[string]string{"suspend": "suspended", "resume": "resumed", "terminate": "terminated"}[req.Status]
		g.fail(c, http.StatusConflict, codeInvalidParameter,
			"The workflow is "+instanceStatus(info.GetStatus(), "")+"; it cannot be "+past+".", nil)
		return
	}
	exec := info.GetExecution()
	ctx, cancel := context.WithTimeout(c.Request.Context(), 10*time.Second)
	defer cancel()
	if req.Status == "terminate" {
		err := g.temporal.TerminateWorkflow(ctx, exec.GetWorkflowId(), exec.GetRunId(), "terminated through the API")
		if err != nil {
			g.failInternal(c, http.StatusServiceUnavailable, "Could not terminate the run", err)
			return
		}
		c.Status(http.StatusOK)
		return
	}
	handle, err := g.temporal.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		WorkflowID:   exec.GetWorkflowId(),
		RunID:        exec.GetRunId(),
		UpdateName:   runs.ControlUpdate,
		Args:         []any{runs.ControlRequest{Action: req.Status}},
		WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	if err == nil {
		err = handle.Get(ctx, nil)
	}
	if err != nil {
		g.failInternal(c, http.StatusServiceUnavailable, "Could not "+req.Status+" the run (is a worker running?)", err)
		return
	}
	c.Status(http.StatusOK)
}

// runError is 8x8's workflowErrors item.
type runError struct {
	WorkflowID string `json:"workflowId"`
	Step       string `json:"step"`
	Message    string `json:"message"`
	ErrorTime  string `json:"errorTime"`
}

// runErrors lists what went wrong in a run: every failed step, and how the
// run ended when it failed or was terminated.
func (g *Gateway) runErrors(c *gin.Context) {
	info, ok := g.findRun(c)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	inst := g.instanceFromInfo(info)
	out := []runError{}
	lastStep := ""
	if state, ok := g.runState(ctx, info); ok {
		for _, l := range state.Log {
			lastStep = l.StepName
			if l.Status == runs.StepFailed {
				out = append(out, runError{WorkflowID: inst.WorkflowID, Step: l.StepName, Message: l.Error, ErrorTime: formatTime(l.CompletedAt)})
			}
		}
		if state.CurrentStep != "" {
			lastStep = state.CurrentStep
		}
	}
	switch info.GetStatus() {
	case enumspb.WORKFLOW_EXECUTION_STATUS_TERMINATED, enumspb.WORKFLOW_EXECUTION_STATUS_FAILED,
		enumspb.WORKFLOW_EXECUTION_STATUS_TIMED_OUT, enumspb.WORKFLOW_EXECUTION_STATUS_CANCELED:
		out = append(out, runError{WorkflowID: inst.WorkflowID, Step: lastStep,
			Message: g.closeReason(ctx, info), ErrorTime: formatTime(info.GetCloseTime().AsTime())})
	}
	c.JSON(http.StatusOK, out)
}

// closeReason reads why a run ended from its close event.
func (g *Gateway) closeReason(ctx context.Context, info *workflowpb.WorkflowExecutionInfo) string {
	exec := info.GetExecution()
	iter := g.temporal.GetWorkflowHistory(ctx, exec.GetWorkflowId(), exec.GetRunId(), false, enumspb.HISTORY_EVENT_FILTER_TYPE_CLOSE_EVENT)
	for iter.HasNext() {
		ev, err := iter.Next()
		if err != nil {
			break
		}
		if a := ev.GetWorkflowExecutionTerminatedEventAttributes(); a != nil {
			return "Terminated: " + a.GetReason()
		}
		if a := ev.GetWorkflowExecutionFailedEventAttributes(); a != nil {
			return "Failed: " + a.GetFailure().GetMessage() + causeOf(a.GetFailure().GetCause())
		}
		if ev.GetWorkflowExecutionTimedOutEventAttributes() != nil {
			return "Timed out."
		}
		if ev.GetWorkflowExecutionCanceledEventAttributes() != nil {
			return "Canceled."
		}
	}
	return strings.TrimPrefix(info.GetStatus().String(), "WORKFLOW_EXECUTION_STATUS_")
}

func causeOf(f *failurepb.Failure) string {
	msg := ""
	for ; f != nil; f = f.GetCause() {
		msg += ": " + f.GetMessage()
	}
	return msg
}

// runState reads a run's context and step log: from the result of a
// completed run (no worker needed), otherwise by querying it. A run whose
// state cannot be read still answers, with the context visibility holds.
func (g *Gateway) runState(ctx context.Context, info *workflowpb.WorkflowExecutionInfo) (runs.RunState, bool) {
	exec := info.GetExecution()
	if info.GetStatus() == enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED {
		var out runs.RunOutput
		if err := g.temporal.GetWorkflow(ctx, exec.GetWorkflowId(), exec.GetRunId()).Get(ctx, &out); err == nil {
			return runs.RunState{Data: out.Data, Log: out.Log}, true
		}
	}
	qctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	v, err := g.temporal.QueryWorkflow(qctx, exec.GetWorkflowId(), exec.GetRunId(), runs.StateQuery)
	if err != nil {
		return runs.RunState{}, false
	}
	var state runs.RunState
	if err := v.Get(&state); err != nil {
		return runs.RunState{}, false
	}
	return state, true
}

func (g *Gateway) instanceFromInfo(info *workflowpb.WorkflowExecutionInfo) runInstance {
	attrs := info.GetSearchAttributes().GetIndexedFields()
	id := info.GetExecution().GetWorkflowId()
	inst := runInstance{
		WorkflowID:         id[strings.LastIndex(id, "/")+1:],
		DefinitionID:       keywordAttr(attrs[runs.DefinitionIDKey.GetName()]),
		Version:            int(intAttr(attrs[runs.DefinitionVersionKey.GetName()])),
		Status:             instanceStatus(info.GetStatus(), keywordAttr(attrs[runs.RunStatusKey.GetName()])),
		StartedAt:          formatTime(info.GetStartTime().AsTime()),
		TemporalWorkflowID: id,
		RunID:              info.GetExecution().GetRunId(),
		TemporalStatus:     strings.TrimPrefix(info.GetStatus().String(), "WORKFLOW_EXECUTION_STATUS_"),
	}
	if info.GetCloseTime() != nil {
		inst.CompletedAt = optionalTime(info.GetCloseTime().AsTime())
	}
	triggeredAt := inst.StartedAt
	if p := info.GetMemo().GetFields()[runs.MemoTriggeredAt]; p != nil {
		// Memos are payloads: encrypted when the payload codec is on.
		_ = g.dataConverter.FromPayload(p, &triggeredAt)
	}
	inst.Data = map[string]any{
		"accountId":   keywordAttr(attrs[runs.AccountIDKey.GetName()]),
		"triggeredAt": triggeredAt,
	}
	if sub := keywordAttr(attrs[runs.SubAccountIDKey.GetName()]); sub != "" {
		inst.Data["subAccountId"] = sub
	}
	return inst
}

func instanceStatus(s enumspb.WorkflowExecutionStatus, runStatus string) string {
	switch s {
	case enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING:
		if runStatus == runs.RunStatusSuspended {
			return statusSuspended
		}
		return statusRunnable
	case enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED:
		return statusComplete
	default:
		return statusTerminated
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

// optionalTime is nil for the zero time, which JSON writes as null.
func optionalTime(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := formatTime(t)
	return &s
}

func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(timeLayout)
}
