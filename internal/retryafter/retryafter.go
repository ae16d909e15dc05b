// Package retryafter reads the Retry-After header (RFC 9110 §10.2.3), which
// every third party Junction calls may send with 429 and 503 answers, and
// which Junction's own gateway sends.
package retryafter

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Parse reads a Retry-After value in either of its forms, delay-seconds or
// an HTTP date (measured from now); zero means "no usable hint".
func Parse(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		// The largest delay a Duration holds; a bigger value must not
		// overflow into a negative (that is, no) delay.
		const maxSecs = int64(1<<63-1) / int64(time.Second)
		if secs <= 0 {
			return 0
		}
		return time.Duration(min(secs, maxSecs)) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now); d > 0 {
			return d
		}
	}
	return 0
}
