// Package metrics declares Junction's Prometheus metrics, once, and serves
// them with the Temporal SDK's own on one registry per process.
//
// A process (junction worker, junction gateway) makes one Metrics with New
// and hands it to the parts that record (app.Config.Metrics): the gateway
// records its requests, intake the events it acknowledges or rejects, the
// worker's activities their connector calls, polls and deliveries, and the
// egress client its refusals. Handler serves them all at /metrics. The
// registry is the process's own, not Prometheus's global one, so that one
// test binary can run a worker and a gateway side by side.
//
// Every method is safe on a nil *Metrics, which records nothing: code
// built without metrics (unit tests, tools) needs no check.
//
// Label values are bounded: route templates, never paths with ids in them;
// app and action keys, error kinds and outcomes from fixed sets; never an
// account, a URL or an id. docs/operations.md lists every family.
package metrics

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.temporal.io/sdk/client"
)

// Outcomes of a connector call (junction_connector_calls_total's outcome).
const (
	// OutcomeSuccess: the call returned a result.
	OutcomeSuccess = "success"
	// OutcomeRetry: it failed, and the step's retry policy tries again.
	OutcomeRetry = "retry"
	// OutcomeFailure: it failed for good (a 4xx, a refused destination, a
	// step that cannot run as written).
	OutcomeFailure = "failure"
)

// Outcomes of an inbound event (junction_intake_events_total's outcome).
const (
	// IntakeAcknowledged: Temporal accepted every start and signal the
	// event caused; the caller was (or will be) answered 2xx.
	IntakeAcknowledged = "acknowledged"
	// IntakeRejected: the event can never start a run (too large, refused
	// by Temporal as invalid, a definition that cannot be read); the caller
	// is answered 4xx and must not send it again.
	IntakeRejected = "rejected"
	// IntakeUnavailable: a dependency (the store, Temporal) failed; the
	// caller is answered 5xx and its retry starts only what is missing.
	IntakeUnavailable = "unavailable"
)

// Outcomes of a delivery to a subscription (junction_deliveries_total's
// outcome). A failed delivery's error_kind says why (RetriesExhausted,
// Gone, SubscriptionDisabled, BadRequest).
const (
	DeliveryDelivered = "delivered"
	DeliveryFailed    = "failed"
)

// Outcomes of one delivery attempt (junction_delivery_attempts_total's
// outcome), as outbound.Classify reads the receiver's answer.
const (
	AttemptDelivered = "delivered"
	AttemptRetry     = "retry"
	AttemptThrottled = "throttled"
	AttemptGone      = "gone"
	// AttemptInvalid: the subscription could not make a request of the
	// event (a template that fails); nothing was sent.
	AttemptInvalid = "invalid"
)

// unmatchedRoute is the route label of a request no route matched (404,
// 405): its path is the caller's and may hold anything.
const unmatchedRoute = "unmatched"

// DurationBuckets are the histogram buckets of every duration Junction
// exports, the Temporal SDK's included, in seconds: from a millisecond (a
// local call) to five minutes (a poll's lag, a slow third party).
var DurationBuckets = []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 300}

// pollItemBuckets are junction_poll_items' buckets: most polls find
// nothing or a few items; a connector's page bound is in the hundreds.
var pollItemBuckets = []float64{0, 1, 2, 5, 10, 25, 50, 100, 250, 500, 1000}

// Metrics holds one process's registry and the families Junction records.
type Metrics struct {
	registry *prometheus.Registry
	temporal client.MetricsHandler

	gatewayRequests        *prometheus.CounterVec
	gatewayRequestDuration *prometheus.HistogramVec
	connectorCalls         *prometheus.CounterVec
	connectorCallDuration  *prometheus.HistogramVec
	intakeEvents           *prometheus.CounterVec
	deliveries             *prometheus.CounterVec
	deliveryAttempts       *prometheus.CounterVec
	pollItems              *prometheus.HistogramVec
	pollLag                *prometheus.HistogramVec
	egressRefusals         *prometheus.CounterVec
}

