package manage

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"testing"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	failurepb "go.temporal.io/api/failure/v1"
	historypb "go.temporal.io/api/history/v1"
	workflowpb "go.temporal.io/api/workflow/v1"
	"go.temporal.io/sdk/client"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/junction-run/junction/internal/historytest"
	"github.com/junction-run/junction/runs"
)

// historyTemporal answers GetWorkflowHistory from a list of events, as
// Temporal would page them; nothing else of Temporal is used here.
type historyTemporal struct {
	runsTemporal
	events []*historypb.HistoryEvent
	err    error
	// runs holds the histories of other runs of a chain, by run id; read
	// records which were read.
	runs map[string][]*historypb.HistoryEvent
	read []string
}

func (h *historyTemporal) GetWorkflowHistory(_ context.Context, _, runID string, _ bool, _ enumspb.HistoryEventFilterType) client.HistoryEventIterator {
	h.read = append(h.read, runID)
	if events, ok := h.runs[runID]; ok {
		return historytest.Iterator(nil, events...)
	}
	return historytest.Iterator(h.err, h.events...)
}

var t0 = time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)

// failure is a failure with a cause, whose message the log joins to its
// own.
func failure(msg string) *failurepb.Failure {
	if msg == "" {
		return nil
	}
	return &failurepb.Failure{Message: msg, Cause: &failurepb.Failure{Message: "HTTP 503"}}
}

// started is historytest.Started whose last failure has a cause.
func started(scheduledID int64, attempt int32, lastFailure string) *historypb.HistoryEvent {
	ev := historytest.Started(scheduledID, attempt, "")
	ev.GetActivityTaskStartedEventAttributes().LastFailure = failure(lastFailure)
	return ev
}

func logOf(ids ...string) []runs.StepLog {
	var out []runs.StepLog
	for _, id := range ids {
		step := id
		for i := len(id) - 1; i >= 0; i-- {
			if id[i] == '#' {
				step = id[:i]
				break
			}
		}
		out = append(out, runs.StepLog{ID: id, StepName: step})
	}
	return out
}

// attempt is what a test expects of one log entry.
type attempt struct {
	attempts, maximum int
	lastFailure       string
	next              time.Time
}

