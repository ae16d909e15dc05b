package gateway

import (
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

// tracerName names the tracer of the gateway's server spans.
const tracerName = "github.com/junction-run/junction/gateway"

// traceRequests makes every request a server span, the root of what it
// causes: intake's workflow starts take the request's context, so the
// Temporal interceptor's spans, the workflow's and its activities' hang
// under it. A caller's W3C traceparent, when it sends one, is the span's
// parent. The span is named by the method and the route template, never
// the path as sent, which may carry ids a caller made up or a token.
func traceRequests(provider trace.TracerProvider, propagator propagation.TextMapPropagator) gin.HandlerFunc {
	tracer := provider.Tracer(tracerName)
	if propagator == nil {
		propagator = propagation.TraceContext{}
	}
	return func(c *gin.Context) {
		route := c.FullPath()
		if route == "" {
			route = "unmatched route"
		}
		ctx := propagator.Extract(c.Request.Context(), propagation.HeaderCarrier(c.Request.Header))
		ctx, span := tracer.Start(ctx, c.Request.Method+" "+route, trace.WithSpanKind(trace.SpanKindServer),
			trace.WithAttributes(attribute.String("http.request.method", c.Request.Method), attribute.String("http.route", route)))
		defer span.End()
		c.Request = c.Request.WithContext(ctx)
		c.Next()
		status := c.Writer.Status()
		span.SetAttributes(attribute.Int("http.response.status_code", status))
		if status >= http.StatusInternalServerError {
			span.SetStatus(codes.Error, strconv.Itoa(status))
		}
	}
}
