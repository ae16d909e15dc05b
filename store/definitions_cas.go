package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// UpdateDefinitionIfLatest is UpdateDefinition with lost-update protection:
// it stores the next version only while expected is still the latest
// version, and fails with ErrConflict otherwise (the gateway's If-Match).
func (s *Store) UpdateDefinitionIfLatest(ctx context.Context, d Definition, expected int) (Definition, error) {
	if expected < 1 {
		return Definition{}, fmt.Errorf("expected version %d: %w", expected, ErrInvalid)
	}
	return s.updateDefinition(ctx, d, expected)
}

// updateDefinition stores version n+1; with expected > 0, only while
// expected is the latest version.
func (s *Store) updateDefinition(ctx context.Context, d Definition, expected int) (Definition, error) {
	if err := d.validate(); err != nil {
		return Definition{}, err
	}
	d.CreatedAt = s.now().UTC()
	defer s.lookups.changed(lookupDefinitions)
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		// The UPDATE takes the definition's row lock first, so concurrent
		// writers queue here and each sees the versions the others wrote.
		err := tx.QueryRowContext(ctx, s.q(`UPDATE definitions SET last_version = last_version + 1
			WHERE account_id = ? AND id = ? AND deleted_at IS NULL
			RETURNING last_version`), d.AccountID, d.ID).Scan(&d.Version)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		if expected == 0 {
			return s.insertVersion(ctx, tx, d)
		}
		var latest sql.NullInt64
		if err := tx.QueryRowContext(ctx, s.q(`SELECT MAX(version) FROM definition_versions
			WHERE account_id = ? AND definition_id = ?`), d.AccountID, d.ID).Scan(&latest); err != nil {
			return err
		}
		if !latest.Valid || int(latest.Int64) != expected {
			return fmt.Errorf("latest version is %d, not %d: %w", latest.Int64, expected, ErrConflict)
		}
		return s.insertVersion(ctx, tx, d)
	})
	if err != nil {
		return Definition{}, fmt.Errorf("updating definition %s: %w", d.ID, err)
	}
	return d, nil
}
