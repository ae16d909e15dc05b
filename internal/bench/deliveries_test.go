package bench

import (
	"bytes"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/junction-run/junction/outbound"
	"github.com/junction-run/junction/runs"
)

// The drain's schedule must keep every delivery alive for the whole
// down phase, whatever the jitter draws, within the API's bounds.
func TestRetrySchedule(t *testing.T) {
	for _, tc := range []struct {
		name      string
		cover     time.Duration
		minDelay  time.Duration
		wantDelay time.Duration
		wantLen   int
		wantErr   bool
	}{
		{name: "nothing to cover: one spare retry", cover: 0, minDelay: 5 * time.Second, wantDelay: 5 * time.Second, wantLen: 1},
		{name: "a minute at 5 s, 4 s when early", cover: time.Minute, minDelay: 5 * time.Second, wantDelay: 5 * time.Second, wantLen: 16},
		{name: "the most 5 s delays can cover", cover: 396 * time.Second, minDelay: 5 * time.Second, wantDelay: 5 * time.Second, wantLen: 100},
		{name: "one second more needs longer delays", cover: 397 * time.Second, minDelay: 5 * time.Second, wantDelay: 6 * time.Second, wantLen: 84},
		{name: "a minimum under the API's is raised", cover: 10 * time.Second, minDelay: 100 * time.Millisecond, wantDelay: time.Second, wantLen: 14},
		{name: "a day", cover: 24 * time.Hour, minDelay: 5 * time.Second, wantDelay: 1091 * time.Second, wantLen: 100},
		{name: "over the 7-day window", cover: 6 * 24 * time.Hour, minDelay: 5 * time.Second, wantErr: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := retrySchedule(tc.cover, tc.minDelay)
			if tc.wantErr {
				if !errors.Is(err, outbound.ErrInvalidSchedule) {
					t.Fatalf("retrySchedule(%s) = %v, %v; want an invalid schedule", tc.cover, s, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(s) != tc.wantLen || s[0] != tc.wantDelay {
				t.Fatalf("retrySchedule(%s) = %d × %s, want %d × %s", tc.cover, len(s), s[0], tc.wantLen, tc.wantDelay)
			}
			for i, d := range s {
				if d != s[0] {
					t.Fatalf("delay %d is %s, not %s: the delays must be equal", i, d, s[0])
				}
			}
			if got := scheduleCover(s); got < tc.cover {
				t.Errorf("the schedule covers %s at the least, less than %s", got, tc.cover)
			}
			if err := outbound.Schedule(s).Validate(); err != nil {
				t.Errorf("the API would refuse it: %v", err)
			}
		})
	}
}

func TestDrainCover(t *testing.T) {
	for _, tc := range []struct {
		n    int
		rate float64
		want time.Duration
	}{
		{n: 0, rate: 100, want: drainDownMargin},
		{n: 10000, rate: 100, want: 300*time.Second + drainDownMargin},
		{n: 1000, rate: 20, want: 150*time.Second + drainDownMargin},
	} {
		if got := drainCover(tc.n, tc.rate); got != tc.want {
			t.Errorf("drainCover(%d, %.0f) = %s, want %s", tc.n, tc.rate, got, tc.want)
		}
	}
}

// One request to the receiver: whether it was down, what came, what it
// should answer.
type receiverStep struct {
	down       bool
	id         string
	unsigned   bool
	wantStatus int
}

func TestReceiverCounts(t *testing.T) {
	for _, tc := range []struct {
		name     string
		steps    []receiverStep
		expected []string
		want     WebhookVerdict
	}{
		{
			name:     "each once",
			steps:    []receiverStep{{id: "msg_a", wantStatus: 200}, {id: "msg_b", wantStatus: 200}},
			expected: []string{"msg_a", "msg_b"},
			want:     WebhookVerdict{Expected: 2, Delivered: 2, Requests: 2},
		},
		{
			name:     "taken twice is a duplicate, never taken is lost",
			steps:    []receiverStep{{id: "msg_a", wantStatus: 200}, {id: "msg_a", wantStatus: 200}},
			expected: []string{"msg_a", "msg_b"},
			want:     WebhookVerdict{Expected: 2, Duplicated: 1, Lost: 1, Requests: 2},
		},
		{
			name: "refused while down, then taken once: delivered",
			steps: []receiverStep{
				{down: true, id: "msg_a", wantStatus: 503}, {down: true, id: "msg_a", wantStatus: 503},
				{down: true, id: "msg_b", wantStatus: 503}, {id: "msg_a", wantStatus: 200}, {id: "msg_b", wantStatus: 200},
			},
			expected: []string{"msg_a", "msg_b"},
			want:     WebhookVerdict{Expected: 2, Delivered: 2, Requests: 5, Refused: 3},
		},
		{
			name:     "refused only is lost",
			steps:    []receiverStep{{down: true, id: "msg_a", wantStatus: 503}},
			expected: []string{"msg_a"},
			want:     WebhookVerdict{Expected: 1, Lost: 1, Requests: 1, Refused: 1},
		},
		{
			name:     "an unacknowledged event's delivery is other",
			steps:    []receiverStep{{id: "msg_a", wantStatus: 200}, {id: "msg_x", wantStatus: 200}},
			expected: []string{"msg_a"},
			want:     WebhookVerdict{Expected: 1, Delivered: 1, Other: 1, Requests: 2},
		},
		{
			name:     "no webhook-id is refused and counted unsigned",
			steps:    []receiverStep{{id: "", wantStatus: 400}, {id: "msg_a", unsigned: true, wantStatus: 200}},
			expected: []string{"msg_a"},
			want:     WebhookVerdict{Expected: 1, Delivered: 1, Requests: 2, Refused: 1, Unsigned: 2},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newReceiver()
			for i, st := range tc.steps {
				r.SetDown(st.down)
				req := httptest.NewRequest(http.MethodPost, "/webhooks", strings.NewReader(`{"data":{"id":1}}`))
				if st.id != "" {
					req.Header.Set(webhookIDHeader, st.id)
				}
				if !st.unsigned {
					req.Header.Set(webhookSignatureHeader, "v1,c2ln")
				}
				rec := httptest.NewRecorder()
				r.ServeHTTP(rec, req)
				if rec.Code != st.wantStatus {
					t.Fatalf("request %d answered %d, want %d", i, rec.Code, st.wantStatus)
				}
			}
			got := r.Verdict(tc.expected)
			got.LastTaken, got.Latency = time.Time{}, Percentiles{}
			if got != tc.want {
				t.Errorf("verdict %+v, want %+v", got, tc.want)
			}
			if got.ExactlyOnce() != (tc.want.Lost == 0 && tc.want.Duplicated == 0 && tc.want.Unsigned == 0) {
				t.Errorf("ExactlyOnce() = %v for %+v", got.ExactlyOnce(), got)
			}
		})
	}
}

// Latency runs from the event's send time, read from the envelope, to
// its delivery's first 2xx; refused attempts and later duplicates do not
// move it.
func TestReceiverLatency(t *testing.T) {
	r := newReceiver()
	sent := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	r.SetDown(true)
	r.record("msg_a", true, sent.UnixMicro(), sent.Add(100*time.Millisecond))
	r.SetDown(false)
	r.record("msg_b", true, sent.UnixMicro(), sent.Add(500*time.Millisecond))
	r.record("msg_a", true, sent.UnixMicro(), sent.Add(2*time.Second))
	r.record("msg_a", true, sent.UnixMicro(), sent.Add(3*time.Second))
	v := r.Verdict([]string{"msg_a", "msg_b"})
	if v.Latency.Count != 2 || v.Latency.Max != 2000 || v.Latency.P50 != 500 {
		t.Errorf("latency %+v, want 2 deliveries, p50 500 ms, max 2000 ms", v.Latency)
	}
	if !v.LastTaken.Equal(sent.Add(3 * time.Second)) {
		t.Errorf("last taken %s, want the duplicate's time", v.LastTaken)
	}
}

// The webhook-ids the scenario expects are those Junction derives from
// the acknowledged events' Idempotency-Keys.
func TestWebhookIDs(t *testing.T) {
	lr := LoadResult{
		Events: []Event{{ID: 1}, {ID: 2}, {ID: 3}},
		Acked:  []bool{true, false, true},
	}
	got := webhookIDs("bench-7", lr)
	want := []string{runs.MessageID("dev", "http_request", "bench-7-1"), runs.MessageID("dev", "http_request", "bench-7-3")}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("webhookIDs = %v, want %v", got, want)
	}
}

