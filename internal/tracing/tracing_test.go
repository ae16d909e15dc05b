package tracing_test

import (
	"context"
	"strings"
	"testing"

	"github.com/junction-run/junction/internal/tracing"
)

func TestFromEnv(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want tracing.Config
	}{
		{name: "nothing set: off", env: nil, want: tracing.Config{}},
		{name: "endpoint: OTLP/HTTP to its /v1/traces",
			env:  map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318/"},
			want: tracing.Config{Endpoint: "http://collector:4318/v1/traces", Protocol: tracing.ProtocolHTTP}},
		{name: "endpoint with a path prefix",
			env:  map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "https://otel.example.com/ingest"},
			want: tracing.Config{Endpoint: "https://otel.example.com/ingest/v1/traces", Protocol: tracing.ProtocolHTTP}},
		{name: "gRPC: the address as it is",
			env:  map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4317", "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"},
			want: tracing.Config{Endpoint: "http://collector:4317", Protocol: tracing.ProtocolGRPC}},
		{name: "the traces endpoint wins and is used as it is",
			env: map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318",
				"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://traces:4318/custom", "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL": "http/protobuf",
				"OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"},
			want: tracing.Config{Endpoint: "http://traces:4318/custom", Protocol: tracing.ProtocolHTTP}},
		{name: "SDK disabled",
			env:  map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318", "OTEL_SDK_DISABLED": "true"},
			want: tracing.Config{}},
		{name: "traces exporter none",
			env:  map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318", "OTEL_TRACES_EXPORTER": "none"},
			want: tracing.Config{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tracing.FromEnv(func(k string) string { return tt.env[k] })
			if got != tt.want {
				t.Errorf("FromEnv = %+v, want %+v", got, tt.want)
			}
			if got.Enabled() != (tt.want.Endpoint != "") {
				t.Errorf("Enabled = %v", got.Enabled())
			}
		})
	}
}

func TestNew(t *testing.T) {
	ctx := context.Background()
	off, err := tracing.New(ctx, tracing.Config{})
	if err != nil || off != nil || off.Provider() != nil {
		t.Fatalf("New(off) = %v, %v; want nil, nil", off, err)
	}
	if ic, err := off.TemporalInterceptor(); ic != nil || err != nil {
		t.Errorf("off: TemporalInterceptor = %v, %v; want none", ic, err)
	}
	if err := off.Shutdown(ctx); err != nil {
		t.Errorf("off: Shutdown = %v", err)
	}

	for _, bad := range []tracing.Config{
		{Endpoint: "collector:4318"},
		{Endpoint: "ftp://collector"},
		{Endpoint: "http://collector:4318", Protocol: "thrift"},
	} {
		if _, err := tracing.New(ctx, bad); err == nil || !strings.Contains(err.Error(), "tracing:") {
			t.Errorf("New(%+v) = %v, want an error", bad, err)
		}
	}

	for _, protocol := range []string{tracing.ProtocolHTTP, tracing.ProtocolGRPC} {
		// Building connects to nothing: the address need not answer.
		on, err := tracing.New(ctx, tracing.Config{Endpoint: "http://127.0.0.1:1", Protocol: protocol})
		if err != nil || on.Provider() == nil {
			t.Fatalf("New(%s) = %v, %v", protocol, on, err)
		}
		if ic, err := on.TemporalInterceptor(); ic == nil || err != nil {
			t.Errorf("%s: TemporalInterceptor = %v, %v", protocol, ic, err)
		}
		sctx, cancel := context.WithTimeout(ctx, 0)
		_ = on.Shutdown(sctx) // nothing to export; a dead collector only costs spans
		cancel()
	}
}
