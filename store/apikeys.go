package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"encoding/base32"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// API key scopes. A key holds one or more; what each allows is the gateway's decision.
const (
	ScopeRead  = "read"  // read anything of the account
	ScopeRuns  = "runs"  // start, suspend, resume and terminate runs
	ScopeAdmin = "admin" // everything, including definitions and keys
)

// APIKey is the stored record of an API key. It never holds the key itself: the full key exists
// only in the return value of CreateAPIKey and RotateAPIKey.
type APIKey struct {
	ID         string // "key_" + random; stable, not secret, used in URLs
	AccountID  string
	Name       string
	Prefix     string   // the public start of the key, such as "jk_4f9a2c1e", shown in listings
	Scopes     []string // ScopeRead, ScopeRuns and/or ScopeAdmin, sorted, never empty
	CreatedAt  time.Time
	LastUsedAt *time.Time // nil until first used; updated at most once per lastUsedResolution
	RevokedAt  *time.Time // nil while the key is valid
}

// An API key is "jk_" + 8 characters + "_" + the secret, for example
//
//	jk_4f9a2c1e_6QxW0bZ1yLr9kP3mT8vN2cJ5hD7gF4sA
//
// The 8 characters are lowercase base32hex (0-9, a-v: 40 random bits); with "jk_" they are the
// prefix, which is unique, stored in clear and shown in listings, so a key found in a log or a
// repository can be told apart from its siblings without revealing anything secret. The secret is
// keySecretLen characters of base62 from crypto/rand (about 190 bits).
const (
	keyTag          = "jk_"
	keyPrefixRandom = 8
	keyPrefixLen    = len(keyTag) + keyPrefixRandom // "jk_4f9a2c1e"
	keySecretLen    = 32
	// Keys are parsed leniently about the secret's length (at least keySecretLen, so longer
	// secrets may be issued later) but not unboundedly.
	maxKeyLen = 256
)

// lastUsedResolution bounds how often AuthenticateAPIKey writes LastUsedAt: at most once per
// key per this interval, so authenticating is a read on almost every request.
const lastUsedResolution = time.Minute

// errNoSuchKey is the one error AuthenticateAPIKey gives for every key it does not accept, so a
// caller cannot tell a malformed key from an unknown, wrong or revoked one. It never holds the key.
var errNoSuchKey = fmt.Errorf("API key: %w", ErrNotFound)

// keyColumns is what scanAPIKey reads.
const keyColumns = `id, account_id, name, prefix, scopes, created_at, last_used_at, revoked_at`

// CreateAPIKey makes a key for an existing account (ErrNotFound otherwise) and returns its record
// and the full key, which is not stored and cannot be retrieved again. Empty scopes mean
// [ScopeAdmin]; an unknown scope is ErrInvalid. Duplicate scopes are dropped.
func (s *Store) CreateAPIKey(ctx context.Context, accountID, name string, scopes []string) (APIKey, string, error) {
	if err := validateName("API key", name); err != nil {
		return APIKey{}, "", err
	}
	scopes, err := normalizeScopes(scopes)
	if err != nil {
		return APIKey{}, "", err
	}
	var (
		k   APIKey
		key string
	)
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.accountExists(ctx, tx, accountID); err != nil {
			return err
		}
		k, key, err = s.insertKey(ctx, tx, APIKey{AccountID: accountID, Name: name, Scopes: scopes, CreatedAt: s.now().UTC()})
		return err
	})
	if err != nil {
		return APIKey{}, "", fmt.Errorf("creating API key for account %s: %w", accountID, err)
	}
	return k, key, nil
}

