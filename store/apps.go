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
	"unicode/utf8"

	"golang.org/x/mod/semver"
)

// AppVersion is one immutable version of an app written as data (a declarative app, package
// connectors/declarative), of an account or of the platform (Owner). The store checks only what
// it needs to store and order it: the caller has parsed and validated the document.
type AppVersion struct {
	Owner AppOwner
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
	// Deprecation is set once the version is deprecated (DeprecateAppVersion); a new version
	// has none.
	Deprecation *AppDeprecation
}

// AppDeprecation says until when a version is supported and what to use instead; the one thing
// about a stored version that can change.
type AppDeprecation struct {
	// Date is the last day the version is supported, YYYY-MM-DD.
	Date string
	// Replacement is the later version of the same app to move to.
	Replacement string
	// Note says what changes for those who move.
	Note string
}

// AppOwner is whose app versions a call reads or writes: one account's (AccountApps) or the
// platform's (PlatformApps), which every account may use. The zero value is neither, and
// invalid, so that a forgotten owner can never reach the platform's apps.
type AppOwner struct {
	// AccountID is the account, for an account's apps.
	AccountID string
	// Platform is set for the platform's apps.
	Platform bool
}

// AccountApps is the owner of an account's apps.
func AccountApps(accountID string) AppOwner { return AppOwner{AccountID: accountID} }

// PlatformApps is the owner of the platform's apps.
func PlatformApps() AppOwner { return AppOwner{Platform: true} }

// String names the owner in messages.
func (o AppOwner) String() string {
	if o.Platform {
		return "the platform"
	}
	return "account " + o.AccountID
}

func (o AppOwner) validate() error {
	if o.Platform {
		if o.AccountID != "" {
			return fmt.Errorf("app owner: the platform's apps belong to no account, not %q: %w", o.AccountID, ErrInvalid)
		}
		return nil
	}
	return validateID("account", o.AccountID)
}

// appsSQL is where an owner's versions are: the table, the columns that name the owner in it,
// and the condition (with its arguments) that selects the owner's rows.
type appsSQL struct {
	table, ownerColumns, ownerValues, where string
	args                                    []any
}

func (o AppOwner) sql() appsSQL {
	if o.Platform {
		return appsSQL{table: "platform_apps", where: "1 = 1"}
	}
	return appsSQL{table: "apps", ownerColumns: "account_id, ", ownerValues: "?, ", where: "account_id = ?", args: []any{o.AccountID}}
}

// whereArgs is the owner's arguments followed by more.
func (q appsSQL) whereArgs(more ...any) []any { return append(slices.Clone(q.args), more...) }

// appVersionPattern is a semantic version 2.0.0 without a leading v, as the declarative format
// has it.
var appVersionPattern = regexp.MustCompile(`^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?(\+[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$`)

// Limits on an app version.
const (
	maxAppKeyLen     = 63 // the declarative format's own limit
	maxAppVersionLen = 128
	maxAppBodyLen    = 4 << 20
)

// MaxAppNoteLen is the most characters a deprecation's note may have.
const MaxAppNoteLen = 2000

