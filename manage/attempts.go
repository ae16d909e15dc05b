package manage

import (
	"context"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	failurepb "go.temporal.io/api/failure/v1"
	historypb "go.temporal.io/api/history/v1"
	workflowpb "go.temporal.io/api/workflow/v1"

	"github.com/junction-run/junction/runs"
)

// StepLog is one entry of a run's step log, with what the run's history
// says of its third-party call: how many attempts it took and why the
// last one that failed did. A step that makes no call (a Wait, a
// Transform), or whose call is more than maxChainRuns runs back in a
// continued-as-new chain, has Attempts 0.
type StepLog struct {
	runs.StepLog
	// Attempts is the number of the call's latest attempt, made or being
	// made: 1 is the first try, more are retries under the step's retry
	// policy. A call in backoff makes attempt Attempts+1 at NextAttemptAt.
	Attempts int
	// MaximumAttempts bounds Attempts (0: only the step's expiration
	// bounds them, or the call is a local activity, whose history does not
	// keep its policy).
	MaximumAttempts int
	// LastFailure is why the latest failed attempt failed, retried or not;
	// "" when none has failed (or a local activity's retry inside one
	// workflow task, which leaves no failure behind).
	LastFailure string
	// NextAttemptAt is when a call waiting out its retry backoff is tried
	// again; zero otherwise.
	NextAttemptAt time.Time
}

// localActivityMarker is the marker name the Go SDK records a local
// activity's outcome under, and localActivityData the part of its "data"
// detail that says which attempt that was and, for a failure, how long
// until the next one.
const localActivityMarker = "LocalActivity"

type localActivityData struct {
	Attempt int32
	Backoff time.Duration
}

// stepCall is one step's call as its run's history tells it: an activity
// (scheduled, started, closed, or pending in the description), or a local
// activity's markers.
type stepCall struct {
	summary string
	StepLog
}

// maxChainRuns bounds how many runs of a continued-as-new chain a log's
// attempts are read from: the log keeps its last maxLogEntries steps, which
// a loop handing over every few thousand events spreads over a few runs.
const maxChainRuns = 5

// chainCalls is stepCalls of the run exec, and of the runs before it in its
// continued-as-new chain while the log reaches back before them (its first
// entry started at since), up to maxChainRuns runs in all.
func (r *Runs) chainCalls(ctx context.Context, exec *commonpb.WorkflowExecution, pending []*workflowpb.PendingActivityInfo, since time.Time) []*stepCall {
	calls, previous, started := r.stepCalls(ctx, exec.GetWorkflowId(), exec.GetRunId(), pending)
	for n := 1; n < maxChainRuns && previous != "" && since.Before(started); n++ {
		var earlier []*stepCall
		earlier, previous, started = r.stepCalls(ctx, exec.GetWorkflowId(), previous, nil)
		calls = append(earlier, calls...)
	}
	return calls
}

