package auth

import (
	"fmt"
	"io"
	"log/slog"
)

// Secret is a credential: a password, a token, a client secret, an API key.
// Every way of printing it yields [redacted] (or [not set] when empty): fmt
// with any verb, encoding/json, encoding.TextMarshaler users, log/slog, and
// zap's Stringer path. Only Reveal returns the value, and this package calls
// it only to put the value on the wire.
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

// String returns [redacted], or [not set] for an empty secret.
func (s Secret) String() string { return s.shown() }

// GoString keeps %#v from printing the value.
func (s Secret) GoString() string { return fmt.Sprintf("auth.Secret(%q)", s.shown()) }

// Format covers every fmt verb, including %x, %q and %d, which would
// otherwise print the underlying string.
func (s Secret) Format(f fmt.State, verb rune) {
	if verb == 'v' && f.Flag('#') {
		_, _ = io.WriteString(f, s.GoString())
		return
	}
	_, _ = io.WriteString(f, s.shown())
}

// MarshalJSON writes the redacted form, so a config encoded for a log, a
// workflow payload or an API answer carries no secret. Decoding a Secret
// from JSON works as for any string.
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

// LogValue keeps the value out of log/slog output.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.shown()) }

// Reveal returns the value itself. Call it only to put the value on the
// wire.
func (s Secret) Reveal() string { return string(s) }
