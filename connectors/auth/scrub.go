package auth

import "github.com/junction-run/junction/egress"

// scrubber replaces the secrets a Credentials knows, in the forms they
// travel in (as they are, URL-, JSON- and base64-encoded), by [redacted]:
// egress.Scrubber, the one scrubber of everything Junction sends out,
// seen through the names this package uses.
type scrubber struct{ s *egress.Scrubber }

// newScrubber knows the non-empty values.
func newScrubber(values ...string) scrubber { return scrubber{egress.NewScrubber(values...)} }

func (s scrubber) with(values ...string) scrubber { return scrubber{s.s.With(values...)} }

func (s scrubber) clean(text string) string { return s.s.Replace(text) }

func (s scrubber) leaks(text string) bool { return s.s.Leaks(text) }

// excerpt is a short, single-line, scrubbed quote of an answer body for an
// error message.
func (s scrubber) excerpt(body []byte) string { return s.s.Snippet(body, 200) }

// err returns err unchanged when its message holds no secret, and
// otherwise an error with the scrubbed message that still answers
// errors.Is (for context.Canceled, ErrRejected and the like) and Timeout,
// but does not unwrap: see egress.Scrubber.Error.
func (s scrubber) err(err error) error { return s.s.Error(err) }
