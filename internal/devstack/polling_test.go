package devstack_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"

	"github.com/junction-run/junction/connectors/shopify"
	"github.com/junction-run/junction/connectors/shopify/shopifytest"
	"github.com/junction-run/junction/internal/devstack"
	"github.com/junction-run/junction/manage"
	"github.com/junction-run/junction/runs"
)

// pollNow triggers a poll schedule, as "Trigger" in the Temporal UI does,
// and returns what the poll it started returned.
func pollNow(t *testing.T, s *devstack.Stack, scheduleID string) runs.PollState {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	h := s.Client.ScheduleClient().GetHandle(ctx, scheduleID)
	before, err := h.Describe(ctx)
	if err != nil {
		t.Fatalf("describing %s: %v", scheduleID, err)
	}
	if err := h.Trigger(ctx, client.ScheduleTriggerOptions{}); err != nil {
		t.Fatalf("triggering %s: %v", scheduleID, err)
	}
	var desc *client.ScheduleDescription
	waitFor(t, "the triggered poll to start", 30*time.Second, func() bool {
		desc, err = h.Describe(ctx)
		return err == nil && desc.Info.NumActions > before.Info.NumActions && len(desc.Info.RecentActions) > 0
	})
	started := desc.Info.RecentActions[len(desc.Info.RecentActions)-1].StartWorkflowResult
	var state runs.PollState
	if err := s.Client.GetWorkflow(ctx, started.WorkflowID, started.FirstExecutionRunID).Get(ctx, &state); err != nil {
		t.Fatalf("poll %s: %v", started.WorkflowID, err)
	}
	return state
}

// scheduledInput is the PollInput a poll schedule starts polls with.
func scheduledInput(t *testing.T, desc *client.ScheduleDescription) runs.PollInput {
	t.Helper()
	action, ok := desc.Schedule.Action.(*client.ScheduleWorkflowAction)
	if !ok || len(action.Args) != 1 {
		t.Fatalf("schedule action %#v", desc.Schedule.Action)
	}
	var in runs.PollInput
	if err := converter.GetDefaultDataConverter().FromPayload(action.Args[0].(*commonpb.Payload), &in); err != nil {
		t.Fatal(err)
	}
	return in
}

