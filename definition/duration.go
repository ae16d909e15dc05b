package definition

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// MaxWaitDuration is the longest Wait duration and WaitForReply timeout a definition may ask for.
const MaxWaitDuration = 365 * 24 * time.Hour

// DefaultReplyTimeout is how long a WaitForReply step waits when it has no timeout input (8x8's
// default, "1.00:00:00").
const DefaultReplyTimeout = 24 * time.Hour

// ParseDuration reads a duration in any of the forms definitions use:
//
//   - 8x8's .NET TimeSpan form [-][d.]h:mm[:ss[.fffffff]]: "1.6:30:15" is 1 day 6 h 30 min 15 s,
//     "00:02:00" two minutes, "0.00:01:00" one minute;
//   - a bare integer, which 8x8 reads as days: "2" is two days;
//   - a Go duration: "90s", "1h30m", "-5m";
//   - an ISO 8601 duration with days, hours, minutes, seconds or weeks: "PT15M", "P1DT12H", "P2W"
//     (years and months have no fixed length and are rejected).
//
// Surrounding spaces are ignored. Negative durations are returned as such; callers that need a
// positive one check it. The interpreter uses ParseDuration for Wait, WaitForReply's timeout and
// the retry and timeout fields, so what Validate accepts is exactly what runs.
func ParseDuration(s string) (time.Duration, error) {
	in := strings.TrimSpace(s)
	if in == "" {
		return 0, fmt.Errorf("empty duration")
	}
	if d, ok, err := parseDays(in); ok {
		return d, err
	}
	if strings.Contains(in, ":") {
		return parseTimeSpan(in)
	}
	body := strings.TrimPrefix(strings.TrimPrefix(in, "-"), "+")
	if len(body) > 0 && (body[0] == 'P' || body[0] == 'p') {
		return parseISODuration(in)
	}
	d, err := time.ParseDuration(in)
	if err != nil {
		return 0, fmt.Errorf("invalid duration %q: use d.HH:mm:ss (e.g. 1.06:30:15), a whole number of days, a Go duration such as 90s, or ISO 8601 such as PT15M", s)
	}
	return d, nil
}

// parseDays reads a bare integer number of days.
func parseDays(s string) (time.Duration, bool, error) {
	body := strings.TrimPrefix(strings.TrimPrefix(s, "-"), "+")
	if body == "" || strings.TrimLeft(body, "0123456789") != "" {
		return 0, false, nil
	}
	n, err := strconv.ParseInt(body, 10, 64)
	if err != nil || n > math.MaxInt64/int64(24*time.Hour) {
		return 0, true, fmt.Errorf("duration %q is too long", s)
	}
	d := time.Duration(n) * 24 * time.Hour
	if strings.HasPrefix(s, "-") {
		d = -d
	}
	return d, true, nil
}

// parseTimeSpan reads [-][d.]h:mm[:ss[.fffffff]].
func parseTimeSpan(s string) (time.Duration, error) {
	bad := func() (time.Duration, error) {
		return 0, fmt.Errorf("invalid duration %q: use d.HH:mm:ss, e.g. 1.06:30:15 or 00:05:00", s)
	}
	neg := false
	body := s
	if strings.HasPrefix(body, "-") {
		neg, body = true, body[1:]
	}
	var days int64
	colon := strings.IndexByte(body, ':')
	if dot := strings.IndexByte(body, '.'); dot >= 0 && dot < colon {
		n, ok := digits(body[:dot], 1, 8)
		if !ok {
			return bad()
		}
		days, body = n, body[dot+1:]
	}
	parts := strings.Split(body, ":")
	if len(parts) < 2 || len(parts) > 3 {
		return bad()
	}
	h, ok := digits(parts[0], 1, 2)
	if !ok || h > 23 {
		return bad()
	}
	m, ok := digits(parts[1], 2, 2)
	if !ok || m > 59 {
		return bad()
	}
	var sec int64
	var frac time.Duration
	if len(parts) == 3 {
		secPart, fracPart, hasFrac := strings.Cut(parts[2], ".")
		if sec, ok = digits(secPart, 2, 2); !ok || sec > 59 {
			return bad()
		}
		if hasFrac {
			f, ok := digits(fracPart, 1, 7)
			if !ok {
				return bad()
			}
			for range 9 - len(fracPart) {
				f *= 10
			}
			frac = time.Duration(f)
		}
	}
	if days > int64(maxDurationDays) {
		return 0, fmt.Errorf("duration %q is too long", s)
	}
	d := time.Duration(days)*24*time.Hour + time.Duration(h)*time.Hour + time.Duration(m)*time.Minute +
		time.Duration(sec)*time.Second + frac
	if neg {
		d = -d
	}
	return d, nil
}

