package auth

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"
)

// scrubber replaces known secret values, in the forms they travel in, by
// [redacted].
type scrubber []string

// newScrubber collects the non-empty values and their URL-, JSON- and
// base64-encoded forms.
func newScrubber(values ...string) scrubber {
	var s scrubber
	add := func(v string) {
		if v == "" {
			return
		}
		for _, have := range s {
			if have == v {
				return
			}
		}
		s = append(s, v)
	}
	for _, v := range values {
		if v == "" {
			continue
		}
		add(v)
		add(url.QueryEscape(v))
		add(url.PathEscape(v))
		if b, err := json.Marshal(v); err == nil {
			add(strings.Trim(string(b), `"`))
		}
		add(base64.StdEncoding.EncodeToString([]byte(v)))
	}
	// Longest first, so that a secret containing another is replaced whole.
	slices.SortStableFunc(s, func(a, b string) int { return len(b) - len(a) })
	return s
}

func (s scrubber) with(values ...string) scrubber {
	return newScrubber(append(append([]string(nil), s...), values...)...)
}

func (s scrubber) clean(text string) string {
	for _, v := range s {
		text = strings.ReplaceAll(text, v, redacted)
	}
	return text
}

func (s scrubber) leaks(text string) bool {
	for _, v := range s {
		if strings.Contains(text, v) {
			return true
		}
	}
	return false
}

// excerpt is a short, single-line, scrubbed quote of an answer body for an
// error message.
func (s scrubber) excerpt(body []byte) string {
	const max = 200
	text := strings.Join(strings.Fields(string(body)), " ")
	text = s.clean(text)
	if len(text) > max {
		cut := max
		for cut > 0 && !utf8.RuneStart(text[cut]) {
			cut--
		}
		text = text[:cut] + "…"
	}
	return text
}

// err returns err unchanged when its message holds no secret, and
// otherwise an error with the scrubbed message that still answers
// errors.Is (for context.Canceled, ErrRejected and the like) and Timeout,
// but does not unwrap: the original, which holds the secret, cannot be
// reached and printed.
func (s scrubber) err(err error) error {
	if err == nil || !s.leaks(err.Error()) {
		return err
	}
	return &scrubbedError{msg: s.clean(err.Error()), cause: err}
}

type scrubbedError struct {
	msg   string
	cause error
}

func (e *scrubbedError) Error() string { return e.msg }

func (e *scrubbedError) Is(target error) bool { return errors.Is(e.cause, target) }

// Timeout reports whether the underlying error was a timeout, as net.Error
// does.
func (e *scrubbedError) Timeout() bool {
	var t interface{ Timeout() bool }
	return errors.As(e.cause, &t) && t.Timeout()
}
