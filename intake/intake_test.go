package intake_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/api/serviceerror"
	workflowpb "go.temporal.io/api/workflow/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"

	"github.com/junction-run/junction/intake"
	"github.com/junction-run/junction/runs"
	"github.com/junction-run/junction/store"
)

// fakeTemporal stands in for Temporal's client: it records what intake
// starts and signals, and answers visibility with the waiting runs given.
type fakeTemporal struct {
	// client.Client is nil: what these tests do not expect intake to call
	// panics.
	client.Client
	starts  []client.StartWorkflowOptions
	inputs  []runs.RunInput
	signals []string // workflow id + signal name
	queries []string
	waiting []*workflowpb.WorkflowExecutionInfo
	// legacy are the runs that say they wait (AwaitingReplyKey), whether
	// registered or not: the answer to intake's check for runs that wait
	// without having registered.
	legacy   []*workflowpb.WorkflowExecutionInfo
	startErr error
	listErr  error
}

func (f *fakeTemporal) ExecuteWorkflow(_ context.Context, o client.StartWorkflowOptions, workflow any, args ...any) (client.WorkflowRun, error) {
	if f.startErr != nil {
		return nil, f.startErr
	}
	if workflow != runs.RunDefinitionWorkflow || len(args) != 1 {
		return nil, errors.New("intake started something else than one RunDefinition")
	}
	f.starts = append(f.starts, o)
	f.inputs = append(f.inputs, args[0].(runs.RunInput))
	return fakeRun{id: o.ID}, nil
}

func (f *fakeTemporal) SignalWorkflow(_ context.Context, workflowID, _ string, signal string, arg any) error {
	if _, ok := arg.(runs.Reply); !ok {
		return errors.New("the signal's argument is not a runs.Reply")
	}
	f.signals = append(f.signals, workflowID+" "+signal)
	return nil
}

func (f *fakeTemporal) ListWorkflow(_ context.Context, req *workflowservice.ListWorkflowExecutionsRequest) (*workflowservice.ListWorkflowExecutionsResponse, error) {
	f.queries = append(f.queries, req.GetQuery())
	if f.listErr != nil {
		return nil, f.listErr
	}
	if strings.Contains(req.GetQuery(), "IS NOT NULL") {
		return &workflowservice.ListWorkflowExecutionsResponse{Executions: f.legacy}, nil
	}
	return &workflowservice.ListWorkflowExecutionsResponse{Executions: f.waiting}, nil
}

type fakeRun struct{ id string }

func (r fakeRun) GetID() string                  { return r.id }
func (r fakeRun) GetRunID() string               { return "run-of-" + r.id }
func (r fakeRun) GetFirstExecutionRunID() string { return r.GetRunID() }
func (fakeRun) Get(context.Context, any) error   { return nil }
func (fakeRun) GetWithOptions(context.Context, any, client.WorkflowRunGetOptions) error {
	return nil
}

// failingStore is a metadata store that is down.
type failingStore struct{}

func (failingStore) EnabledDefinitions(context.Context, string, string, string) ([]store.Definition, error) {
	return nil, errors.New("database is locked")
}

func (failingStore) SubscriptionsFor(context.Context, string, string, string) ([]store.Subscription, error) {
	return nil, errors.New("database is locked")
}

func (failingStore) EnqueueDelivery(context.Context, store.Delivery) (store.Delivery, bool, error) {
	return store.Delivery{}, false, errors.New("database is locked")
}

func (failingStore) RecordIncoming(context.Context, store.Inbound) (store.ChatMessage, bool, error) {
	return store.ChatMessage{}, false, errors.New("database is locked")
}

func (failingStore) SetMessageRuns(context.Context, string, string, []store.HandledRun) error {
	return errors.New("database is locked")
}

func (failingStore) Awaiting(context.Context, string, ...string) ([]store.Await, error) {
	return nil, errors.New("database is locked")
}

