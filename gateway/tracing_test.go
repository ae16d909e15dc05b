package gateway_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/junction-run/junction/gateway"
)

// TestRequestSpans: with tracing on, each request is a server span named
// by its route template, never the path as sent; a caller's traceparent is
// its parent.
func TestRequestSpans(t *testing.T) {
	recorder := tracetest.NewSpanRecorder()
	provider := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(recorder))
	t.Cleanup(func() { _ = provider.Shutdown(t.Context()) })
	e := newEnv(t, func(c *gateway.Config) { c.Tracing, c.TracePropagator = provider, propagation.TraceContext{} })

	const caller = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
	e.call(http.MethodGet, base+"/keys/key_nosuchkey", e.admin, nil, "traceparent", caller)
	// No route: not in the OpenAPI document, so past the harness's check.
	e.gateway.Handler().ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/nowhere/at/all?token=sk_live_1", nil))

	spans := recorder.Ended()
	if len(spans) != 2 {
		t.Fatalf("%d spans, want one per request", len(spans))
	}
	get, unmatched := spans[0], spans[1]
	if get.Name() != "GET /api/v1/accounts/:accountId/keys/:keyId" || get.SpanKind() != trace.SpanKindServer {
		t.Errorf("span %q of kind %v", get.Name(), get.SpanKind())
	}
	if got := get.Parent().TraceID().String() + "/" + get.Parent().SpanID().String(); got != "4bf92f3577b34da6a3ce929d0e0e4736/00f067aa0ba902b7" ||
		!get.Parent().IsRemote() {
		t.Errorf("parent %s, want the caller's traceparent", got)
	}
	attrs := map[attribute.Key]attribute.Value{}
	for _, kv := range get.Attributes() {
		attrs[kv.Key] = kv.Value
	}
	if attrs["http.response.status_code"].AsInt64() != http.StatusNotFound || attrs["http.route"].AsString() != "/api/v1/accounts/:accountId/keys/:keyId" {
		t.Errorf("attributes %v", get.Attributes())
	}
	if unmatched.Name() != "GET unmatched route" || unmatched.Parent().IsValid() {
		t.Errorf("a request no route matched: span %q, parent %v", unmatched.Name(), unmatched.Parent())
	}
}
