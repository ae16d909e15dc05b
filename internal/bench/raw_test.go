package bench

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"
)

// TestRawBaselinesDoTheSameWork runs both hand-written baselines on an
// event that passes the condition and one that does not: each posts the
// same body once for the first and nothing for the second, so the tuned
// baseline differs from the default one only in how it runs the post.
func TestRawBaselinesDoTheSameWork(t *testing.T) {
	var (
		mu     sync.Mutex
		bodies []SinkBody
	)
	sink := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var b SinkBody
		if r.URL.Path != "/ingest" || json.NewDecoder(r.Body).Decode(&b) != nil {
			http.Error(w, "bad post", http.StatusBadRequest)
			return
		}
		mu.Lock()
		bodies = append(bodies, b)
		mu.Unlock()
	}))
	defer sink.Close()

	passing, failing := NewEvent(1, 10), NewEvent(10, 10)
	if !passing.Passes() || failing.Passes() {
		t.Fatalf("events: %+v passes %v, %+v passes %v", passing, passing.Passes(), failing, failing.Passes())
	}
	passing.stamp(time.UnixMicro(1_760_000_000_123_456))
	for _, tc := range []struct {
		name string
		wf   func(workflow.Context, RawInput) error
	}{{rawWorkflowName, RawWorkflow}, {rawLocalWorkflowName, RawLocalWorkflow}} {
		t.Run(tc.name, func(t *testing.T) {
			mu.Lock()
			bodies = nil
			mu.Unlock()
			for _, ev := range []Event{passing, failing} {
				var suite testsuite.WorkflowTestSuite
				env := suite.NewTestWorkflowEnvironment()
				acts := &rawActivities{client: sink.Client()}
				env.RegisterActivityWithOptions(acts.Post, activity.RegisterOptions{Name: rawActivityName})
				env.ExecuteWorkflow(tc.wf, RawInput{Event: ev, SinkURL: sink.URL})
				if err := env.GetWorkflowError(); err != nil {
					t.Fatalf("event %d: %v", ev.ID, err)
				}
			}
			mu.Lock()
			defer mu.Unlock()
			want := rawBody(passing)
			if len(bodies) != 1 || bodies[0] != want {
				t.Errorf("sink got %+v, want one %+v", bodies, want)
			}
		})
	}
}

// TestRawStarterRefusesBadRequests checks the tuned baseline's front door
// answers 400 before it reaches Temporal (its client is nil here).
func TestRawStarterRefusesBadRequests(t *testing.T) {
	h := rawStarter(nil)
	for _, tc := range []struct{ name, target, key, body string }{
		{"not JSON", "/start?sink=http://127.0.0.1:1", "k", "{"},
		{"no workflow id", "/start?sink=http://127.0.0.1:1", "", "{}"},
		{"no sink", "/start", "k", "{}"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodPost, tc.target, strings.NewReader(tc.body))
			if tc.key != "" {
				req.Header.Set("Idempotency-Key", tc.key)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != http.StatusBadRequest {
				t.Errorf("status %d (%s), want 400", rec.Code, rec.Body)
			}
		})
	}
}
