package vaultx

import (
	"fmt"
	"log/slog"
)

// Secret is a string that must never be printed: a token, a password, an API
// key. Every printer shows "[redacted]" in its place (or nothing when it is
// empty): fmt with any verb, encoding/json, encoding.TextMarshaler users,
// zap (through String) and log/slog. string(s) is the only way to the value,
// which makes every place that reveals a secret easy to find.
type Secret string

const redacted = "[redacted]"

func (s Secret) shown() string {
	if s == "" {
		return ""
	}
	return redacted
}

// String returns "[redacted]", or "" for an empty secret.
func (s Secret) String() string { return s.shown() }

// GoString returns "[redacted]" for %#v, or "" for an empty secret.
func (s Secret) GoString() string { return fmt.Sprintf("%q", s.shown()) }

// Format makes every fmt verb (%s, %v, %q, %x, %d…) print the redacted form.
func (s Secret) Format(f fmt.State, verb rune) {
	switch verb {
	case 'q':
		fmt.Fprintf(f, "%q", s.shown())
	case 'v':
		if f.Flag('#') {
			fmt.Fprint(f, s.GoString())
			return
		}
		fmt.Fprint(f, s.shown())
	default:
		fmt.Fprint(f, s.shown())
	}
}

// MarshalJSON encodes the redacted form, so a Secret inside a struct that is
// logged, returned by an API or recorded in a workflow history never carries
// its value.
func (s Secret) MarshalJSON() ([]byte, error) {
	return []byte(`"` + s.shown() + `"`), nil
}

// MarshalText encodes the redacted form.
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.shown()), nil }

// LogValue redacts the secret in log/slog output.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.shown()) }

var (
	_ fmt.Stringer   = Secret("")
	_ fmt.GoStringer = Secret("")
	_ fmt.Formatter  = Secret("")
	_ slog.LogValuer = Secret("")
)
