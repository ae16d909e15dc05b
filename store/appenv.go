package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// EnvVar is one environment variable of an app version, as an account set it. A secret variable
// carries no value here: its value is in Vault at credentials.EnvPath, and the store only records
// that it is set, so listing variables never reads Vault.
type EnvVar struct {
	AccountID  string
	App        string // the connector id, e.g. "shopify"
	AppVersion string // one version of it, e.g. "1.2.0"
	Name       string // UPPER_SNAKE_CASE
	Secret     bool
	// Value is the value of a non-secret variable; always "" for a secret one.
	Value     string
	UpdatedAt time.Time // set by the store (UTC)
}

// Limits on what an environment variable may hold: settings, not documents.
const (
	MaxEnvNameLen  = 64
	MaxEnvValueLen = 16 << 10
)

// ValidEnvName reports whether name is UPPER_SNAKE_CASE (a letter first, then letters, digits and
// underscores) and at most MaxEnvNameLen long: the form connectors.EnvVar names take, and the
// only form {{env.NAME}} references.
func ValidEnvName(name string) bool {
	if name == "" || len(name) > MaxEnvNameLen || name[0] < 'A' || name[0] > 'Z' {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !('A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

func (v EnvVar) validate() error {
	if err := validateID("account", v.AccountID); err != nil {
		return err
	}
	// App and version end up in a Vault path: no '/', no "..".
	if err := validateID("app", v.App); err != nil {
		return err
	}
	if err := validateID("app version", v.AppVersion); err != nil {
		return err
	}
	if !ValidEnvName(v.Name) {
		return fmt.Errorf("environment variable %q: the name must be UPPER_SNAKE_CASE, at most %d characters: %w", v.Name, MaxEnvNameLen, ErrInvalid)
	}
	if v.Secret && v.Value != "" {
		// Its value here would be a secret outside Vault.
		return fmt.Errorf("environment variable %s: a secret variable has no value in the store: %w", v.Name, ErrInvalid)
	}
	// The value is not quoted: an error message is no place for a customer's settings.
	if !storable(v.Value) || len(v.Value) > MaxEnvValueLen {
		return fmt.Errorf("environment variable %s: the value must be valid UTF-8 without NUL bytes, at most %d bytes: %w", v.Name, MaxEnvValueLen, ErrInvalid)
	}
	return nil
}

// SetEnvVars creates or replaces the given variables of the account's app version, all in one
// transaction, and leaves its other variables as they are. Every variable must name
// accountID, app and appVersion. An account that does not exist is ErrNotFound; a bad name, a
// secret with a value, or text the databases cannot store is ErrInvalid.
func (s *Store) SetEnvVars(ctx context.Context, accountID, app, appVersion string, vars []EnvVar) error {
	for _, v := range vars {
		if v.AccountID != accountID || v.App != app || v.AppVersion != appVersion {
			return fmt.Errorf("environment variable %s: not of %s %s of account %s: %w", v.Name, app, appVersion, accountID, ErrInvalid)
		}
		if err := v.validate(); err != nil {
			return err
		}
	}
	now := formatTime(s.now())
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.accountExists(ctx, tx, accountID); err != nil {
			return err
		}
		for _, v := range vars {
			if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO app_env (account_id, app, app_version, name, secret, value, updated_at)
				VALUES (?, ?, ?, ?, ?, ?, ?)
				ON CONFLICT (account_id, app, app_version, name)
				DO UPDATE SET secret = excluded.secret, value = excluded.value, updated_at = excluded.updated_at`),
				accountID, app, appVersion, v.Name, boolInt(v.Secret), v.Value, now); err != nil {
				return fmt.Errorf("variable %s: %w", v.Name, err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("setting environment variables of %s %s for account %s: %w", app, appVersion, accountID, err)
	}
	return nil
}

// EnvVars returns the variables the account set for an app version, sorted by name; an empty
// slice when there are none.
func (s *Store) EnvVars(ctx context.Context, accountID, app, appVersion string) ([]EnvVar, error) {
	rows, err := s.rdb.QueryContext(ctx, s.q(`SELECT account_id, app, app_version, name, secret, value, updated_at
		FROM app_env WHERE account_id = ? AND app = ? AND app_version = ? ORDER BY name`), accountID, app, appVersion)
	if err != nil {
		return nil, fmt.Errorf("reading environment variables of %s %s for account %s: %w", app, appVersion, accountID, err)
	}
	vars, err := scanAll(rows, scanEnvVar)
	if err != nil {
		return nil, fmt.Errorf("reading environment variables of %s %s for account %s: %w", app, appVersion, accountID, err)
	}
	return vars, nil
}

// DeleteEnvVar deletes one variable of the account's app version, or returns ErrNotFound. It does
// not touch Vault: the caller removes a secret variable's value there too.
func (s *Store) DeleteEnvVar(ctx context.Context, accountID, app, appVersion, name string) error {
	res, err := s.db.ExecContext(ctx, s.q(`DELETE FROM app_env WHERE account_id = ? AND app = ? AND app_version = ? AND name = ?`),
		accountID, app, appVersion, name)
	if err := affectedOne(res, err); err != nil {
		return fmt.Errorf("deleting environment variable %s of %s %s: %w", name, app, appVersion, err)
	}
	return nil
}

func scanEnvVar(row scanner) (EnvVar, error) {
	var (
		v       EnvVar
		secret  int
		updated string
		err     error
	)
	if err = row.Scan(&v.AccountID, &v.App, &v.AppVersion, &v.Name, &secret, &v.Value, &updated); err != nil {
		return EnvVar{}, err
	}
	v.Secret = secret != 0
	if v.UpdatedAt, err = parseTime(updated); err != nil {
		return EnvVar{}, err
	}
	return v, nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
