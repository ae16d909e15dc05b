package bench

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// Standard Webhooks headers every delivery carries (docs/api.md,
// "Signing"): the receiver counts by the first and checks the last is
// there.
const (
	webhookIDHeader        = "Webhook-Id"
	webhookSignatureHeader = "Webhook-Signature"
)

// Receiver is the outside platform a subscription delivers to (the
// deliveries scenario). It answers every request with the status it is
// set to: 200, or 503 while it is down. For each webhook-id it counts the
// requests it took (answered 2xx: delivered) and those it refused, so it
// can tell a lost delivery from a duplicate. It listens on 127.0.0.1 only.
type Receiver struct {
	URL string // base URL, e.g. http://127.0.0.1:41234

	srv    *http.Server
	status atomic.Int32

	mu   sync.Mutex
	byID map[string]*webhookArrival
	// requests counts every request; refused those answered other than
	// 2xx; unsigned those without a webhook-id or webhook-signature.
	requests, refused, unsigned int64
	lastTaken, lastRequest      time.Time
}

type webhookArrival struct {
	taken, refused int
	firstTaken     time.Time
	// sentAt is when the load sent the event (micros, from the envelope's
	// data.sentAt): its delivery's latency runs from there.
	sentAt int64
}

// StartReceiver listens on a free loopback port and answers 200.
func StartReceiver() (*Receiver, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	r := newReceiver()
	r.URL = "http://" + ln.Addr().String()
	r.srv = &http.Server{Handler: r, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = r.srv.Serve(ln) }()
	return r, nil
}

func newReceiver() *Receiver {
	r := &Receiver{byID: map[string]*webhookArrival{}}
	r.status.Store(http.StatusOK)
	return r
}

// Close stops the receiver.
func (r *Receiver) Close() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = r.srv.Shutdown(ctx)
}

// SetDown makes the receiver answer 503 (down) or 200 from the next
// request on.
func (r *Receiver) SetDown(down bool) {
	if down {
		r.status.Store(http.StatusServiceUnavailable)
	} else {
		r.status.Store(http.StatusOK)
	}
}

// deliveredEnvelope is what the receiver reads of a delivery's body: the
// envelope of the scenario's event (intake's envelope), for its send time.
type deliveredEnvelope struct {
	Data struct {
		SentAtMicros int64 `json:"sentAt"`
	} `json:"data"`
}

// ServeHTTP answers one request with the receiver's status and counts it.
func (r *Receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	raw, _ := io.ReadAll(io.LimitReader(req.Body, 1<<20))
	var env deliveredEnvelope
	_ = json.Unmarshal(raw, &env) // a body it cannot read only loses the latency
	status := r.record(req.Header.Get(webhookIDHeader), req.Header.Get(webhookSignatureHeader) != "", env.Data.SentAtMicros, time.Now())
	w.WriteHeader(status)
}

// record counts one request and returns the status to answer it with.
// A request without a webhook-id is counted unsigned and refused with
// 400: it is no delivery the scenario can account for.
func (r *Receiver) record(id string, signed bool, sentAt int64, now time.Time) int {
	status := int(r.status.Load())
	r.mu.Lock()
	defer r.mu.Unlock()
	r.requests++
	r.lastRequest = now
	if id == "" || !signed {
		r.unsigned++
	}
	if id == "" {
		r.refused++
		return http.StatusBadRequest
	}
	a := r.byID[id]
	if a == nil {
		a = &webhookArrival{sentAt: sentAt}
		r.byID[id] = a
	}
	if status/100 != 2 {
		a.refused++
		r.refused++
		return status
	}
	if a.taken == 0 {
		a.firstTaken = now
	}
	a.taken++
	r.lastTaken = now
	return status
}

// Reset forgets everything received so far (between warm-up and a phase).
func (r *Receiver) Reset() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.byID = map[string]*webhookArrival{}
	r.requests, r.refused, r.unsigned = 0, 0, 0
	r.lastTaken, r.lastRequest = time.Time{}, time.Time{}
}