// insertKey generates an ID, prefix and secret for k, stores k with the hash of the key, and
// returns the record and the key. A prefix collision (40 random bits: rare, but certain over
// enough keys) is retried with a fresh one.
func (s *Store) insertKey(ctx context.Context, tx *sql.Tx, k APIKey) (APIKey, string, error) {
	for range 5 {
		k.ID = "key_" + randomBase32(10)
		k.Prefix = keyTag + randomBase32(keyPrefixRandom*5/8)
		key := k.Prefix + "_" + randomBase62(keySecretLen)
		// ON CONFLICT DO NOTHING rather than catching the unique violation: on PostgreSQL a failed
		// statement aborts the whole transaction, so a retry would be impossible.
		res, err := tx.ExecContext(ctx, s.q(`INSERT INTO api_keys
			(id, account_id, name, prefix, key_sha256, scopes, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (prefix) DO NOTHING`),
			k.ID, k.AccountID, k.Name, k.Prefix, hashKey(key), strings.Join(k.Scopes, " "), formatTime(k.CreatedAt))
		if isUniqueViolation(err) {
			return APIKey{}, "", fmt.Errorf("API key ID %s already exists: %w", k.ID, ErrConflict)
		}
		if err != nil {
			return APIKey{}, "", err
		}
		if n, err := res.RowsAffected(); err != nil {
			return APIKey{}, "", err
		} else if n == 1 {
			return k, key, nil
		}
	}
	return APIKey{}, "", errors.New("no free API key prefix after 5 attempts")
}

// hashKey returns the lowercase hex SHA-256 of the whole key. A fast hash is right here, unlike
// for passwords: a key carries about 230 random bits, so no guessing attack on a leaked hash can
// succeed however fast the hash is, while a deliberately slow one (bcrypt, Argon2) would add its
// cost to every authenticated request.
func hashKey(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])
}

// AuthenticateAPIKey returns the record of the key if it is one this store issued and has not
// been revoked. Any other key, whether malformed, unknown, wrong in its secret or revoked, is
// ErrNotFound with the same message, which never contains the key. The hash is compared in
// constant time. (The lookup by prefix is not constant-time, but the prefix is public.)
//
// It records LastUsedAt, at most once a minute per key, so a key in steady use costs a write
// per minute rather than one per request.
//
// A key that authenticated is not looked up again for lookupTTL (lookup_cache.go), unless its
// LastUsedAt is due to be written: revoking or rotating it through this Store takes effect at once,
// through another process within lookupTTL. A key that did not authenticate is looked up each time.
func (s *Store) AuthenticateAPIKey(ctx context.Context, key string) (APIKey, error) {
	sum := sha256.Sum256([]byte(key))
	return cachedWhile(s, lookupKey{kind: lookupAPIKeys, a: string(sum[:])}, func() (APIKey, error) {
		return s.authenticateAPIKey(ctx, key)
	}, func(k APIKey, now time.Time) bool {
		return k.LastUsedAt != nil && now.Sub(*k.LastUsedAt) < lastUsedResolution
	})
}

func (s *Store) authenticateAPIKey(ctx context.Context, key string) (APIKey, error) {
	prefix, ok := parseKey(key)
	if !ok {
		return APIKey{}, errNoSuchKey
	}
	var stored string
	k, err := scanAPIKey(s.rdb.QueryRowContext(ctx, s.q(`SELECT `+keyColumns+`, key_sha256 FROM api_keys WHERE prefix = ?`), prefix), &stored)
	if errors.Is(err, sql.ErrNoRows) {
		return APIKey{}, errNoSuchKey
	}
	if err != nil {
		return APIKey{}, fmt.Errorf("authenticating API key %s: %w", prefix, err)
	}
	want, err := hex.DecodeString(stored)
	if err != nil {
		return APIKey{}, fmt.Errorf("authenticating API key %s: stored hash is not hex", prefix)
	}
	got := sha256.Sum256([]byte(key))
	if subtle.ConstantTimeCompare(got[:], want) != 1 || k.RevokedAt != nil {
		return APIKey{}, errNoSuchKey
	}

	now := s.now().UTC()
	if k.LastUsedAt == nil || now.Sub(*k.LastUsedAt) >= lastUsedResolution {
		// The condition is repeated in SQL so that, of several requests (or gateways) that all
		// saw a stale time, only the first writes.
		res, err := s.db.ExecContext(ctx, s.q(`UPDATE api_keys SET last_used_at = ?
			WHERE id = ? AND (last_used_at IS NULL OR last_used_at <= ?)`),
			formatTime(now), k.ID, formatTime(now.Add(-lastUsedResolution)))
		if err != nil {
			return APIKey{}, fmt.Errorf("recording use of API key %s: %w", prefix, err)
		}
		if n, err := res.RowsAffected(); err == nil && n == 1 {
			k.LastUsedAt = &now
		}
	}
	return k, nil
}