func TestStepAttempts(t *testing.T) {
	retryAt := t0.Add(30 * time.Second)
	for _, tc := range []struct {
		name    string
		log     []runs.StepLog
		events  []*historypb.HistoryEvent
		pending []*workflowpb.PendingActivityInfo
		open    bool
		want    []attempt
	}{{
		name: "a call retried twice, then completed",
		log:  logOf("post#1"),
		events: []*historypb.HistoryEvent{
			historytest.Scheduled(t, 5, "1", runs.StepSummary("post#1", "HttpRequest"), 15), started(5, 3, "POST failed"),
		},
		want: []attempt{{3, 15, "POST failed: HTTP 503", time.Time{}}},
	}, {
		name: "a call that failed for good says its own failure",
		log:  logOf("book#1"),
		events: []*historypb.HistoryEvent{
			historytest.Scheduled(t, 5, "1", runs.StepSummary("book#1", "http.call"), 2), started(5, 2, "first"), historytest.Failed(5, failure("second")),
		},
		want: []attempt{{2, 2, "second: HTTP 503", time.Time{}}},
	}, {
		name: "a call in backoff: its attempt, last failure and next attempt from the run's description",
		log:  logOf("notify#1", "post#2"),
		events: []*historypb.HistoryEvent{
			historytest.Scheduled(t, 5, "1", runs.StepSummary("notify#1", "HttpRequest"), 15), started(5, 1, ""),
			historytest.Scheduled(t, 9, "2", runs.StepSummary("post#2", "HttpRequest"), 15),
		},
		pending: []*workflowpb.PendingActivityInfo{{ActivityId: "2", Attempt: 4, MaximumAttempts: 15, LastFailure: failure("timeout"),
			State: enumspb.PENDING_ACTIVITY_STATE_SCHEDULED, NextAttemptScheduleTime: timestamppb.New(retryAt)}},
		open: true,
		want: []attempt{{1, 15, "", time.Time{}}, {3, 15, "timeout: HTTP 503", retryAt}},
	}, {
		name: "a call running its attempt has no next attempt",
		log:  logOf("post#1"),
		events: []*historypb.HistoryEvent{
			historytest.Scheduled(t, 5, "1", runs.StepSummary("post#1", "HttpRequest"), 0),
		},
		pending: []*workflowpb.PendingActivityInfo{{ActivityId: "1", Attempt: 2, LastFailure: failure("reset"),
			State: enumspb.PENDING_ACTIVITY_STATE_STARTED, NextAttemptScheduleTime: timestamppb.New(retryAt)}},
		open: true,
		want: []attempt{{2, 0, "reset: HTTP 503", time.Time{}}},
	}, {
		name: "a local activity retried on a timer is one call",
		log:  logOf("create_order#1"),
		events: []*historypb.HistoryEvent{
			historytest.LocalActivityMarker(t, runs.StepSummary("create_order#1", "HttpRequest"), 2, 12*time.Second, failure("slow down"), t0),
			historytest.LocalActivityMarker(t, runs.StepSummary("create_order#1", "HttpRequest"), 3, 0, nil, t0.Add(12*time.Second)),
		},
		want: []attempt{{3, 0, "slow down: HTTP 503", time.Time{}}},
	}, {
		name: "a local activity waiting on its timer is tried next when the backoff ends",
		log:  logOf("create_order#1"),
		events: []*historypb.HistoryEvent{
			historytest.LocalActivityMarker(t, runs.StepSummary("create_order#1", "HttpRequest"), 2, 12*time.Second, failure("slow down"), t0),
		},
		open: true,
		want: []attempt{{2, 0, "slow down: HTTP 503", t0.Add(12 * time.Second)}},
	}, {
		name: "a run that ended has no next attempt",
		log:  logOf("create_order#1"),
		events: []*historypb.HistoryEvent{
			historytest.LocalActivityMarker(t, runs.StepSummary("create_order#1", "HttpRequest"), 2, 12*time.Second, failure("slow down"), t0),
		},
		want: []attempt{{2, 0, "slow down: HTTP 503", time.Time{}}},
	}, {
		name: "a loop's calls each find their own entry, whatever order they ran in",
		log:  logOf("each#1", "post#2", "post#3"),
		events: []*historypb.HistoryEvent{
			historytest.Scheduled(t, 5, "1", runs.StepSummary("post#3", "http.call")+", item 1 of each", 5),
			historytest.Scheduled(t, 6, "2", runs.StepSummary("post#2", "http.call")+", item 0 of each", 5),
			started(5, 1, ""), started(6, 2, "busy"),
		},
		want: []attempt{{}, {2, 5, "busy: HTTP 503", time.Time{}}, {1, 5, "", time.Time{}}},
	}, {
		name: "summaries written before they named log entries match by step id, in order",
		log:  logOf("each#1", "post#2", "post#3"),
		events: []*historypb.HistoryEvent{
			historytest.Scheduled(t, 5, "1", "post (http.call), item 0 of each", 5),
			historytest.Scheduled(t, 6, "2", "post (http.call), item 1 of each", 5),
			started(5, 3, "busy"), started(6, 1, ""),
		},
		want: []attempt{{}, {3, 5, "busy: HTTP 503", time.Time{}}, {1, 5, "", time.Time{}}},
	}, {
		name: "a step id that reads like a summary",
		log:  logOf("call (backup)#1"),
		events: []*historypb.HistoryEvent{
			historytest.Scheduled(t, 5, "1", runs.StepSummary("call (backup)#1", "HttpRequest"), 3), started(5, 2, "x"),
		},
		want: []attempt{{2, 3, "x: HTTP 503", time.Time{}}},
	}, {
		name: "activities that are no step's call are not counted",
		log:  logOf("wait#1"),
		events: []*historypb.HistoryEvent{
			historytest.Scheduled(t, 5, "1", "", 3), started(5, 2, "x"),
			historytest.LocalActivityMarker(t, "", 4, 0, nil, t0),
		},
		want: []attempt{{}},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			r := NewRuns(&historyTemporal{events: tc.events}, "default", nil, nil)
			got := withAttempts(tc.log, r.chainCalls(context.Background(), &commonpb.WorkflowExecution{}, tc.pending, time.Time{}), tc.open)
			if len(got) != len(tc.want) {
				t.Fatalf("%d entries, want %d", len(got), len(tc.want))
			}
			for i, w := range tc.want {
				g := got[i]
				if g.ID != tc.log[i].ID || g.Attempts != w.attempts || g.MaximumAttempts != w.maximum || g.LastFailure != w.lastFailure || !g.NextAttemptAt.Equal(w.next) {
					t.Errorf("%s: attempts %d of %d, last failure %q, next %v; want %d of %d, %q, %v", g.ID,
						g.Attempts, g.MaximumAttempts, g.LastFailure, g.NextAttemptAt, w.attempts, w.maximum, w.lastFailure, w.next)
				}
			}
		})
	}
}

