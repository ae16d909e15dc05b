package egress_test

import (
	"net/http"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/junction-run/junction/egress"
)

// TestTraceparent: a call made inside a span is a client span of its own,
// child of that one, and the third party gets its traceparent; one made
// outside any span (tracing off) gets no header and makes no span.
func TestTraceparent(t *testing.T) {
	recorder := tracetest.NewSpanRecorder()
	provider := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(recorder))
	t.Cleanup(func() { _ = provider.Shutdown(t.Context()) })
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusTeapot) })
	c := egress.NewClient(egress.Options{Allow: loopback})
	// A credential in the query and a customer in the path: neither may
	// reach the span.
	url := srv.URL + "/customers/ada@example.com?api_key=sk_live_secret"

	ctx, parent := provider.Tracer("test").Start(t.Context(), "activity")
	_, err := c.Do(ctx, nil, egress.Request{Method: http.MethodPost, URL: url, Success: egress.AnyStatus})
	parent.End()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Do(t.Context(), nil, egress.Request{URL: url, Success: egress.AnyStatus}); err != nil {
		t.Fatal(err)
	}

	seen := srv.requests()
	if len(seen) != 2 {
		t.Fatalf("the server saw %d requests, want 2", len(seen))
	}
	if got := seen[1].Header.Get("traceparent"); got != "" {
		t.Errorf("a call outside any span sent traceparent %q", got)
	}
	spans := recorder.Ended()
	if len(spans) != 2 {
		t.Fatalf("recorded %d spans, want the parent and one client span", len(spans))
	}
	client := spans[0]
	if client.Name() != http.MethodPost || client.SpanKind() != trace.SpanKindClient {
		t.Errorf("client span %q of kind %v, want POST, client", client.Name(), client.SpanKind())
	}
	if client.Parent().SpanID() != parent.SpanContext().SpanID() {
		t.Errorf("the client span's parent is %v, want the activity's span %v", client.Parent().SpanID(), parent.SpanContext().SpanID())
	}
	want := "00-" + client.SpanContext().TraceID().String() + "-" + client.SpanContext().SpanID().String() + "-01"
	if got := seen[0].Header.Get("traceparent"); got != want {
		t.Errorf("the third party got traceparent %q, want the client span's %q", got, want)
	}
	attrs := map[attribute.Key]attribute.Value{}
	for _, kv := range client.Attributes() {
		attrs[kv.Key] = kv.Value
		if v := kv.Value.String(); strings.Contains(v, "sk_live_secret") || strings.Contains(v, "ada@example.com") {
			t.Errorf("span attribute %s = %q holds the URL's path or query", kv.Key, v)
		}
	}
	if attrs["http.response.status_code"].AsInt64() != http.StatusTeapot || attrs["server.address"].AsString() != "127.0.0.1" ||
		attrs["http.request.method"].AsString() != http.MethodPost {
		t.Errorf("client span attributes %v", client.Attributes())
	}
}
