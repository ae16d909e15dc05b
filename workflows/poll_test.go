package workflows_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"sync"
	"testing"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/junction-run/junction/runs"
	"github.com/junction-run/junction/workflows"
)

// polledRuns records the runs a poll started, in place of RunDefinition. The test environment runs
// child workflows concurrently, so the record is locked and read sorted:
// the order in which children start is not the poll's promise.
type polledRuns struct {
	mu         sync.Mutex
	ids, items []string
	apps       []map[string]string
}

func (p *polledRuns) run(ctx workflow.Context, in runs.RunInput) (runs.RunOutput, error) {
	payload, _ := in.Payload["payload"].(map[string]any)
	p.mu.Lock()
	defer p.mu.Unlock()
	p.ids = append(p.ids, workflow.GetInfo(ctx).WorkflowExecution.ID)
	p.items = append(p.items, fmt.Sprint(payload["id"]))
	p.apps = append(p.apps, in.Apps)
	return runs.RunOutput{}, nil
}

// sorted returns the started items and their workflow ids, by item.
func (p *polledRuns) sorted() (items, ids []string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	order := make([]int, len(p.items))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return p.items[order[a]] < p.items[order[b]] })
	for _, i := range order {
		items, ids = append(items, p.items[i]), append(ids, p.ids[i])
	}
	return items, ids
}

// orders is a third party holding orders 1..n, paid when even, that a poll
// reads at most page at a time.
type orders struct {
	n, page int
	cursors []string
}

func (o *orders) poll(_ context.Context, in runs.PollCall) (runs.PollOutput, error) {
	o.cursors = append(o.cursors, in.Cursor)
	since, _ := strconv.Atoi(in.Cursor)
	out := runs.PollOutput{Cursor: in.Cursor, Items: []runs.PolledItem{}}
	// A non-unique cursor: the last item comes back on the next poll.
	for id := max(since, 1); id <= o.n && len(out.Items) < o.page; id++ {
		status := "pending"
		if id%2 == 0 {
			status = "paid"
		}
		out.Items = append(out.Items, runs.PolledItem{ID: strconv.Itoa(id), Payload: json.RawMessage(fmt.Sprintf(`{"id": %d, "financial_status": %q}`, id, status))})
		out.Cursor = strconv.Itoa(id)
	}
	last, _ := strconv.Atoi(out.Cursor)
	out.More = last < o.n
	return out, nil
}

func pollInput(t *testing.T) runs.PollInput {
	return runs.PollInput{
		AccountID: "acme", DefinitionID: "d1", Version: 3, Name: "Paid orders", Trigger: "shopify.new_orders",
		Connector: "shopify", TriggerID: "new_orders", ConnectionID: "conn-1",
		Conditions: []string{"{{data.payload.financial_status == 'paid'}}"},
		Steps:      steps(t, `[{"id": "a", "stepType": "SetVariables", "inputs": {"x": "1"}}]`),
		Apps:       map[string]string{"shopify": "1.0.0"},
	}
}

