package store

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"golang.org/x/mod/semver"
)

// AppVersion is one immutable version of an app an account wrote as data (a declarative app,
// package connectors/declarative). The store checks only what it needs to store and order it:
// the caller has parsed and validated the document.
type AppVersion struct {
	AccountID string
	// Key is the app's key, its connector id ("acme_crm").
	Key string
	// Version is a semantic version without a leading v ("1.0.0").
	Version string
	Name    string
	Status  string // stable or beta, as the document says
	// Body is the document as sent, stored and returned byte for byte. The listing methods
	// (AppVersions, ListApps) leave it nil.
	Body      json.RawMessage
	CreatedAt time.Time // set by the store (UTC)
}

// appVersionPattern is a semantic version 2.0.0 without a leading v, as the declarative format
// has it.
var appVersionPattern = regexp.MustCompile(`^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?(\+[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$`)

// Limits on an app version.
const (
	maxAppKeyLen     = 63 // the declarative format's own limit
	maxAppVersionLen = 128
	maxAppBodyLen    = 4 << 20
)

func (a AppVersion) validate() error {
	if err := validateID("account", a.AccountID); err != nil {
		return err
	}
	if a.Key == "" || len(a.Key) > maxAppKeyLen || !storable(a.Key) {
		return fmt.Errorf("app key %q: must be 1 to %d bytes of valid UTF-8 without NUL bytes: %w", a.Key, maxAppKeyLen, ErrInvalid)
	}
	if len(a.Version) > maxAppVersionLen || !appVersionPattern.MatchString(a.Version) {
		return fmt.Errorf("app %s version %q: not a semantic version such as 1.0.0: %w", a.Key, a.Version, ErrInvalid)
	}
	if err := validateName("app", a.Name); err != nil {
		return err
	}
	if a.Status == "" || len(a.Status) > maxAppVersionLen || !storable(a.Status) {
		return fmt.Errorf("app %s %s: status %q: must be 1 to %d bytes of valid UTF-8 without NUL bytes: %w", a.Key, a.Version, a.Status, maxAppVersionLen, ErrInvalid)
	}
	if len(a.Body) == 0 || len(a.Body) > maxAppBodyLen || !storable(string(a.Body)) || !json.Valid(a.Body) {
		return fmt.Errorf("app %s %s: the document must be valid JSON of 1 to %d bytes, valid UTF-8 without NUL bytes: %w", a.Key, a.Version, maxAppBodyLen, ErrInvalid)
	}
	return nil
}

// compareAppVersions orders semantic versions by precedence; versions of equal precedence (that
// differ only in build metadata) by their text, so the order is total.
func compareAppVersions(a, b string) int {
	if c := semver.Compare("v"+a, "v"+b); c != 0 {
		return c
	}
	return strings.Compare(a, b)
}

// sameDocument reports whether two JSON documents are the same but for insignificant whitespace.
func sameDocument(a, b []byte) bool {
	var ca, cb bytes.Buffer
	if json.Compact(&ca, a) != nil || json.Compact(&cb, b) != nil {
		return bytes.Equal(a, b)
	}
	return bytes.Equal(ca.Bytes(), cb.Bytes())
}

// appColumns is what scanAppVersion reads; appListColumns the same without the document.
const (
	appColumns     = `account_id, app_key, version, name, status, body, created_at`
	appListColumns = `account_id, app_key, version, name, status, '' AS body, created_at`
)