// maxDurationDays is the largest number of days a duration can hold (time.Duration's range).
const maxDurationDays = int(math.MaxInt64 / int64(24*time.Hour))

// digits parses a run of minLen to maxLen ASCII digits.
func digits(s string, minLen, maxLen int) (int64, bool) {
	if len(s) < minLen || len(s) > maxLen {
		return 0, false
	}
	var n int64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, true
}

// parseISODuration reads [-]P[nW][nD][T[nH][nM][n[.f]S]].
func parseISODuration(s string) (time.Duration, error) {
	bad := func() (time.Duration, error) {
		return 0, fmt.Errorf("invalid ISO 8601 duration %q: use days, hours, minutes and seconds, e.g. P1DT12H or PT15M", s)
	}
	neg := false
	body := s
	switch {
	case strings.HasPrefix(body, "-"):
		neg, body = true, body[1:]
	case strings.HasPrefix(body, "+"):
		body = body[1:]
	}
	body = strings.ToUpper(body[1:]) // drop P
	if body == "" || body == "T" {
		return bad()
	}
	var total float64
	inTime := false
	seen := false
	for body != "" {
		if body[0] == 'T' {
			if inTime {
				return bad()
			}
			inTime = true
			body = body[1:]
			if body == "" {
				return bad()
			}
			continue
		}
		i := 0
		for i < len(body) && (body[i] >= '0' && body[i] <= '9' || body[i] == '.' || body[i] == ',') {
			i++
		}
		if i == 0 || i == len(body) {
			return bad()
		}
		n, err := strconv.ParseFloat(strings.ReplaceAll(body[:i], ",", "."), 64)
		if err != nil {
			return bad()
		}
		var unit time.Duration
		switch unit2 := body[i]; {
		case !inTime && unit2 == 'W':
			unit = 7 * 24 * time.Hour
		case !inTime && unit2 == 'D':
			unit = 24 * time.Hour
		case inTime && unit2 == 'H':
			unit = time.Hour
		case inTime && unit2 == 'M':
			unit = time.Minute
		case inTime && unit2 == 'S':
			unit = time.Second
		default:
			return bad()
		}
		total += n * float64(unit)
		seen = true
		body = body[i+1:]
	}
	if !seen {
		return bad()
	}
	if total > math.MaxInt64 {
		return 0, fmt.Errorf("duration %q is too long", s)
	}
	d := time.Duration(total)
	if neg {
		d = -d
	}
	return d, nil
}

// durationValue reads a duration input as it appears in a definition: a string for
// ParseDuration or a number of days (8x8's bare integer, written as a JSON number).
func durationValue(v any) (time.Duration, error) {
	if s, ok := v.(string); ok {
		return ParseDuration(s)
	}
	f, ok := toFloat(v)
	if !ok {
		return 0, fmt.Errorf("must be a duration string such as \"0.00:05:00\" or a number of days")
	}
	if math.IsNaN(f) || math.Abs(f) > float64(maxDurationDays) {
		return 0, fmt.Errorf("duration %v is out of range", f)
	}
	return time.Duration(f * float64(24*time.Hour)), nil
}