func TestPollStartsOneRunPerNewItem(t *testing.T) {
	for _, tc := range []struct {
		name    string
		prev    *runs.PollState
		fromNow bool // the definition's "pollFrom": "now"
		n, page int
		// what the poll asks with, the runs it starts, what it returns
		cursors    []string
		items      []string
		want       runs.PollState
		wantRecent []string
	}{
		{
			name: "first poll", n: 4, page: 10,
			cursors: []string{""}, items: []string{"2", "4"},
			want:       runs.PollState{Cursor: "4", Polled: 4, Started: 2, Skipped: 2},
			wantRecent: []string{"1", "2", "3", "4"},
		},
		{
			name: "from the last cursor, the boundary item dropped", n: 6, page: 10,
			prev:    &runs.PollState{Trigger: "shopify.new_orders", Connection: "conn-1", Cursor: "4", Recent: []string{"3", "4"}},
			cursors: []string{"4"}, items: []string{"6"},
			want:       runs.PollState{Cursor: "6", Polled: 3, Started: 1, Skipped: 1, Duplicates: 1},
			wantRecent: []string{"3", "4", "5", "6"},
		},
		{
			name: "another connection starts over", n: 2, page: 10,
			prev:    &runs.PollState{Trigger: "shopify.new_orders", Connection: "conn-0", Cursor: "9", Recent: []string{"2"}},
			cursors: []string{""}, items: []string{"2"},
			want:       runs.PollState{Cursor: "2", Polled: 2, Started: 1, Skipped: 1},
			wantRecent: []string{"1", "2"},
		},
		{
			name: "more items: polls again at once", n: 5, page: 2,
			cursors: []string{"", "2", "3", "4"}, items: []string{"2", "4"},
			want:       runs.PollState{Cursor: "5", Polled: 8, Started: 2, Skipped: 3, Duplicates: 3},
			wantRecent: []string{"1", "2", "3", "4", "5"},
		},
		{
			name: "from now: the first poll records what is there and starts nothing", fromNow: true, n: 4, page: 10,
			cursors:    []string{""},
			want:       runs.PollState{Cursor: "4", Polled: 4, Baselined: 4},
			wantRecent: []string{"1", "2", "3", "4"},
		},
		{
			name: "from now: a baseline longer than one poll carries on", fromNow: true, n: 25, page: 2,
			cursors:    []string{"", "2", "3", "4", "5", "6", "7", "8", "9", "10"},
			want:       runs.PollState{Cursor: "11", Baseline: true, Polled: 20, Baselined: 20},
			wantRecent: []string{"1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11"},
		},
		{
			name: "from now: the baseline ends on the last page", fromNow: true, n: 4, page: 10,
			prev:       &runs.PollState{Trigger: "shopify.new_orders", Connection: "conn-1", Cursor: "3", Recent: []string{"2", "3"}, Baseline: true},
			cursors:    []string{"3"},
			want:       runs.PollState{Cursor: "4", Polled: 2, Baselined: 2},
			wantRecent: []string{"2", "3", "4"},
		},
		{
			name: "from now: after the baseline, new items run", fromNow: true, n: 6, page: 10,
			prev:    &runs.PollState{Trigger: "shopify.new_orders", Connection: "conn-1", Cursor: "4", Recent: []string{"3", "4"}},
			cursors: []string{"4"}, items: []string{"6"},
			want:       runs.PollState{Cursor: "6", Polled: 3, Started: 1, Skipped: 1, Duplicates: 1},
			wantRecent: []string{"3", "4", "5", "6"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var suite testsuite.WorkflowTestSuite
			env := suite.NewTestWorkflowEnvironment()
			started := &polledRuns{}
			env.RegisterWorkflowWithOptions(started.run, workflow.RegisterOptions{Name: runs.RunDefinitionWorkflow})
			src := &orders{n: tc.n, page: tc.page}
			env.RegisterActivityWithOptions(src.poll, activity.RegisterOptions{Name: "shopify.new_orders"})
			if tc.prev != nil {
				env.SetLastCompletionResult(*tc.prev)
			}
			in := pollInput(t)
			in.StartFromNow = tc.fromNow
			env.ExecuteWorkflow(workflows.Poll, in)
			if err := env.GetWorkflowError(); err != nil {
				t.Fatal(err)
			}
			var got runs.PollState
			if err := env.GetWorkflowResult(&got); err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(src.cursors, tc.cursors) {
				t.Errorf("polled from %q, want %q", src.cursors, tc.cursors)
			}
			items, ids := started.sorted()
			for _, apps := range started.apps {
				if apps["shopify"] != "1.0.0" {
					t.Errorf("a polled run calls connector versions %v, want the definition's pin shopify 1.0.0", apps)
				}
			}
			if !slices.Equal(items, tc.items) {
				t.Errorf("started runs for items %q, want %q", items, tc.items)
			}
			for i, id := range ids {
				if want := "acme/d1/" + items[i]; id != want {
					t.Errorf("run workflow id %q, want %q (the webhook path's)", id, want)
				}
			}
			if !slices.Equal(got.Recent, tc.wantRecent) {
				t.Errorf("recent %q, want %q", got.Recent, tc.wantRecent)
			}
			tc.want.Trigger, tc.want.Connection, got.Recent = "shopify.new_orders", "conn-1", nil
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("state %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestPollFailureKeepsNoCursor(t *testing.T) {
	env := newEnv()
	env.RegisterActivityWithOptions(func(context.Context, runs.PollCall) (runs.PollOutput, error) {
		return runs.PollOutput{}, fmt.Errorf("shopify is down")
	}, activity.RegisterOptions{Name: "shopify.new_orders"})
	env.SetLastCompletionResult(runs.PollState{Trigger: "shopify.new_orders", Connection: "conn-1", Cursor: "4"})
	env.ExecuteWorkflow(workflows.Poll, pollInput(t))
	// The schedule keeps the last good result when a poll fails, so the
	// next poll starts from cursor 4 again.
	if err := env.GetWorkflowError(); err == nil {
		t.Fatal("a poll whose activity failed succeeded")
	}
}