func (failingStore) SubscribedEvents(context.Context, string, ...string) ([]string, error) {
	return nil, errors.New("database is locked")
}

var now = time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)

// newStore opens a real SQLite store with account acme and the given
// definitions (enabled, as a save through the API stores them).
func newStore(t *testing.T, defs ...store.Definition) (*store.Store, []store.Definition) {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "junction.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	if _, err := st.CreateAccount(ctx, store.Account{ID: "acme", Name: "Acme"}); err != nil {
		t.Fatal(err)
	}
	var saved []store.Definition
	for _, d := range defs {
		d.AccountID, d.Status = "acme", store.StatusEnabled
		s, err := st.CreateDefinition(ctx, d)
		if err != nil {
			t.Fatal(err)
		}
		saved = append(saved, s)
	}
	return st, saved
}

func definitionOf(t *testing.T, trigger, body string) store.Definition {
	t.Helper()
	var doc struct {
		Definition struct {
			Name string `json:"name"`
		} `json:"definition"`
	}
	if err := json.Unmarshal([]byte(body), &doc); err != nil {
		t.Fatal(err)
	}
	return store.Definition{Trigger: trigger, Name: doc.Definition.Name, Body: json.RawMessage(body)}
}

const oneStep = `{"trigger": "%s", %s "definition": {"name": "%s", "steps": [{"id": "s1", "stepType": "SetVariables", "inputs": {"x": 1}}]}}`

// body is a stored definition with one step; extra adds fields such as
// conditions or triggerConnection.
func body(trigger, extra, name string) string {
	return fmt.Sprintf(oneStep, trigger, extra, name)
}