// stepCalls reads one run's history once and returns its steps' calls in
// the order they were scheduled, with pending activities' attempts from
// the run's description; and the run it continues (its
// continued-as-new predecessor, "" for none) and when it started. A
// history that cannot be read gives no calls: the log answers without
// attempts rather than not at all.
func (r *Runs) stepCalls(ctx context.Context, workflowID, runID string, pending []*workflowpb.PendingActivityInfo) (calls []*stepCall, previous string, started time.Time) {
	scheduled := map[int64]*stepCall{}
	byActivityID := map[string]*stepCall{}
	// retrying holds a local activity waiting for its next attempt, by
	// summary: the next marker with that summary continues the same call.
	retrying := map[string]*stepCall{}
	iter := r.temporal.GetWorkflowHistory(ctx, workflowID, runID, false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for iter.HasNext() {
		ev, err := iter.Next()
		if err != nil {
			return nil, "", time.Time{}
		}
		switch ev.GetEventType() {
		case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED:
			previous = ev.GetWorkflowExecutionStartedEventAttributes().GetContinuedExecutionRunId()
			started = ev.GetEventTime().AsTime()
		case enumspb.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
			a := ev.GetActivityTaskScheduledEventAttributes()
			summary := r.summary(ev)
			if summary == "" {
				continue // not a step's call: steps' calls all carry one
			}
			c := &stepCall{summary: summary}
			c.Attempts = 1
			c.MaximumAttempts = int(a.GetRetryPolicy().GetMaximumAttempts())
			calls = append(calls, c)
			scheduled[ev.GetEventId()] = c
			byActivityID[a.GetActivityId()] = c
		case enumspb.EVENT_TYPE_ACTIVITY_TASK_STARTED:
			a := ev.GetActivityTaskStartedEventAttributes()
			if c := scheduled[a.GetScheduledEventId()]; c != nil {
				c.Attempts = int(a.GetAttempt())
				if f := a.GetLastFailure(); f != nil {
					c.LastFailure = r.failureMessage(f)
				}
			}
		case enumspb.EVENT_TYPE_ACTIVITY_TASK_FAILED:
			a := ev.GetActivityTaskFailedEventAttributes()
			if c := scheduled[a.GetScheduledEventId()]; c != nil {
				c.LastFailure = r.failureMessage(a.GetFailure())
			}
		case enumspb.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT:
			a := ev.GetActivityTaskTimedOutEventAttributes()
			if c := scheduled[a.GetScheduledEventId()]; c != nil {
				c.LastFailure = r.failureMessage(a.GetFailure())
			}
		case enumspb.EVENT_TYPE_MARKER_RECORDED:
			a := ev.GetMarkerRecordedEventAttributes()
			summary := r.summary(ev)
			if a.GetMarkerName() != localActivityMarker || summary == "" {
				continue
			}
			var data localActivityData
			if err := r.payloads.FromPayloads(a.GetDetails()["data"], &data); err != nil {
				continue
			}
			c := retrying[summary]
			if c == nil {
				c = &stepCall{summary: summary}
				calls = append(calls, c)
			}
			delete(retrying, summary)
			c.Attempts, c.NextAttemptAt = int(data.Attempt), time.Time{}
			if f := a.GetFailure(); f != nil {
				c.LastFailure = r.failureMessage(f)
				if data.Backoff > 0 {
					// The SDK waits on a timer and tries again.
					c.NextAttemptAt = ev.GetEventTime().AsTime().Add(data.Backoff)
					retrying[summary] = c
				}
			}
		}
	}
	for _, p := range pending {
		c := byActivityID[p.GetActivityId()]
		if c == nil {
			continue
		}
		c.Attempts = int(p.GetAttempt())
		c.MaximumAttempts = int(p.GetMaximumAttempts())
		if f := p.GetLastFailure(); f != nil {
			c.LastFailure = r.failureMessage(f)
		}
		if t := p.GetNextAttemptScheduleTime(); t != nil && p.GetState() == enumspb.PENDING_ACTIVITY_STATE_SCHEDULED {
			// In backoff Temporal counts the attempt to come; the log
			// counts the last one made, as it does for a local activity.
			c.Attempts = max(c.Attempts-1, 1)
			c.NextAttemptAt = t.AsTime()
		}
	}
	return calls, previous, started
}

// withAttempts gives each log entry its call: the call whose summary names
// the entry's id, or, in histories written before summaries named log
// entries, the next unmatched call of the same step id. Only an open run
// has a next attempt.
func withAttempts(log []runs.StepLog, calls []*stepCall, open bool) []StepLog {
	entries := make(map[string]bool, len(log))
	steps := make(map[string]bool, len(log))
	for _, l := range log {
		entries[l.ID] = true
		steps[l.StepName] = true
	}
	byEntry := map[string]*stepCall{}
	byStep := map[string][]*stepCall{}
	for _, c := range calls {
		entry, step := "", ""
		for head := range runs.StepSummaryHeads(c.summary) {
			if entries[head] {
				entry = head
				break
			}
			if step == "" && steps[head] {
				step = head
			}
		}
		switch {
		case entry != "":
			byEntry[entry] = c // a step's later call stands for it
		case step != "":
			byStep[step] = append(byStep[step], c)
		}
	}
	out := make([]StepLog, 0, len(log))
	for _, l := range log {
		entry := StepLog{StepLog: l}
		c := byEntry[l.ID]
		if c == nil && len(byStep[l.StepName]) > 0 {
			c, byStep[l.StepName] = byStep[l.StepName][0], byStep[l.StepName][1:]
		}
		if c != nil {
			entry.Attempts, entry.MaximumAttempts, entry.LastFailure = c.Attempts, c.MaximumAttempts, c.LastFailure
			if open {
				entry.NextAttemptAt = c.NextAttemptAt
			}
		}
		out = append(out, entry)
	}
	return out
}

// summary is an event's user-metadata summary, decoded; "" when it has
// none.
func (r *Runs) summary(ev *historypb.HistoryEvent) string {
	p := ev.GetUserMetadata().GetSummary()
	if p == nil {
		return ""
	}
	var s string
	if err := r.payloads.FromPayload(p, &s); err != nil {
		return ""
	}
	return s
}

// failureMessage is a failure's message and its causes', readable when the
// worker encrypted them.
func (r *Runs) failureMessage(f *failurepb.Failure) string {
	f = r.decodeFailure(f)
	return f.GetMessage() + causeOf(f.GetCause())
}
