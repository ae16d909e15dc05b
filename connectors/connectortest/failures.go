package connectortest

import (
	"net/http"
	"strconv"
	"sync"
	"time"
)

// Failure is one failure a fake was told to answer with.
type Failure struct {
	Status     int
	RetryAfter time.Duration
	// Body, when set, is answered as it is, as JSON, instead of the
	// fake's own error body for Status: for testing how a connector reads
	// an error body the fake would not write by itself.
	Body []byte
}

// RetryAfterSeconds is RetryAfter in whole seconds, rounded up (0 when
// there is none): Retry-After takes no fractions, and rounding down would
// send a client back too early.
func (f Failure) RetryAfterSeconds() int {
	if f.RetryAfter <= 0 {
		return 0
	}
	return int((f.RetryAfter + time.Second - 1) / time.Second)
}

// SetRetryAfter sets the Retry-After header of h when RetryAfter is
// positive. Fakes whose third party says when to come back some other
// way (Telegram's parameters.retry_after) leave it out.
func (f Failure) SetRetryAfter(h http.Header) {
	if f.RetryAfter > 0 {
		h.Set("Retry-After", strconv.Itoa(f.RetryAfterSeconds()))
	}
}

// Failures is the queue behind a fake's FailNext. Server embeds it; a fake
// of its own making may embed it too (which gives it the Fake interface's
// FailNext) and answer the next request with Next's failure, in its third
// party's error format, before anything else.
type Failures struct {
	mu    sync.Mutex
	queue []Failure
}

// FailNext makes the next request fail with status and, when retryAfter is
// positive, a Retry-After of that many seconds. Calls queue up.
func (f *Failures) FailNext(status int, retryAfter time.Duration) {
	f.Script(Failure{Status: status, RetryAfter: retryAfter})
}

// Script queues failures that the next requests answer, one each, in
// order: FailNext for failures with a Body, or for a run of them
// (Script(slices.Repeat([]Failure{{Status: 503}}, 3)...) fails the next
// three calls).
func (f *Failures) Script(failures ...Failure) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.queue = append(f.queue, failures...)
}

// Next takes the oldest queued failure, or nil when none is queued.
func (f *Failures) Next() *Failure {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.queue) == 0 {
		return nil
	}
	next := f.queue[0]
	f.queue = f.queue[1:]
	return &next
}
