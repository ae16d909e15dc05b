package activities

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/testsuite"

	"github.com/junction-run/junction/connectors/catalog"
	"github.com/junction-run/junction/connectors/connectortest"
	"github.com/junction-run/junction/connectors/shopify/shopifytest"
	"github.com/junction-run/junction/metrics"
	"github.com/junction-run/junction/runs"
)

// TestConnectorCallsAreCounted runs actions and polls against fakes that
// answer, fail for a while and fail for good, and reads what they counted:
// each call once, by app, action (or trigger), outcome and error kind;
// each successful poll's items.
func TestConnectorCallsAreCounted(t *testing.T) {
	m, err := metrics.New()
	if err != nil {
		t.Fatal(err)
	}
	partner := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/missing":
			http.NotFound(w, r)
		case "/busy":
			w.WriteHeader(http.StatusServiceUnavailable)
		default:
			_, _ = w.Write([]byte(`{"ok":true}`))
		}
	}))
	defer partner.Close()
	shop := shopifytest.New(t)
	base, err := url.Parse(shop.BaseURL())
	if err != nil {
		t.Fatal(err)
	}
	// Built-in http.call reaches the loopback partner through egress's
	// Default; Shopify's polls go to its fake.
	calls := &Connectors{Registry: catalog.New(), Metrics: m}
	polls := &Connectors{Registry: catalog.New(), Connections: shopifyConnection{}, Transport: connectortest.Redirect(base, http.DefaultTransport), Metrics: m}
	var s testsuite.WorkflowTestSuite
	env := s.NewTestActivityEnvironment()
	env.RegisterActivityWithOptions(calls.Run, activity.RegisterOptions{Name: "http.call"})
	env.RegisterActivityWithOptions(calls.Run, activity.RegisterOptions{Name: "http.nope"})
	env.RegisterActivityWithOptions(polls.Poll, activity.RegisterOptions{Name: "shopify.new_orders"})

	for _, path := range []string{"/ok", "/ok", "/missing", "/busy"} {
		_, _ = env.ExecuteActivity("http.call", runs.ConnectorCall{StepID: "s", AccountID: "acme", Connector: "http", Action: "call",
			Input: map[string]any{"method": "GET", "url": partner.URL + path}})
	}
	// A call of an action that does not exist is not counted: its name
	// is no bounded label.
	if _, err := env.ExecuteActivity("http.nope", runs.ConnectorCall{StepID: "s", AccountID: "acme", Connector: "http", Action: "nope"}); err == nil || !strings.Contains(err.Error(), "nope") {
		t.Fatalf("an action that does not exist: %v", err)
	}
	poll := runs.PollCall{AccountID: "acme", Connector: "shopify", Trigger: "new_orders", ConnectionID: "conn-1"}
	if _, err := env.ExecuteActivity("shopify.new_orders", poll); err != nil {
		t.Fatal(err)
	}
	shop.FailNext(http.StatusTooManyRequests, 0)
	_, _ = env.ExecuteActivity("shopify.new_orders", poll)

	want := `
# HELP junction_connector_calls_total Connector calls (actions and polls) the worker made, by app, action or polling trigger, outcome and error kind.
# TYPE junction_connector_calls_total counter
junction_connector_calls_total{action="call",app="http",error_kind="",outcome="success"} 2
junction_connector_calls_total{action="call",app="http",error_kind="NotFound",outcome="failure"} 1
junction_connector_calls_total{action="call",app="http",error_kind="Unavailable",outcome="retry"} 1
junction_connector_calls_total{action="new_orders",app="shopify",error_kind="",outcome="success"} 1
junction_connector_calls_total{action="new_orders",app="shopify",error_kind="RateLimited",outcome="retry"} 1
`
	if err := testutil.GatherAndCompare(m.Registry(), strings.NewReader(want), "junction_connector_calls_total"); err != nil {
		t.Error(err)
	}
	families, err := m.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	histograms := map[string]*dto.Histogram{}
	for _, f := range families {
		for _, s := range f.GetMetric() {
			if s.GetHistogram() != nil {
				histograms[f.GetName()+" "+labelsOf(s)] = s.GetHistogram()
			}
		}
	}
	for key, count := range map[string]uint64{
		"junction_connector_call_duration_seconds action=call,app=http":          4,
		"junction_connector_call_duration_seconds action=new_orders,app=shopify": 2,
		"junction_poll_items app=shopify,trigger=new_orders":                     1,
		"junction_poll_lag_seconds app=shopify,trigger=new_orders":               1,
	} {
		if h := histograms[key]; h.GetSampleCount() != count {
			t.Errorf("%s: %d observations, want %d", key, h.GetSampleCount(), count)
		}
	}
	// The seeded order, found by the successful poll.
	if sum := histograms["junction_poll_items app=shopify,trigger=new_orders"].GetSampleSum(); sum != 1 {
		t.Errorf("poll items %v, want 1", sum)
	}
}

func labelsOf(s *dto.Metric) string {
	var out []string
	for _, l := range s.GetLabel() {
		out = append(out, l.GetName()+"="+l.GetValue())
	}
	return strings.Join(out, ",")
}
