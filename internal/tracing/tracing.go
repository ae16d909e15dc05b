// Package tracing turns OpenTelemetry tracing on for a Junction process
// when the operator names an OTLP endpoint, and leaves it off otherwise.
//
// A trace follows one event through the whole system: the gateway's span
// for the inbound request (gateway.Config.Tracing), the Temporal SDK's
// spans for starting the workflow, running it and each of its activities
// (Temporal's OpenTelemetry interceptor, on the process's one client and
// so on its worker), and a client span for every call to a third party,
// which also carries the W3C traceparent header to it (package egress).
//
// Off, nothing is built: no exporter, no interceptor, no middleware; the
// egress client sees no span in its requests' contexts and adds nothing.
// Spans never carry secrets: the gateway names a request by its route
// template, and egress a call by its method and host, never a path or a
// query.
package tracing

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	temporalotel "go.temporal.io/sdk/contrib/opentelemetry"
	"go.temporal.io/sdk/interceptor"
)

// The standard OpenTelemetry environment variables Junction reads to
// decide whether, and where, to export (FromEnv). The exporters read the
// other OTEL_EXPORTER_OTLP_* variables themselves (headers, certificates,
// timeout, compression), and the SDK reads OTEL_TRACES_SAMPLER,
// OTEL_BSP_* and OTEL_SERVICE_NAME / OTEL_RESOURCE_ATTRIBUTES.
const (
	EnvEndpoint       = "OTEL_EXPORTER_OTLP_ENDPOINT"
	EnvTracesEndpoint = "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"
	EnvProtocol       = "OTEL_EXPORTER_OTLP_PROTOCOL"
	EnvTracesProtocol = "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"
	EnvSDKDisabled    = "OTEL_SDK_DISABLED"
	EnvTracesExporter = "OTEL_TRACES_EXPORTER"
)

// OTLP protocols an exporter speaks.
const (
	ProtocolHTTP = "http/protobuf"
	ProtocolGRPC = "grpc"
)

// tracesPath is what OTLP/HTTP appends to OTEL_EXPORTER_OTLP_ENDPOINT (the
// signal-specific endpoint is used as it is).
const tracesPath = "/v1/traces"

// InstrumentationName names the tracers of Junction's own spans (the
// gateway's and egress's); the Temporal SDK's spans are its own.
const InstrumentationName = "github.com/junction-run/junction"

// Config says where spans go. The zero Config is tracing off.
type Config struct {
	// Endpoint is the OTLP traces endpoint as a URL: for ProtocolHTTP the
	// full URL spans are posted to (http://collector:4318/v1/traces), for
	// ProtocolGRPC the collector's address (http://collector:4317; an
	// http scheme sends without TLS). Empty turns tracing off.
	Endpoint string
	// Protocol is ProtocolHTTP (default) or ProtocolGRPC.
	Protocol string
	// ServiceName names the process in traces when OTEL_SERVICE_NAME does
	// not ("junction-worker", "junction-gateway", "junction").
	ServiceName string
}

// Enabled reports whether c turns tracing on.
func (c Config) Enabled() bool { return c.Endpoint != "" }

// FromEnv reads the standard variables through getenv (os.Getenv):
// tracing is on when OTEL_EXPORTER_OTLP_TRACES_ENDPOINT or
// OTEL_EXPORTER_OTLP_ENDPOINT is set, unless OTEL_SDK_DISABLED is true or
// OTEL_TRACES_EXPORTER is none. The general endpoint gets /v1/traces
// appended for OTLP/HTTP, as the specification says; the traces one is
// used as it is.
func FromEnv(getenv func(string) string) Config {
	if strings.EqualFold(strings.TrimSpace(getenv(EnvSDKDisabled)), "true") ||
		strings.EqualFold(strings.TrimSpace(getenv(EnvTracesExporter)), "none") {
		return Config{}
	}
	protocol := strings.TrimSpace(getenv(EnvTracesProtocol))
	if protocol == "" {
		protocol = strings.TrimSpace(getenv(EnvProtocol))
	}
	if protocol == "" {
		protocol = ProtocolHTTP
	}
	if endpoint := strings.TrimSpace(getenv(EnvTracesEndpoint)); endpoint != "" {
		return Config{Endpoint: endpoint, Protocol: protocol}
	}
	endpoint := strings.TrimSpace(getenv(EnvEndpoint))
	if endpoint == "" {
		return Config{}
	}
	if protocol == ProtocolHTTP {
		endpoint = strings.TrimRight(endpoint, "/") + tracesPath
	}
	return Config{Endpoint: endpoint, Protocol: protocol}
}

