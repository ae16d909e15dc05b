package store

import (
	"context"
	"database/sql"
	"fmt"
	"maps"
	"slices"
	"strings"
	"unicode/utf8"
)

// validateApps checks what insertVersionApps writes.
func (d Definition) validateApps() error {
	for app, version := range d.Apps {
		for _, v := range []string{app, version} {
			if v == "" || !utf8.ValidString(v) || strings.ContainsRune(v, 0) {
				return fmt.Errorf("definition %s: app %q version %q: must be non-empty UTF-8 without NUL bytes: %w", d.ID, app, version, ErrInvalid)
			}
		}
	}
	return nil
}

// insertVersionApps records the connector versions a new definition version pins.
func (s *Store) insertVersionApps(ctx context.Context, tx *sql.Tx, d Definition) error {
	if err := d.validateApps(); err != nil {
		return err
	}
	for _, app := range slices.Sorted(maps.Keys(d.Apps)) {
		if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO definition_version_apps
			(account_id, definition_id, version, app, app_version) VALUES (?, ?, ?, ?, ?)`),
			d.AccountID, d.ID, d.Version, app, d.Apps[app]); err != nil {
			return fmt.Errorf("recording app %s: %w", app, err)
		}
	}
	return nil
}

// DefinitionsOnAppVersion returns the latest version of each non-deleted definition of the account
// whose latest version pins the app at version: the definitions to move before a deprecated
// connector version goes away. Older versions of a definition are not listed: new runs start on
// the latest, and runs of older versions finish on what they pinned. Ordered by definition ID.
func (s *Store) DefinitionsOnAppVersion(ctx context.Context, accountID, app, version string, page Page) ([]Definition, error) {
	limit, offset, err := page.bounds()
	if err != nil {
		return nil, err
	}
	rows, err := s.rdb.QueryContext(ctx, s.q(`SELECT `+versionColumns+` FROM `+liveVersions+`
		JOIN definition_version_apps a
			ON a.account_id = v.account_id AND a.definition_id = v.definition_id AND a.version = v.version
		WHERE v.account_id = ? AND a.app = ? AND a.app_version = ? AND `+isLatest+`
		ORDER BY v.definition_id LIMIT ? OFFSET ?`), accountID, app, version, limit, offset)
	if err != nil {
		return nil, fmt.Errorf("listing definitions on %s %s: %w", app, version, err)
	}
	ds, err := scanDefinitions(rows)
	if err != nil {
		return nil, fmt.Errorf("listing definitions on %s %s: %w", app, version, err)
	}
	return ds, nil
}
