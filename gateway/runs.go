package gateway

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/junction-run/junction/manage"
)

// runInstance is 8x8's workflowInstance, with Junction's additions for
// finding the run in the Temporal UI.
type runInstance struct {
	WorkflowID   string         `json:"workflowId"`
	Data         map[string]any `json:"data"`
	DefinitionID string         `json:"definitionId"`
	Version      int            `json:"version"`
	Status       manage.Status  `json:"status"`
	StartedAt    string         `json:"startedAt"`
	// CompletedAt is absent while the run is open: 8x8's schema types it a
	// string, and a null would not be one.
	CompletedAt string   `json:"completedAt,omitempty"`
	Logs        []runLog `json:"logs,omitempty"`
	// DefinitionName is given by the account's list of runs alone, which
	// spans definitions; absent when the definition has been deleted.
	DefinitionName string `json:"definitionName,omitempty"`

	TemporalWorkflowID string `json:"temporalWorkflowId"`
	RunID              string `json:"runId"`
	// TemporalStatus is the precise state behind Status (Failed and
	// Terminated both read as 8x8's Terminated, for example).
	TemporalStatus string `json:"temporalStatus"`
	// HistoryURL is the run's history in the Temporal UI, when the
	// gateway knows the UI (Config.TemporalUIURL).
	HistoryURL string `json:"historyUrl,omitempty"`
}

// runLog is 8x8's workflowLog.
type runLog struct {
	ID        string `json:"id"`
	StepName  string `json:"stepName"`
	StepType  string `json:"stepType,omitempty"`
	StartedAt string `json:"startedAt"`
	// CompletedAt is absent while the step is open, as for a run.
	CompletedAt string `json:"completedAt,omitempty"`
	Status      string `json:"status"`
	Inputs      any    `json:"inputs,omitempty"`
	Output      any    `json:"output,omitempty"`
	Error       string `json:"error,omitempty"`
	// Attempts and what follows come from the run's history
	// (manage.StepLog): the step's call's latest attempt, its policy's
	// bound, why the latest failed attempt failed, and when a call in
	// backoff is tried next.
	Attempts        int    `json:"attempts,omitempty"`
	MaximumAttempts int    `json:"maximumAttempts,omitempty"`
	LastFailure     string `json:"lastFailure,omitempty"`
	NextAttemptAt   string `json:"nextAttemptAt,omitempty"`
}

// runError is 8x8's workflowErrors item.
type runError struct {
	WorkflowID string `json:"workflowId"`
	Step       string `json:"step"`
	Message    string `json:"message"`
	ErrorTime  string `json:"errorTime"`
}

// viewRuns is a list of runs as the API answers it.
func (g *Gateway) viewRuns(list []manage.Run) []runInstance {
	out := make([]runInstance, 0, len(list))
	for _, r := range list {
		out = append(out, g.viewRun(r))
	}
	return out
}

func (g *Gateway) viewRun(r manage.Run) runInstance {
	out := runInstance{
		WorkflowID: r.WorkflowID, Data: r.Data, DefinitionID: r.DefinitionID, Version: r.Version, Status: r.Status,
		StartedAt: formatTime(r.StartedAt), CompletedAt: formatTime(r.CompletedAt),
		TemporalWorkflowID: r.TemporalWorkflowID, RunID: r.RunID, TemporalStatus: r.TemporalStatus,
		HistoryURL:     g.historyURL(r.TemporalWorkflowID, r.RunID),
		DefinitionName: r.DefinitionName,
	}
	if r.Logs != nil {
		out.Logs = make([]runLog, 0, len(r.Logs))
		for _, l := range r.Logs {
			out.Logs = append(out.Logs, runLog{ID: l.ID, StepName: l.StepName, StepType: l.StepType, Status: l.Status, Error: l.Error,
				StartedAt: formatTime(l.StartedAt), CompletedAt: formatTime(l.CompletedAt), Inputs: l.Inputs, Output: l.Output,
				Attempts: l.Attempts, MaximumAttempts: l.MaximumAttempts, LastFailure: l.LastFailure, NextAttemptAt: formatTime(l.NextAttemptAt)})
		}
	}
	return out
}

