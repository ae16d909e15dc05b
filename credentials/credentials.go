// Package credentials owns Junction's secrets in Vault: the path scheme,
// and every write of a connection's secret fields, an account's secret
// environment variables and a connection's webhook secret, each with the
// same check-and-set rule, and the reads the worker's activities and the
// gateway's webhook intake make.
//
// Who reads what (docs/api.md says the same): the gateway writes and
// deletes connection secrets and secret environment variables, and reads
// only the one secret field that verifies a connection's webhook
// deliveries; the worker's activities read connection secrets, secret
// environment variables and OAuth2 tokens, and write tokens. No secret
// value leaves the process that read it: errors name paths and fields,
// never values.
package credentials

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/junction-run/junction/vaultx"
)

// DefaultPrefix is where in Vault's KV mount Junction keeps secrets.
const DefaultPrefix = "junction"

// ConnectionPath is the Vault KV path (relative to the mount) of a
// connection's secret fields: prefix + "/accounts/<account>/connections/<id>"
// (an empty prefix is DefaultPrefix).
func ConnectionPath(prefix, accountID, connectionID string) string {
	return root(prefix) + "/accounts/" + accountID + "/connections/" + connectionID
}

// TokenPath is the Vault KV path of an OAuth2 connection's tokens: beside
// its secret fields, at ConnectionPath + "/oauth2-token". Tokens are
// written by the authorization callback and the connection's refresher
// with check-and-set on this path's version, which a change of the
// connection's own secret fields (another path) never disturbs.
func TokenPath(prefix, accountID, connectionID string) string {
	return ConnectionPath(prefix, accountID, connectionID) + "/oauth2-token"
}

// EnvPath is the Vault KV path holding the secret environment variables of
// one app version for one account, all in one entry keyed by variable
// name: prefix + "/accounts/<account>/apps/<app>/versions/<version>/env".
func EnvPath(prefix, accountID, app, appVersion string) string {
	return root(prefix) + "/accounts/" + accountID + "/apps/" + app + "/versions/" + appVersion + "/env"
}

func root(prefix string) string {
	prefix = strings.Trim(prefix, "/")
	if prefix == "" {
		return DefaultPrefix
	}
	return prefix
}

// ErrConflict means other writers kept changing an entry while a write
// tried to merge into it; nothing of this write was applied, and sending
// it again is safe.
var ErrConflict = errors.New("the secrets kept changing while they were written")

// ErrNotConfigured means this process has no Vault.
var ErrNotConfigured = errors.New("secrets need Vault, and none is configured")

// Vault is the part of *vaultx.Client the secrets need.
type Vault interface {
	Read(ctx context.Context, path string) (vaultx.Entry, error)
	ReadFresh(ctx context.Context, path string) (vaultx.Entry, error)
	Write(ctx context.Context, path string, data map[string]any, cas int) (int, error)
	Patch(ctx context.Context, path string, data map[string]any, cas int) (int, error)
	CurrentVersion(ctx context.Context, path string) (int, error)
	Delete(ctx context.Context, path string) error
}

// Secrets reads and writes secrets under one prefix. A nil *Secrets, or
// one over a nil Vault, answers every call with ErrNotConfigured.
type Secrets struct {
	vault  Vault
	prefix string
}

// New returns the secrets kept under prefix ("" is DefaultPrefix) in v
// (a *vaultx.Client); v nil gives Secrets that are not configured.
func New(v Vault, prefix string) *Secrets {
	if c, ok := v.(*vaultx.Client); ok && c == nil {
		v = nil // a typed nil is no Vault either
	}
	return &Secrets{vault: v, prefix: prefix}
}

// pathPrefix is the prefix of the paths, also of a nil *Secrets (whose
// calls then fail with ErrNotConfigured).
func (s *Secrets) pathPrefix() string {
	if s == nil {
		return ""
	}
	return s.prefix
}

// Configured reports whether there is a Vault behind the secrets.
func (s *Secrets) Configured() bool { return s != nil && s.vault != nil }

// mergeAttempts bounds how often merge tries again after another writer
// changed the entry between reading its version and writing.
const mergeAttempts = 5

