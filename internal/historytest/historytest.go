// Package historytest builds what Temporal answers about a run, for tests
// of code that reads it: the history events a step's call leaves (an
// activity scheduled, started and failed, or a local activity's marker),
// in the wire form the Go SDK and the server write, an iterator that pages
// through them as client.Client.GetWorkflowHistory does, and the execution
// info that visibility lists and a run's description holds.
package historytest

import (
	"testing"
	"time"

	"github.com/junction-run/junction/runs"
	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	failurepb "go.temporal.io/api/failure/v1"
	historypb "go.temporal.io/api/history/v1"
	sdkpb "go.temporal.io/api/sdk/v1"
	workflowpb "go.temporal.io/api/workflow/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// Iterator pages through events, as GetWorkflowHistory's answer does; err,
// when set, is what the first Next returns.
func Iterator(err error, events ...*historypb.HistoryEvent) client.HistoryEventIterator {
	return &iterator{events: events, err: err}
}

type iterator struct {
	events []*historypb.HistoryEvent
	err    error
}

func (it *iterator) HasNext() bool { return len(it.events) > 0 || it.err != nil }

func (it *iterator) Next() (*historypb.HistoryEvent, error) {
	if it.err != nil {
		return nil, it.err
	}
	ev := it.events[0]
	it.events = it.events[1:]
	return ev, nil
}

// Failure is a failure with message; "" is none.
func Failure(message string) *failurepb.Failure {
	if message == "" {
		return nil
	}
	return &failurepb.Failure{Message: message}
}

// withSummary gives ev the user-metadata summary the SDK writes ("" none).
func withSummary(t testing.TB, ev *historypb.HistoryEvent, summary string) *historypb.HistoryEvent {
	t.Helper()
	if summary == "" {
		return ev
	}
	p, err := converter.GetDefaultDataConverter().ToPayload(summary)
	if err != nil {
		t.Fatal(err)
	}
	ev.UserMetadata = &sdkpb.UserMetadata{Summary: p}
	return ev
}

// Scheduled is event id scheduling activity activityID with summary, under
// a retry policy of maxAttempts (0: unbounded).
func Scheduled(t testing.TB, id int64, activityID, summary string, maxAttempts int32) *historypb.HistoryEvent {
	return withSummary(t, &historypb.HistoryEvent{EventId: id, EventType: enumspb.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED,
		Attributes: &historypb.HistoryEvent_ActivityTaskScheduledEventAttributes{ActivityTaskScheduledEventAttributes: &historypb.ActivityTaskScheduledEventAttributes{
			ActivityId: activityID, RetryPolicy: &commonpb.RetryPolicy{MaximumAttempts: maxAttempts}}}}, summary)
}

// Started is the started event the server writes once a retried
// activity's attempt ends: which attempt it was, and why the one before it
// failed ("" none).
func Started(scheduledID int64, attempt int32, lastFailure string) *historypb.HistoryEvent {
	return &historypb.HistoryEvent{EventType: enumspb.EVENT_TYPE_ACTIVITY_TASK_STARTED,
		Attributes: &historypb.HistoryEvent_ActivityTaskStartedEventAttributes{ActivityTaskStartedEventAttributes: &historypb.ActivityTaskStartedEventAttributes{
			ScheduledEventId: scheduledID, Attempt: attempt, LastFailure: Failure(lastFailure)}}}
}

// Completed is the activity scheduled by event scheduledID completing.
func Completed(scheduledID int64) *historypb.HistoryEvent {
	return &historypb.HistoryEvent{EventType: enumspb.EVENT_TYPE_ACTIVITY_TASK_COMPLETED,
		Attributes: &historypb.HistoryEvent_ActivityTaskCompletedEventAttributes{ActivityTaskCompletedEventAttributes: &historypb.ActivityTaskCompletedEventAttributes{
			ScheduledEventId: scheduledID}}}
}

// Failed is the activity scheduled by event scheduledID failing for good.
func Failed(scheduledID int64, failure *failurepb.Failure) *historypb.HistoryEvent {
	return &historypb.HistoryEvent{EventType: enumspb.EVENT_TYPE_ACTIVITY_TASK_FAILED,
		Attributes: &historypb.HistoryEvent_ActivityTaskFailedEventAttributes{ActivityTaskFailedEventAttributes: &historypb.ActivityTaskFailedEventAttributes{
			ScheduledEventId: scheduledID, Failure: failure}}}
}

// localActivityMarkerData is the Go SDK's "data" detail of a local
// activity's marker, field for field (its type is unexported).
type localActivityMarkerData struct {
	ActivityID   string
	ActivityType string
	ReplayTime   time.Time
	Attempt      int32
	Backoff      time.Duration
}

// LocalActivityMarker is the marker the SDK records at time at for a local
// activity with summary: its attempt, and for a failed one its failure
// and, when the next attempt waits on a timer, the backoff.
func LocalActivityMarker(t testing.TB, summary string, attempt int32, backoff time.Duration, failure *failurepb.Failure, at time.Time) *historypb.HistoryEvent {
	t.Helper()
	data, err := converter.GetDefaultDataConverter().ToPayloads(localActivityMarkerData{
		ActivityID: "1", ActivityType: "http.request", ReplayTime: at, Attempt: attempt, Backoff: backoff})
	if err != nil {
		t.Fatal(err)
	}
	return withSummary(t, &historypb.HistoryEvent{EventType: enumspb.EVENT_TYPE_MARKER_RECORDED, EventTime: timestamppb.New(at),
		Attributes: &historypb.HistoryEvent_MarkerRecordedEventAttributes{MarkerRecordedEventAttributes: &historypb.MarkerRecordedEventAttributes{
			MarkerName: "LocalActivity", Details: map[string]*commonpb.Payloads{"data": data}, Failure: failure}}}, summary)
}

// Execution is what visibility and a run's description hold of account's
// run of definitionID started by event: its ids (run id "run-" + event),
// Temporal status, start time, search attributes (version 1) and
// triggeredAt memo, and closed, when not zero, as its close time.
func Execution(t testing.TB, accountID, definitionID, event string, status enumspb.WorkflowExecutionStatus, started, closed time.Time) *workflowpb.WorkflowExecutionInfo {
	t.Helper()
	payload := func(v any) *commonpb.Payload {
		p, err := converter.GetDefaultDataConverter().ToPayload(v)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	info := &workflowpb.WorkflowExecutionInfo{
		Execution: &commonpb.WorkflowExecution{WorkflowId: runs.RunWorkflowID(accountID, definitionID, event), RunId: "run-" + event},
		Status:    status,
		StartTime: timestamppb.New(started),
		SearchAttributes: &commonpb.SearchAttributes{IndexedFields: map[string]*commonpb.Payload{
			runs.AccountIDKey.GetName():         payload(accountID),
			runs.DefinitionIDKey.GetName():      payload(definitionID),
			runs.DefinitionVersionKey.GetName(): payload(int64(1)),
		}},
		Memo: &commonpb.Memo{Fields: map[string]*commonpb.Payload{runs.MemoTriggeredAt: payload(started.Format("2006-01-02T15:04:05.00Z"))}},
	}
	if !closed.IsZero() {
		info.CloseTime = timestamppb.New(closed)
	}
	return info
}