func (a AppVersion) validate() error {
	if err := a.Owner.validate(); err != nil {
		return err
	}
	if a.Key == "" || len(a.Key) > maxAppKeyLen || !storable(a.Key) {
		return fmt.Errorf("app key %q: must be 1 to %d bytes of valid UTF-8 without NUL bytes: %w", a.Key, maxAppKeyLen, ErrInvalid)
	}
	if err := validateAppVersion(a.Key, a.Version); err != nil {
		return err
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
	if a.Deprecation != nil {
		return fmt.Errorf("app %s %s: a new version is not deprecated; DeprecateAppVersion deprecates it: %w", a.Key, a.Version, ErrInvalid)
	}
	return nil
}

func validateAppVersion(key, version string) error {
	if len(version) > maxAppVersionLen || !appVersionPattern.MatchString(version) {
		return fmt.Errorf("app %s version %q: not a semantic version such as 1.0.0: %w", key, version, ErrInvalid)
	}
	return nil
}

// validate checks a deprecation of version: a real date, a later version as the replacement, a
// note of bounded length.
func (d AppDeprecation) validate(key, version string) error {
	if _, err := time.Parse(time.DateOnly, d.Date); err != nil {
		return fmt.Errorf("app %s %s: deprecation date %q is not a date as YYYY-MM-DD: %w", key, version, d.Date, ErrInvalid)
	}
	if err := validateAppVersion(key, d.Replacement); err != nil {
		return fmt.Errorf("deprecation replacement: %w", err)
	}
	if compareAppVersions(d.Replacement, version) <= 0 {
		return fmt.Errorf("app %s %s: replacement %s is not a later version: %w", key, version, d.Replacement, ErrInvalid)
	}
	if !storable(d.Note) || utf8.RuneCountInString(d.Note) > MaxAppNoteLen {
		return fmt.Errorf("app %s %s: deprecation note must be at most %d characters of valid UTF-8 without NUL bytes: %w", key, version, MaxAppNoteLen, ErrInvalid)
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

// appColumns is what scanAppVersion reads (the owner is the caller's); appListColumns the same
// without the document.
const (
	appColumns     = `app_key, version, name, status, body, created_at, deprecated_on, replacement, deprecation_note`
	appListColumns = `app_key, version, name, status, '' AS body, created_at, deprecated_on, replacement, deprecation_note`
)

// CreateAppVersion stores a new version of an app of a.Owner (an account that does not exist is
// ErrNotFound) and returns it as stored. A version is immutable: storing the same key and version
// again with the same document (but for insignificant whitespace) changes nothing and returns
// the version stored first; with another document it is ErrConflict. A value validate refuses is
// ErrInvalid. Keys are not checked across owners here: manage.Apps does.
func (s *Store) CreateAppVersion(ctx context.Context, a AppVersion) (AppVersion, error) {
	if err := a.validate(); err != nil {
		return AppVersion{}, err
	}
	a.CreatedAt = s.now().UTC()
	out := a
	q := a.Owner.sql()
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if !a.Owner.Platform {
			if err := s.accountExists(ctx, tx, a.Owner.AccountID); err != nil {
				return err
			}
		}
		// ON CONFLICT DO NOTHING rather than a failing INSERT: PostgreSQL aborts a transaction at
		// its first error, and the stored version is read in the same one.
		res, err := tx.ExecContext(ctx, s.q(`INSERT INTO `+q.table+` (`+q.ownerColumns+`app_key, version, name, status, body, created_at)
			VALUES (`+q.ownerValues+`?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`),
			q.whereArgs(a.Key, a.Version, a.Name, a.Status, string(a.Body), formatTime(a.CreatedAt))...)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 1 {
			return err
		}
		stored, err := s.readAppVersion(ctx, tx, a.Owner, a.Key, a.Version)
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
		return AppVersion{}, fmt.Errorf("creating app %s version %s of %s: %w", a.Key, a.Version, a.Owner, err)
	}
	return out, nil
}

// querier is what reads run on: the read pool, or a transaction.
type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func (s *Store) readAppVersion(ctx context.Context, db querier, owner AppOwner, key, version string) (AppVersion, error) {
	q := owner.sql()
	a, err := scanAppVersion(db.QueryRowContext(ctx, s.q(`SELECT `+appColumns+` FROM `+q.table+`
		WHERE `+q.where+` AND app_key = ? AND version = ?`), q.whereArgs(key, version)...))
	a.Owner = owner
	return a, err
}

// AppVersion returns one version of an app of owner, with its document, or ErrNotFound (also
// when it belongs to another owner).
func (s *Store) AppVersion(ctx context.Context, owner AppOwner, key, version string) (AppVersion, error) {
	a, err := s.readAppVersion(ctx, s.rdb, owner, key, version)
	if errors.Is(err, sql.ErrNoRows) {
		return AppVersion{}, fmt.Errorf("app %s version %s of %s: %w", key, version, owner, ErrNotFound)
	}
	if err != nil {
		return AppVersion{}, fmt.Errorf("reading app %s version %s of %s: %w", key, version, owner, err)
	}
	return a, nil
}

// AppVersions returns the versions of an app of owner, newest (highest semantic version) first,
// without their documents; ErrNotFound when owner has no version of the app.
func (s *Store) AppVersions(ctx context.Context, owner AppOwner, key string, page Page) ([]AppVersion, error) {
	return s.appVersions(ctx, owner, key, appListColumns, page)
}

// AppVersionsWithDocuments is AppVersions with each version's document, in one read: what
// building an app's connectors from every stored version needs.
func (s *Store) AppVersionsWithDocuments(ctx context.Context, owner AppOwner, key string, page Page) ([]AppVersion, error) {
	return s.appVersions(ctx, owner, key, appColumns, page)
}

func (s *Store) appVersions(ctx context.Context, owner AppOwner, key, columns string, page Page) ([]AppVersion, error) {
	limit, offset, err := page.bounds()
	if err != nil {
		return nil, err
	}
	// Precedence is not an order SQL knows: every version is read and sorted here. An app has
	// few versions.
	q := owner.sql()
	rows, err := s.rdb.QueryContext(ctx, s.q(`SELECT `+columns+` FROM `+q.table+`
		WHERE `+q.where+` AND app_key = ?`), q.whereArgs(key)...)
	if err != nil {
		return nil, fmt.Errorf("listing versions of app %s of %s: %w", key, owner, err)
	}
	all, err := scanAll(rows, scanAppVersion)
	if err != nil {
		return nil, fmt.Errorf("listing versions of app %s of %s: %w", key, owner, err)
	}
	if len(all) == 0 {
		return nil, fmt.Errorf("app %s of %s: %w", key, owner, ErrNotFound)
	}
	slices.SortFunc(all, func(a, b AppVersion) int { return compareAppVersions(b.Version, a.Version) })
	return withOwner(window(all, limit, offset), owner), nil
}

// ListApps returns the apps of owner, one per key, each as its latest version (the highest
// semantic version, whatever its status), without its document, ordered by key; an empty slice
// when there are none.
func (s *Store) ListApps(ctx context.Context, owner AppOwner, page Page) ([]AppVersion, error) {
	limit, offset, err := page.bounds()
	if err != nil {
		return nil, err
	}
	q := owner.sql()
	rows, err := s.rdb.QueryContext(ctx, s.q(`SELECT `+appListColumns+` FROM `+q.table+`
		WHERE `+q.where+` ORDER BY app_key`), q.args...)
	if err != nil {
		return nil, fmt.Errorf("listing apps of %s: %w", owner, err)
	}
	all, err := scanAll(rows, scanAppVersion)
	if err != nil {
		return nil, fmt.Errorf("listing apps of %s: %w", owner, err)
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
	return withOwner(window(latest, limit, offset), owner), nil
}

func withOwner(as []AppVersion, owner AppOwner) []AppVersion {
	for i := range as {
		as[i].Owner = owner
	}
	return as
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

// DeprecateAppVersion sets (or, with d nil, clears) the deprecation of one version of an app of
// owner and returns the version, with its document; ErrNotFound when there is no such version,
// ErrInvalid for a deprecation AppDeprecation's rules refuse. The document does not change.
func (s *Store) DeprecateAppVersion(ctx context.Context, owner AppOwner, key, version string, d *AppDeprecation) (AppVersion, error) {
	if err := owner.validate(); err != nil {
		return AppVersion{}, err
	}
	var set AppDeprecation
	if d != nil {
		if err := d.validate(key, version); err != nil {
			return AppVersion{}, err
		}
		set = *d
	}
	q := owner.sql()
	var out AppVersion
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.q(`UPDATE `+q.table+` SET deprecated_on = ?, replacement = ?, deprecation_note = ?
			WHERE `+q.where+` AND app_key = ? AND version = ?`), append([]any{set.Date, set.Replacement, set.Note}, q.whereArgs(key, version)...)...)
		if err := affectedOne(res, err); err != nil {
			return err
		}
		out, err = s.readAppVersion(ctx, tx, owner, key, version)
		return err
	})
	if err != nil {
		return AppVersion{}, fmt.Errorf("deprecating app %s version %s of %s: %w", key, version, owner, err)
	}
	return out, nil
}

// AccountsWithApp counts the accounts that keep an app of key of their own.
func (s *Store) AccountsWithApp(ctx context.Context, key string) (int, error) {
	var n int
	err := s.rdb.QueryRowContext(ctx, s.q(`SELECT COUNT(DISTINCT account_id) FROM apps WHERE app_key = ?`), key).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("counting the accounts with an app %s: %w", key, err)
	}
	return n, nil
}

