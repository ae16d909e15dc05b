package eightbyeight

import "github.com/junction-run/junction/connectors/auth"

// Secret is an 8x8 API key. It is connectors/auth's Secret: every way of
// printing it yields [redacted] (or [not set] when empty), so a key held in
// a config, a struct or an error never reaches a log line, a workflow
// history or an API answer by accident; only Reveal returns it, and only
// the client's Authorization header calls it.
type Secret = auth.Secret
