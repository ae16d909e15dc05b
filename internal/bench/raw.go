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

// Names of the baseline's workflow and activity in histories.
const (
	rawWorkflowName = "BenchRawWebhook"
	rawActivityName = "bench.post"
)

// RawInput is the baseline workflow's input: the event, and where to post.
type RawInput struct {
	Event   Event  `json:"event"`
	SinkURL string `json:"sinkUrl"`
}

// RawWorkflow is what a Temporal programmer writes by hand for the
// scenario: the condition, then one activity that posts the templated body.
func RawWorkflow(ctx workflow.Context, in RawInput) error {
	if !in.Event.Passes() {
		return nil
	}
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 15 * time.Second,
		RetryPolicy:         &temporal.RetryPolicy{InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: time.Minute, MaximumAttempts: 15},
	})
	body := SinkBody{
		ID:           in.Event.ID,
		Email:        in.Event.Email,
		Country:      in.Event.Country,
		AmountCents:  int64(math.Round(in.Event.Amount * 100)),
		ItemCount:    len(in.Event.Items),
		SentAtMicros: in.Event.SentAtMicros,
		Source:       "temporal",
	}
	return workflow.ExecuteActivity(ctx, rawActivityName, in.SinkURL+"/ingest", body).Get(ctx, nil)
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