// A run continued as new keeps the log of the runs before it: their
// entries' attempts are in their own histories, read back along the chain
// as far as the log reaches, and no further.
func TestStepAttemptsAcrossContinueAsNew(t *testing.T) {
	runStarted := func(at time.Time, previous string) *historypb.HistoryEvent {
		return &historypb.HistoryEvent{EventType: enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED, EventTime: timestamppb.New(at),
			Attributes: &historypb.HistoryEvent_WorkflowExecutionStartedEventAttributes{WorkflowExecutionStartedEventAttributes: &historypb.WorkflowExecutionStartedEventAttributes{
				ContinuedExecutionRunId: previous}}}
	}
	retried := func(logID string, attempt int32) []*historypb.HistoryEvent {
		return []*historypb.HistoryEvent{historytest.Scheduled(t, 5, "1", runs.StepSummary(logID, "http.call"), 15), started(5, attempt, "busy")}
	}
	// Three runs, ten minutes apart: post#1 ran in the first, post#2 in
	// the second, post#3 in the third, each on its own attempt count.
	first, second, third := t0, t0.Add(10*time.Minute), t0.Add(20*time.Minute)
	h := &historyTemporal{
		events: append([]*historypb.HistoryEvent{runStarted(third, "run-2")}, retried("post#3", 3)...),
		runs: map[string][]*historypb.HistoryEvent{
			"run-2": append([]*historypb.HistoryEvent{runStarted(second, "run-1")}, retried("post#2", 2)...),
			"run-1": append([]*historypb.HistoryEvent{runStarted(first, "")}, retried("post#1", 4)...),
		},
	}
	log := logOf("post#1", "post#2", "post#3")
	log[0].StartedAt, log[1].StartedAt, log[2].StartedAt = first.Add(time.Second), second.Add(time.Second), third.Add(time.Second)
	exec := &commonpb.WorkflowExecution{WorkflowId: "acme/def/order-1", RunId: "run-3"}

	r := NewRuns(h, "default", nil, nil)
	got := withAttempts(log, r.chainCalls(context.Background(), exec, nil, log[0].StartedAt), false)
	for i, want := range []int{4, 2, 3} {
		if got[i].Attempts != want || got[i].LastFailure != "busy: HTTP 503" {
			t.Errorf("%s: attempt %d (%q), want %d", got[i].ID, got[i].Attempts, got[i].LastFailure, want)
		}
	}
	if !slices.Equal(h.read, []string{"run-3", "run-2", "run-1"}) {
		t.Errorf("read the histories of %v, want the whole chain", h.read)
	}

	// A log that no longer reaches back into the first run (its first
	// entries dropped) does not read it.
	h.read = nil
	got = withAttempts(log[1:], r.chainCalls(context.Background(), exec, nil, log[1].StartedAt), false)
	if got[0].Attempts != 2 || got[1].Attempts != 3 || !slices.Equal(h.read, []string{"run-3", "run-2"}) {
		t.Errorf("attempts %d, %d from %v; want 2, 3 from run-3 and run-2 only", got[0].Attempts, got[1].Attempts, h.read)
	}
}

// A history that cannot be read leaves the log without attempts rather
// than failing the run's answer.
func TestStepAttemptsUnreadableHistory(t *testing.T) {
	r := NewRuns(&historyTemporal{err: errors.New("unavailable")}, "default", nil, nil)
	got := withAttempts(logOf("post#1"), r.chainCalls(context.Background(), &commonpb.WorkflowExecution{}, nil, time.Time{}), true)
	if len(got) != 1 || got[0].ID != "post#1" || got[0].Attempts != 0 {
		t.Errorf("log %+v, want the entry without attempts", got)
	}
}

// BenchmarkStepAttempts reads the attempts of a ForEach's 1,000 calls, each
// retried once, from a history of 3,000 events: what a run's page costs
// the gateway on each refresh besides Temporal's own read of the history.
// The baseline is the same log given no calls.
func BenchmarkStepAttempts(b *testing.B) {
	const calls = 1000
	var events []*historypb.HistoryEvent
	var ids []string
	for i := range calls {
		id := fmt.Sprintf("post#%d", i+2)
		ids = append(ids, id)
		events = append(events,
			historytest.Scheduled(b, int64(3*i+5), strconv.Itoa(i+1), runs.StepSummary(id, "http.call")+fmt.Sprintf(", item %d of each", i), 15),
			started(int64(3*i+5), 2, "busy"),
			historytest.Completed(int64(3*i+5)))
	}
	log := logOf(append([]string{"each#1"}, ids...)...)
	b.Run("log alone", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			withAttempts(log, nil, true)
		}
	})
	b.Run("with 1000 calls", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			r := NewRuns(&historyTemporal{events: events}, "default", nil, nil)
			got := withAttempts(log, r.chainCalls(context.Background(), &commonpb.WorkflowExecution{}, nil, time.Time{}), true)
			if got[calls].Attempts != 2 {
				b.Fatalf("last entry %+v", got[calls])
			}
		}
	})
}