// TestPollingTriggerStartsEachOrderOnce subscribes a definition to
// shopify.new_orders with a condition and polls the Shopify fake through
// the definition's Temporal Schedule: one run per matching order, only new
// orders on later polls, none twice when a new version is published or the
// cursor is lost, and the schedule paused and deleted with the definition.
func TestPollingTriggerStartsEachOrderOnce(t *testing.T) {
	s, fake := startShopifyStack(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	api := s.GatewayURL + "/api/v1/accounts/acme"
	shopConnection := `{"app":"shopify","name":"Northwind","authKind":"api_key","fields":{"key":"` + shopifytest.Token + `"},"properties":{"shop":"northwind.myshopify.com"}}`
	connID := createConnection(t, api, shopConnection)

	// The seeded order 450789469 is paid; one more paid, one pending.
	paid := fake.AddOrder(shopifytest.Order{FinancialStatus: "paid", TotalPrice: "40.00"})
	pending := fake.AddOrder(shopifytest.Order{FinancialStatus: "pending", TotalPrice: "15.00"})

	body := func(name, status, conn string) []byte {
		return []byte(`{"trigger":"shopify.new_orders","triggerConnection":"` + conn + `","status":"` + status + `",
		  "conditions":["{{data.payload.financial_status == 'paid'}}"],
		  "definition":{"name":"` + name + `","steps":[
		    {"id":"note","stepType":"SetVariables","inputs":{"order":"{{data.payload.name}}","total":"{{data.payload.total_price}}"}}]}}`)
	}
	def := createDefinition(t, s, "acme", body("Paid orders", "enabled", connID))
	defID := def["id"].(string)
	scheduleID := runs.PollScheduleID("acme", defID)
	h := s.Client.ScheduleClient().GetHandle(ctx, scheduleID)
	desc, err := h.Describe(ctx)
	if err != nil {
		t.Fatalf("no poll schedule after saving an enabled polling definition: %v", err)
	}
	if desc.Schedule.State.Paused || desc.Schedule.Policy.Overlap != enumspb.SCHEDULE_OVERLAP_POLICY_SKIP ||
		len(desc.Schedule.Spec.Intervals) != 1 || desc.Schedule.Spec.Intervals[0].Every != shopify.NewOrdersPollInterval ||
		desc.Schedule.Spec.Intervals[0].Offset != manage.PollScheduleOffset(scheduleID, shopify.NewOrdersPollInterval) {
		t.Errorf("schedule: paused %v, overlap %v, spec %+v", desc.Schedule.State.Paused, desc.Schedule.Policy.Overlap, desc.Schedule.Spec)
	}
	if in := scheduledInput(t, desc); in.Version != 1 || in.ConnectionID != connID || in.TriggerID != "new_orders" {
		t.Errorf("schedule input %+v", in)
	}

	runOf := func(orderID int64) string { return "acme/" + defID + "/" + strconv.FormatInt(orderID, 10) }
	runsOfDefinition := func(extra string) int {
		return countRuns(t, s, fmt.Sprintf("JunctionDefinitionId = '%s' AND WorkflowType = '%s'%s", defID, runs.RunDefinitionWorkflow, extra))
	}

	// The first poll: one run per paid order.
	state := pollNow(t, s, scheduleID)
	wantCursor := strconv.FormatInt(pending.ID, 10)
	if state.Polled != 3 || state.Started != 2 || state.Skipped != 1 || state.Cursor != wantCursor {
		t.Fatalf("first poll: %+v, want 3 polled, 2 started, 1 skipped, cursor %s", state, wantCursor)
	}
	for id, name := range map[int64]string{shopifytest.OrderID: "#1001", paid.ID: paid.Name} {
		if data := waitRun(t, s, runOf(id)); data["order"] != name {
			t.Errorf("run of order %d: data %v", id, data)
		}
	}
	recordLastPoll(t, s, scheduleID, "poll_started_children")
	recordHistory(t, s, "poll_child_set_variables", runOf(paid.ID), "")

	// A new order: only it runs. Then nothing new: nothing runs.
	third := fake.AddOrder(shopifytest.Order{FinancialStatus: "paid", TotalPrice: "99.00"})
	if state := pollNow(t, s, scheduleID); state.Polled != 1 || state.Started != 1 || state.Cursor != strconv.FormatInt(third.ID, 10) {
		t.Errorf("poll after a new order: %+v", state)
	}
	waitRun(t, s, runOf(third.ID))
	if state := pollNow(t, s, scheduleID); state.Polled != 0 || state.Started != 0 {
		t.Errorf("poll with nothing new: %+v", state)
	}

	// Version 2: the schedule runs it, from the same cursor.
	resp := call(t, http.MethodPut, api+"/definitions/"+defID, body("Paid orders v2", "enabled", connID), nil)
	if resp.Status != http.StatusOK {
		t.Fatalf("publishing v2: %d %s", resp.Status, resp.Body)
	}
	desc, err = h.Describe(ctx)
	if err != nil || scheduledInput(t, desc).Version != 2 || desc.Schedule.State.Paused {
		t.Fatalf("schedule after v2: %v", err)
	}
	if state := pollNow(t, s, scheduleID); state.Polled != 0 || state.Cursor != strconv.FormatInt(third.ID, 10) {
		t.Errorf("first poll of v2: %+v; republishing reset the cursor", state)
	}
	reqs := fake.Requests()
	if last := reqs[len(reqs)-1]; last.Path != "/admin/api/2025-01/orders.json" || last.Query.Get("since_id") != strconv.FormatInt(third.ID, 10) {
		t.Errorf("v2 polled %s?%s", last.Path, last.Query.Encode())
	}
	fourth := fake.AddOrder(shopifytest.Order{FinancialStatus: "paid"})
	if state := pollNow(t, s, scheduleID); state.Started != 1 {
		t.Errorf("poll of v2 after a new order: %+v", state)
	}
	waitRun(t, s, runOf(fourth.ID))
	if n := runsOfDefinition(" AND JunctionDefinitionVersion = 2"); n != 1 {
		t.Errorf("%d runs of v2, want 1", n)
	}

	// Version 3 polls through another connection to the same shop: its
	// cursor starts over, every order comes back, and Temporal refuses to
	// start any of them again.
	otherConn := createConnection(t, api, shopConnection)
	if resp := call(t, http.MethodPut, api+"/definitions/"+defID, body("Paid orders v3", "enabled", otherConn), nil); resp.Status != http.StatusOK {
		t.Fatalf("publishing v3: %d %s", resp.Status, resp.Body)
	}
	if state := pollNow(t, s, scheduleID); state.Polled != 5 || state.Started != 0 || state.Duplicates != 4 || state.Skipped != 1 {
		t.Errorf("poll from scratch: %+v, want every paid order found already started", state)
	}
	recordLastPoll(t, s, scheduleID, "poll_children_already_started")
	waitFor(t, "visibility to count the runs", 10*time.Second, func() bool { return runsOfDefinition("") == 4 })

	// Disabled: the schedule pauses, keeping its cursor.
	if resp := call(t, http.MethodPut, api+"/definitions/"+defID, body("Paid orders v4", "disabled", otherConn), nil); resp.Status != http.StatusOK {
		t.Fatalf("disabling: %d %s", resp.Status, resp.Body)
	}
	if desc, err = h.Describe(ctx); err != nil || !desc.Schedule.State.Paused {
		t.Errorf("schedule of a disabled definition: paused %v, %v", desc != nil && desc.Schedule.State.Paused, err)
	}
	if in := scheduledInput(t, desc); in.Version != 4 {
		t.Errorf("paused schedule input version %d, want 4", in.Version)
	}

	// Deleted: the schedule goes with the definition.
	if resp := call(t, http.MethodDelete, api+"/definitions/"+defID, nil, nil); resp.Status != http.StatusAccepted {
		t.Fatalf("deleting: %d %s", resp.Status, resp.Body)
	}
	_, err = h.Describe(ctx)
	var notFound *serviceerror.NotFound
	if !errors.As(err, &notFound) {
		t.Errorf("schedule after the definition was deleted: %v, want not found", err)
	}

	// A definition saved disabled gets no schedule until it is enabled.
	later := createDefinition(t, s, "acme", body("Later", "disabled", connID))
	laterID := later["id"].(string)
	if _, err := s.Client.ScheduleClient().GetHandle(ctx, runs.PollScheduleID("acme", laterID)).Describe(ctx); !errors.As(err, &notFound) {
		t.Errorf("a disabled definition has a poll schedule: %v", err)
	}
	if resp := call(t, http.MethodPut, api+"/definitions/"+laterID, body("Later", "enabled", connID), nil); resp.Status != http.StatusOK {
		t.Fatalf("enabling: %d %s", resp.Status, resp.Body)
	}
	desc, err = s.Client.ScheduleClient().GetHandle(ctx, runs.PollScheduleID("acme", laterID)).Describe(ctx)
	if err != nil || desc.Schedule.State.Paused {
		t.Errorf("schedule of the enabled definition: %v", err)
	}
	// Schedules are listed from visibility, which catches up shortly.
	waitFor(t, "the schedule list to hold the enabled definition's schedule only", 10*time.Second, func() bool {
		ids := scheduleIDs(t, s)
		return slices.Contains(ids, runs.PollScheduleID("acme", laterID)) && !slices.Contains(ids, scheduleID)
	})

	// "pollFrom": "now": the first poll records the shop's five orders and
	// runs none; an order placed after it runs.
	fromNow := createDefinition(t, s, "acme", []byte(`{"trigger":"shopify.new_orders","triggerConnection":"`+connID+`","status":"enabled","pollFrom":"now",
	  "conditions":["{{data.payload.financial_status == 'paid'}}"],
	  "definition":{"name":"New paid orders only","steps":[{"id":"note","stepType":"SetVariables","inputs":{"order":"{{data.payload.name}}"}}]}}`))
	fromNowID := fromNow["id"].(string)
	if fromNow["pollFrom"] != "now" {
		t.Errorf("saved definition: pollFrom %v, want now", fromNow["pollFrom"])
	}
	nowSchedule := runs.PollScheduleID("acme", fromNowID)
	if state := pollNow(t, s, nowSchedule); state.Polled != 5 || state.Started != 0 || state.Baselined != 5 || state.Baseline {
		t.Errorf("first poll from now: %+v, want 5 orders recorded and none started", state)
	}
	recordLastPoll(t, s, nowSchedule, "poll_baseline_from_now")
	fifth := fake.AddOrder(shopifytest.Order{FinancialStatus: "paid"})
	if state := pollNow(t, s, nowSchedule); state.Polled != 1 || state.Started != 1 {
		t.Errorf("poll from now after a new order: %+v, want it started", state)
	}
	if data := waitRun(t, s, "acme/"+fromNowID+"/"+strconv.FormatInt(fifth.ID, 10)); data["order"] != fifth.Name {
		t.Errorf("run of the new order: %v", data)
	}
	// Only a polling trigger has a first poll.
	resp = call(t, http.MethodPost, api+"/definitions", []byte(`{"trigger":"shopify.orders_create","triggerConnection":"`+connID+`","pollFrom":"now",
	  "definition":{"name":"w","steps":[{"id":"a","stepType":"SetVariables","inputs":{"x":"1"}}]}}`), nil)
	if resp.Status != http.StatusBadRequest || !strings.Contains(string(resp.Body), `"pollFrom"`) {
		t.Errorf("pollFrom on a webhook trigger: %d %s, want 400 at pollFrom", resp.Status, resp.Body)
	}
}

func scheduleIDs(t *testing.T, s *devstack.Stack) []string {
	t.Helper()
	it, err := s.Client.ScheduleClient().List(context.Background(), client.ScheduleListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for it.HasNext() {
		e, err := it.Next()
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, e.ID)
	}
	return ids
}

// recordLastPoll records the history of the poll the schedule started
// last (pollNow has waited for it to finish).
func recordLastPoll(t *testing.T, s *devstack.Stack, scheduleID, name string) {
	t.Helper()
	if !*recordHistories {
		return
	}
	desc, err := s.Client.ScheduleClient().GetHandle(context.Background(), scheduleID).Describe(context.Background())
	if err != nil || len(desc.Info.RecentActions) == 0 {
		t.Fatalf("describing %s: %v", scheduleID, err)
	}
	started := desc.Info.RecentActions[len(desc.Info.RecentActions)-1].StartWorkflowResult
	recordHistory(t, s, name, started.WorkflowID, started.FirstExecutionRunID)
}