// Every row of the scenario's tables has as many cells as its header,
// measured or not.
func TestDeliveriesMarkdownColumns(t *testing.T) {
	measured := DeliveriesResult{Persistence: "sqlite", N: 10,
		Baseline: PhaseResult{Persistence: "sqlite"},
		Fanout:   FanoutResult{Runs: PhaseResult{Persistence: "sqlite"}, RunsRatio: 0.8, Complete: true},
		Drain:    DrainResult{N: 5, Schedule: []string{"5s"}, Complete: true, AllFailedOnce: true},
	}
	failed := measured
	failed.Baseline.Error, failed.Fanout.Runs.Error, failed.Drain.Error = "no | Vault", "no Vault", "no Vault"
	for name, r := range map[string]DeliveriesResult{"measured": measured, "failed": failed} {
		t.Run(name, func(t *testing.T) {
			var header int
			for _, line := range strings.Split(r.Markdown(), "\n") {
				if !strings.HasPrefix(line, "|") {
					header = 0
					continue
				}
				cells := bytes.Count([]byte(strings.ReplaceAll(line, `\|`, "")), []byte("|"))
				if header == 0 {
					header = cells
				} else if cells != header {
					t.Errorf("%d cells, header has %d: %s", cells, header, line)
				}
			}
		})
	}
}
