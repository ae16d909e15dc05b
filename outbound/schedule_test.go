package outbound_test

import (
	"errors"
	"testing"
	"time"

	"github.com/junction-run/junction/outbound"
)

func TestEddyDeskSchedule(t *testing.T) {
	s := outbound.EddyDeskSchedule()
	var total time.Duration
	for _, d := range s {
		total += d
	}
	if len(s) != 48 || total != 24*time.Hour {
		t.Fatalf("%d retries over %s, want 48 over 24h", len(s), total)
	}
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		attempt int
		random  float64
		want    time.Duration
		ok      bool
	}{
		{1, 0.5, 30 * time.Minute, true},       // no jitter at the middle
		{1, 0, 24 * time.Minute, true},         // -20 %
		{48, 0.999999, 36 * time.Minute, true}, // almost +20 %
		{49, 0.5, 0, false},                    // spent
		{0, 0.5, 0, false},
	}
	for _, tt := range tests {
		got, ok := s.Next(tt.attempt, tt.random)
		if ok != tt.ok || (got-tt.want).Abs() > time.Second {
			t.Errorf("Next(%d, %v) = %s %v, want %s %v", tt.attempt, tt.random, got, ok, tt.want, tt.ok)
		}
	}
}

func TestScheduleValidate(t *testing.T) {
	tests := []struct {
		name string
		s    outbound.Schedule
		ok   bool
	}{
		{"none: one attempt only", nil, true},
		{"Svix's", outbound.Schedule{5 * time.Second, 5 * time.Minute, 30 * time.Minute, 2 * time.Hour, 5 * time.Hour, 10 * time.Hour, 10 * time.Hour}, true},
		{"too short a delay", outbound.Schedule{100 * time.Millisecond}, false},
		{"too long a delay", outbound.Schedule{25 * time.Hour}, false},
		{"too long in all", outbound.Schedule{24 * time.Hour, 24 * time.Hour, 24 * time.Hour, 24 * time.Hour, 24 * time.Hour, 24 * time.Hour, 24 * time.Hour, time.Hour}, false},
		{"too many", make(outbound.Schedule, 101), false},
	}
	for _, tt := range tests {
		if err := tt.s.Validate(); (err == nil) != tt.ok || (err != nil && !errors.Is(err, outbound.ErrInvalidSchedule)) {
			t.Errorf("%s: %v", tt.name, err)
		}
	}
}

func TestClassifyAndWait(t *testing.T) {
	tests := []struct {
		status     int
		want       outbound.Outcome
		retryAfter time.Duration
		wait       time.Duration
	}{
		{200, outbound.Delivered, 0, 30 * time.Minute},
		{204, outbound.Delivered, 0, 30 * time.Minute},
		{302, outbound.Delivered, 0, 30 * time.Minute},
		{400, outbound.Retry, time.Hour, 30 * time.Minute}, // Retry-After only counts when throttled
		{404, outbound.Retry, 0, 30 * time.Minute},
		{410, outbound.Gone, 0, 30 * time.Minute},
		{429, outbound.Throttled, time.Hour, time.Hour},
		{503, outbound.Throttled, time.Minute, 30 * time.Minute},  // the schedule's delay is longer
		{502, outbound.Throttled, 72 * time.Hour, 24 * time.Hour}, // capped
		{504, outbound.Throttled, 0, 30 * time.Minute},
		{500, outbound.Retry, 0, 30 * time.Minute},
		{0, outbound.Retry, 0, 30 * time.Minute}, // no answer
	}
	for _, tt := range tests {
		o := outbound.Classify(tt.status)
		if o != tt.want {
			t.Errorf("Classify(%d) = %v, want %v", tt.status, o, tt.want)
		}
		if got := outbound.Wait(o, 30*time.Minute, tt.retryAfter); got != tt.wait {
			t.Errorf("Wait(%d, Retry-After %s) = %s, want %s", tt.status, tt.retryAfter, got, tt.wait)
		}
	}
}
