package httpconn

import (
	"fmt"
	"strconv"
	"strings"
)

// DefaultSuccessStatuses is what SuccessStatuses means when empty: any 2xx
// or 3xx answer is a success, as in EddyDesk's webhooks.
var DefaultSuccessStatuses = []string{"2xx", "3xx"}

// statusRange is an inclusive range of status codes.
type statusRange struct{ lo, hi int }

// statusSet is a parsed SuccessStatuses list.
type statusSet []statusRange

// parseStatuses reads patterns of three forms: a class ("2xx", "4XX"), a
// code ("200", "404") or an inclusive range ("200-299").
func parseStatuses(patterns []string) (statusSet, error) {
	if len(patterns) == 0 {
		patterns = DefaultSuccessStatuses
	}
	set := make(statusSet, 0, len(patterns))
	for _, p := range patterns {
		p = strings.TrimSpace(p)
		switch {
		case len(p) == 3 && strings.EqualFold(p[1:], "xx") && p[0] >= '1' && p[0] <= '5':
			lo := int(p[0]-'0') * 100
			set = append(set, statusRange{lo, lo + 99})
		case strings.Contains(p, "-"):
			a, b, _ := strings.Cut(p, "-")
			lo, err1 := parseCode(a)
			hi, err2 := parseCode(b)
			if err1 != nil || err2 != nil || lo > hi {
				return nil, fmt.Errorf("success status %q: want a class like 2xx, a code like 200 or a range like 200-299", p)
			}
			set = append(set, statusRange{lo, hi})
		default:
			code, err := parseCode(p)
			if err != nil {
				return nil, fmt.Errorf("success status %q: want a class like 2xx, a code like 200 or a range like 200-299", p)
			}
			set = append(set, statusRange{code, code})
		}
	}
	return set, nil
}

func parseCode(s string) (int, error) {
	s = strings.TrimSpace(s)
	code, err := strconv.Atoi(s)
	if err != nil || len(s) != 3 || code < 100 || code > 599 {
		return 0, fmt.Errorf("not a status code: %q", s)
	}
	return code, nil
}

func (s statusSet) contains(code int) bool {
	for _, r := range s {
		if code >= r.lo && code <= r.hi {
			return true
		}
	}
	return false
}

// CheckStatuses reports whether patterns are statuses Request's
// SuccessStatuses takes, with what is wrong when they are not: for those
// who declare them ahead of a call, as a declarative app's responses.
func CheckStatuses(patterns []string) error {
	_, err := parseStatuses(patterns)
	return err
}
