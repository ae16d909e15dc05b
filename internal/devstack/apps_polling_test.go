package devstack_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/junction-run/junction/connectors/declarative/declarativetest"
	"github.com/junction-run/junction/internal/devstack"
	"github.com/junction-run/junction/manage"
	"github.com/junction-run/junction/runs"
)

// A declarative app's polling trigger on the whole stack: the app is
// stored through the API, a connection of it is made, and an enabled
// definition on its trigger gets a poll schedule that runs the worker's
// dynamic activity for the account's app. The app's trigger starts from
// now: the items the feed held before are recorded, not run; items added
// afterwards become runs, once each, though the feed's pages overlap,
// repeat and reorder items and every third call fails. The definition's
// pollInterval sets the schedule's interval; a definition that asks for a
// backfill (pollFrom oldest) runs every item, also once each.
func TestDeclarativePollingTriggerThroughTheAPI(t *testing.T) {
	fake := declarativetest.New(t, 3, 1)
	fake.SetFaults(declarativetest.Faults{Overlap: true, Repeat: true, Reorder: true, FailEvery: 3})
	s := startTestStack(t, devstack.Config{ConnectorTransport: hostRouter{declarativetest.Host: mustURL(t, fake.BaseURL())}})
	requireVault(t, s)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	api := s.GatewayURL + "/api/v1/accounts/acme"
	doc, err := os.ReadFile(filepath.Join("..", "..", "connectors", "declarative", "testdata", "valid", "acme_feed.json"))
	if err != nil {
		t.Fatal(err)
	}
	if r := call(t, http.MethodPost, api+"/apps", doc, nil); r.Status != http.StatusCreated {
		t.Fatalf("storing the app: %d %s", r.Status, r.Body)
	}
	conn := createConnection(t, api, `{"app":"acme_feed","authKind":"bearer","fields":{"token":"`+declarativetest.Token+`"}}`)
	body := func(name, extra string) []byte {
		return []byte(`{"trigger":"acme_feed.new_item","triggerConnection":"` + conn + `","status":"enabled"` + extra + `,
		  "definition":{"name":"` + name + `","steps":[{"id":"note","stepType":"SetVariables","inputs":{"title":"{{data.payload.title}}"}}]}}`)
	}

	def := createDefinition(t, s, "acme", body("New items", `,"pollInterval":"2m"`))
	defID := def["id"].(string)
	if def["pollInterval"] != "2m" {
		t.Errorf("saved definition: pollInterval %v, want 2m", def["pollInterval"])
	}
	scheduleID := runs.PollScheduleID("acme", defID)
	desc, err := s.Client.ScheduleClient().GetHandle(ctx, scheduleID).Describe(ctx)
	if err != nil {
		t.Fatalf("no poll schedule for the app's trigger: %v", err)
	}
	if iv := desc.Schedule.Spec.Intervals; len(iv) != 1 || iv[0].Every != 2*time.Minute || iv[0].Offset != manage.PollScheduleOffset(scheduleID, 2*time.Minute) {
		t.Errorf("schedule intervals %+v, want every 2m, the definition's pollInterval", iv)
	}
	if in := scheduledInput(t, desc); !in.StartFromNow || in.Connector != "acme_feed" || in.TriggerID != "new_item" || in.ConnectorVersion != "1.0.0" {
		t.Errorf("schedule input %+v, want the app's trigger, from now", in)
	}

	// From now: the three items there are recorded, none runs.
	if state := pollUntil(t, s, scheduleID, func(st runs.PollState) bool { return !st.Baseline }); state.Started != 0 {
		t.Errorf("the first poll: %+v, want no run", state)
	}
	var added []declarativetest.Item
	for i := range 4 {
		added = append(added, fake.Add(fmt.Sprintf("Added %d", i)))
	}
	started := 0
	for range 10 {
		st := pollNow(t, s, scheduleID)
		started += st.Started
		if st.Polled == 0 && started >= len(added) {
			break
		}
	}
	for _, it := range added {
		id := "acme/" + defID + "/" + strconv.FormatInt(it.ID, 10)
		if data := waitRun(t, s, id); data["title"] != it.Title {
			t.Errorf("run %s: data %v, want the item's title %q", id, data, it.Title)
		}
	}
	runsOf := func(definitionID string) int {
		return countRuns(t, s, fmt.Sprintf("JunctionDefinitionId = '%s' AND WorkflowType = '%s'", definitionID, runs.RunDefinitionWorkflow))
	}
	waitFor(t, "visibility to count the runs", 10*time.Second, func() bool { return runsOf(defID) == len(added) })
	if started != len(added) {
		t.Errorf("the polls started %d runs for %d new items", started, len(added))
	}

	// A backfill: every item the feed holds runs, once.
	backfill := createDefinition(t, s, "acme", body("Every item", `,"pollFrom":"oldest"`))
	backfillID := backfill["id"].(string)
	backfillSchedule := runs.PollScheduleID("acme", backfillID)
	desc, err = s.Client.ScheduleClient().GetHandle(ctx, backfillSchedule).Describe(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if iv := desc.Schedule.Spec.Intervals; len(iv) != 1 || iv[0].Every != 5*time.Minute || scheduledInput(t, desc).StartFromNow {
		t.Errorf("the backfill's schedule: %+v, from now %v; want the app's 5m, from the oldest", iv, scheduledInput(t, desc).StartFromNow)
	}
	total := 0
	for range 10 {
		st := pollNow(t, s, backfillSchedule)
		total += st.Started
		if st.Polled == 0 && total >= len(fake.Items()) {
			break
		}
	}
	waitFor(t, "visibility to count the backfill's runs", 10*time.Second, func() bool { return runsOf(backfillID) == len(fake.Items()) })
	if total != len(fake.Items()) {
		t.Errorf("the backfill started %d runs for %d items", total, len(fake.Items()))
	}
	if fake.Failed() == 0 {
		t.Error("the feed failed no call")
	}

	// pollInterval is for polling triggers: not with a webhook's.
	if r := call(t, http.MethodPost, api+"/definitions", []byte(`{"trigger":"http_request","pollInterval":"5m",
	  "definition":{"name":"w","steps":[{"id":"a","stepType":"SetVariables","inputs":{"x":"1"}}]}}`), nil); r.Status != http.StatusBadRequest {
		t.Errorf("pollInterval on http_request: %d %s, want 400", r.Status, r.Body)
	}
}

// pollUntil triggers polls of a schedule until one's state satisfies ok,
// and returns it.
func pollUntil(t *testing.T, s *devstack.Stack, scheduleID string, ok func(runs.PollState) bool) runs.PollState {
	t.Helper()
	for range 10 {
		if st := pollNow(t, s, scheduleID); ok(st) {
			return st
		}
	}
	t.Fatalf("polls of %s never got there", scheduleID)
	return runs.PollState{}
}
