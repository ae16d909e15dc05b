package workflows

import (
	"encoding/json"
	"fmt"
	"slices"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/junction-run/junction/activities"
	"github.com/junction-run/junction/connectors"
	"github.com/junction-run/junction/definition"
)

// PollName is the workflow type of one poll of a definition's polling
// trigger, shown in the Temporal UI. A Temporal Schedule per definition
// (poll/<account>/<definition>) starts it at the trigger's interval.
const PollName = "PollTrigger"

// PollInput is a poll schedule's argument: the definition version to start
// runs of, with everything a run needs, so a poll never reads a database.
// Publishing a new version updates the schedule's argument; the cursor is
// not in it, so it survives.
type PollInput struct {
	AccountID    string `json:"accountId"`
	SubAccountID string `json:"subAccountId,omitempty"`
	DefinitionID string `json:"definitionId"`
	Version      int    `json:"version"`
	Name         string `json:"name"`
	// Trigger is the definition's trigger, "<app>.<trigger>".
	Trigger string `json:"trigger"`
	// Connector, TriggerID and ConnectorVersion say which code polls;
	// ConnectionID whose account it polls.
	Connector        string `json:"connector"`
	TriggerID        string `json:"triggerId"`
	ConnectorVersion string `json:"connectorVersion,omitempty"`
	ConnectionID     string `json:"connection"`
	// StartFromNow (the definition's "pollFrom": "now") makes the first
	// poll of a cursor a baseline: it pages through what the app already
	// lists and starts nothing, so only items that appear later run.
	StartFromNow bool              `json:"startFromNow,omitempty"`
	Conditions   []string          `json:"conditions,omitempty"`
	Steps        []definition.Step `json:"steps"`
	// Apps and LocalHTTPSteps go to every run as RunInput's do from a
	// webhook: the connector versions the definition pins, and how its
	// short HttpRequest steps run.
	Apps           map[string]string `json:"apps,omitempty"`
	LocalHTTPSteps bool              `json:"localHttpSteps,omitempty"`
}

// PollState is what a poll returns, and so what the next poll of the
// schedule reads back (workflow.GetLastCompletionResult): the cursor and a
// bounded window of the ids of recent items. A failed poll returns nothing,
// and the next one starts again from the last good state.
type PollState struct {
	// Trigger and Connection say what the cursor belongs to: a definition
	// moved to another connection or trigger starts over.
	Trigger    string `json:"trigger"`
	Connection string `json:"connection"`
	Cursor     string `json:"cursor"`
	// Baseline: the cursor is still catching up with the items the app
	// listed before the definition polled (PollInput.StartFromNow); they
	// are recorded, never run. It ends with the first poll that reaches
	// the app's last page.
	Baseline bool `json:"baseline,omitempty"`
	// Recent holds the ids of the latest items handled, oldest first, at
	// most maxRecentItems: an API whose cursor is not unique returns items
	// again, and those are dropped here without a start.
	Recent []string `json:"recent,omitempty"`
	// What this poll did, for people reading the Temporal UI.
	Polled     int `json:"polled"`
	Started    int `json:"started"`
	Duplicates int `json:"duplicates"`
	Skipped    int `json:"skipped"`
	// Baselined counts the items a baseline recorded without a run.
	Baselined int `json:"baselined,omitempty"`
}

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
		NonRetryableErrorTypes: []string{activities.ErrTypeBadRequest},
	},
}