// New makes a registry with the Go runtime's and the process's collectors,
// Junction's families, and the Temporal SDK's metrics (TemporalHandler).
func New() (*Metrics, error) {
	reg := prometheus.NewRegistry()
	m := &Metrics{
		registry: reg,
		gatewayRequests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "junction_gateway_requests_total",
			Help: "HTTP requests the gateway answered, by route template, method and status code.",
		}, []string{"route", "method", "status"}),
		gatewayRequestDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "junction_gateway_request_duration_seconds",
			Help:    "Time from a request's arrival at the gateway to its answer, by route template and method.",
			Buckets: DurationBuckets,
		}, []string{"route", "method"}),
		connectorCalls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "junction_connector_calls_total",
			Help: "Connector calls (actions and polls) the worker made, by app, action or polling trigger, outcome and error kind.",
		}, []string{"app", "action", "outcome", "error_kind"}),
		connectorCallDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "junction_connector_call_duration_seconds",
			Help:    "Duration of one connector call (one activity attempt), connection and credentials included, by app and action.",
			Buckets: DurationBuckets,
		}, []string{"app", "action"}),
		intakeEvents: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "junction_intake_events_total",
			Help: "Inbound events intake handled, by outcome: acknowledged, rejected or unavailable.",
		}, []string{"outcome"}),
		deliveries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "junction_deliveries_total",
			Help: "Deliveries to subscriptions that ended, by outcome (delivered, failed) and, for failures, error kind.",
		}, []string{"outcome", "error_kind"}),
		deliveryAttempts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "junction_delivery_attempts_total",
			Help: "Attempts at delivering to subscriptions, by how the receiver answered.",
		}, []string{"outcome"}),
		pollItems: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "junction_poll_items",
			Help:    "Items one poll of a polling trigger returned, by app and trigger.",
			Buckets: pollItemBuckets,
		}, []string{"app", "trigger"}),
		pollLag: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "junction_poll_lag_seconds",
			Help:    "Time from a poll being scheduled to its items being in hand (queueing, retries and the third party's answer), by app and trigger.",
			Buckets: DurationBuckets,
		}, []string{"app", "trigger"}),
		egressRefusals: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "junction_egress_refusals_total",
			Help: "Connections and redirects the egress address guard refused, by reason: the address class, or downgrade for a redirect from https to http.",
		}, []string{"reason"}),
	}
	reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.gatewayRequests, m.gatewayRequestDuration,
		m.connectorCalls, m.connectorCallDuration,
		m.intakeEvents, m.deliveries, m.deliveryAttempts,
		m.pollItems, m.pollLag, m.egressRefusals,
	)
	// Outcomes known in advance start at zero, so that a rate over them
	// exists before the first event of each kind.
	for _, o := range []string{IntakeAcknowledged, IntakeRejected, IntakeUnavailable} {
		m.intakeEvents.WithLabelValues(o)
	}
	for _, o := range []string{AttemptDelivered, AttemptRetry, AttemptThrottled, AttemptGone, AttemptInvalid} {
		m.deliveryAttempts.WithLabelValues(o)
	}
	m.deliveries.WithLabelValues(DeliveryDelivered, "")
	var err error
	if m.temporal, err = newTemporalHandler(reg); err != nil {
		return nil, err
	}
	return m, nil
}

// Handler serves the registry in Prometheus's exposition formats.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{Registry: m.registry, ErrorHandling: promhttp.ContinueOnError})
}

// Registry is the process's registry, for tests that read what was
// recorded.
func (m *Metrics) Registry() *prometheus.Registry { return m.registry }

// TemporalHandler is the Temporal SDK's metrics handler
// (client.Options.MetricsHandler) over the same registry; nil on a nil
// Metrics, which leaves the SDK's default (none).
func (m *Metrics) TemporalHandler() client.MetricsHandler {
	if m == nil {
		return nil
	}
	return m.temporal
}

// GatewayRequest records one answered request. route is the route's
// template (Gin's FullPath), "" when no route matched.
func (m *Metrics) GatewayRequest(route, method string, status int, took time.Duration) {
	if m == nil {
		return
	}
	if route == "" {
		route = unmatchedRoute
	}
	method = knownMethod(method)
	m.gatewayRequests.WithLabelValues(route, method, strconv.Itoa(status)).Inc()
	m.gatewayRequestDuration.WithLabelValues(route, method).Observe(took.Seconds())
}

// knownMethod keeps the method label bounded: a client may send any token
// as its method.
func knownMethod(method string) string {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions, http.MethodConnect, http.MethodTrace:
		return method
	}
	return "other"
}

// ConnectorCall records one connector call: app and action (or polling
// trigger) keys, an Outcome* and, unless it succeeded, its error kind
// (runs.ErrType*).
func (m *Metrics) ConnectorCall(app, action, outcome, errorKind string, took time.Duration) {
	if m == nil {
		return
	}
	m.connectorCalls.WithLabelValues(app, action, outcome, errorKind).Inc()
	m.connectorCallDuration.WithLabelValues(app, action).Observe(took.Seconds())
}

// IntakeEvent records what became of one inbound event: an Intake*
// outcome.
func (m *Metrics) IntakeEvent(outcome string) {
	if m == nil {
		return
	}
	m.intakeEvents.WithLabelValues(outcome).Inc()
}

// Delivery records a delivery's end: DeliveryDelivered, or DeliveryFailed
// with the error kind that ended it.
func (m *Metrics) Delivery(outcome, errorKind string) {
	if m == nil {
		return
	}
	m.deliveries.WithLabelValues(outcome, errorKind).Inc()
}

// DeliveryAttempt records one attempt at a delivery: an Attempt* outcome.
func (m *Metrics) DeliveryAttempt(outcome string) {
	if m == nil {
		return
	}
	m.deliveryAttempts.WithLabelValues(outcome).Inc()
}

// Poll records one successful poll of app's polling trigger: how many
// items it returned and how long after it was scheduled.
func (m *Metrics) Poll(app, trigger string, items int, lag time.Duration) {
	if m == nil {
		return
	}
	m.pollItems.WithLabelValues(app, trigger).Observe(float64(items))
	m.pollLag.WithLabelValues(app, trigger).Observe(max(lag, 0).Seconds())
}

// EgressRefusal records one refusal of the egress address guard;
// reason is egress.RefusedError.Reason.
func (m *Metrics) EgressRefusal(reason string) {
	if m == nil {
		return
	}
	m.egressRefusals.WithLabelValues(reason).Inc()
}
