package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// AppSubscription is the state of the subscription Junction keeps at an
// app for a definition's webhook trigger (runs.AppSubscriptionWorkflow).
type AppSubscription struct {
	AccountID    string
	DefinitionID string
	// Status is pending, subscribed, failed or unsubscribed.
	Status string
	// App, AppVersion, Trigger, ConnectionID and WebhookURL say what is (or
	// was last) subscribed.
	App          string
	AppVersion   string
	Trigger      string
	ConnectionID string
	WebhookURL   string
	// SubscriptionID is the app's id of it; ExpiresAt when it ends unless
	// renewed (zero: never).
	SubscriptionID string
	ExpiresAt      time.Time
	// Error says why the last attempt failed.
	Error     string
	UpdatedAt time.Time
}

// maxAppSubscriptionText bounds each text column; a longer error is cut.
const maxAppSubscriptionText = 2048

func (a *AppSubscription) validate() error {
	if err := validateID("account", a.AccountID); err != nil {
		return err
	}
	if err := validateID("definition", a.DefinitionID); err != nil {
		return err
	}
	if len(a.Error) > maxAppSubscriptionText {
		cut := maxAppSubscriptionText
		for cut > 0 && !utf8.RuneStart(a.Error[cut]) {
			cut--
		}
		a.Error = a.Error[:cut] + "…"
	}
	for what, v := range map[string]string{"status": a.Status, "app": a.App, "app version": a.AppVersion, "trigger": a.Trigger,
		"connection": a.ConnectionID, "webhook URL": a.WebhookURL, "subscription id": a.SubscriptionID, "error": a.Error} {
		if len(v) > maxAppSubscriptionText+len("…") || !storable(v) {
			return fmt.Errorf("app subscription: %s must be at most %d bytes of UTF-8 without NUL: %w", what, maxAppSubscriptionText, ErrInvalid)
		}
	}
	if a.Status == "" {
		return fmt.Errorf("app subscription: a status is required: %w", ErrInvalid)
	}
	return nil
}

const appSubscriptionColumns = `account_id, definition_id, status, app, app_version, trigger_id, connection_id, webhook_url,
	subscription_id, expires_at, error, updated_at`

func (s *Store) appSubscriptionArgs(a AppSubscription) []any {
	expires := ""
	if !a.ExpiresAt.IsZero() {
		expires = formatTime(a.ExpiresAt)
	}
	return []any{a.AccountID, a.DefinitionID, a.Status, a.App, a.AppVersion, a.Trigger, a.ConnectionID, a.WebhookURL,
		a.SubscriptionID, expires, a.Error, formatTime(s.now())}
}

// SetAppSubscription writes a definition's app subscription, replacing what
// was there.
func (s *Store) SetAppSubscription(ctx context.Context, a AppSubscription) error {
	if err := a.validate(); err != nil {
		return err
	}
	_, err := s.db.ExecContext(ctx, s.q(`INSERT INTO app_subscriptions (`+appSubscriptionColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (account_id, definition_id) DO UPDATE SET status = excluded.status, app = excluded.app,
		app_version = excluded.app_version, trigger_id = excluded.trigger_id, connection_id = excluded.connection_id,
		webhook_url = excluded.webhook_url, subscription_id = excluded.subscription_id, expires_at = excluded.expires_at,
		error = excluded.error, updated_at = excluded.updated_at`), s.appSubscriptionArgs(a)...)
	if err != nil {
		return fmt.Errorf("writing the app subscription of definition %s: %w", a.DefinitionID, err)
	}
	return nil
}

// AddAppSubscription writes a definition's app subscription unless it has
// one already, which it leaves as it is.
func (s *Store) AddAppSubscription(ctx context.Context, a AppSubscription) error {
	if err := a.validate(); err != nil {
		return err
	}
	_, err := s.db.ExecContext(ctx, s.q(`INSERT INTO app_subscriptions (`+appSubscriptionColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (account_id, definition_id) DO NOTHING`), s.appSubscriptionArgs(a)...)
	if err != nil {
		return fmt.Errorf("adding the app subscription of definition %s: %w", a.DefinitionID, err)
	}
	return nil
}

// AppSubscription reads a definition's app subscription; ErrNotFound when
// it has none.
func (s *Store) AppSubscription(ctx context.Context, accountID, definitionID string) (AppSubscription, error) {
	got, err := s.AppSubscriptions(ctx, accountID, definitionID)
	if err != nil {
		return AppSubscription{}, err
	}
	a, ok := got[definitionID]
	if !ok {
		return AppSubscription{}, fmt.Errorf("app subscription of definition %s: %w", definitionID, ErrNotFound)
	}
	return a, nil
}

// AppSubscriptions reads the app subscriptions of the account's
// definitions among definitionIDs, by definition id.
func (s *Store) AppSubscriptions(ctx context.Context, accountID string, definitionIDs ...string) (map[string]AppSubscription, error) {
	out := map[string]AppSubscription{}
	if len(definitionIDs) == 0 {
		return out, nil
	}
	args := []any{accountID}
	for _, id := range definitionIDs {
		args = append(args, id)
	}
	rows, err := s.rdb.QueryContext(ctx, s.q(`SELECT `+appSubscriptionColumns+` FROM app_subscriptions
		WHERE account_id = ? AND definition_id IN (?`+strings.Repeat(", ?", len(definitionIDs)-1)+`)`), args...)
	if err != nil {
		return nil, fmt.Errorf("reading app subscriptions: %w", err)
	}
	list, err := scanAll(rows, func(r scanner) (AppSubscription, error) {
		var a AppSubscription
		var expires, updated string
		if err := r.Scan(&a.AccountID, &a.DefinitionID, &a.Status, &a.App, &a.AppVersion, &a.Trigger, &a.ConnectionID,
			&a.WebhookURL, &a.SubscriptionID, &expires, &a.Error, &updated); err != nil {
			return a, err
		}
		var err error
		if expires != "" {
			if a.ExpiresAt, err = parseTime(expires); err != nil {
				return a, err
			}
		}
		a.UpdatedAt, err = parseTime(updated)
		return a, err
	})
	if err != nil {
		return nil, fmt.Errorf("reading app subscriptions: %w", err)
	}
	for _, a := range list {
		out[a.DefinitionID] = a
	}
	return out, nil
}

// DeleteAppSubscription forgets a definition's app subscription; forgetting
// what is not there is no error.
func (s *Store) DeleteAppSubscription(ctx context.Context, accountID, definitionID string) error {
	_, err := s.db.ExecContext(ctx, s.q(`DELETE FROM app_subscriptions WHERE account_id = ? AND definition_id = ?`), accountID, definitionID)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("deleting the app subscription of definition %s: %w", definitionID, err)
	}
	return nil
}