// quiet waits until no request has come for d (bounded by ctx), so that
// late duplicates are counted before a verdict.
func (r *Receiver) quiet(ctx context.Context, d time.Duration) {
	r.waitUntil(ctx, func() bool {
		r.mu.Lock()
		defer r.mu.Unlock()
		return time.Since(r.lastRequest) >= d
	})
}

// takenAndRefused counts the ids taken at least once, and those refused
// at least once.
func (r *Receiver) takenAndRefused(ids []string) (taken, refused int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, id := range ids {
		if a := r.byID[id]; a != nil {
			if a.taken > 0 {
				taken++
			}
			if a.refused > 0 {
				refused++
			}
		}
	}
	return taken, refused
}

// WaitTaken waits until every id has been taken, or the context ends; it
// reports whether all were.
func (r *Receiver) WaitTaken(ctx context.Context, ids []string) bool {
	return r.waitUntil(ctx, func() bool { taken, _ := r.takenAndRefused(ids); return taken >= len(ids) })
}

// WaitRefused waits until every id has been refused at least once: every
// delivery has had a failed attempt.
func (r *Receiver) WaitRefused(ctx context.Context, ids []string) bool {
	return r.waitUntil(ctx, func() bool { _, refused := r.takenAndRefused(ids); return refused >= len(ids) })
}

func (r *Receiver) waitUntil(ctx context.Context, done func() bool) bool {
	return pollUntil(ctx, 200*time.Millisecond, done)
}

// WebhookVerdict is the receiver's account of one phase's deliveries.
type WebhookVerdict struct {
	// Expected is one delivery per acknowledged event. Of them, Delivered
	// were taken exactly once, Duplicated more than once (the receiver
	// deduplicates on webhook-id; Junction promises at least once) and
	// Lost never.
	Expected   int `json:"expected"`
	Delivered  int `json:"delivered"`
	Duplicated int `json:"duplicated"`
	Lost       int `json:"lost"`
	// Other were taken but are no acknowledged event's: an event whose
	// trigger call failed may still have been enqueued. Allowed, reported.
	Other int `json:"other"`
	// Requests, Refused and Unsigned count requests: all of them, those
	// answered other than 2xx (every attempt while the receiver was
	// down), those missing a webhook-id or signature (must be 0).
	Requests int64 `json:"requests"`
	Refused  int64 `json:"refused"`
	Unsigned int64 `json:"unsigned"`
	// Latency runs from the event's send to its delivery's first 2xx, ms.
	Latency Percentiles `json:"latencyMs"`
	// LastTaken is when the last delivery was taken.
	LastTaken time.Time `json:"lastTaken"`
}

// Verdict checks what was taken against the webhook-ids of the
// acknowledged events.
func (r *Receiver) Verdict(expected []string) WebhookVerdict {
	r.mu.Lock()
	defer r.mu.Unlock()
	v := WebhookVerdict{Expected: len(expected), Requests: r.requests, Refused: r.refused, Unsigned: r.unsigned, LastTaken: r.lastTaken}
	want := make(map[string]bool, len(expected))
	var lat []time.Duration
	for _, id := range expected {
		want[id] = true
		a := r.byID[id]
		switch {
		case a == nil || a.taken == 0:
			v.Lost++
			continue
		case a.taken > 1:
			v.Duplicated++
		default:
			v.Delivered++
		}
		if a.sentAt > 0 {
			lat = append(lat, a.firstTaken.Sub(time.UnixMicro(a.sentAt)))
		}
	}
	for id, a := range r.byID {
		if !want[id] && a.taken > 0 {
			v.Other++
		}
	}
	v.Latency = percentiles(lat)
	return v
}

// ExactlyOnce says every expected delivery was taken once, and every
// request was signed.
func (v WebhookVerdict) ExactlyOnce() bool {
	return v.Lost == 0 && v.Duplicated == 0 && v.Unsigned == 0
}
