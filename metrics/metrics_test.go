package metrics_test

import (
	"math"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"

	"github.com/junction-run/junction/metrics"
)

// record makes one observation of every family.
func record(m *metrics.Metrics) {
	m.GatewayRequest("/api/v1/accounts/:accountId/definitions", http.MethodPost, http.StatusCreated, 20*time.Millisecond)
	m.ConnectorCall("http", "call", metrics.OutcomeRetry, "Unavailable", 300*time.Millisecond)
	m.IntakeEvent(metrics.IntakeAcknowledged)
	m.Delivery(metrics.DeliveryFailed, "RetriesExhausted")
	m.DeliveryAttempt(metrics.AttemptThrottled)
	m.Poll("acme_feed", "new_item", 3, 2*time.Second)
	m.EgressRefusal("loopback")
	h := m.TemporalHandler().WithTags(map[string]string{"namespace": "default", "operation": "StartWorkflowExecution"})
	h.Counter("temporal_request").Inc(1)
	h.Timer("temporal_request_latency").Record(40 * time.Millisecond)
	h.Gauge("temporal_num_pollers").Update(2)
}

// TestFamiliesFollowPrometheusConventions records every family, Junction's
// and the Temporal SDK's through its handler, and holds what is scraped to
// Prometheus's naming rules (promlint: units in names, _total on
// counters, base units).
func TestFamiliesFollowPrometheusConventions(t *testing.T) {
	m, err := metrics.New()
	if err != nil {
		t.Fatal(err)
	}
	record(m)
	problems, err := testutil.GatherAndLint(m.Registry())
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("%s: %s", p.Metric, p.Text)
	}

	families := scrape(t, m)
	for name, typ := range map[string]dto.MetricType{
		"junction_gateway_requests_total":           dto.MetricType_COUNTER,
		"junction_gateway_request_duration_seconds": dto.MetricType_HISTOGRAM,
		"junction_connector_calls_total":            dto.MetricType_COUNTER,
		"junction_connector_call_duration_seconds":  dto.MetricType_HISTOGRAM,
		"junction_intake_events_total":              dto.MetricType_COUNTER,
		"junction_deliveries_total":                 dto.MetricType_COUNTER,
		"junction_delivery_attempts_total":          dto.MetricType_COUNTER,
		"junction_poll_items":                       dto.MetricType_HISTOGRAM,
		"junction_poll_lag_seconds":                 dto.MetricType_HISTOGRAM,
		"junction_egress_refusals_total":            dto.MetricType_COUNTER,
		// The SDK's, named the Prometheus way by the exporter.
		"temporal_request_total":           dto.MetricType_COUNTER,
		"temporal_request_latency_seconds": dto.MetricType_HISTOGRAM,
		"temporal_num_pollers":             dto.MetricType_GAUGE,
		// The runtime's and the process's.
		"go_goroutines":                        dto.MetricType_GAUGE,
		"process_cpu_seconds_total":            dto.MetricType_COUNTER,
		"promhttp_metric_handler_errors_total": dto.MetricType_COUNTER,
	} {
		f, ok := families[name]
		if !ok {
			t.Errorf("no family %s", name)
			continue
		}
		if f.GetType() != typ {
			t.Errorf("%s is a %v, want a %v", name, f.GetType(), typ)
		}
	}
	// The SDK's series carry its tags and nothing of OpenTelemetry's.
	req := families["temporal_request_total"].GetMetric()[0]
	if got := labels(req); got != "namespace=default,operation=StartWorkflowExecution" {
		t.Errorf("temporal_request_total labels %s", got)
	}
	if c := req.GetCounter().GetValue(); c != 1 {
		t.Errorf("temporal_request_total = %v, want 1", c)
	}
	lat := families["temporal_request_latency_seconds"].GetMetric()[0].GetHistogram()
	if lat.GetSampleCount() != 1 || lat.GetSampleSum() != 0.04 {
		t.Errorf("temporal_request_latency_seconds: count %d, sum %v", lat.GetSampleCount(), lat.GetSampleSum())
	}
	// Seconds, on Junction's buckets, not OpenTelemetry's default ones
	// (made for milliseconds).
	var bounds []float64
	for _, b := range lat.GetBucket() {
		if !math.IsInf(b.GetUpperBound(), 1) {
			bounds = append(bounds, b.GetUpperBound())
		}
	}
	if !slices.Equal(bounds, metrics.DurationBuckets) {
		t.Errorf("temporal_request_latency_seconds buckets %v, want %v", bounds, metrics.DurationBuckets)
	}
}

