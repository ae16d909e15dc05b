package egress

import (
	"errors"
	"net/http"
	"strings"
)

// Reason names why the guard refused, in one short word that stays the
// same across releases: the address class's ("loopback", "private",
// "link-local", "unspecified", "shared"...), or "downgrade" for a redirect
// from https down to http. Metrics label refusals with it; unlike Error,
// it names no host.
func (e *RefusedError) Reason() string {
	if e.Downgrade {
		return "downgrade"
	}
	word, _, _ := strings.Cut(e.Class.String(), " ")
	return word
}

// noteRefusal tells note (Options.Refused, when set) of a refusal and
// returns it.
func noteRefusal(note func(*RefusedError), e *RefusedError) *RefusedError {
	if note != nil {
		note(e)
	}
	return e
}

// notingRefusals wraps a redirect policy so that note hears of the
// redirects it refuses.
func notingRefusals(policy func(*http.Request, []*http.Request) error, note func(*RefusedError)) func(*http.Request, []*http.Request) error {
	if note == nil {
		return policy
	}
	return func(req *http.Request, via []*http.Request) error {
		err := policy(req, via)
		if refused, ok := errors.AsType[*RefusedError](err); ok {
			note(refused)
		}
		return err
	}
}