// parseKey returns the prefix of a well-formed key.
func parseKey(key string) (prefix string, ok bool) {
	if len(key) > maxKeyLen || len(key) < keyPrefixLen+1+keySecretLen ||
		!strings.HasPrefix(key, keyTag) || key[keyPrefixLen] != '_' {
		return "", false
	}
	for i := len(keyTag); i < keyPrefixLen; i++ {
		if c := key[i]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'v') {
			return "", false
		}
	}
	for i := keyPrefixLen + 1; i < len(key); i++ {
		if strings.IndexByte(base62Alphabet, key[i]) < 0 {
			return "", false
		}
	}
	return key[:keyPrefixLen], true
}

// ListAPIKeys returns the keys of an account, revoked ones included, newest first; an empty
// slice when there are none.
func (s *Store) ListAPIKeys(ctx context.Context, accountID string, page Page) ([]APIKey, error) {
	limit, offset, err := page.bounds()
	if err != nil {
		return nil, err
	}
	rows, err := s.rdb.QueryContext(ctx, s.q(`SELECT `+keyColumns+` FROM api_keys
		WHERE account_id = ? ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?`), accountID, limit, offset)
	if err != nil {
		return nil, fmt.Errorf("listing API keys of account %s: %w", accountID, err)
	}
	ks, err := scanAll(rows, func(r scanner) (APIKey, error) { return scanAPIKey(r) })
	if err != nil {
		return nil, fmt.Errorf("listing API keys of account %s: %w", accountID, err)
	}
	return ks, nil
}

// APIKey returns a key of the account, revoked or not, or ErrNotFound (also when the key
// belongs to another account).
func (s *Store) APIKey(ctx context.Context, accountID, keyID string) (APIKey, error) {
	k, err := scanAPIKey(s.rdb.QueryRowContext(ctx, s.q(`SELECT `+keyColumns+` FROM api_keys
		WHERE account_id = ? AND id = ?`), accountID, keyID))
	if errors.Is(err, sql.ErrNoRows) {
		return APIKey{}, fmt.Errorf("API key %s: %w", keyID, ErrNotFound)
	}
	if err != nil {
		return APIKey{}, fmt.Errorf("reading API key %s: %w", keyID, err)
	}
	return k, nil
}

// RevokeAPIKey revokes a key of the account at once. Revoking a revoked key succeeds and keeps
// the first revocation time. A key of another account is ErrNotFound.
func (s *Store) RevokeAPIKey(ctx context.Context, accountID, keyID string) error {
	defer s.lookups.changed(lookupAPIKeys)
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.q(`UPDATE api_keys SET revoked_at = ?
			WHERE account_id = ? AND id = ? AND revoked_at IS NULL`), formatTime(s.now()), accountID, keyID)
		if err := affectedOne(res, err); !errors.Is(err, ErrNotFound) {
			return err
		}
		return s.keyExists(ctx, tx, accountID, keyID)
	})
	if err != nil {
		return fmt.Errorf("revoking API key %s: %w", keyID, err)
	}
	return nil
}

