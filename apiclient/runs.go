package apiclient

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"time"
)

// Run statuses (8x8's): Terminated covers runs terminated by hand and runs
// that failed; RunInstance.TemporalStatus tells them apart.
const (
	RunRunnable   = "Runnable"
	RunSuspended  = "Suspended"
	RunComplete   = "Complete"
	RunTerminated = "Terminated"
)

// Actions ControlRun takes.
const (
	ActionSuspend   = "suspend"
	ActionResume    = "resume"
	ActionTerminate = "terminate"
)

// Run names a run that a trigger or a test start started (or found already
// started, or resumed).
type Run struct {
	DefinitionID string `json:"definitionId"`
	Version      int    `json:"version"`
	// WorkflowID is the event id: the run's id in the API.
	WorkflowID string `json:"workflowId"`
	// TemporalWorkflowID ("account/definitionId/workflowId") and RunID
	// find the run in the Temporal UI.
	TemporalWorkflowID string `json:"temporalWorkflowId"`
	RunID              string `json:"runId"`
	// HistoryURL is the run's history in the Temporal UI, when the
	// gateway knows the UI.
	HistoryURL string `json:"historyUrl,omitempty"`
}

// RunInstance is 8x8's workflow instance, with Junction's Temporal ids.
type RunInstance struct {
	WorkflowID string `json:"workflowId"`
	// Data is the run's context: the trigger's data and what steps wrote.
	Data         map[string]any `json:"data"`
	DefinitionID string         `json:"definitionId"`
	Version      int            `json:"version"`
	// Status is one of the Run* constants.
	Status      string `json:"status"`
	StartedAt   string `json:"startedAt"`
	CompletedAt string `json:"completedAt"`
	// Logs is the step log; only GetRun with includeLogs fills it.
	Logs []StepLog `json:"logs,omitempty"`

	TemporalWorkflowID string `json:"temporalWorkflowId"`
	RunID              string `json:"runId"`
	// TemporalStatus is Temporal's own status behind Status: it tells a
	// failed run from a terminated one, both Terminated to 8x8.
	TemporalStatus string `json:"temporalStatus"`
	// HistoryURL is the run's history in the Temporal UI, when the
	// gateway knows the UI.
	HistoryURL string `json:"historyUrl,omitempty"`
}

// StepLog is one step execution of a run (8x8's workflowLog).
type StepLog struct {
	ID       string `json:"id"`
	StepName string `json:"stepName"`
	StepType string `json:"stepType,omitempty"`
	// Status: Pending, Running, Complete, Sleeping, WaitingForEvent,
	// Failed or Cancelled.
	Status      string          `json:"status"`
	StartedAt   string          `json:"startedAt"`
	CompletedAt string          `json:"completedAt"`
	Inputs      json.RawMessage `json:"inputs,omitempty"`
	Output      json.RawMessage `json:"output,omitempty"`
	Error       string          `json:"error,omitempty"`
	// Attempts is the number of the latest attempt of the step's call,
	// made or being made (0: the step makes no call); MaximumAttempts its
	// policy's bound (0: none but its expiration, or a local activity).
	Attempts        int `json:"attempts,omitempty"`
	MaximumAttempts int `json:"maximumAttempts,omitempty"`
	// LastFailure is why the latest failed attempt failed.
	LastFailure string `json:"lastFailure,omitempty"`
	// NextAttemptAt is when a call in retry backoff makes its next
	// attempt, while the run is open.
	NextAttemptAt string `json:"nextAttemptAt,omitempty"`
}

// RunError is one runtime error of a run (8x8's workflowErrors).
type RunError struct {
	WorkflowID string `json:"workflowId"`
	// Step is the id of the step that failed.
	Step      string `json:"step"`
	Message   string `json:"message"`
	ErrorTime string `json:"errorTime"`
}

// RunListOptions filters and pages ListRuns. Zero values mean no filter:
// Version 0 is the definition's latest version.
type RunListOptions struct {
	Limit   int
	Offset  int
	Version int
	// Status is one of the Run* constants.
	Status        string
	StartTimeFrom time.Time
	StartTimeTo   time.Time
}

// StartRun starts one run of definition definitionID (version, or the
// latest when 0) with payload as the trigger's data, whatever the
// definition's status and conditions: 8x8's "test workflow definition".
// A nil payload is {}.
func (c *Client) StartRun(ctx context.Context, definitionID string, version int, payload json.RawMessage) (Run, error) {
	q := url.Values{}
	if version > 0 {
		q.Set("version", fmt.Sprint(version))
	}
	var out Run
	_, err := c.do(ctx, request{method: http.MethodPost, path: []string{"definitions", definitionID, "workflows"},
		query: q, body: jsonBody(payload)}, &out)
	return out, err
}

// ListRuns lists the runs of one version of a definition.
// The list comes from Temporal's visibility store, which lags a run that
// just changed by a moment.
func (c *Client) ListRuns(ctx context.Context, definitionID string, opts RunListOptions) ([]RunInstance, error) {
	q := ListOptions{Limit: opts.Limit, Offset: opts.Offset}.values()
	if opts.Version > 0 {
		q.Set("version", fmt.Sprint(opts.Version))
	}
	if opts.Status != "" {
		q.Set("status", opts.Status)
	}
	if !opts.StartTimeFrom.IsZero() {
		q.Set("startTimeFrom", opts.StartTimeFrom.UTC().Format(time.RFC3339Nano))
	}
	if !opts.StartTimeTo.IsZero() {
		q.Set("startTimeTo", opts.StartTimeTo.UTC().Format(time.RFC3339Nano))
	}
	var out []RunInstance
	if _, err := c.do(ctx, request{method: http.MethodGet, path: []string{"definitions", definitionID, "workflows"}, query: q}, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// GetRun returns run runID (its workflowId) of a definition with its
// context data and, when includeLogs, its step log.
func (c *Client) GetRun(ctx context.Context, definitionID, runID string, includeLogs bool) (RunInstance, error) {
	q := url.Values{}
	if includeLogs {
		q.Set("includeLogs", "true")
	}
	var out RunInstance
	_, err := c.do(ctx, request{method: http.MethodGet, path: []string{"definitions", definitionID, "workflows", runID}, query: q}, &out)
	return out, err
}

// ControlRun suspends, resumes or terminates a run (action is one of the
// Action* constants). A suspended run stops before its next step until
// resumed; a terminated run cannot be resumed.
func (c *Client) ControlRun(ctx context.Context, definitionID, runID, action string) error {
	body, err := json.Marshal(map[string]string{"status": action})
	if err != nil {
		return err
	}
	_, err = c.do(ctx, request{method: http.MethodPatch, path: []string{"definitions", definitionID, "workflows", runID}, body: body}, nil)
	return err
}

// RunErrors returns the runtime errors of a run, to see why it failed.
func (c *Client) RunErrors(ctx context.Context, definitionID, runID string) ([]RunError, error) {
	var out []RunError
	if _, err := c.do(ctx, request{method: http.MethodGet, path: []string{"definitions", definitionID, "workflows", runID, "errors"}}, &out); err != nil {
		return nil, err
	}
	return out, nil
}
