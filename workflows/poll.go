package workflows

import (
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/junction-run/junction/runs"
)

// maxRecentItems bounds PollState.Recent; a page of most APIs fits.
const maxRecentItems = 1000

// maxPollRounds bounds how often one poll asks again at once when the
// third party has more items; the rest waits for the next tick.
const maxPollRounds = 10

// pollActivityDefaults: a poll is repeated by its schedule anyway, so it
// retries briefly and leaves the rest to the next tick.
var pollActivityDefaults = workflow.ActivityOptions{
	StartToCloseTimeout: 2 * time.Minute,
	RetryPolicy: &temporal.RetryPolicy{
		InitialInterval:        time.Second,
		BackoffCoefficient:     2,
		MaximumInterval:        time.Minute,
		MaximumAttempts:        5,
		NonRetryableErrorTypes: []string{runs.ErrTypeBadRequest},
	},
}

// Poll is one poll of a definition's polling trigger. It reads the cursor
// the previous poll returned, runs the poll activity <app>.<trigger>, and
// starts one RunDefinition per new item whose conditions hold, as a child
// with the workflow id (account, definition, item id) of the webhook path,
// so an item already started (by an earlier poll, or a poll retried after
// a failure) is skipped by Temporal rather than run twice. Children are
// abandoned: a run outlives the poll that started it.
func Poll(ctx workflow.Context, in runs.PollInput) (runs.PollState, error) {
	// A cursor of its own starts with a baseline when the definition asks
	// to start from now.
	state := runs.PollState{Trigger: in.Trigger, Connection: in.ConnectionID, Baseline: in.StartFromNow}
	if workflow.HasLastCompletionResult(ctx) {
		var prev runs.PollState
		if err := workflow.GetLastCompletionResult(ctx, &prev); err != nil {
			return runs.PollState{}, fmt.Errorf("reading the previous poll's cursor: %w", err)
		}
		if prev.Trigger == in.Trigger && prev.Connection == in.ConnectionID {
			state.Cursor, state.Recent, state.Baseline = prev.Cursor, prev.Recent, prev.Baseline
		}
	}
	ctx = workflow.WithActivityOptions(ctx, pollActivityDefaults)
	activity := runs.PollActivity(in.Connector, in.TriggerID)
	for round := 0; round < maxPollRounds; round++ {
		var out runs.PollOutput
		err := workflow.ExecuteActivity(ctx, activity, runs.PollCall{
			AccountID: in.AccountID, Connector: in.Connector, Trigger: in.TriggerID, Version: in.ConnectorVersion,
			ConnectionID: in.ConnectionID, Cursor: state.Cursor,
		}).Get(ctx, &out)
		if err != nil {
			return runs.PollState{}, fmt.Errorf("polling %s: %w", activity, err)
		}
		state.Polled += len(out.Items)
		if state.Baseline {
			recordBaseline(out.Items, &state)
		} else if err := startPolledRuns(ctx, in, out.Items, &state); err != nil {
			return runs.PollState{}, err
		}
		advanced := out.Cursor != state.Cursor
		state.Cursor = out.Cursor
		if !out.More {
			// The app's last page: whatever appears from here on is new.
			state.Baseline = false
		}
		info := workflow.GetInfo(ctx)
		if !out.More || !advanced || info.GetContinueAsNewSuggested() {
			break
		}
	}
	return state, nil
}

// recordBaseline notes a batch of items that were there before the
// definition polled, so that an API that lists one again never runs it.
func recordBaseline(items []runs.PolledItem, state *runs.PollState) {
	for _, item := range items {
		remember(state, item.ID)
		state.Baselined++
	}
	trimRecent(state)
}

// remember adds id to the recent items; false means it was there already.
func remember(s *runs.PollState, id string) bool {
	if slices.Contains(s.Recent, id) {
		return false
	}
	s.Recent = append(s.Recent, id)
	return true
}

// trimRecent keeps the latest maxRecentItems ids.
func trimRecent(s *runs.PollState) {
	if extra := len(s.Recent) - maxRecentItems; extra > 0 {
		s.Recent = slices.Clone(s.Recent[extra:])
	}
}

// startPolledRuns starts the runs of one batch, all at once, and waits
// until Temporal has either started or refused each.
func startPolledRuns(ctx workflow.Context, in runs.PollInput, items []runs.PolledItem, state *runs.PollState) error {
	type pending struct {
		id     string
		future workflow.ChildWorkflowFuture
	}
	var starts []pending
	now := workflow.Now(ctx).UTC()
	for _, item := range items {
		if !remember(state, item.ID) {
			state.Duplicates++
			continue
		}
		var payload any
		if err := json.Unmarshal(item.Payload, &payload); err != nil {
			return temporal.NewNonRetryableApplicationError(fmt.Sprintf("item %s: decoding its payload: %v", item.ID, err), runs.ErrTypeInvalidStep, nil)
		}
		run := runs.RunInput{
			AccountID: in.AccountID, SubAccountID: in.SubAccountID, DefinitionID: in.DefinitionID, Version: in.Version,
			Name: in.Name, Trigger: in.Trigger, EventID: runs.EventWorkflowKey(item.ID), TriggeredAt: now, Steps: in.Steps,
			Apps: in.Apps, LocalHTTPSteps: in.LocalHTTPSteps,
			// As for webhooks: the item is data.payload.
			Payload: map[string]any{"payload": payload},
		}
		if reason := runs.ConditionsFail(in.Conditions, run, now); reason != "" {
			state.Skipped++
			continue
		}
		// The same options as a run of a webhook event: the workflow id is
		// the item's identity, so a second start is refused, whether the
		// first run is open or closed.
		cctx := workflow.WithChildOptions(ctx, runs.ChildStartOptions(run, runs.RunSummary(run, "item", item.ID)))
		starts = append(starts, pending{id: item.ID, future: workflow.ExecuteChildWorkflow(cctx, runs.RunDefinitionWorkflow, run)})
	}
	trimRecent(state)
	for _, s := range starts {
		err := s.future.GetChildWorkflowExecution().Get(ctx, nil)
		switch {
		case err == nil:
			state.Started++
		case temporal.IsWorkflowExecutionAlreadyStartedError(err):
			state.Duplicates++
		default:
			return fmt.Errorf("starting the run of item %s: %w", s.id, err)
		}
	}
	return nil
}
