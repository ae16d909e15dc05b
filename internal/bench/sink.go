package bench

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/junction-run/junction/runs"
)

// Sink is the third party every flow posts to: it counts the POSTs, and
// for each event id remembers how often it came, its country, when it
// first arrived and the Idempotency-Key of every delivery (what a receiver
// that dedupes on the key would see: the chaos scenario). It listens on
// 127.0.0.1 only.
type Sink struct {
	URL string // base URL, e.g. http://127.0.0.1:41234

	srv *http.Server
	// delay is how long it takes to answer, after it has recorded a
	// delivery: a third party's latency.
	delay time.Duration

	mu       sync.Mutex
	byID     map[int]*arrival
	posts    int64
	badBody  int64
	lastSeen time.Time
}

type arrival struct {
	count   int
	country string
	first   time.Time
	sentAt  int64 // micros, from the body
	// keys is the runs.IdempotencyKeyHeader of each delivery, in order
	// ("" when a delivery had none), and times when each came.
	keys  []string
	times []time.Time
}

// StartSink listens on a free loopback port.
func StartSink() (*Sink, error) { return startSink(0) }

// startSink starts a sink that answers each POST delay after recording
// it. A slow answer keeps calls in flight, where a kill of the caller
// leaves a delivery it never heard the answer to: the duplicate its retry
// then sends is what the chaos scenario checks the receiver can drop.
func startSink(delay time.Duration) (*Sink, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &Sink{URL: "http://" + ln.Addr().String(), byID: map[int]*arrival{}, delay: delay}
	s.srv = &http.Server{Handler: http.HandlerFunc(s.serve), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = s.srv.Serve(ln) }()
	return s, nil
}

// Close stops the sink.
func (s *Sink) Close() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = s.srv.Shutdown(ctx)
}

func (s *Sink) serve(w http.ResponseWriter, r *http.Request) {
	now := time.Now()
	if r.Method != http.MethodPost {
		http.Error(w, "POST only", http.StatusMethodNotAllowed)
		return
	}
	raw, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	var body SinkBody
	err := json.Unmarshal(raw, &body)
	s.mu.Lock()
	s.posts++
	s.lastSeen = now
	if err != nil {
		s.badBody++
	} else {
		a := s.byID[body.ID]
		if a == nil {
			a = &arrival{country: body.Country, first: now, sentAt: body.SentAtMicros}
			s.byID[body.ID] = a
		}
		a.count++
		a.keys = append(a.keys, r.Header.Get(runs.IdempotencyKeyHeader))
		a.times = append(a.times, now)
	}
	s.mu.Unlock()
	if s.delay > 0 {
		select {
		case <-r.Context().Done():
			return
		case <-time.After(s.delay):
		}
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = io.WriteString(w, `{"ok":true}`)
}

// Reset forgets everything received so far (between warm-up and a phase).
func (s *Sink) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.byID = map[int]*arrival{}
	s.posts, s.badBody = 0, 0
	s.lastSeen = time.Time{}
}

// Keys reports, for each event id that arrived, the Idempotency-Key of
// each of its deliveries in the order they came.
func (s *Sink) Keys() map[int][]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[int][]string, len(s.byID))
	for id, a := range s.byID {
		out[id] = append([]string(nil), a.keys...)
	}
	return out
}

// DuplicatedFirstArrivals reports, for each delivery beyond the first of
// its event, when that event first arrived: the crash that caused the
// duplicate came at or soon after that first delivery, which its caller
// never heard the answer to.
func (s *Sink) DuplicatedFirstArrivals() []time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []time.Time
	for _, a := range s.byID {
		for range a.times[min(1, len(a.times)):] {
			out = append(out, a.times[0])
		}
	}
	return out
}

// countOf reports how many acknowledged passing events have arrived.
func (s *Sink) countOf(ids []int) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, id := range ids {
		if a := s.byID[id]; a != nil {
			n++
		}
	}
	return n
}

// WaitFor waits until every id has arrived, or the context ends; it
// reports whether all did.
func (s *Sink) WaitFor(ctx context.Context, ids []int) bool {
	for {
		if s.countOf(ids) >= len(ids) {
			return true
		}
		select {
		case <-ctx.Done():
			return false
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// quiet waits until no POST has arrived for d (bounded by ctx), so that
// late duplicates are counted before a verdict.
func (s *Sink) quiet(ctx context.Context, d time.Duration) {
	for {
		s.mu.Lock()
		last := s.lastSeen
		s.mu.Unlock()
		if time.Since(last) >= d {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(d / 4):
		}
	}
}

// Delivery is the sink's verdict on one phase.
type Delivery struct {
	// Expected is the number of acknowledged events that pass the condition.
	Expected int `json:"expected"`
	// Delivered of them arrived exactly once; Missing never; Duplicated
	// more than once.
	Delivered  int `json:"delivered"`
	Missing    int `json:"missing"`
	Duplicated int `json:"duplicated"`
	// Filtered are events that fail the condition yet arrived: must be 0.
	Filtered int `json:"filteredButArrived"`
	// Unacknowledged arrived although their trigger call failed (the caller
	// would retry them): allowed, reported.
	Unacknowledged int   `json:"arrivedUnacknowledged"`
	Posts          int64 `json:"posts"`
	BadBodies      int64 `json:"badBodies"`
	// ExactlyOnce: every acknowledged passing event arrived exactly once
	// and no filtered event arrived.
	ExactlyOnce bool `json:"exactlyOnce"`
	// E2E are end-to-end latencies (event sent to sink received), ms.
	E2E Percentiles `json:"e2eMs"`
	// LastArrival is when the last POST came.
	LastArrival time.Time `json:"lastArrival"`
}

// Verdict checks the arrivals against what the load generator sent and
// had acknowledged.
func (s *Sink) Verdict(sent []Event, acked []bool) Delivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	d := Delivery{Posts: s.posts, BadBodies: s.badBody, LastArrival: s.lastSeen}
	var e2e []time.Duration
	for i, ev := range sent {
		if ev.ID == 0 && ev.Country == "" {
			continue // never sent (the load stopped early)
		}
		a := s.byID[ev.ID]
		switch {
		case !ev.Passes():
			if a != nil {
				d.Filtered++
			}
		case !acked[i]:
			if a != nil {
				d.Unacknowledged++
			}
		default:
			d.Expected++
			switch {
			case a == nil:
				d.Missing++
			case a.count > 1:
				d.Duplicated++
			default:
				d.Delivered++
			}
		}
		if a != nil && a.sentAt > 0 {
			e2e = append(e2e, a.first.Sub(time.UnixMicro(a.sentAt)))
		}
	}
	d.E2E = percentiles(e2e)
	d.ExactlyOnce = d.Missing == 0 && d.Duplicated == 0 && d.Filtered == 0 && d.BadBodies == 0
	return d
}

var errNotLoopback = errors.New("bench: only 127.0.0.1 and localhost targets are allowed")
