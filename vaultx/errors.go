package vaultx

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"github.com/hashicorp/vault/api"
)

// The errors callers branch on, with errors.Is. Every error a Client returns
// wraps at most one of them; an error that wraps none is a caller or
// configuration mistake (a bad path, a missing mount, a malformed value)
// that retrying will not fix.
var (
	// ErrNotFound: no secret at the path, or its latest version is deleted.
	ErrNotFound = errors.New("vaultx: secret not found")
	// ErrPermissionDenied: the client's token may not do this (Vault's 403),
	// or the login was refused.
	ErrPermissionDenied = errors.New("vaultx: permission denied")
	// ErrCASConflict: a check-and-set write found another version than the
	// one it expected; read again and retry the change.
	ErrCASConflict = errors.New("vaultx: check-and-set conflict")
	// ErrUnavailable: Vault could not answer: a network error, a timeout, a
	// 5xx, a sealed or uninitialised server, a rate limit. Retrying later
	// can succeed.
	ErrUnavailable = errors.New("vaultx: vault unavailable")
)

// opError is what every Client method returns on failure. Its text is built
// by this package from the operation, the path and Vault's error messages,
// with every secret the client knows replaced by "[redacted]"; the
// underlying Vault or transport error is deliberately not wrapped, so
// neither its text nor a Vault type can escape through errors.As.
type opError struct {
	op     string // "read", "write", "login"…
	path   string // the secret path, never a value
	kind   error  // a sentinel above, a context error, or nil
	status int    // HTTP status, 0 when there was no response
	detail string // already redacted
}

func (e *opError) Error() string {
	var b strings.Builder
	b.WriteString("vaultx: ")
	b.WriteString(e.op)
	if e.path != "" {
		b.WriteString(" ")
		b.WriteString(strconv.Quote(e.path))
	}
	switch e.kind {
	case ErrNotFound:
		b.WriteString(": not found")
	case ErrPermissionDenied:
		b.WriteString(": permission denied")
	case ErrCASConflict:
		b.WriteString(": check-and-set conflict")
	case ErrUnavailable:
		b.WriteString(": vault unavailable")
	case nil:
	default:
		b.WriteString(": ")
		b.WriteString(e.kind.Error())
	}
	if e.status != 0 {
		b.WriteString(" (HTTP ")
		b.WriteString(strconv.Itoa(e.status))
		b.WriteString(")")
	}
	if e.detail != "" {
		b.WriteString(": ")
		b.WriteString(e.detail)
	}
	return b.String()
}

func (e *opError) Unwrap() error { return e.kind }

// casMismatch is the text Vault's KV v2 engine answers a failed
// check-and-set with (400), both for a version mismatch and for cas=0 on an
// existing secret.
const casMismatch = "check-and-set parameter did not match the current version"

// classify turns an error from the Vault client into an opError. ctx is the
// caller's context: when it is done, its error is what the caller gets, not
// ErrUnavailable. secrets are replaced in every message.
func classify(ctx context.Context, op, path string, err error, secrets []string) error {
	e := &opError{op: op, path: path}
	var re *api.ResponseError
	switch {
	case errors.As(err, &re):
		e.status = re.StatusCode
		e.detail = redact(strings.Join(cleanMessages(re.Errors), "; "), secrets)
		e.kind = kindOf(re)
	case ctx.Err() != nil:
		e.kind = ctx.Err()
	default:
		// No answer from Vault: a refused connection, a reset, a TLS
		// failure, the client's own timeout, a response that is not Vault's.
		e.kind = ErrUnavailable
		e.detail = redact(err.Error(), secrets)
	}
	return e
}

func kindOf(re *api.ResponseError) error {
	msgs := strings.Join(re.Errors, "\n")
	switch code := re.StatusCode; {
	case code == 404 && strings.Contains(msgs, "no handler for route"):
		// The mount is missing: a configuration mistake, not a missing
		// secret that a caller might legitimately expect.
		return nil
	case code == 404:
		return ErrNotFound
	case code == 403:
		return ErrPermissionDenied
	case code == 400 && strings.Contains(msgs, casMismatch):
		return ErrCASConflict
	case code == 412, code == 429, code >= 500:
		// 412: a performance standby has not caught up yet; 429: rate limit
		// or quota; 503: sealed, standby without a leader, or maintenance.
		return ErrUnavailable
	}
	return nil
}

// cleanMessages tidies Vault's error strings, which are often multierror
// blocks ("1 error occurred:\n\t* permission denied\n\n").
func cleanMessages(msgs []string) []string {
	out := make([]string, 0, len(msgs))
	for _, m := range msgs {
		var parts []string
		for _, line := range strings.Split(m, "\n") {
			line = strings.TrimSpace(line)
			line = strings.TrimPrefix(line, "* ")
			if line == "" || strings.HasSuffix(line, "error occurred:") || strings.HasSuffix(line, "errors occurred:") {
				continue
			}
			parts = append(parts, line)
		}
		if len(parts) > 0 {
			out = append(out, strings.Join(parts, "; "))
		}
	}
	return out
}

// minRedactLen is the shortest value redact replaces: shorter strings would
// turn every message into noise ("permission denied" contains "a", "de"…),
// and Vault's messages do not echo values anyway; redaction is a second
// line of defence, not the first.
const minRedactLen = 4

// redact replaces every occurrence of each secret in msg.
func redact(msg string, secrets []string) string {
	for _, s := range secrets {
		if len(s) >= minRedactLen {
			msg = strings.ReplaceAll(msg, s, redacted)
		}
	}
	return msg
}

// stringsIn collects the string values of v (maps, slices, Secrets), for
// redaction of messages about a write.
func stringsIn(v any, out []string) []string {
	switch v := v.(type) {
	case string:
		out = append(out, v)
	case Secret:
		out = append(out, string(v))
	case map[string]any:
		for _, x := range v {
			out = stringsIn(x, out)
		}
	case map[string]string:
		for _, x := range v {
			out = append(out, x)
		}
	case map[string]Secret:
		for _, x := range v {
			out = append(out, string(x))
		}
	case []any:
		for _, x := range v {
			out = stringsIn(x, out)
		}
	case []string:
		out = append(out, v...)
	}
	return out
}
