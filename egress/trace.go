package egress

import (
	"errors"
	"net"
	"net/http"
	"strconv"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

// tracerName names the tracer of egress's client spans.
const tracerName = "github.com/junction-run/junction/egress"

// traceContext writes the W3C traceparent (and tracestate) header of a
// call. Baggage is not sent: it is for Junction's own hops, not for third
// parties.
var traceContext propagation.TextMapPropagator = propagation.TraceContext{}

// roundTripTraced sends req through base inside a client span, when req's
// context holds a span (an activity's, with tracing on), and sends the
// span's traceparent header to the third party. Without one, as when
// tracing is off, it sends req as it is: no span, no header, no copy.
//
// The span is named by the method alone and carries the method, the host
// and port and the status: never the path or the query, which may hold a
// credential or a customer's data. It ends when the answer's headers
// arrive; reading the body is the caller's time.
func roundTripTraced(base http.RoundTripper, req *http.Request) (*http.Response, error) {
	parent := trace.SpanFromContext(req.Context())
	if !parent.SpanContext().IsValid() {
		return base.RoundTrip(req)
	}
	host, port := req.URL.Hostname(), req.URL.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[req.URL.Scheme]
	}
	attrs := []attribute.KeyValue{attribute.String("http.request.method", req.Method), attribute.String("server.address", host)}
	if n, err := strconv.Atoi(port); err == nil {
		attrs = append(attrs, attribute.Int("server.port", n))
	}
	ctx, span := parent.TracerProvider().Tracer(tracerName).Start(req.Context(), req.Method,
		trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(attrs...))
	defer span.End()
	// A RoundTripper must not change the request it was given: the header
	// goes on a copy.
	out := req.Clone(ctx)
	traceContext.Inject(ctx, propagation.HeaderCarrier(out.Header))
	resp, err := base.RoundTrip(out)
	if err != nil {
		// The error's text may quote the URL; its kind is enough here.
		span.SetStatus(codes.Error, errorKind(err))
		return resp, err
	}
	span.SetAttributes(attribute.Int("http.response.status_code", resp.StatusCode))
	if resp.StatusCode >= 400 {
		span.SetStatus(codes.Error, strconv.Itoa(resp.StatusCode))
	}
	return resp, nil
}

// errorKind names a transport error without its text.
func errorKind(err error) string {
	if ne, ok := errors.AsType[net.Error](err); ok && ne.Timeout() {
		return "timeout"
	}
	return "transport error"
}
