package egress

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// ParseRetryAfter reads a Retry-After value (RFC 9110 §10.2.3) in either of
// its forms, delay-seconds or an HTTP date measured from now; zero means
// "no usable hint" (absent, garbage, or a moment already past). It does not
// cap: RetryAfter does, and callers that act on the delay should use it.
func ParseRetryAfter(value string, now time.Time) time.Duration {
	value = strings.TrimSpace(value)
	if value == "" {
		return 0
	}
	if secs, err := strconv.ParseInt(value, 10, 64); err == nil {
		// The largest delay a Duration holds; a bigger value must not
		// overflow into a negative (that is, no) delay.
		const maxSecs = int64(1<<63-1) / int64(time.Second)
		if secs <= 0 {
			return 0
		}
		return time.Duration(min(secs, maxSecs)) * time.Second
	}
	if t, err := http.ParseTime(value); err == nil {
		if d := t.Sub(now); d > 0 {
			return d
		}
	}
	return 0
}

// RetryAfter is the delay an answer's Retry-After asks for, capped at
// MaxRetryAfter. An HTTP date is measured from the answer's Date header
// when that parses, which cancels the clock skew between the third party
// and us, and from now otherwise.
func RetryAfter(h http.Header, now time.Time) time.Duration {
	value := h.Get("Retry-After")
	if value == "" {
		return 0
	}
	if d, err := http.ParseTime(strings.TrimSpace(h.Get("Date"))); err == nil {
		now = d
	}
	return min(ParseRetryAfter(value, now), MaxRetryAfter)
}
