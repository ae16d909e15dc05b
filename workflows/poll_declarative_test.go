package workflows_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/junction-run/junction/activities"
	"github.com/junction-run/junction/connectors"
	"github.com/junction-run/junction/connectors/auth"
	"github.com/junction-run/junction/connectors/connectortest"
	"github.com/junction-run/junction/connectors/declarative"
	"github.com/junction-run/junction/connectors/declarative/declarativetest"
	"github.com/junction-run/junction/runs"
	"github.com/junction-run/junction/workflows"
)

// storedFeedApp is account acme's app acme_feed, kept as data: the
// testdata app with its trigger's poll block replaced.
type storedFeedApp struct{ reg *connectors.Registry }

func (s storedFeedApp) AppRegistry(_ context.Context, accountID, key string, _ bool) (*connectors.Registry, error) {
	if accountID != "acme" || key != "acme_feed" {
		return nil, fmt.Errorf("%w %q", connectors.ErrUnknownConnector, key)
	}
	return s.reg, nil
}

func newStoredFeedApp(t *testing.T, poll string) storedFeedApp {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "connectors", "declarative", "testdata", "valid", "acme_feed.json"))
	if err != nil {
		t.Fatal(err)
	}
	if data, err = declarativetest.WithPoll(data, poll); err != nil {
		t.Fatal(err)
	}
	app, err := declarative.Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	c, err := app.Connector()
	if err != nil {
		t.Fatal(err)
	}
	reg := connectors.NewRegistry()
	if err := reg.Register(c); err != nil {
		t.Fatal(err)
	}
	return storedFeedApp{reg: reg}
}

// feedConnection resolves every connection to one with the fake's token,
// as VaultConnections would from Vault.
type feedConnection struct{}

func (feedConnection) Resolve(_ context.Context, _, id string) (connectors.Connection, auth.Credentials, error) {
	return connectors.Connection{ID: id, AuthKind: connectors.AuthBearer,
			Secrets: connectors.SecretValues{connectors.FieldToken: declarativetest.Token}},
		auth.Bearer(auth.Secret(declarativetest.Token)), nil
}

// TestDeclarativePollRunsEveryItemOnce is issue 16's test of polling
// triggers as data: a stored app's polling trigger, polled again and
// again through the real Poll workflow and the real poll activity (the
// worker's dynamic activity, as for every app an account keeps), over a
// third party whose pages overlap, which sends items again and out of
// order, and fails every third call (a 500, or a 429 with Retry-After):
// every item starts exactly one run, including those added between polls.
// With "pollFrom": "now", the items there before the first poll start
// none, and every later one exactly one.
func TestDeclarativePollRunsEveryItemOnce(t *testing.T) {
	for _, tc := range []struct {
		name    string
		poll    string
		fromNow bool
	}{
		{name: "since_id, link header", poll: `{
			"request": {"method": "GET", "path": "/v1/items", "query": {"since_id": "{{cursor}}", "limit": "4"}},
			"itemsPath": "$.data", "idPath": "/id", "cursor": {"kind": "since_id"},
			"pagination": {"kind": "link_header", "maxPages": 3}, "maxItems": 6}`},
		{name: "updated_after, cursor pages, timestamp dedupe", poll: `{
			"request": {"method": "GET", "path": "/v1/items", "query": {"updated_after": "{{cursor}}", "limit": "4", "page_token": "{{page}}"}},
			"itemsPath": "$.data", "idPath": "/id", "cursor": {"kind": "updated_after", "field": "/updated_at"},
			"pagination": {"kind": "cursor", "next": "$.next_page_token", "maxPages": 3}, "maxItems": 6,
			"dedupe": {"strategy": "timestamp"}}`},
		{name: "page_token, page numbers", poll: `{
			"request": {"method": "GET", "path": "/v1/items", "query": {"sync_token": "{{cursor}}", "limit": "4", "page": "{{page}}"}},
			"itemsPath": "$.data", "idPath": "/id", "cursor": {"kind": "page_token", "from": "$.next_sync_token"},
			"pagination": {"kind": "page_number", "size": 4, "maxPages": 3}, "maxItems": 6}`},
		{name: "since_id, from now", fromNow: true, poll: `{
			"request": {"method": "GET", "path": "/v1/items", "query": {"since_id": "{{cursor}}", "limit": "4"}},
			"itemsPath": "$.data", "idPath": "/id", "cursor": {"kind": "since_id"},
			"pagination": {"kind": "link_header", "maxPages": 3}, "maxItems": 6}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fake := declarativetest.New(t, 17, 2)
			fake.SetFaults(declarativetest.Faults{Overlap: true, Repeat: true, Reorder: true, FailEvery: 3})
			base, err := url.Parse(fake.BaseURL())
			if err != nil {
				t.Fatal(err)
			}
			conns := &activities.Connectors{
				Registry:    connectors.NewRegistry().WithAccountApps(newStoredFeedApp(t, tc.poll)),
				Connections: feedConnection{},
				Transport:   connectortest.Redirect(base, http.DefaultTransport),
			}
			before := declarativetest.IDs(fake.Items())
			in := runs.PollInput{
				AccountID: "acme", DefinitionID: "d1", Version: 1, Name: "New items", Trigger: "acme_feed.new_item",
				Connector: "acme_feed", TriggerID: "new_item", ConnectionID: "conn-1", StartFromNow: tc.fromNow,
				Steps: steps(t, `[{"id": "a", "stepType": "SetVariables", "inputs": {"x": "1"}}]`),
			}
			started := &polledRuns{}
			var state *runs.PollState
			poll := func() runs.PollState {
				t.Helper()
				var s testsuite.WorkflowTestSuite
				env := s.NewTestWorkflowEnvironment()
				env.RegisterWorkflowWithOptions(started.run, workflow.RegisterOptions{Name: runs.RunDefinitionWorkflow})
				env.RegisterDynamicActivity(conns.RunStored, activity.DynamicRegisterOptions{})
				if state != nil {
					env.SetLastCompletionResult(*state)
				}
				env.ExecuteWorkflow(workflows.Poll, in)
				var got runs.PollState
				if err := env.GetWorkflowError(); err != nil {
					// A poll that failed for good keeps the last
					// good state, as the schedule does.
					t.Logf("a poll failed: %v", err)
					return got
				}
				if err := env.GetWorkflowResult(&got); err != nil {
					t.Fatal(err)
				}
				state = &got
				return got
			}
			// The schedule's ticks, with items added between some of
			// them, and then until a poll finds nothing.
			for tick := range 20 {
				if tick%4 == 1 {
					for range 5 {
						fake.Add("")
					}
				}
				poll()
			}
			for tick := 0; ; tick++ {
				if tick == 20 {
					t.Fatal("polls kept finding items")
				}
				if before := state; poll().Polled == 0 && state != before {
					break
				}
			}

			want := declarativetest.IDs(fake.Items())
			if tc.fromNow {
				want = want[len(before):]
			}
			items, _ := started.sorted()
			runsOf := map[string]int{}
			for _, id := range items {
				runsOf[id]++
			}
			for _, id := range want {
				if runsOf[id] != 1 {
					t.Errorf("item %s started %d runs, want 1", id, runsOf[id])
				}
			}
			if len(items) != len(want) {
				t.Errorf("%d runs for %d items (%v)", len(items), len(want), items)
			}
			if fake.Failed() < 5 {
				t.Errorf("the fake failed %d calls, want one in three", fake.Failed())
			}
		})
	}
}
