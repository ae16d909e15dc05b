package apiclient

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"time"
)

// ActionRequest asks to run one connector action on its own (POST
// /actions/{app}.{action}).
type ActionRequest struct {
	// Connection is the id of the account's connection to the action's
	// app; "" for an app that takes no credentials.
	Connection string `json:"connection,omitempty"`
	// Inputs are the action's inputs, a JSON object, taken as they are.
	Inputs json.RawMessage `json:"inputs,omitempty"`
	// Version is the app version to call; "" is the latest stable one.
	Version string `json:"version,omitempty"`
	// Wait is how long the server waits for the outcome before it answers
	// with a running run (0 to 60s; 0 is the server's default of 10s).
	Wait time.Duration `json:"-"`
	// IdempotencyKey, when set, is the request's event id: sending it
	// again finds the run it started instead of starting another.
	IdempotencyKey string `json:"-"`
}

// Statuses of an action's run.
const (
	ActionRunning   = "running"
	ActionCompleted = "completed"
	ActionFailed    = "failed"
)

// ActionRun is the run of one action: where it is, and its output once
// completed or its error once failed.
type ActionRun struct {
	Action             string          `json:"action"`
	WorkflowID         string          `json:"workflowId"`
	TemporalWorkflowID string          `json:"temporalWorkflowId"`
	RunID              string          `json:"runId"`
	Status             string          `json:"status"`
	TemporalStatus     string          `json:"temporalStatus,omitempty"`
	StartedAt          string          `json:"startedAt,omitempty"`
	CompletedAt        string          `json:"completedAt,omitempty"`
	Output             json.RawMessage `json:"output,omitempty"`
	Error              *ActionError    `json:"error,omitempty"`
	// HistoryURL is the run's history in the Temporal UI, when the
	// gateway knows the UI.
	HistoryURL string `json:"historyUrl,omitempty"`
}

// ActionError is why an action's run ended without a result: a connector
// error's type (NotFound, Unauthorized, ...) or how the run ended, and the
// message.
type ActionError struct {
	Type    string `json:"type"`
	Message string `json:"message"`
}

// RunAction runs action ("shopify.update_order") durably, as the one step
// of a run, and returns the run: completed or failed when it ended within
// req.Wait, else running (ActionRun reads it later). A request the server
// refuses (an unknown action, inputs that do not fit its schema, a
// connection of another app) is an *Error naming every field at fault.
func (c *Client) RunAction(ctx context.Context, action string, req ActionRequest) (ActionRun, error) {
	body := struct {
		ActionRequest
		Wait string `json:"wait,omitempty"`
	}{ActionRequest: req}
	if req.Wait > 0 {
		body.Wait = req.Wait.String()
	}
	b, err := json.Marshal(body)
	if err != nil {
		return ActionRun{}, err
	}
	r := request{method: http.MethodPost, path: []string{"actions", action}, body: b}
	if req.IdempotencyKey != "" {
		r.header = http.Header{"Idempotency-Key": {req.IdempotencyKey}}
	}
	var out ActionRun
	_, err = c.do(ctx, r, &out)
	return out, err
}

// ActionRun reads the run of an action that RunAction started, waiting up
// to wait (at most 60s) for it to end.
func (c *Client) ActionRun(ctx context.Context, action, workflowID string, wait time.Duration) (ActionRun, error) {
	r := request{method: http.MethodGet, path: []string{"actions", action, "runs", workflowID}}
	if wait > 0 {
		r.query = url.Values{"wait": {wait.String()}}
	}
	var out ActionRun
	_, err := c.do(ctx, r, &out)
	return out, err
}