// merge is the one check-and-set rule of every write: set and clear keys
// of the entry at path as a patch of the version just read (or create the
// entry when there is none), and when another writer came in between,
// read the version again and patch again. Only the keys this write names
// change; the values of the others are never read. After mergeAttempts
// conflicts it gives up with ErrConflict.
func (s *Secrets) merge(ctx context.Context, path string, set map[string]any, clear []string) error {
	if !s.Configured() {
		return ErrNotConfigured
	}
	patch := make(map[string]any, len(set)+len(clear))
	for k, v := range set {
		patch[k] = v
	}
	for _, k := range clear {
		patch[k] = nil
	}
	for range mergeAttempts {
		version, err := s.vault.CurrentVersion(ctx, path)
		switch {
		case errors.Is(err, vaultx.ErrNotFound):
			if len(set) == 0 {
				return nil // nothing to clear
			}
			_, err = s.vault.Write(ctx, path, set, vaultx.CreateOnly)
		case err == nil:
			_, err = s.vault.Patch(ctx, path, patch, version)
		}
		if errors.Is(err, vaultx.ErrCASConflict) {
			continue
		}
		if err != nil {
			return fmt.Errorf("writing %s: %w", path, err)
		}
		return nil
	}
	return fmt.Errorf("writing %s: %w", path, ErrConflict)
}