// RotateAPIKey revokes a key of the account and creates its replacement, with the same name and
// scopes, in one transaction, and returns the new record and key. A key of another account is
// ErrNotFound; a key that is already revoked (by RevokeAPIKey or a concurrent rotation) is
// ErrConflict, so one key never has two successors.
func (s *Store) RotateAPIKey(ctx context.Context, accountID, keyID string) (APIKey, string, error) {
	var (
		k   APIKey
		key string
	)
	defer s.lookups.changed(lookupAPIKeys)
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		now := s.now().UTC()
		// The UPDATE takes the row lock first, so concurrent rotations queue here and all but the
		// first find the key revoked.
		var scopes string
		err := tx.QueryRowContext(ctx, s.q(`UPDATE api_keys SET revoked_at = ?
			WHERE account_id = ? AND id = ? AND revoked_at IS NULL
			RETURNING name, scopes`), formatTime(now), accountID, keyID).Scan(&k.Name, &scopes)
		if errors.Is(err, sql.ErrNoRows) {
			if err := s.keyExists(ctx, tx, accountID, keyID); err != nil {
				return err
			}
			return fmt.Errorf("key is revoked: %w", ErrConflict)
		}
		if err != nil {
			return err
		}
		k.AccountID, k.Scopes, k.CreatedAt = accountID, strings.Fields(scopes), now
		k, key, err = s.insertKey(ctx, tx, k)
		return err
	})
	if err != nil {
		return APIKey{}, "", fmt.Errorf("rotating API key %s: %w", keyID, err)
	}
	return k, key, nil
}

// keyExists returns ErrNotFound unless the account has the key.
func (s *Store) keyExists(ctx context.Context, tx *sql.Tx, accountID, keyID string) error {
	var one int
	err := tx.QueryRowContext(ctx, s.q(`SELECT 1 FROM api_keys WHERE account_id = ? AND id = ?`), accountID, keyID).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	}
	return err
}

// normalizeScopes validates scopes and returns them sorted without duplicates; none means admin.
func normalizeScopes(scopes []string) ([]string, error) {
	if len(scopes) == 0 {
		return []string{ScopeAdmin}, nil
	}
	out := make([]string, 0, len(scopes))
	for _, sc := range scopes {
		switch sc {
		case ScopeRead, ScopeRuns, ScopeAdmin:
			out = append(out, sc)
		default:
			return nil, fmt.Errorf("API key scope %q: want %q, %q or %q: %w", sc, ScopeRead, ScopeRuns, ScopeAdmin, ErrInvalid)
		}
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// scanAPIKey reads keyColumns, then any extra columns into extra.
func scanAPIKey(row scanner, extra ...any) (APIKey, error) {
	var (
		k                 APIKey
		scopes, created   string
		lastUsed, revoked sql.NullString
		err               error
	)
	dest := append([]any{&k.ID, &k.AccountID, &k.Name, &k.Prefix, &scopes, &created, &lastUsed, &revoked}, extra...)
	if err = row.Scan(dest...); err != nil {
		return APIKey{}, err
	}
	k.Scopes = strings.Fields(scopes)
	if k.CreatedAt, err = parseTime(created); err != nil {
		return APIKey{}, err
	}
	if k.LastUsedAt, err = parseNullTime(lastUsed); err != nil {
		return APIKey{}, err
	}
	if k.RevokedAt, err = parseNullTime(revoked); err != nil {
		return APIKey{}, err
	}
	return k, nil
}

func parseNullTime(s sql.NullString) (*time.Time, error) {
	if !s.Valid {
		return nil, nil
	}
	t, err := parseTime(s.String)
	if err != nil {
		return nil, err
	}
	return &t, nil
}

// lowerBase32 is base32hex (0-9, a-v) in lowercase without padding: IDs and prefixes that read
// as one word, sort in the order of their bytes, and need no escaping anywhere.
var lowerBase32 = base32.NewEncoding("0123456789abcdefghijklmnopqrstuv").WithPadding(base32.NoPadding)

// randomBase32 returns n random bytes in lowerBase32 (8 characters per 5 bytes).
func randomBase32(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails (crypto/rand documents it)
	return lowerBase32.EncodeToString(b)
}

const base62Alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// randomBase62 returns n uniformly random base62 characters from crypto/rand. Bytes of 248 and
// above are discarded, so that taking the rest modulo 62 favours no character.
func randomBase62(n int) string {
	out := make([]byte, 0, n)
	buf := make([]byte, n+n/4)
	for len(out) < n {
		_, _ = rand.Read(buf) // never fails (crypto/rand documents it)
		for _, b := range buf {
			if b < 248 && len(out) < n {
				out = append(out, base62Alphabet[b%62])
			}
		}
	}
	return string(out)
}