// CreateAppVersion stores a new version of an app of an existing account (ErrNotFound otherwise)
// and returns it as stored. A version is immutable: storing the same key and version again with
// the same document (but for insignificant whitespace) changes nothing and returns the version
// stored first; with another document it is ErrConflict. A value validate refuses is ErrInvalid.
func (s *Store) CreateAppVersion(ctx context.Context, a AppVersion) (AppVersion, error) {
	if err := a.validate(); err != nil {
		return AppVersion{}, err
	}
	a.CreatedAt = s.now().UTC()
	out := a
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.accountExists(ctx, tx, a.AccountID); err != nil {
			return err
		}
		// ON CONFLICT DO NOTHING rather than a failing INSERT: PostgreSQL aborts a transaction at
		// its first error, and the stored version is read in the same one.
		res, err := tx.ExecContext(ctx, s.q(`INSERT INTO apps (`+appColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (account_id, app_key, version) DO NOTHING`),
			a.AccountID, a.Key, a.Version, a.Name, a.Status, string(a.Body), formatTime(a.CreatedAt))
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 1 {
			return err
		}
		stored, err := scanAppVersion(tx.QueryRowContext(ctx, s.q(`SELECT `+appColumns+` FROM apps
			WHERE account_id = ? AND app_key = ? AND version = ?`), a.AccountID, a.Key, a.Version))
		if err != nil {
			return err
		}
		if !sameDocument(stored.Body, a.Body) {
			return fmt.Errorf("version %s is already stored with another document; a version cannot change, store a new one: %w", a.Version, ErrConflict)
		}
		out = stored
		return nil
	})
	if err != nil {
		return AppVersion{}, fmt.Errorf("creating app %s version %s of account %s: %w", a.Key, a.Version, a.AccountID, err)
	}
	return out, nil
}

// AppVersion returns one version of an app of the account, with its document, or ErrNotFound
// (also when it belongs to another account).
func (s *Store) AppVersion(ctx context.Context, accountID, key, version string) (AppVersion, error) {
	a, err := scanAppVersion(s.rdb.QueryRowContext(ctx, s.q(`SELECT `+appColumns+` FROM apps
		WHERE account_id = ? AND app_key = ? AND version = ?`), accountID, key, version))
	if errors.Is(err, sql.ErrNoRows) {
		return AppVersion{}, fmt.Errorf("app %s version %s: %w", key, version, ErrNotFound)
	}
	if err != nil {
		return AppVersion{}, fmt.Errorf("reading app %s version %s: %w", key, version, err)
	}
	return a, nil
}

// AppVersions returns the versions of an app of the account, newest (highest semantic version)
// first, without their documents; ErrNotFound when the account has no version of the app.
func (s *Store) AppVersions(ctx context.Context, accountID, key string, page Page) ([]AppVersion, error) {
	limit, offset, err := page.bounds()
	if err != nil {
		return nil, err
	}
	// Precedence is not an order SQL knows: every version is read and sorted here. An app has
	// few versions.
	rows, err := s.rdb.QueryContext(ctx, s.q(`SELECT `+appListColumns+` FROM apps
		WHERE account_id = ? AND app_key = ?`), accountID, key)
	if err != nil {
		return nil, fmt.Errorf("listing versions of app %s: %w", key, err)
	}
	all, err := scanAll(rows, scanAppVersion)
	if err != nil {
		return nil, fmt.Errorf("listing versions of app %s: %w", key, err)
	}
	if len(all) == 0 {
		return nil, fmt.Errorf("app %s: %w", key, ErrNotFound)
	}
	slices.SortFunc(all, func(a, b AppVersion) int { return compareAppVersions(b.Version, a.Version) })
	return window(all, limit, offset), nil
}

// ListApps returns the apps of the account, one per key, each as its latest version (the highest
// semantic version, whatever its status), without its document, ordered by key; an empty slice
// when there are none.
func (s *Store) ListApps(ctx context.Context, accountID string, page Page) ([]AppVersion, error) {
	limit, offset, err := page.bounds()
	if err != nil {
		return nil, err
	}
	rows, err := s.rdb.QueryContext(ctx, s.q(`SELECT `+appListColumns+` FROM apps
		WHERE account_id = ? ORDER BY app_key`), accountID)
	if err != nil {
		return nil, fmt.Errorf("listing apps of account %s: %w", accountID, err)
	}
	all, err := scanAll(rows, scanAppVersion)
	if err != nil {
		return nil, fmt.Errorf("listing apps of account %s: %w", accountID, err)
	}
	latest := []AppVersion{}
	for _, a := range all {
		switch n := len(latest); {
		case n == 0 || latest[n-1].Key != a.Key:
			latest = append(latest, a)
		case compareAppVersions(a.Version, latest[n-1].Version) > 0:
			latest[n-1] = a
		}
	}
	return window(latest, limit, offset), nil
}

// window is items[offset:offset+limit], clipped; never nil.
func window[T any](items []T, limit, offset int) []T {
	if offset >= len(items) {
		return []T{}
	}
	items = items[offset:]
	if limit < len(items) {
		items = items[:limit]
	}
	return items
}

// DeleteAppVersion deletes one version of an app of the account, or returns ErrNotFound. Its
// number may be stored again afterwards, with any document.
func (s *Store) DeleteAppVersion(ctx context.Context, accountID, key, version string) error {
	res, err := s.db.ExecContext(ctx, s.q(`DELETE FROM apps WHERE account_id = ? AND app_key = ? AND version = ?`),
		accountID, key, version)
	if err := affectedOne(res, err); err != nil {
		return fmt.Errorf("deleting app %s version %s: %w", key, version, err)
	}
	return nil
}

// DeleteApp deletes every version of an app of the account, or returns ErrNotFound when it has
// none.
func (s *Store) DeleteApp(ctx context.Context, accountID, key string) error {
	res, err := s.db.ExecContext(ctx, s.q(`DELETE FROM apps WHERE account_id = ? AND app_key = ?`), accountID, key)
	if err := affectedOne(res, err); err != nil {
		return fmt.Errorf("deleting app %s: %w", key, err)
	}
	return nil
}

func scanAppVersion(row scanner) (AppVersion, error) {
	var (
		a             AppVersion
		body, created string
	)
	if err := row.Scan(&a.AccountID, &a.Key, &a.Version, &a.Name, &a.Status, &body, &created); err != nil {
		return AppVersion{}, err
	}
	if body != "" {
		a.Body = json.RawMessage(body)
	}
	var err error
	if a.CreatedAt, err = parseTime(created); err != nil {
		return AppVersion{}, err
	}
	return a, nil
}