// Poll is one poll of a definition's polling trigger. It reads the cursor
// the previous poll returned, runs the poll activity <app>.<trigger>, and
// starts one RunDefinition per new item whose conditions hold, as a child
// with the workflow id (account, definition, item id) of the webhook path,
// so an item already started (by an earlier poll, or a poll retried after
// a failure) is skipped by Temporal rather than run twice. Children are
// abandoned: a run outlives the poll that started it.
func Poll(ctx workflow.Context, in PollInput) (PollState, error) {
	// A cursor of its own starts with a baseline when the definition asks
	// to start from now.
	state := PollState{Trigger: in.Trigger, Connection: in.ConnectionID, Baseline: in.StartFromNow}
	if workflow.HasLastCompletionResult(ctx) {
		var prev PollState
		if err := workflow.GetLastCompletionResult(ctx, &prev); err != nil {
			return PollState{}, fmt.Errorf("reading the previous poll's cursor: %w", err)
		}
		if prev.Trigger == in.Trigger && prev.Connection == in.ConnectionID {
			state.Cursor, state.Recent, state.Baseline = prev.Cursor, prev.Recent, prev.Baseline
		}
	}
	ctx = workflow.WithActivityOptions(ctx, pollActivityDefaults)
	activity := connectors.PollActivityName(in.Connector, in.TriggerID)
	for round := 0; round < maxPollRounds; round++ {
		var out activities.PollOutput
		err := workflow.ExecuteActivity(ctx, activity, activities.PollCall{
			AccountID: in.AccountID, Connector: in.Connector, Trigger: in.TriggerID, Version: in.ConnectorVersion,
			ConnectionID: in.ConnectionID, Cursor: state.Cursor,
		}).Get(ctx, &out)
		if err != nil {
			return PollState{}, fmt.Errorf("polling %s: %w", activity, err)
		}
		state.Polled += len(out.Items)
		if state.Baseline {
			recordBaseline(out.Items, &state)
		} else if err := startPolledRuns(ctx, in, out.Items, &state); err != nil {
			return PollState{}, err
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
func recordBaseline(items []activities.PolledItem, state *PollState) {
	for _, item := range items {
		state.remember(item.ID)
		state.Baselined++
	}
	state.trimRecent()
}

// remember adds id to the recent items; false means it was there already.
func (s *PollState) remember(id string) bool {
	if slices.Contains(s.Recent, id) {
		return false
	}
	s.Recent = append(s.Recent, id)
	return true
}

// trimRecent keeps the latest maxRecentItems ids.
func (s *PollState) trimRecent() {
	if extra := len(s.Recent) - maxRecentItems; extra > 0 {
		s.Recent = slices.Clone(s.Recent[extra:])
	}
}

// startPolledRuns starts the runs of one batch, all at once, and waits
// until Temporal has either started or refused each.
func startPolledRuns(ctx workflow.Context, in PollInput, items []activities.PolledItem, state *PollState) error {
	type pending struct {
		id     string
		future workflow.ChildWorkflowFuture
	}
	var starts []pending
	// The same for every run of this poll.
	attrs := []temporal.SearchAttributeUpdate{
		AccountIDKey.ValueSet(in.AccountID),
		DefinitionIDKey.ValueSet(in.DefinitionID),
		DefinitionVersionKey.ValueSet(int64(in.Version)),
		TriggerKey.ValueSet(in.Trigger),
	}
	if in.SubAccountID != "" {
		attrs = append(attrs, SubAccountIDKey.ValueSet(in.SubAccountID))
	}
	now := workflow.Now(ctx).UTC()
	for _, item := range items {
		if !state.remember(item.ID) {
			state.Duplicates++
			continue
		}
		var payload any
		if err := json.Unmarshal(item.Payload, &payload); err != nil {
			return temporal.NewNonRetryableApplicationError(fmt.Sprintf("item %s: decoding its payload: %v", item.ID, err), ErrTypeInvalidStep, nil)
		}
		run := RunInput{
			AccountID: in.AccountID, SubAccountID: in.SubAccountID, DefinitionID: in.DefinitionID, Version: in.Version,
			Name: in.Name, Trigger: in.Trigger, EventID: EventWorkflowKey(item.ID), TriggeredAt: now, Steps: in.Steps,
			Apps: in.Apps, LocalHTTPSteps: in.LocalHTTPSteps,
			// As for webhooks: the item is data.payload.
			Payload: map[string]any{"payload": payload},
		}
		if reason := ConditionsFail(in.Conditions, run, now); reason != "" {
			state.Skipped++
			continue
		}
		cctx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{
			WorkflowID: RunWorkflowID(in.AccountID, in.DefinitionID, run.EventID),
			TaskQueue:  TaskQueue,
			// The workflow id is the item's identity: a second start is
			// refused, whether the first run is open or closed.
			WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
			ParentClosePolicy:     enumspb.PARENT_CLOSE_POLICY_ABANDON,
			TypedSearchAttributes: temporal.NewSearchAttributes(attrs...),
			Memo:                  map[string]any{MemoTriggeredAt: now.Format(time.RFC3339Nano)},
			StaticSummary:         fmt.Sprintf("%s (v%d), %s item %s", in.Name, in.Version, in.Trigger, item.ID),
		})
		starts = append(starts, pending{id: item.ID, future: workflow.ExecuteChildWorkflow(cctx, RunDefinitionName, run)})
	}
	state.trimRecent()
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

// ConditionsFail evaluates a definition's trigger conditions over the data
// a run would start with; it returns why the event is turned down, or "".
// It is pure, so workflows and the gateway evaluate conditions alike.
func ConditionsFail(conditions []string, in RunInput, now time.Time) string {
	if len(conditions) == 0 {
		return ""
	}
	env := definition.Env{Data: InitialData(in), Now: func() time.Time { return now }}
	for i, cond := range conditions {
		v, err := definition.RenderString(cond, env)
		if err != nil {
			return fmt.Sprintf("conditions[%d]: %v", i, err)
		}
		if !definition.Truthy(v) {
			return fmt.Sprintf("conditions[%d] is false", i)
		}
	}
	return ""
}
