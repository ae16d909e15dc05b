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
	if secs, err := strconv.Atoi(v); err == nil {
		if secs <= 0 {
			return 0
		}
		return time.Duration(secs) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now); d > 0 {
			return d
		}
	}
	return 0
}
