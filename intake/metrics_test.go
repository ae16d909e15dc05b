package intake_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/junction-run/junction/intake"
	"github.com/junction-run/junction/metrics"
)

// TestDispatchCountsOutcomes: every event Dispatch handles is counted
// once, as the caller is answered: acknowledged, rejected for good, or
// unavailable (send it again).
func TestDispatchCountsOutcomes(t *testing.T) {
	st, _ := newStore(t, definitionOf(t, "http_request", body("http_request", "", "Orders")))
	m, err := metrics.New()
	if err != nil {
		t.Fatal(err)
	}
	opts := intake.Options{MaxInputBytes: 4000, Metrics: m}
	ok := intake.New(st, &fakeTemporal{}, "default", opts, nil)
	down := intake.New(st, &fakeTemporal{startErr: errors.New("unavailable")}, "default", opts, nil)
	event := func(id string, size int) intake.Event {
		return intake.Event{AccountID: "acme", Trigger: "http_request", ID: id, Payload: map[string]any{"blob": strings.Repeat("x", size)}}
	}
	ctx := context.Background()
	for _, tc := range []struct {
		in *intake.Intake
		ev intake.Event
	}{
		{ok, event("e1", 10)},
		{ok, event("e2", 10)},
		{ok, event("too-large", 5000)},
		{down, event("e3", 10)},
		{ok, intake.Event{AccountID: "acme", Trigger: "inbound_sms", ID: "nobody-listens"}},
	} {
		_, _ = tc.in.Dispatch(ctx, tc.ev)
	}
	want := `
# HELP junction_intake_events_total Inbound events intake handled, by outcome: acknowledged, rejected or unavailable.
# TYPE junction_intake_events_total counter
junction_intake_events_total{outcome="acknowledged"} 3
junction_intake_events_total{outcome="rejected"} 1
junction_intake_events_total{outcome="unavailable"} 1
`
	if err := testutil.GatherAndCompare(m.Registry(), strings.NewReader(want), "junction_intake_events_total"); err != nil {
		t.Error(err)
	}
}
