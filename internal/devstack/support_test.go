package devstack_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	sdkpb "go.temporal.io/api/sdk/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/converter"

	"github.com/junction-run/junction/internal/devstack"
	"github.com/junction-run/junction/runs"
)

// TestSupportReadsRunsInTheTemporalUI: support staff get from every run
// answer a link to the run's history in the Temporal UI, and find there
// what they need to read it: each step's activity summarised (a loop's
// items told apart), the apps a run uses and the kind of error that failed
// it as search attributes, and the step a failed run stopped in.
func TestSupportReadsRunsInTheTemporalUI(t *testing.T) {
	partner := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path == "/denied" {
			http.Error(w, `{"error":"bad credentials"}`, http.StatusUnauthorized)
			return
		}
		_, _ = io.WriteString(w, `{"ok":true}`)
	}))
	t.Cleanup(partner.Close)
	// Regular activities, whose summaries stand in their scheduled events.
	s := startTestStack(t, devstack.Config{UIAddress: freeAddr(t), NoLocalHTTPSteps: true})
	define := func(kind, steps string) string {
		doc := createDefinition(t, s, "acme", []byte(`{"trigger":"http_request","status":"enabled","conditions":["{{data.kind == '`+kind+`'}}"],
		  "definition":{"name":"`+kind+`","steps":`+steps+`}}`))
		return doc["id"].(string)
	}
	loopID := define("loop", `[{"id":"each","stepType":"ForEach","inputs":{"items":"{{data.items}}"},
	  "do":[[{"id":"post","stepType":"http.call","inputs":{"method":"POST","url":"`+partner.URL+`/ok","body":{"item":"{{item}}"}}}]]}]`)
	define("deny", `[{"id":"book","stepType":"http.call","inputs":{"method":"POST","url":"`+partner.URL+`/denied"}}]`)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	res := trigger(t, s, "acme", `{"kind":"loop","items":["a","b"]}`, nil)
	if len(res.Runs) != 1 {
		t.Fatalf("trigger started %+v, want one run", res.Runs)
	}
	run := res.Runs[0]
	waitRun(t, s, run.TemporalWorkflowID)

	t.Run("run answers link to the run's history in the UI", func(t *testing.T) {
		want := s.UIURL() + "/namespaces/default/workflows/" + url.PathEscape(run.TemporalWorkflowID) + "/" + run.RunID + "/history"
		var got struct {
			Runs []struct {
				HistoryURL string `json:"historyUrl"`
			} `json:"runs"`
		}
		trig := call(t, http.MethodPost, s.GatewayURL+"/api/v1/accounts/acme/triggers/http_request", []byte(`{"kind":"loop","items":[]}`),
			map[string]string{"Idempotency-Key": "support-1"})
		trig.decode(t, &got)
		if len(got.Runs) != 1 || !strings.HasPrefix(got.Runs[0].HistoryURL, s.UIURL()+"/namespaces/default/workflows/acme%2F"+loopID+"%2F") {
			t.Errorf("trigger answer's runs %+v, want a historyUrl on the UI", got.Runs)
		}
		var inst struct {
			HistoryURL string `json:"historyUrl"`
		}
		call(t, http.MethodGet, s.GatewayURL+"/api/v1/accounts/acme/definitions/"+loopID+"/workflows/"+run.WorkflowID, nil, nil).decode(t, &inst)
		if inst.HistoryURL != want {
			t.Errorf("GET run: historyUrl %q, want %q", inst.HistoryURL, want)
		}
		var list []struct {
			WorkflowID string `json:"workflowId"`
			HistoryURL string `json:"historyUrl"`
		}
		call(t, http.MethodGet, s.GatewayURL+"/api/v1/accounts/acme/definitions/"+loopID+"/workflows", nil, nil).decode(t, &list)
		if !slices.ContainsFunc(list, func(r struct {
			WorkflowID string `json:"workflowId"`
			HistoryURL string `json:"historyUrl"`
		}) bool {
			return r.WorkflowID == run.WorkflowID && r.HistoryURL == want
		}) {
			t.Errorf("GET runs: %+v, want run %s with historyUrl %s", list, run.WorkflowID, want)
		}
		// The UI serves the page (its app routes every path it owns).
		page := call(t, http.MethodGet, want, nil, map[string]string{uncheckedHeader: ""})
		if page.Status != http.StatusOK || !strings.Contains(strings.ToLower(string(page.Body)), "<html") {
			t.Errorf("the UI answered %d to %s", page.Status, want)
		}
	})

	t.Run("each step's activity is summarised, a loop's items apart", func(t *testing.T) {
		var summaries []string
		for _, ev := range historyEvents(t, s, run.TemporalWorkflowID, run.RunID) {
			if ev.GetActivityTaskScheduledEventAttributes() == nil {
				continue
			}
			var summary string
			if err := converter.GetDefaultDataConverter().FromPayload(ev.GetUserMetadata().GetSummary(), &summary); err != nil {
				t.Fatalf("activity summary: %v", err)
			}
			summaries = append(summaries, summary)
		}
		// Each names the step's log entry, as the API's log does, and its
		// item.
		var want []string
		for _, l := range runLogs(t, s, "acme", run.DefinitionID, run.WorkflowID) {
			if l.StepName == "post" {
				want = append(want, l.ID+" (http.call), item ")
			}
		}
		slices.Sort(summaries)
		slices.Sort(want)
		items := []string{"0 of each", "1 of each"}
		ok := len(summaries) == 2 && len(want) == 2
		for i := 0; ok && i < 2; i++ {
			head, item, found := strings.Cut(summaries[i], ", item ")
			ok = found && head+", item " == want[i] && slices.Contains(items, item)
			items = slices.DeleteFunc(items, func(s string) bool { return s == item })
		}
		if !ok {
			t.Errorf("activity summaries %q, want the log entries %q, with items 0 and 1 of each", summaries, want)
		}
	})

	t.Run("search attributes: account, definition, apps", func(t *testing.T) {
		desc, err := s.Client.DescribeWorkflowExecution(ctx, run.TemporalWorkflowID, run.RunID)
		if err != nil {
			t.Fatal(err)
		}
		attrs := desc.GetWorkflowExecutionInfo().GetSearchAttributes().GetIndexedFields()
		var apps []string
		var account, definition string
		dc := converter.GetDefaultDataConverter()
		if dc.FromPayload(attrs[runs.AppKey.GetName()], &apps) != nil || dc.FromPayload(attrs[runs.AccountIDKey.GetName()], &account) != nil ||
			dc.FromPayload(attrs[runs.DefinitionIDKey.GetName()], &definition) != nil {
			t.Fatalf("search attributes %v", attrs)
		}
		if !slices.Equal(apps, []string{"http"}) || account != "acme" || definition != loopID {
			t.Errorf("search attributes: apps %v, account %q, definition %q", apps, account, definition)
		}
		if _, ok := attrs[runs.ErrorKindKey.GetName()]; ok {
			t.Errorf("a completed run has %s", runs.ErrorKindKey.GetName())
		}
		found := visible(t, s, "JunctionApp = 'http' AND JunctionDefinitionId = '"+loopID+"'")
		if !slices.Contains(found, run.TemporalWorkflowID) {
			t.Errorf("JunctionApp = 'http' lists %v", found)
		}
	})

	t.Run("a failed run says its error kind and the step it stopped in", func(t *testing.T) {
		failed := trigger(t, s, "acme", `{"kind":"deny"}`, nil).Runs[0]
		if err := s.Client.GetWorkflow(ctx, failed.TemporalWorkflowID, failed.RunID).Get(ctx, nil); err == nil {
			t.Fatal("the run completed; want it failed by the 401")
		}
		desc, err := s.Client.DescribeWorkflowExecution(ctx, failed.TemporalWorkflowID, failed.RunID)
		if err != nil {
			t.Fatal(err)
		}
		var kind string
		_ = converter.GetDefaultDataConverter().FromPayload(desc.GetWorkflowExecutionInfo().GetSearchAttributes().GetIndexedFields()[runs.ErrorKindKey.GetName()], &kind)
		if kind != runs.ErrTypeUnauthorized {
			t.Errorf("%s = %q, want %s", runs.ErrorKindKey.GetName(), kind, runs.ErrTypeUnauthorized)
		}
		if found := visible(t, s, "JunctionErrorKind = 'Unauthorized'"); !slices.Equal(found, []string{failed.TemporalWorkflowID}) {
			t.Errorf("JunctionErrorKind = 'Unauthorized' lists %v, want the failed run alone", found)
		}
		v, err := s.Client.QueryWorkflow(ctx, failed.TemporalWorkflowID, failed.RunID, workflowMetadataQuery)
		if err != nil {
			t.Fatal(err)
		}
		var meta sdkpb.WorkflowMetadata
		if err := v.Get(&meta); err != nil {
			t.Fatal(err)
		}
		if got, want := meta.GetCurrentDetails(), "Failed in step **book** (Unauthorized)."; got != want {
			t.Errorf("current details %q, want %q", got, want)
		}
		recordHistory(t, s, "http_call_failed_error_kind", failed.TemporalWorkflowID, failed.RunID)
	})
}

// workflowMetadataQuery is Temporal's built-in query of a workflow's
// details, what the UI shows (the SDK does not export its name).
const workflowMetadataQuery = "__temporal_workflow_metadata"

// visible lists the workflow ids a visibility query finds, once it finds
// any (visibility is eventually consistent) or a few seconds have passed.
func visible(t *testing.T, s *devstack.Stack, query string) []string {
	t.Helper()
	var ids []string
	deadline := time.Now().Add(10 * time.Second)
	for len(ids) == 0 && time.Now().Before(deadline) {
		resp, err := s.Client.ListWorkflow(context.Background(), &workflowservice.ListWorkflowExecutionsRequest{Query: query})
		if err != nil {
			t.Fatalf("%s: %v", query, err)
		}
		for _, e := range resp.GetExecutions() {
			ids = append(ids, e.GetExecution().GetWorkflowId())
		}
		time.Sleep(50 * time.Millisecond)
	}
	return ids
}
