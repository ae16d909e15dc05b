package devstack_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"

	"github.com/junction-run/junction/internal/app"
	"github.com/junction-run/junction/internal/devstack"
	"github.com/junction-run/junction/worker"
)

// Deploying a new worker build never breaks a run in flight: with worker
// versioning on, two builds of the worker run side by side on the
// embedded server (as two deployments' pods would), a run that started on
// build A and is retrying a step when build B becomes current finishes on
// A, and a run started after the switch runs on B. The proof is the
// history: the build every workflow task completed on, and the worker
// every activity ran on.
func TestWorkerVersioningFinishesARunOnTheBuildItStartedOn(t *testing.T) {
	const deployment = "junction"
	gate := newGateSink(t)
	var built app.Config
	s := startTestStack(t, devstack.Config{
		// Regular activities: a retried step goes back to the server
		// between attempts, where a worker of the wrong build could take it.
		NoLocalHTTPSteps: true,
		TuneApp: func(c *app.Config) {
			c.Worker.Options.Deployment = worker.Deployment{Name: deployment, BuildID: "build-a"}
			c.Worker.Options.Identity = "worker-a"
			built = *c
		},
	})
	setCurrentWhenPolled(t, s, deployment, "build-a")

	createDefinition(t, s, "acme", []byte(`{"trigger": "http_request", "status": "enabled", "definition": {"name": "held", "steps": [
		{"id": "hold", "stepType": "HttpRequest", "inputs": {"url": "`+gate.URL+`/hold", "method": "POST", "body": {"n": "{{data.n}}"}},
		 "retry": {"initialInterval": "00:00:01", "backoffCoefficient": 1, "maximumInterval": "00:00:01", "expiration": "00:05:00"},
		 "nextStepId": "after"},
		{"id": "after", "stepType": "HttpRequest", "inputs": {"url": "`+gate.URL+`/after", "method": "POST", "body": {"n": "{{data.n}}"}}}]}}`))
	old := trigger(t, s, "acme", `{"n": 1}`, nil).Runs[0]
	waitFor(t, "the first run to try its held step", time.Minute, func() bool { return gate.calls("/hold", 1) > 0 })

	// Build B: a second worker process, configured as the first but for
	// its build id, started after the run.
	cfgB := built
	cfgB.Gateway = nil
	workerB := *built.Worker
	workerB.Options.Deployment.BuildID = "build-b"
	workerB.Options.Identity = "worker-b"
	cfgB.Worker = &workerB
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	b, err := app.Build(ctx, cfgB)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	if err := b.Worker.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Worker.Stop)
	setCurrentWhenPolled(t, s, deployment, "build-b")

	fresh := trigger(t, s, "acme", `{"n": 2}`, nil).Runs[0]
	waitFor(t, "the second run to try its held step", time.Minute, func() bool { return gate.calls("/hold", 2) > 0 })
	gate.open()
	for _, r := range []runRef{old, fresh} {
		if err := s.Client.GetWorkflow(ctx, r.TemporalWorkflowID, r.RunID).Get(ctx, nil); err != nil {
			t.Fatalf("run %s: %v", r.TemporalWorkflowID, err)
		}
	}
	if gate.calls("/after", 1) != 1 || gate.calls("/after", 2) != 1 {
		t.Errorf("the step after the held one ran %d and %d times, want once each", gate.calls("/after", 1), gate.calls("/after", 2))
	}

	for _, tc := range []struct {
		run             runRef
		build, identity string
	}{
		{old, "build-a", "worker-a"},
		{fresh, "build-b", "worker-b"},
	} {
		desc, err := s.Client.DescribeWorkflowExecution(ctx, tc.run.TemporalWorkflowID, tc.run.RunID)
		if err != nil {
			t.Fatal(err)
		}
		vi := desc.GetWorkflowExecutionInfo().GetVersioningInfo()
		if vi.GetBehavior() != enumspb.VERSIONING_BEHAVIOR_PINNED || vi.GetDeploymentVersion().GetBuildId() != tc.build {
			t.Errorf("run for %s: versioning %v on %q, want pinned on it", tc.build, vi.GetBehavior(), vi.GetDeploymentVersion().GetBuildId())
		}
		tasks, activities := 0, 0
		for _, ev := range historyEvents(t, s, tc.run.TemporalWorkflowID, tc.run.RunID) {
			if a := ev.GetWorkflowTaskCompletedEventAttributes(); a != nil {
				tasks++
				if got := a.GetDeploymentVersion().GetBuildId(); got != tc.build {
					t.Errorf("run for %s: workflow task %d completed on build %q", tc.build, ev.GetEventId(), got)
				}
			}
			if a := ev.GetActivityTaskStartedEventAttributes(); a != nil {
				activities++
				if a.GetIdentity() != tc.identity {
					t.Errorf("run for %s: activity of event %d ran on %q, want %s", tc.build, ev.GetEventId(), a.GetIdentity(), tc.identity)
				}
			}
		}
		// The held step, then the next one: at least one workflow task
		// after the held step, which for the first run came after build B
		// became current.
		if tasks < 2 || activities != 2 {
			t.Errorf("run for %s: %d workflow tasks and %d activities, want at least 2 and 2", tc.build, tasks, activities)
		}
	}
}

// setCurrentWhenPolled makes build current in the deployment as soon as
// its workers have polled: Temporal refuses a build it has not seen a
// poller of, or one that does not yet poll every task queue the current
// build polls.
func setCurrentWhenPolled(t *testing.T, s *devstack.Stack, deployment, build string) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	var last error
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		_, err := worker.SetCurrentBuild(ctx, s.Client, "default", deployment, build)
		cancel()
		if err == nil {
			return
		}
		waiting := errors.Is(err, worker.ErrNoDeployment) || errors.Is(err, worker.ErrBuildNotSeen) || errors.Is(err, worker.ErrBuildIncomplete)
		if !waiting || time.Now().After(deadline) {
			t.Fatalf("making %s current: %v", build, err)
		}
		if last == nil || last.Error() != err.Error() {
			t.Logf("making %s current, not yet: %v", build, err)
		}
		last = err
		time.Sleep(200 * time.Millisecond)
	}
}

// gateSink answers POSTs to /hold with 503 until it is opened, every other
// path with 200, and counts the calls by path and by the body's n.
type gateSink struct {
	*httptest.Server
	mu     sync.Mutex
	opened bool
	count  map[string]map[int]int
}

func newGateSink(t *testing.T) *gateSink {
	g := &gateSink{count: map[string]map[int]int{}}
	g.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			N json.Number `json:"n"`
		}
		raw, _ := io.ReadAll(r.Body)
		_ = json.Unmarshal(raw, &body)
		n, _ := body.N.Int64()
		g.mu.Lock()
		if g.count[r.URL.Path] == nil {
			g.count[r.URL.Path] = map[int]int{}
		}
		g.count[r.URL.Path][int(n)]++
		held := r.URL.Path == "/hold" && !g.opened
		g.mu.Unlock()
		if held {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"ok":true}`)
	}))
	t.Cleanup(g.Close)
	return g
}

func (g *gateSink) open() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.opened = true
}

func (g *gateSink) calls(path string, n int) int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.count[path][n]
}
