package outbound

import (
	"errors"
	"fmt"
	"time"
)

// Schedule is when a failed delivery is tried again: the delay before
// the second attempt, the third, and so on. When it runs out, the delivery
// has failed for good (delivery.exhausted).
type Schedule []time.Duration

// EddyDeskSchedule is the default: every 30 minutes for 24 hours after the
// first attempt (48 more attempts), the EddyDesk seed's rule.
func EddyDeskSchedule() Schedule {
	s := make(Schedule, 48)
	for i := range s {
		s[i] = 30 * time.Minute
	}
	return s
}

// Jitter is how far each delay may move either way, as Svix does: retries
// of many deliveries that failed together spread out instead of arriving
// together.
const Jitter = 0.2

// Bounds of a custom schedule.
const (
	MinDelay       = time.Second
	MaxDelay       = 24 * time.Hour
	MaxRetries     = 100
	MaxRetryWindow = 7 * 24 * time.Hour
)

// ErrInvalidSchedule is what Validate answers.
var ErrInvalidSchedule = errors.New("invalid retry schedule")

// Validate checks a custom schedule: 0 to MaxRetries delays, each from
// MinDelay to MaxDelay, at most MaxRetryWindow in all.
func (s Schedule) Validate() error {
	if len(s) > MaxRetries {
		return fmt.Errorf("%w: %d retries, more than %d", ErrInvalidSchedule, len(s), MaxRetries)
	}
	var total time.Duration
	for i, d := range s {
		if d < MinDelay || d > MaxDelay {
			return fmt.Errorf("%w: delay %d is %s, not %s to %s", ErrInvalidSchedule, i, d, MinDelay, MaxDelay)
		}
		total += d
	}
	if total > MaxRetryWindow {
		return fmt.Errorf("%w: the delays add up to %s, more than %s", ErrInvalidSchedule, total, MaxRetryWindow)
	}
	return nil
}

// Next is the delay before attempt number attempt+1, attempt being the
// number of attempts made so far (1 after the first), with jitter taken
// from random, a number in [0, 1) the caller draws (in a workflow,
// through a side effect, so that replays agree); false when the schedule
// is spent.
func (s Schedule) Next(attempt int, random float64) (time.Duration, bool) {
	if attempt < 1 || attempt > len(s) {
		return 0, false
	}
	d := s[attempt-1]
	return d + time.Duration((random*2-1)*Jitter*float64(d)), true
}