// DeleteAppVersion deletes one version of an app of owner, or returns ErrNotFound. Its number
// may be stored again afterwards, with any document.
func (s *Store) DeleteAppVersion(ctx context.Context, owner AppOwner, key, version string) error {
	q := owner.sql()
	res, err := s.db.ExecContext(ctx, s.q(`DELETE FROM `+q.table+` WHERE `+q.where+` AND app_key = ? AND version = ?`),
		q.whereArgs(key, version)...)
	if err := affectedOne(res, err); err != nil {
		return fmt.Errorf("deleting app %s version %s of %s: %w", key, version, owner, err)
	}
	return nil
}

// DeleteApp deletes every version of an app of owner, or returns ErrNotFound when it has none.
func (s *Store) DeleteApp(ctx context.Context, owner AppOwner, key string) error {
	q := owner.sql()
	res, err := s.db.ExecContext(ctx, s.q(`DELETE FROM `+q.table+` WHERE `+q.where+` AND app_key = ?`), q.whereArgs(key)...)
	if err := affectedOne(res, err); err != nil {
		return fmt.Errorf("deleting app %s of %s: %w", key, owner, err)
	}
	return nil
}

func scanAppVersion(row scanner) (AppVersion, error) {
	var (
		a                                  AppVersion
		body, created                      string
		deprecatedOn, replacement, depNote string
	)
	if err := row.Scan(&a.Key, &a.Version, &a.Name, &a.Status, &body, &created, &deprecatedOn, &replacement, &depNote); err != nil {
		return AppVersion{}, err
	}
	if body != "" {
		a.Body = json.RawMessage(body)
	}
	if deprecatedOn != "" {
		a.Deprecation = &AppDeprecation{Date: deprecatedOn, Replacement: replacement, Note: depNote}
	}
	var err error
	if a.CreatedAt, err = parseTime(created); err != nil {
		return AppVersion{}, err
	}
	return a, nil
}