// listRuns lists the runs of one definition version (default: the latest),
// from Temporal's visibility store.
func (g *Gateway) listRuns(c *gin.Context) error {
	id, version, p, err := definitionPage(c)
	if err != nil {
		return err
	}
	filter, err := runFilter(c)
	if err != nil {
		return err
	}
	list, err := g.runs.List(c.Request.Context(), c.Param("accountId"), id, version, filter, p)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, g.viewRuns(list))
	return nil
}

// runFilter reads the filters of a list of runs: ?status= and the start
// time's bounds, ?startTimeFrom= and ?startTimeTo=.
func runFilter(c *gin.Context) (manage.Filter, error) {
	var filter manage.Filter
	if s, present := c.GetQuery("status"); present {
		if filter.Status = manage.Status(s); !filter.Status.Valid() {
			return filter, badRequest("status must be one of Runnable, Suspended, Complete, Terminated.",
				fieldError{Path: "status", Message: "must be one of Runnable, Suspended, Complete, Terminated"})
		}
	}
	for _, bound := range []struct {
		param string
		to    *time.Time
	}{{"startTimeFrom", &filter.StartedFrom}, {"startTimeTo", &filter.StartedTo}} {
		v, present := c.GetQuery(bound.param)
		if !present {
			continue
		}
		t, err := time.Parse(time.RFC3339Nano, v)
		if err != nil {
			return filter, badRequest(bound.param+" must be an ISO 8601 timestamp.",
				fieldError{Path: bound.param, Message: "must be an ISO 8601 timestamp such as 2026-01-02T15:04:05Z"})
		}
		*bound.to = t
	}
	return filter, nil
}

// getRun returns one run with its context data, and its step log when
// includeLogs=true.
func (g *Gateway) getRun(c *gin.Context) error {
	defID, workflowID, err := runPath(c)
	if err != nil {
		return err
	}
	run, err := g.runs.Get(c.Request.Context(), c.Param("accountId"), defID, workflowID, c.Query("includeLogs") == "true")
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, g.viewRun(run))
	return nil
}

// controlRun is 8x8's PATCH: {"status": "suspend" | "resume" | "terminate"}.
// 200 means it has taken effect.
func (g *Gateway) controlRun(c *gin.Context) error {
	var req struct {
		Status string `json:"status"`
	}
	if err := decodeStrict(c, &req); err != nil {
		return err
	}
	switch req.Status {
	case manage.ActionSuspend, manage.ActionResume, manage.ActionTerminate:
	default:
		return badRequest("status must be suspend, resume or terminate.",
			fieldError{Path: "status", Code: "invalid_value", Message: "must be suspend, resume or terminate"})
	}
	defID, workflowID, err := runPath(c)
	if err != nil {
		return err
	}
	if err := g.runs.Control(c.Request.Context(), c.Param("accountId"), defID, workflowID, req.Status); err != nil {
		return err
	}
	c.Status(http.StatusOK)
	return nil
}

// runErrors lists what went wrong in a run: every failed step, and how the
// run ended when it failed or was terminated.
func (g *Gateway) runErrors(c *gin.Context) error {
	defID, workflowID, err := runPath(c)
	if err != nil {
		return err
	}
	errs, err := g.runs.Errors(c.Request.Context(), c.Param("accountId"), defID, workflowID)
	if err != nil {
		return err
	}
	out := make([]runError, 0, len(errs))
	for _, e := range errs {
		out = append(out, runError{WorkflowID: e.WorkflowID, Step: e.Step, Message: e.Message, ErrorTime: formatTime(e.ErrorTime)})
	}
	c.JSON(http.StatusOK, out)
	return nil
}

// formatTime writes t as the API does; the zero time is "".
func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(manage.TimeLayout)
}
