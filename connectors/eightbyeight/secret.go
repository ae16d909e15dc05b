package eightbyeight

import (
	"fmt"
	"io"
	"log/slog"
)

// Secret is an 8x8 API key. Every way of printing it yields [redacted] (or
// [not set] when empty), so a key held in a config, a struct or an error can
// never reach a log line, a workflow history or an API answer by accident.
// Only Reveal returns the key, and only the client's Authorization header
// calls it.
type Secret string

const (
	redacted = "[redacted]"
	notSet   = "[not set]"
)

var (
	_ fmt.Stringer   = Secret("")
	_ fmt.GoStringer = Secret("")
	_ fmt.Formatter  = Secret("")
	_ slog.LogValuer = Secret("")
)

func (s Secret) shown() string {
	if s == "" {
		return notSet
	}
	return redacted
}

// String returns [redacted], or [not set] for an empty key.
func (s Secret) String() string { return s.shown() }

// GoString keeps %#v from printing the key.
func (s Secret) GoString() string { return fmt.Sprintf("eightbyeight.Secret(%q)", s.shown()) }

// Format covers every fmt verb, including %x, %q and %d, which would
// otherwise print the underlying string.
func (s Secret) Format(f fmt.State, verb rune) {
	if verb == 'v' && f.Flag('#') {
		_, _ = io.WriteString(f, s.GoString())
		return
	}
	_, _ = io.WriteString(f, s.shown())
}

// MarshalJSON writes the redacted form, so a Config encoded for a log or a
// debug endpoint carries no key. (Decoding a Secret from JSON works as for
// any string.)
func (s Secret) MarshalJSON() ([]byte, error) {
	if s == "" {
		return []byte(`""`), nil
	}
	return []byte(`"` + redacted + `"`), nil
}

// MarshalText serves encoders that use encoding.TextMarshaler (YAML, TOML,
// map keys).
func (s Secret) MarshalText() ([]byte, error) {
	if s == "" {
		return nil, nil
	}
	return []byte(redacted), nil
}

// LogValue keeps the key out of log/slog output.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.shown()) }

// Reveal returns the key itself. Call it only to put the key on the wire.
func (s Secret) Reveal() string { return string(s) }
