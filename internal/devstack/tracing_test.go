package devstack_test

import (
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	collectortracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"

	"github.com/junction-run/junction/internal/devstack"
	"github.com/junction-run/junction/internal/tracing"
	"github.com/junction-run/junction/runs"
)

// otlpCollector is an OTLP/HTTP trace receiver: what a collector, Jaeger
// or Tempo is to a Junction process, speaking the same protobuf.
type otlpCollector struct {
	*httptest.Server
	mu    sync.Mutex
	spans []*tracepb.Span
	// services are the service.name of every resource spans came from.
	services map[string]bool
}

func newOTLPCollector(t *testing.T) *otlpCollector {
	t.Helper()
	c := &otlpCollector{services: map[string]bool{}}
	c.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != "/v1/traces" || r.Header.Get("Content-Type") != "application/x-protobuf" {
			http.Error(w, "want POST /v1/traces of application/x-protobuf", http.StatusBadRequest)
			return
		}
		body, err := io.ReadAll(r.Body)
		var req collectortracepb.ExportTraceServiceRequest
		if err == nil {
			err = proto.Unmarshal(body, &req)
		}
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		c.mu.Lock()
		for _, rs := range req.GetResourceSpans() {
			for _, attr := range rs.GetResource().GetAttributes() {
				if attr.GetKey() == "service.name" {
					c.services[attr.GetValue().GetStringValue()] = true
				}
			}
			for _, ss := range rs.GetScopeSpans() {
				c.spans = append(c.spans, ss.GetSpans()...)
			}
		}
		c.mu.Unlock()
		answer, _ := proto.Marshal(&collectortracepb.ExportTraceServiceResponse{})
		w.Header().Set("Content-Type", "application/x-protobuf")
		_, _ = w.Write(answer)
	}))
	t.Cleanup(c.Close)
	return c
}

// trace returns the spans received of one trace.
func (c *otlpCollector) trace(traceID string) []*tracepb.Span {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []*tracepb.Span
	for _, s := range c.spans {
		if hex.EncodeToString(s.GetTraceId()) == traceID {
			out = append(out, s)
		}
	}
	return out
}

// TestTracingFollowsAnEventToTheThirdParty: with OTEL_EXPORTER_OTLP_ENDPOINT
// set, one trace covers an inbound event's request to the gateway, the run
// it starts (workflow and activity) and the run's call to a third party,
// which receives that trace's traceparent.
func TestTracingFollowsAnEventToTheThirdParty(t *testing.T) {
	collector := newOTLPCollector(t)
	t.Setenv(tracing.EnvEndpoint, collector.URL)
	// Export every 100 ms instead of every 5 s.
	t.Setenv("OTEL_BSP_SCHEDULE_DELAY", "100")
	s := startTestStack(t, devstack.Config{Tracing: tracing.FromEnv(os.Getenv)})
	thirdParty := newSink(t)
	createDefinition(t, s, "acme", orderDefinition(thirdParty.URL, "enabled"))

	res := trigger(t, s, "acme", orderPayload, nil)
	if len(res.Runs) != 1 {
		t.Fatalf("trigger started %+v, want one run", res.Runs)
	}
	waitFor(t, "the third party to receive the order", time.Minute, func() bool { return len(thirdParty.received()) == 1 })
	// traceparent: version-traceid-parentid-flags (W3C Trace Context).
	parts := strings.Split(thirdParty.received()[0].Header.Get("traceparent"), "-")
	if len(parts) != 4 || len(parts[1]) != 32 || parts[3] != "01" {
		t.Fatalf("the third party got traceparent %q, want a sampled W3C one", thirdParty.received()[0].Header.Get("traceparent"))
	}
	traceID, callSpanID := parts[1], parts[2]

	names := func(spans []*tracepb.Span) []string {
		var out []string
		for _, s := range spans {
			out = append(out, s.GetName())
		}
		return out
	}
	const inbound = "POST /api/v1/accounts/:accountId/triggers/http_request"
	want := []string{inbound, "StartWorkflow:RunDefinition", "RunWorkflow:RunDefinition", "StartActivity:" + runs.HTTPRequestActivity,
		"RunActivity:" + runs.HTTPRequestActivity, http.MethodPost}
	var spans []*tracepb.Span
	deadline := time.Now().Add(time.Minute)
	for {
		spans = collector.trace(traceID)
		got := names(spans)
		if !slices.ContainsFunc(want, func(n string) bool { return !slices.Contains(got, n) }) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the collector has spans %v of the trace, want at least %v", got, want)
		}
		time.Sleep(50 * time.Millisecond)
	}

	byID := map[string]*tracepb.Span{}
	for _, sp := range spans {
		byID[hex.EncodeToString(sp.GetSpanId())] = sp
	}
	call, ok := byID[callSpanID]
	if !ok || call.GetName() != http.MethodPost || call.GetKind() != tracepb.Span_SPAN_KIND_CLIENT {
		t.Fatalf("the traceparent's parent %s is not the outbound call's client span (trace: %v)", callSpanID, names(spans))
	}
	// The call hangs, through the activity and the workflow, from the
	// inbound request: one chain, not spans that merely share an id.
	var chain []string
	for sp := call; sp != nil; sp = byID[hex.EncodeToString(sp.GetParentSpanId())] {
		chain = append(chain, sp.GetName())
		if len(sp.GetParentSpanId()) == 0 {
			break
		}
	}
	if chain[len(chain)-1] != inbound || !slices.Contains(chain, "RunActivity:"+runs.HTTPRequestActivity) || !slices.Contains(chain, "RunWorkflow:RunDefinition") {
		t.Errorf("from the outbound call up to the root: %v; want the activity, the workflow and the inbound request", chain)
	}
	for _, sp := range spans {
		for _, attr := range sp.GetAttributes() {
			if v := attr.GetValue().GetStringValue(); strings.Contains(v, "/orders") || strings.Contains(v, "tenant=acme") {
				t.Errorf("span %s attribute %s = %q carries the call's path or query", sp.GetName(), attr.GetKey(), v)
			}
		}
	}
	collector.mu.Lock()
	defer collector.mu.Unlock()
	if !collector.services["junction"] {
		t.Errorf("spans came from services %v, want junction (the dev stack)", collector.services)
	}
}
