package outbound

import "time"

// Outcome is what an answer to a delivery means.
type Outcome int

const (
	// Delivered: 2xx and 3xx (EddyDesk's rule: a redirect is the
	// receiver's answer, not a place to send the message again).
	Delivered Outcome = iota
	// Retry: any other answer, or none (a network failure, a timeout):
	// the next attempt comes on the schedule.
	Retry
	// Throttled: 429, 502, 503 and 504: the next attempt waits for the
	// answer's Retry-After when it is longer than the schedule's delay.
	Throttled
	// Gone: 410: the receiver says the endpoint is gone for good; the
	// subscription is disabled and nothing more is sent to it.
	Gone
)

// MaxRetryAfter caps a receiver's Retry-After: a wrong or hostile value
// cannot park a delivery past the schedule's own window.
const MaxRetryAfter = 24 * time.Hour

// Classify is the outcome of an answer with status (0: no answer).
func Classify(status int) Outcome {
	switch {
	case status >= 200 && status < 400:
		return Delivered
	case status == 410:
		return Gone
	case status == 429, status == 502, status == 503, status == 504:
		return Throttled
	}
	return Retry
}

// Wait is the delay before the next attempt: the schedule's, or the
// receiver's Retry-After (capped at MaxRetryAfter) when the outcome is
// Throttled and it asks for longer.
func Wait(o Outcome, scheduled, retryAfter time.Duration) time.Duration {
	if o == Throttled && retryAfter > scheduled {
		return min(retryAfter, MaxRetryAfter)
	}
	return scheduled
}
