package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	sdkworker "go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
)

// RawTaskQueue is where the hand-written baseline's workflows run.
const RawTaskQueue = "junction-bench-raw"

// Names of the baselines' workflows and activity in histories.
const (
	rawWorkflowName      = "BenchRawWebhook"
	rawLocalWorkflowName = "BenchRawWebhookLocal"
	rawActivityName      = "bench.post"
)

// rawRetryPolicy is the baselines' retry policy, Junction's HttpRequest
// default.
var rawRetryPolicy = &temporal.RetryPolicy{InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: time.Minute, MaximumAttempts: 15}

// RawInput is the baseline workflow's input: the event, and where to post.
type RawInput struct {
	Event   Event  `json:"event"`
	SinkURL string `json:"sinkUrl"`
}

// RawWorkflow is what a Temporal programmer writes by hand for the
// scenario: the condition, then one activity that posts the templated body.
func RawWorkflow(ctx workflow.Context, in RawInput) error {
	return rawPost(ctx, in, false)
}

// RawLocalWorkflow is RawWorkflow with the levers Junction ships with: the
// post is a local activity, and rawStarter starts it eagerly from the
// worker's process. Junction against it measures what Junction's own code
// (gateway, definitions, interpreter) costs, with the levers equal.
func RawLocalWorkflow(ctx workflow.Context, in RawInput) error {
	return rawPost(ctx, in, true)
}

// rawPost is both baselines: the condition, then the post, as a regular or
// a local activity with the same timeout and retry policy.
func rawPost(ctx workflow.Context, in RawInput, local bool) error {
	if !in.Event.Passes() {
		return nil
	}
	const timeout = 15 * time.Second
	args := []any{in.SinkURL + "/ingest", rawBody(in.Event)}
	if local {
		ctx = workflow.WithLocalActivityOptions(ctx, workflow.LocalActivityOptions{StartToCloseTimeout: timeout, RetryPolicy: rawRetryPolicy})
		return workflow.ExecuteLocalActivity(ctx, rawActivityName, args...).Get(ctx, nil)
	}
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: timeout, RetryPolicy: rawRetryPolicy})
	return workflow.ExecuteActivity(ctx, rawActivityName, args...).Get(ctx, nil)
}

// rawBody is the templated body, computed in Go.
func rawBody(ev Event) SinkBody {
	return SinkBody{
		ID:           ev.ID,
		Email:        ev.Email,
		Country:      ev.Country,
		AmountCents:  int64(math.Round(ev.Amount * 100)),
		ItemCount:    len(ev.Items),
		SentAtMicros: ev.SentAtMicros,
		Source:       "temporal",
	}
}

// rawActivities holds the baseline activity's HTTP client.
type rawActivities struct{ client *http.Client }

// Post sends the body as JSON; any non-2xx answer is retried.
func (a *rawActivities) Post(ctx context.Context, url string, body SinkBody) error {
	b, err := json.Marshal(body)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(b))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := a.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("%s answered %s", url, resp.Status)
	}
	return nil
}

// RegisterRaw registers the baseline on a worker of RawTaskQueue.
func RegisterRaw(w sdkworker.Registry) {
	w.RegisterWorkflowWithOptions(RawWorkflow, workflow.RegisterOptions{Name: rawWorkflowName})
	w.RegisterWorkflowWithOptions(RawLocalWorkflow, workflow.RegisterOptions{Name: rawLocalWorkflowName})
	acts := &rawActivities{client: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64, IdleConnTimeout: 90 * time.Second}}}
	w.RegisterActivityWithOptions(acts.Post, activity.RegisterOptions{Name: rawActivityName})
}

// rawSender starts the baseline workflow for each event with the SDK
// client: the acknowledgement is StartWorkflowExecution's answer. The
// workflow id is the event's, so a retried start never runs twice.
func rawSender(c client.Client, sinkURL, idPrefix string) func(context.Context, Event) error {
	return func(ctx context.Context, ev Event) error {
		_, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
			ID:        fmt.Sprintf("%s-%d", idPrefix, ev.ID),
			TaskQueue: RawTaskQueue,
		}, rawWorkflowName, RawInput{Event: ev, SinkURL: sinkURL})
		return err
	}
}

// rawStarter is the tuned baseline's front door, in the worker's process:
// POST /start?sink=URL with an event, the workflow id in Idempotency-Key.
// It starts RawLocalWorkflow eagerly on the worker's own client, the way a
// Go service embedding a Temporal worker would, and answers 202 once the
// start is accepted.
func rawStarter(c client.Client) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /start", func(w http.ResponseWriter, r *http.Request) {
		var ev Event
		if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&ev); err != nil {
			http.Error(w, "reading the event: "+err.Error(), http.StatusBadRequest)
			return
		}
		id, sinkURL := r.Header.Get("Idempotency-Key"), r.URL.Query().Get("sink")
		if id == "" || sinkURL == "" {
			http.Error(w, "Idempotency-Key and ?sink= are required", http.StatusBadRequest)
			return
		}
		_, err := c.ExecuteWorkflow(r.Context(), client.StartWorkflowOptions{
			ID: id, TaskQueue: RawTaskQueue, EnableEagerStart: true,
		}, rawLocalWorkflowName, RawInput{Event: ev, SinkURL: sinkURL})
		if err != nil {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusAccepted)
	})
	return mux
}
