package connectortest

import (
	"sync"
	"time"
)

// Failure is one failure a fake was told to answer with.
type Failure struct {
	Status     int
	RetryAfter time.Duration
}

// Failures is the queue behind a fake's FailNext: a fake embeds it (which
// gives it the Fake interface's FailNext) and answers the next request with
// Next's failure, in its third party's error format, before anything else.
type Failures struct {
	mu    sync.Mutex
	queue []Failure
}

// FailNext makes the next request fail with status and, when retryAfter is
// positive, a Retry-After of that many seconds. Calls queue up.
func (f *Failures) FailNext(status int, retryAfter time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.queue = append(f.queue, Failure{Status: status, RetryAfter: retryAfter})
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