// Tracing is a process's tracer provider and what it exports to. A nil
// *Tracing is tracing off: its methods say so and do nothing.
type Tracing struct {
	provider *sdktrace.TracerProvider
}

// New builds the exporter and the provider cfg asks for; nil when cfg has
// tracing off. It connects to nothing yet: the exporter sends in batches,
// in the background, and a collector that is down costs dropped spans,
// never a failed request.
func New(ctx context.Context, cfg Config) (*Tracing, error) {
	if !cfg.Enabled() {
		return nil, nil
	}
	u, err := url.Parse(cfg.Endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("tracing: the OTLP endpoint %q is not an http:// or https:// URL", cfg.Endpoint)
	}
	var exporter sdktrace.SpanExporter
	switch cfg.Protocol {
	case ProtocolHTTP, "":
		exporter, err = otlptracehttp.New(ctx, otlptracehttp.WithEndpointURL(cfg.Endpoint))
	case ProtocolGRPC:
		exporter, err = otlptracegrpc.New(ctx, otlptracegrpc.WithEndpointURL(cfg.Endpoint))
	default:
		return nil, fmt.Errorf("tracing: OTLP protocol %q: want %s or %s", cfg.Protocol, ProtocolHTTP, ProtocolGRPC)
	}
	if err != nil {
		return nil, fmt.Errorf("tracing: building the OTLP exporter for %s: %w", u.Redacted(), err)
	}
	name := cfg.ServiceName
	if name == "" {
		name = "junction"
	}
	// Later options win: OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES
	// override the default name.
	res, err := resource.New(ctx, resource.WithAttributes(attribute.String("service.name", name)),
		resource.WithTelemetrySDK(), resource.WithFromEnv())
	if err != nil && !errors.Is(err, resource.ErrPartialResource) {
		return nil, fmt.Errorf("tracing: describing the process: %w", err)
	}
	return &Tracing{provider: sdktrace.NewTracerProvider(sdktrace.WithBatcher(exporter), sdktrace.WithResource(res))}, nil
}

// Provider is the tracer provider spans are made with; nil when tracing
// is off.
func (t *Tracing) Provider() trace.TracerProvider {
	if t == nil {
		return nil
	}
	return t.provider
}

// Propagator is how a span's context travels in headers: W3C trace
// context and baggage, the same on every hop (Temporal headers, HTTP).
var Propagator propagation.TextMapPropagator = propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{})

// TemporalInterceptor is the Temporal SDK's OpenTelemetry interceptor over
// the provider: on a client it traces starts, signals and updates; the
// worker built on that client traces workflows and activities, and passes
// each span's context on in Temporal headers. Nil when tracing is off.
func (t *Tracing) TemporalInterceptor() (interceptor.Interceptor, error) {
	if t == nil {
		return nil, nil
	}
	ic, err := temporalotel.NewTracingInterceptor(temporalotel.TracerOptions{
		Tracer:            t.provider.Tracer("temporal-sdk-go"),
		TextMapPropagator: Propagator,
	})
	if err != nil {
		return nil, fmt.Errorf("tracing: building Temporal's interceptor: %w", err)
	}
	return ic, nil
}

// ForceFlush exports the spans ended so far; a no-op when off.
func (t *Tracing) ForceFlush(ctx context.Context) error {
	if t == nil {
		return nil
	}
	return t.provider.ForceFlush(ctx)
}

// Shutdown exports what is left and stops the exporter; a no-op when off.
func (t *Tracing) Shutdown(ctx context.Context) error {
	if t == nil {
		return nil
	}
	return t.provider.Shutdown(ctx)
}