func TestDispatchStartsOneRunPerDefinition(t *testing.T) {
	st, defs := newStore(t,
		definitionOf(t, "http_request", body("http_request", "", "Orders")),
		definitionOf(t, "http_request", body("http_request", `"conditions": ["{{data.order.total > 100}}"],`, "Big orders")),
		definitionOf(t, "inbound_sms", body("inbound_sms", "", "SMS")),
	)
	tc := &fakeTemporal{}
	in := intake.New(st, tc, "default", intake.Options{EagerStart: true}, func() time.Time { return now })
	res, err := in.Dispatch(context.Background(), intake.Event{AccountID: "acme", Trigger: "http_request", ID: "order-1001",
		Payload: map[string]any{"order": map[string]any{"total": 50}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Runs) != 1 || len(res.Skipped) != 1 || res.EventID != "order-1001" {
		t.Fatalf("result %+v, want one run and one skipped", res)
	}
	var orders, big store.Definition
	for _, d := range defs {
		switch d.Name {
		case "Orders":
			orders = d
		case "Big orders":
			big = d
		}
	}
	if res.Runs[0].DefinitionID != orders.ID || res.Runs[0].WorkflowID != "order-1001" ||
		res.Runs[0].TemporalWorkflowID != "acme/"+orders.ID+"/order-1001" || res.Runs[0].RunID != "run-of-acme/"+orders.ID+"/order-1001" {
		t.Errorf("run %+v", res.Runs[0])
	}
	if s := res.Skipped[0]; s.DefinitionID != big.ID || s.Reason != "conditions[0] is false" {
		t.Errorf("skipped %+v", s)
	}
	if len(tc.starts) != 1 {
		t.Fatalf("%d starts", len(tc.starts))
	}
	o, input := tc.starts[0], tc.inputs[0]
	if !o.EnableEagerStart || o.TaskQueue != runs.TaskQueue || o.ID != res.Runs[0].TemporalWorkflowID {
		t.Errorf("start options %+v", o)
	}
	if !input.LocalHTTPSteps || input.Name != "Orders" || input.Trigger != "http_request" || !input.TriggeredAt.Equal(now) || len(input.Steps) != 1 {
		t.Errorf("run input %+v", input)
	}
	if len(tc.queries) != 0 {
		t.Errorf("an event that is no reply queried visibility: %q", tc.queries)
	}
}

func TestDispatchConnectionAndOptions(t *testing.T) {
	st, _ := newStore(t,
		definitionOf(t, "shopify.orders_create", body("shopify.orders_create", `"triggerConnection": "shop-a",`, "A")),
		definitionOf(t, "shopify.orders_create", body("shopify.orders_create", `"triggerConnection": "shop-b",`, "B")),
	)
	tc := &fakeTemporal{}
	in := intake.New(st, tc, "default", intake.Options{NoLocalHTTPSteps: true}, nil)
	res, err := in.Dispatch(context.Background(), intake.Event{AccountID: "acme", Trigger: "shopify.orders_create", Connection: "shop-b",
		ID: runs.EventWorkflowKey("gid://shopify/Order/7"), Payload: map[string]any{"payload": map[string]any{"id": 7}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Runs) != 1 || tc.inputs[0].Name != "B" {
		t.Fatalf("runs %+v", res.Runs)
	}
	if tc.inputs[0].LocalHTTPSteps || tc.starts[0].EnableEagerStart {
		t.Errorf("options not honoured: local %v eager %v", tc.inputs[0].LocalHTTPSteps, tc.starts[0].EnableEagerStart)
	}
}

func waitingRun(definitionID, eventID string) *workflowpb.WorkflowExecutionInfo {
	dc := converter.GetDefaultDataConverter()
	def, _ := dc.ToPayload(definitionID)
	version, _ := dc.ToPayload(int64(1))
	account, _ := dc.ToPayload("acme")
	key, _ := dc.ToPayload(runs.AwaitKey("sms", "+6512345678"))
	id := runs.RunWorkflowID("acme", definitionID, eventID)
	return &workflowpb.WorkflowExecutionInfo{
		Execution: &commonpb.WorkflowExecution{WorkflowId: id, RunId: "r-" + eventID},
		SearchAttributes: &commonpb.SearchAttributes{IndexedFields: map[string]*commonpb.Payload{
			runs.DefinitionIDKey.GetName(): def, runs.DefinitionVersionKey.GetName(): version,
			runs.AccountIDKey.GetName(): account, runs.AwaitingReplyKey.GetName(): key,
		}},
	}
}

func TestDispatchRepliesToWaitingRuns(t *testing.T) {
	st, defs := newStore(t, definitionOf(t, "inbound_sms", body("inbound_sms", "", "Auto reply")))
	d := defs[0]
	reply := &intake.Reply{Keys: []string{runs.AwaitKey("sms", "+6512345678"), "sms:o'brien"}, Signal: runs.Reply{EventID: "m2", From: "+6512345678", Channel: "sms"}}

	t.Run("a waiting run gets the reply, no new run starts", func(t *testing.T) {
		// It started waiting before the registry: only visibility shows it.
		tc := &fakeTemporal{waiting: []*workflowpb.WorkflowExecutionInfo{waitingRun(d.ID, "m1")},
			legacy: []*workflowpb.WorkflowExecutionInfo{waitingRun(d.ID, "m1")}}
		res, err := intake.New(st, tc, "default", intake.Options{}, nil).Dispatch(context.Background(),
			intake.Event{AccountID: "acme", Trigger: "inbound_sms", ID: "m2", Reply: reply})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Resumed) != 1 || len(res.Runs) != 0 || len(tc.starts) != 0 {
			t.Fatalf("result %+v, %d starts", res, len(tc.starts))
		}
		if want := "acme/" + d.ID + "/m1 " + runs.ReplySignal; len(tc.signals) != 1 || tc.signals[0] != want {
			t.Errorf("signals %q, want %q", tc.signals, want)
		}
		want := []string{`JunctionAwaitingReply IS NOT NULL AND ExecutionStatus = 'Running'`,
			`JunctionAccountId = 'acme' AND JunctionAwaitingReply IN ('sms:6512345678', 'sms:o\'brien') AND ExecutionStatus = 'Running'`}
		if !slices.Equal(tc.queries, want) {
			t.Errorf("queries %q, want %q", tc.queries, want)
		}
	})
	t.Run("the message that started the waiting run is not its reply", func(t *testing.T) {
		tc := &fakeTemporal{waiting: []*workflowpb.WorkflowExecutionInfo{waitingRun(d.ID, "m1")}}
		res, err := intake.New(st, tc, "default", intake.Options{}, nil).Dispatch(context.Background(),
			intake.Event{AccountID: "acme", Trigger: "inbound_sms", ID: "m1", Reply: reply})
		if err != nil {
			t.Fatal(err)
		}
		// Its start is sent again, and Temporal finds the run it started.
		if len(tc.signals) != 0 || len(res.Runs) != 1 || tc.starts[0].ID != "acme/"+d.ID+"/m1" {
			t.Fatalf("signals %q, result %+v", tc.signals, res)
		}
	})
	t.Run("once every waiting run is registered, replies cost no visibility query", func(t *testing.T) {
		run := waitingRun(d.ID, "m5")
		if err := st.RegisterAwait(context.Background(), store.Await{AccountID: "acme", Key: runs.AwaitKey("sms", "+6512345678"),
			WorkflowID: run.GetExecution().GetWorkflowId(), RunID: "r-m5", DefinitionID: d.ID, Version: 1}); err != nil {
			t.Fatal(err)
		}
		tc := &fakeTemporal{legacy: []*workflowpb.WorkflowExecutionInfo{run}}
		in := intake.New(st, tc, "default", intake.Options{}, nil)
		for _, id := range []string{"m6", "m7"} {
			res, err := in.Dispatch(context.Background(), intake.Event{AccountID: "acme", Trigger: "inbound_sms", ID: id, Reply: reply})
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Resumed) != 1 || res.Resumed[0].TemporalWorkflowID != run.GetExecution().GetWorkflowId() {
				t.Fatalf("%s: result %+v", id, res)
			}
		}
		if len(tc.queries) != 1 || !strings.Contains(tc.queries[0], "IS NOT NULL") {
			t.Errorf("queries %q: want the one check for unregistered waiting runs", tc.queries)
		}
	})
}

func TestDispatchFailures(t *testing.T) {
	st, defs := newStore(t, definitionOf(t, "http_request", body("http_request", "", "Orders")))
	for _, tc := range []struct {
		name      string
		store     any
		temporal  *fakeTemporal
		event     intake.Event
		retry     bool
		wantWhat  string
		wantRuns  int
		startTest bool
		maxInput  int
		wantIs    error
	}{
		{name: "store down", store: failingStore{}, temporal: &fakeTemporal{}, retry: true,
			event: intake.Event{AccountID: "acme", Trigger: "http_request", ID: "e1"}, wantWhat: "Could not look up definitions for this trigger"},
		{name: "Temporal refuses the start", store: st, temporal: &fakeTemporal{startErr: errors.New("unavailable")}, retry: true,
			event: intake.Event{AccountID: "acme", Trigger: "http_request", ID: "e1"}, wantWhat: "Could not start a run of definition " + defs[0].ID},
		{name: "visibility down", store: st, temporal: &fakeTemporal{listErr: errors.New("unavailable")}, retry: true,
			event:    intake.Event{AccountID: "acme", Trigger: "http_request", ID: "e1", Reply: &intake.Reply{Keys: []string{"sms:1"}}},
			wantWhat: "Could not look up runs waiting for this reply"},
		{name: "test run, Temporal refuses", store: st, temporal: &fakeTemporal{startErr: errors.New("unavailable")}, retry: true,
			startTest: true, wantWhat: "Could not start a run of definition " + defs[0].ID},
		{name: "an event too large for a run is refused before Temporal, for good", store: st, temporal: &fakeTemporal{}, maxInput: 4000,
			event:    intake.Event{AccountID: "acme", Trigger: "http_request", ID: "e1", Payload: map[string]any{"blob": strings.Repeat("x", 5000)}},
			wantWhat: "The event is too large: the run's input (the event with definition " + defs[0].ID + ") is", wantIs: intake.ErrTooLarge},
		{name: "a reply too large for a signal is refused, for good", store: st, maxInput: 4000,
			temporal: &fakeTemporal{waiting: []*workflowpb.WorkflowExecutionInfo{waitingRun(defs[0].ID, "e0")},
				legacy: []*workflowpb.WorkflowExecutionInfo{waitingRun(defs[0].ID, "e0")}},
			event: intake.Event{AccountID: "acme", Trigger: "http_request", ID: "e1", Reply: &intake.Reply{Keys: []string{"sms:1"},
				Signal: runs.Reply{EventID: "e1", Event: map[string]any{"text": strings.Repeat("x", 5000)}}}},
			wantWhat: "The event is too large: the reply is", wantIs: intake.ErrTooLarge},
		{name: "Temporal refuses the start as invalid: not retried", store: st,
			temporal: &fakeTemporal{startErr: serviceerror.NewInvalidArgument("Blob data size exceeds limit.")},
			event:    intake.Event{AccountID: "acme", Trigger: "http_request", ID: "e1"},
			wantWhat: "Temporal refused to start a run of definition " + defs[0].ID, wantIs: intake.ErrRejected},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var in *intake.Intake
			switch s := tc.store.(type) {
			case failingStore:
				in = intake.New(s, tc.temporal, "default", intake.Options{MaxInputBytes: tc.maxInput}, nil)
			case *store.Store:
				in = intake.New(s, tc.temporal, "default", intake.Options{MaxInputBytes: tc.maxInput}, nil)
			}
			var err error
			if tc.startTest {
				_, err = in.StartTest(context.Background(), defs[0], tc.event)
			} else {
				_, err = in.Dispatch(context.Background(), tc.event)
			}
			var ie *intake.Error
			if !errors.As(err, &ie) || ie.Retry != tc.retry || !strings.HasPrefix(ie.What, tc.wantWhat) || intake.IsRetryable(err) != tc.retry {
				t.Fatalf("error %v, want %q (retry %v)", err, tc.wantWhat, tc.retry)
			}
			if tc.wantIs != nil && !errors.Is(err, tc.wantIs) {
				t.Errorf("error %v is not %v", err, tc.wantIs)
			}
			if tc.wantIs == intake.ErrTooLarge && (len(tc.temporal.starts) != 0 || len(tc.temporal.signals) != 0) {
				t.Errorf("Temporal was sent the event: %d starts, %d signals", len(tc.temporal.starts), len(tc.temporal.signals))
			}
		})
	}
	t.Run("a stored body that cannot be read is not retried", func(t *testing.T) {
		bad := defs[0]
		bad.Body = json.RawMessage(`{"definition": {"steps": "not a list"}}`)
		_, err := intake.New(st, &fakeTemporal{}, "default", intake.Options{}, nil).StartTest(context.Background(), bad, intake.Event{ID: "e1"})
		var ie *intake.Error
		if !errors.As(err, &ie) || ie.Retry {
			t.Fatalf("error %v, want a non-retryable intake.Error", err)
		}
	})
}

func TestStartTestIgnoresConditions(t *testing.T) {
	st, defs := newStore(t, definitionOf(t, "http_request", body("http_request", `"conditions": ["{{false}}"],`, "Never")))
	tc := &fakeTemporal{}
	run, err := intake.New(st, tc, "default", intake.Options{}, nil).StartTest(context.Background(), defs[0],
		intake.Event{AccountID: "acme", ID: "test-1", Payload: map[string]any{"a": 1}})
	if err != nil {
		t.Fatal(err)
	}
	if run.WorkflowID != "test-1" || len(tc.starts) != 1 || tc.inputs[0].Trigger != "http_request" {
		t.Fatalf("run %+v, starts %d", run, len(tc.starts))
	}
}
