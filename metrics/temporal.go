package metrics

import (
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
	otelprometheus "go.opentelemetry.io/otel/exporters/prometheus"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.temporal.io/sdk/client"
	temporalotel "go.temporal.io/sdk/contrib/opentelemetry"
)

// temporalMeterName names the SDK's meter; with scope labels off it shows
// nowhere in what is scraped.
const temporalMeterName = "go.temporal.io/sdk"

// newTemporalHandler is the Temporal SDK's metrics handler, exported on
// reg: the SDK's contrib/opentelemetry handler over an OpenTelemetry meter
// provider whose one reader is the Prometheus exporter. The exporter names
// what the SDK records the Prometheus way: counters (monotonic ones, which
// the handler is asked for) end in _total, timers are histograms in
// seconds ending in _seconds, on DurationBuckets; scope and target labels
// are left out, so the series carry the SDK's own tags only (namespace,
// task_queue, workflow_type, activity_type, operation...).
func newTemporalHandler(reg prometheus.Registerer) (client.MetricsHandler, error) {
	exporter, err := otelprometheus.New(
		otelprometheus.WithRegisterer(reg),
		otelprometheus.WithoutScopeInfo(),
		otelprometheus.WithoutTargetInfo(),
		otelprometheus.WithAggregationSelector(func(kind sdkmetric.InstrumentKind) sdkmetric.Aggregation {
			if kind == sdkmetric.InstrumentKindHistogram {
				return sdkmetric.AggregationExplicitBucketHistogram{Boundaries: DurationBuckets, NoMinMax: true}
			}
			return sdkmetric.DefaultAggregationSelector(kind)
		}),
	)
	if err != nil {
		return nil, fmt.Errorf("exporting the Temporal SDK's metrics to Prometheus: %w", err)
	}
	provider := sdkmetric.NewMeterProvider(sdkmetric.WithReader(exporter))
	return temporalotel.NewMetricsHandler(temporalotel.MetricsHandlerOptions{
		Meter:                provider.Meter(temporalMeterName),
		UseMonotonicCounters: true,
		// The handler panics on a meter error by default. The only error
		// a meter returns is an invalid instrument name, which the SDK's
		// fixed names never are; should one be, that metric is dropped
		// and the worker keeps running.
		OnError: func(error) {},
	}), nil
}