// CreateConnection stores a new connection's secret fields. The path of a
// new connection must be new: an entry already there is a conflict.
func (s *Secrets) CreateConnection(ctx context.Context, accountID, connectionID string, values map[string]any) error {
	if !s.Configured() {
		return ErrNotConfigured
	}
	path := ConnectionPath(s.pathPrefix(), accountID, connectionID)
	if _, err := s.vault.Write(ctx, path, values, vaultx.CreateOnly); err != nil {
		if errors.Is(err, vaultx.ErrCASConflict) {
			err = ErrConflict
		}
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}

// UpdateConnection sets and clears a connection's secret fields, keeping
// the others as they are.
func (s *Secrets) UpdateConnection(ctx context.Context, accountID, connectionID string, set map[string]any, clear []string) error {
	return s.merge(ctx, ConnectionPath(s.pathPrefix(), accountID, connectionID), set, clear)
}

// DeleteConnection deletes a connection's secret fields and its OAuth2
// tokens; deleting what is not there is no error.
func (s *Secrets) DeleteConnection(ctx context.Context, accountID, connectionID string) error {
	if !s.Configured() {
		return ErrNotConfigured
	}
	for _, path := range []string{ConnectionPath(s.pathPrefix(), accountID, connectionID), TokenPath(s.pathPrefix(), accountID, connectionID)} {
		if err := s.vault.Delete(ctx, path); err != nil && !errors.Is(err, vaultx.ErrNotFound) {
			return fmt.Errorf("deleting %s: %w", path, err)
		}
	}
	return nil
}

// Connection reads a connection's secret fields. A connection with none
// stored is vaultx.ErrNotFound.
func (s *Secrets) Connection(ctx context.Context, accountID, connectionID string) (map[string]string, error) {
	return s.read(ctx, ConnectionPath(s.pathPrefix(), accountID, connectionID))
}

// WebhookSecret reads the one secret field of a connection that verifies
// its webhook deliveries; "" when the connection has none. It is the only
// secret the gateway reads.
func (s *Secrets) WebhookSecret(ctx context.Context, accountID, connectionID, field string) (string, error) {
	values, err := s.read(ctx, ConnectionPath(s.pathPrefix(), accountID, connectionID))
	if errors.Is(err, vaultx.ErrNotFound) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	return values[field], nil
}

// UpdateEnv sets and clears an account's secret environment variables of
// one app version, keeping the others as they are.
func (s *Secrets) UpdateEnv(ctx context.Context, accountID, app, appVersion string, set map[string]string, clear []string) error {
	values := make(map[string]any, len(set))
	for k, v := range set {
		values[k] = vaultx.Secret(v)
	}
	return s.merge(ctx, EnvPath(s.pathPrefix(), accountID, app, appVersion), values, clear)
}

// DeleteEnv deletes the entry of an account's secret environment variables
// of one app version: what the caller does when the last of them goes,
// so that no empty entry is left behind.
func (s *Secrets) DeleteEnv(ctx context.Context, accountID, app, appVersion string) error {
	if !s.Configured() {
		return ErrNotConfigured
	}
	path := EnvPath(s.pathPrefix(), accountID, app, appVersion)
	if err := s.vault.Delete(ctx, path); err != nil && !errors.Is(err, vaultx.ErrNotFound) {
		return fmt.Errorf("deleting %s: %w", path, err)
	}
	return nil
}

// Env reads an account's secret environment variables of one app version;
// none stored is an empty map.
func (s *Secrets) Env(ctx context.Context, accountID, app, appVersion string) (map[string]string, error) {
	values, err := s.read(ctx, EnvPath(s.pathPrefix(), accountID, app, appVersion))
	if errors.Is(err, vaultx.ErrNotFound) {
		return map[string]string{}, nil
	}
	return values, err
}

// Token is an OAuth2 connection's stored token, field by field, and the
// version of its entry, which a refresh writes over with check-and-set.
type Token struct {
	Values  map[string]string
	Version int
}

// Token reads an OAuth2 connection's token through the Vault client's
// short read cache (what a call about to send it needs); FreshToken reads
// past the cache (what a refresh deciding whether to refresh needs). No
// token stored is vaultx.ErrNotFound.
func (s *Secrets) Token(ctx context.Context, accountID, connectionID string) (Token, error) {
	return s.token(ctx, accountID, connectionID, false)
}

// FreshToken is Token, read past the cache.
func (s *Secrets) FreshToken(ctx context.Context, accountID, connectionID string) (Token, error) {
	return s.token(ctx, accountID, connectionID, true)
}

func (s *Secrets) token(ctx context.Context, accountID, connectionID string, fresh bool) (Token, error) {
	if !s.Configured() {
		return Token{}, ErrNotConfigured
	}
	path := TokenPath(s.pathPrefix(), accountID, connectionID)
	read := s.vault.Read
	if fresh {
		read = s.vault.ReadFresh
	}
	e, err := read(ctx, path)
	if err != nil {
		return Token{}, err
	}
	t := Token{Values: make(map[string]string, len(e.Data)), Version: e.Version}
	for name, value := range e.Data {
		t.Values[name] = string(value)
	}
	return t, nil
}

// RefreshToken writes a refreshed token over the version the refresh read.
// Another writer in between (only a new authorization writes here besides
// the connection's one refresher) is ErrConflict: its token is the current
// one, and the caller reads it.
func (s *Secrets) RefreshToken(ctx context.Context, accountID, connectionID string, values map[string]any, version int) (int, error) {
	if !s.Configured() {
		return 0, ErrNotConfigured
	}
	path := TokenPath(s.pathPrefix(), accountID, connectionID)
	v, err := s.vault.Write(ctx, path, values, version)
	if errors.Is(err, vaultx.ErrCASConflict) {
		return 0, fmt.Errorf("writing %s: %w", path, ErrConflict)
	}
	if err != nil {
		return 0, fmt.Errorf("writing %s: %w", path, err)
	}
	return v, nil
}

// AuthorizeToken stores the token of a new authorization, replacing
// whatever is stored: check-and-set on the current version, again when a
// refresh came in between, ErrConflict after as many attempts as a merge.
func (s *Secrets) AuthorizeToken(ctx context.Context, accountID, connectionID string, values map[string]any) (int, error) {
	if !s.Configured() {
		return 0, ErrNotConfigured
	}
	path := TokenPath(s.pathPrefix(), accountID, connectionID)
	for range mergeAttempts {
		cas, err := s.vault.CurrentVersion(ctx, path)
		switch {
		case errors.Is(err, vaultx.ErrNotFound):
			cas = vaultx.CreateOnly
		case err != nil:
			return 0, fmt.Errorf("reading the version of %s: %w", path, err)
		}
		v, err := s.vault.Write(ctx, path, values, cas)
		if errors.Is(err, vaultx.ErrCASConflict) {
			continue
		}
		if err != nil {
			return 0, fmt.Errorf("writing %s: %w", path, err)
		}
		return v, nil
	}
	return 0, fmt.Errorf("writing %s: %w", path, ErrConflict)
}

func (s *Secrets) read(ctx context.Context, path string) (map[string]string, error) {
	if !s.Configured() {
		return nil, ErrNotConfigured
	}
	e, err := s.vault.Read(ctx, path)
	if err != nil {
		// vaultx errors carry a path and Vault's (redacted) messages,
		// never a value.
		return nil, err
	}
	values := make(map[string]string, len(e.Data))
	for name, value := range e.Data {
		values[name] = string(value)
	}
	return values, nil
}
