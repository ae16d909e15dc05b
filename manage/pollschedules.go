package manage

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/junction-run/junction/connectors"
	"github.com/junction-run/junction/definition"
	"github.com/junction-run/junction/runs"
	"github.com/junction-run/junction/store"
)

// A definition whose trigger is a polling app trigger ("shopify.new_orders")
// has one Temporal Schedule, runs.PollScheduleID(account, definition), that starts
// the workflow workflows.Poll at the trigger's interval. The schedule follows
// the definition's latest version: created when it is saved enabled, its
// argument replaced by every new version (the cursor is the schedule's last
// completion result, which an update keeps, so republishing never resets
// it), paused while the definition is disabled, deleted with the definition
// or when a new version moves to another kind of trigger.

// pollTimeout bounds one poll; the schedule skips ticks while one runs.
const pollTimeout = 30 * time.Minute

// pollCatchupWindow: a tick missed while Temporal was down is made up only
// if it is this recent; the next tick polls everything since anyway.
const pollCatchupWindow = time.Minute

// PollScheduleOffset is where in each interval a poll schedule fires.
// Temporal aligns interval schedules to the Unix epoch, so without an
// offset every definition polling every 5 minutes would fire in the same
// second, and the last of a thousand polls would wait behind all the
// others. A hash of the schedule id spreads them over the interval, while
// each schedule still fires exactly one interval after its last tick, and
// on the same phase after its definition is saved again.
func PollScheduleOffset(scheduleID string, interval time.Duration) time.Duration {
	seconds := int64(interval / time.Second)
	if seconds <= 1 {
		return 0
	}
	h := fnv.New64a()
	_, _ = h.Write([]byte(scheduleID))
	return time.Duration(h.Sum64()%uint64(seconds)) * time.Second
}

// syncPollScheduleAfterSave brings the definition's poll schedule in line
// with the version just saved, saying so when that fails.
func (d *Definitions) syncPollScheduleAfterSave(ctx context.Context, saved store.Definition) error {
	if err := d.syncPollSchedule(ctx, saved.AccountID, saved.ID); err != nil {
		return failed(err, "Definition %s was saved as version %d, but its poll schedule could not be updated (save it again to retry)", saved.ID, saved.Version)
	}
	return nil
}

// syncPollSchedule makes the poll schedule of a definition match its latest
// version: present and running when it polls and is enabled, present and
// paused when it polls and is disabled, absent otherwise.
func (d *Definitions) syncPollSchedule(ctx context.Context, accountID, definitionID string) error {
	rec, err := d.store.Definition(ctx, accountID, definitionID, 0)
	if errors.Is(err, store.ErrNotFound) {
		return d.deletePollSchedule(ctx, accountID, definitionID)
	}
	if err != nil {
		return fmt.Errorf("reading definition %s: %w", definitionID, err)
	}
	in, interval, polls, err := d.pollInput(ctx, rec)
	if err != nil {
		return err
	}
	if !polls {
		return d.deletePollSchedule(ctx, accountID, definitionID)
	}
	id := runs.PollScheduleID(accountID, definitionID)
	enabled := rec.Status == store.StatusEnabled
	action := &client.ScheduleWorkflowAction{
		ID:                       id,
		Workflow:                 runs.PollWorkflow,
		Args:                     []any{in},
		TaskQueue:                runs.TaskQueue,
		WorkflowExecutionTimeout: pollTimeout,
		StaticSummary:            fmt.Sprintf("Poll %s for %s (v%d)", in.Trigger, in.Name, in.Version),
	}
	spec := client.ScheduleSpec{Intervals: []client.ScheduleIntervalSpec{{Every: interval, Offset: PollScheduleOffset(id, interval)}}}
	note := fmt.Sprintf("definition %s version %d, %s", definitionID, rec.Version, rec.Status)
	sc := d.temporal.ScheduleClient()
	if !enabled {
		// A disabled definition that never had a schedule needs none; one
		// that had keeps it paused, cursor and all.
		if _, err := sc.GetHandle(ctx, id).Describe(ctx); isNotFound(err) {
			return nil
		}
	}
	_, err = sc.Create(ctx, client.ScheduleOptions{
		ID:            id,
		Spec:          spec,
		Action:        action,
		Overlap:       enumspb.SCHEDULE_OVERLAP_POLICY_SKIP,
		CatchupWindow: pollCatchupWindow,
		Paused:        !enabled,
		Note:          note,
	})
	if err == nil {
		return nil
	}
	if !errors.Is(err, temporal.ErrScheduleAlreadyRunning) {
		return fmt.Errorf("creating poll schedule %s: %w", id, err)
	}
	// It exists: a new version replaces the argument, the interval and the
	// state; the scheduler's own state, the last completion result with the
	// cursor, is not part of what an update replaces.
	err = sc.GetHandle(ctx, id).Update(ctx, client.ScheduleUpdateOptions{
		DoUpdate: func(u client.ScheduleUpdateInput) (*client.ScheduleUpdate, error) {
			s := u.Description.Schedule
			s.Action = action
			s.Spec = &spec
			s.Policy = &client.SchedulePolicies{Overlap: enumspb.SCHEDULE_OVERLAP_POLICY_SKIP, CatchupWindow: pollCatchupWindow}
			s.State = &client.ScheduleState{Paused: !enabled, Note: note}
			return &client.ScheduleUpdate{Schedule: &s}, nil
		},
	})
	if err != nil {
		return fmt.Errorf("updating poll schedule %s: %w", id, err)
	}
	return nil
}

