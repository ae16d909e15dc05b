// Package retryafter reads the Retry-After header (RFC 9110 §10.2.3).
//
// Deprecated: the parsing lives in package egress (egress.ParseRetryAfter,
// and egress.RetryAfter, which measures from the answer's Date and caps
// the delay). This package forwards to it until its last callers,
// activities and apiclient, move there; then it goes.
package retryafter

import (
	"time"

	"github.com/junction-run/junction/egress"
)

// Parse reads a Retry-After value in either of its forms, delay-seconds or
// an HTTP date (measured from now); zero means "no usable hint". It does
// not cap the delay.
//
// Deprecated: use egress.RetryAfter for a third party's answer (it caps),
// or egress.ParseRetryAfter.
func Parse(v string, now time.Time) time.Duration { return egress.ParseRetryAfter(v, now) }
