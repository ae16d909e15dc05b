// Package vaultx is the thin, typed wrapper over HashiCorp Vault's API client
// that every credential read and write in Junction goes through: KV v2 reads
// (cached for a short time), check-and-set writes, deletes and lists; token,
// AppRole or Kubernetes login with a renewal goroutine owned by the client;
// and typed errors that callers branch on with errors.Is. No Vault type
// appears in its API, so the rest of Junction neither depends on nor leaks
// the Vault client.
//
// Credentials live in Vault and are read inside activities at call time, so
// the values this package returns are of type [Secret], which every printer
// (fmt, encoding/json, encoding, zap, slog) redacts, and no error it returns
// contains a secret value or a token. [ErrUnavailable] marks what a retry can
// fix (Vault down, sealed, overloaded); the activity layer turns it into a
// retryable Temporal error, so a Vault outage delays runs instead of failing
// them.
//
// Tests run against a real Vault server: see package
// github.com/junction-run/junction/vaultx/vaulttest.
package vaultx