// pollInput is what the definition's poll schedule runs with, and the
// interval; polls is false when the definition's trigger does not poll.
func (d *Definitions) pollInput(ctx context.Context, rec store.Definition) (in runs.PollInput, interval time.Duration, polls bool, err error) {
	doc, err := Document(rec)
	if err != nil {
		return in, 0, false, fmt.Errorf("decoding stored definition %s v%d: %w", rec.ID, rec.Version, err)
	}
	app, triggerID, ok := definition.AppTrigger(doc.Trigger)
	if !ok {
		return in, 0, false, nil
	}
	appVersion, err := d.triggerAppVersion(ctx, rec.AccountID, doc, app)
	if err != nil {
		return in, 0, false, err
	}
	spec, _, err := d.connectors.TriggerFor(ctx, rec.AccountID, app, appVersion, triggerID)
	if err != nil || spec.Kind != connectors.TriggerPolling {
		return in, 0, false, nil
	}
	// The definition's own interval wins over the trigger's default;
	// validation has checked it.
	interval = spec.PollInterval
	if doc.PollInterval != "" {
		if interval, err = definition.ParseDuration(doc.PollInterval); err != nil {
			return in, 0, false, fmt.Errorf("definition %s v%d: pollInterval: %w", rec.ID, rec.Version, err)
		}
	}
	// Where the first poll starts: the definition's pollFrom, else the
	// trigger's default (declarative apps' start from now; built-in
	// connectors' triggers, whose definitions were saved before, from the
	// oldest item).
	fromNow := doc.PollFrom == definition.PollFromNow || (doc.PollFrom == "" && spec.PollFromNow)
	return runs.PollInput{
		AccountID:        rec.AccountID,
		SubAccountID:     doc.SubAccountID,
		DefinitionID:     rec.ID,
		Version:          rec.Version,
		Name:             doc.Definition.Name,
		Trigger:          doc.Trigger,
		Connector:        app,
		TriggerID:        triggerID,
		ConnectorVersion: appVersion,
		ConnectionID:     doc.TriggerConnection,
		StartFromNow:     fromNow,
		Conditions:       doc.Conditions,
		Steps:            doc.Definition.Steps,
		Apps:             doc.Apps,
		LocalHTTPSteps:   d.localHTTPSteps,
	}, interval, true, nil
}

// deletePollSchedule deletes a definition's poll schedule, if it has one.
func (d *Definitions) deletePollSchedule(ctx context.Context, accountID, definitionID string) error {
	id := runs.PollScheduleID(accountID, definitionID)
	if err := d.temporal.ScheduleClient().GetHandle(ctx, id).Delete(ctx); err != nil && !isNotFound(err) {
		return fmt.Errorf("deleting poll schedule %s: %w", id, err)
	}
	return nil
}