// TestKnownOutcomesStartAtZero: a rate of rejections exists before the
// first rejection.
func TestKnownOutcomesStartAtZero(t *testing.T) {
	m, err := metrics.New()
	if err != nil {
		t.Fatal(err)
	}
	families := scrape(t, m)
	for name, want := range map[string][]string{
		"junction_intake_events_total":     {"outcome=acknowledged", "outcome=rejected", "outcome=unavailable"},
		"junction_delivery_attempts_total": {"outcome=delivered", "outcome=gone", "outcome=invalid", "outcome=retry", "outcome=throttled"},
		"junction_deliveries_total":        {"error_kind=,outcome=delivered"},
	} {
		var got []string
		for _, s := range families[name].GetMetric() {
			got = append(got, labels(s))
			if s.GetCounter().GetValue() != 0 {
				t.Errorf("%s{%s} = %v before anything happened", name, labels(s), s.GetCounter().GetValue())
			}
		}
		if strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("%s series %q, want %q", name, got, want)
		}
	}
}

// TestGatewayLabelsAreBounded: whatever path or method a client sends, the
// labels come from a fixed set.
func TestGatewayLabelsAreBounded(t *testing.T) {
	tests := []struct {
		route, method string
		status        int
		want          string
	}{
		{"/api/v1/accounts/:accountId/definitions/:definitionId", http.MethodGet, 200, "method=GET,route=/api/v1/accounts/:accountId/definitions/:definitionId,status=200"},
		{"", http.MethodGet, 404, "method=GET,route=unmatched,status=404"},
		{"", "PROPFIND", 405, "method=other,route=unmatched,status=405"},
		{"/hooks/:accountId/:connectionId/:triggerId", "post", 401, "method=other,route=/hooks/:accountId/:connectionId/:triggerId,status=401"},
	}
	for _, tc := range tests {
		t.Run(tc.want, func(t *testing.T) {
			m, err := metrics.New()
			if err != nil {
				t.Fatal(err)
			}
			m.GatewayRequest(tc.route, tc.method, tc.status, time.Millisecond)
			series := scrape(t, m)["junction_gateway_requests_total"].GetMetric()
			if len(series) != 1 || labels(series[0]) != tc.want {
				var got []string
				for _, s := range series {
					got = append(got, labels(s))
				}
				t.Errorf("series %q, want one: %s", got, tc.want)
			}
		})
	}
}

// TestNilRecordsNothing: code built without metrics calls the same
// methods, and the SDK keeps its default handler.
func TestNilRecordsNothing(t *testing.T) {
	var m *metrics.Metrics
	m.GatewayRequest("/healthz", http.MethodGet, http.StatusOK, time.Millisecond)
	m.ConnectorCall("http", "call", metrics.OutcomeSuccess, "", time.Millisecond)
	m.IntakeEvent(metrics.IntakeRejected)
	m.Delivery(metrics.DeliveryDelivered, "")
	m.DeliveryAttempt(metrics.AttemptDelivered)
	m.Poll("acme_feed", "new_item", 0, time.Second)
	m.EgressRefusal("private")
	if h := m.TemporalHandler(); h != nil {
		t.Errorf("a nil Metrics gives the SDK handler %T, want none", h)
	}
}

func scrape(t *testing.T, m *metrics.Metrics) map[string]*dto.MetricFamily {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("/metrics: %d %s", rec.Code, rec.Body)
	}
	var p expfmt.TextParser
	families, err := p.TextToMetricFamilies(rec.Body)
	if err != nil {
		t.Fatalf("parsing /metrics: %v", err)
	}
	return families
}

// labels reads a series' labels as name=value,... in name order.
func labels(s *dto.Metric) string {
	var out []string
	for _, l := range s.GetLabel() {
		out = append(out, l.GetName()+"="+l.GetValue())
	}
	return strings.Join(out, ",")
}
