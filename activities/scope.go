package activities

import (
	"context"

	"github.com/junction-run/junction/connectors"
	"github.com/junction-run/junction/egress"
)

// minScopedEnvValue is the shortest environment value scrubbed: shorter
// ones ("eu", "1") would scrub ordinary words and digits out of every
// message, and a value that short protects nothing.
const minScopedEnvValue = 4

// secretScope holds what one activity's errors and requests must not
// repeat: the values of the connection's secret fields and of the
// environment variables in scope. Bound to the activity's context
// (egress.WithSecrets), it reaches every request made under it, by
// whatever code: their errors are scrubbed of those values and a redirect
// to another origin leaves them behind. Its clean is the last pass over
// the activity's own failure message.
type secretScope struct {
	values []string
	scrub  *egress.Scrubber
}

// newSecretScope knows the connection's secret values and every
// environment value of four bytes or more (which variables are secret is
// Vault's knowledge, not the map's, so every value is treated as one).
func newSecretScope(conn connectors.Connection, env connectors.EnvVars) secretScope {
	var values []string
	if sv, ok := conn.Secrets.(connectors.SecretValues); ok {
		for _, v := range sv {
			values = append(values, v)
		}
	}
	for _, v := range env {
		if len(v) >= minScopedEnvValue {
			values = append(values, v)
		}
	}
	return secretScope{values: values, scrub: egress.NewScrubber(values...)}
}

// bind returns ctx with the scope's values as secrets of every request
// sent under it.
func (s secretScope) bind(ctx context.Context) context.Context {
	return egress.WithSecrets(ctx, s.values...)
}

// clean replaces the scope's values in msg.
func (s secretScope) clean(msg string) string { return s.scrub.Replace(msg) }
