package credentials

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/junction-run/junction/vaultx"
)

// Fields of a subscription's entry in Vault.
const (
	// PasswordField and TokenField are basic auth's password and bearer
	// auth's token.
	PasswordField = "password"
	TokenField    = "token"
	// signingSecretPrefix starts the field of each signing secret,
	// numbered: a rotation writes the next number beside the current one
	// and clears the one before, so it never reads a secret to move it,
	// and readers see the new secret with the old one still beside it.
	signingSecretPrefix = "signing_secret_"
)

// SigningSecretField is the field of a subscription's n-th signing secret
// (1 at creation, one more at each rotation).
func SigningSecretField(n int) string { return signingSecretPrefix + strconv.Itoa(n) }

// SigningSecretNumber is the n of a SigningSecretField; false for any
// other field.
func SigningSecretNumber(field string) (int, bool) {
	rest, ok := strings.CutPrefix(field, signingSecretPrefix)
	if !ok {
		return 0, false
	}
	n, err := strconv.Atoi(rest)
	return n, err == nil && n > 0 && SigningSecretField(n) == field
}

// SubscriptionPath is the Vault KV path of a subscription's secrets (its
// signing secrets and its auth password or token): prefix +
// "/accounts/<account>/subscriptions/<id>".
func SubscriptionPath(prefix, accountID, subscriptionID string) string {
	return root(prefix) + "/accounts/" + accountID + "/subscriptions/" + subscriptionID
}

// CreateSubscription stores a new subscription's secrets; the path must be
// new.
func (s *Secrets) CreateSubscription(ctx context.Context, accountID, subscriptionID string, values map[string]string) error {
	if !s.Configured() {
		return ErrNotConfigured
	}
	path := SubscriptionPath(s.pathPrefix(), accountID, subscriptionID)
	if _, err := s.vault.Write(ctx, path, secretValues(values), vaultx.CreateOnly); err != nil {
		if errors.Is(err, vaultx.ErrCASConflict) {
			err = ErrConflict
		}
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}

// UpdateSubscription sets and clears a subscription's secrets, keeping the
// others.
func (s *Secrets) UpdateSubscription(ctx context.Context, accountID, subscriptionID string, set map[string]string, clear []string) error {
	return s.merge(ctx, SubscriptionPath(s.pathPrefix(), accountID, subscriptionID), secretValues(set), clear)
}

// DeleteSubscription deletes a subscription's secrets; deleting what is not
// there is no error.
func (s *Secrets) DeleteSubscription(ctx context.Context, accountID, subscriptionID string) error {
	if !s.Configured() {
		return ErrNotConfigured
	}
	path := SubscriptionPath(s.pathPrefix(), accountID, subscriptionID)
	if err := s.vault.Delete(ctx, path); err != nil && !errors.Is(err, vaultx.ErrNotFound) {
		return fmt.Errorf("deleting %s: %w", path, err)
	}
	return nil
}

// Subscription reads a subscription's secrets: only the delivery activity
// does.
func (s *Secrets) Subscription(ctx context.Context, accountID, subscriptionID string) (map[string]string, error) {
	return s.read(ctx, SubscriptionPath(s.pathPrefix(), accountID, subscriptionID))
}

func secretValues(values map[string]string) map[string]any {
	out := make(map[string]any, len(values))
	for k, v := range values {
		out[k] = vaultx.Secret(v)
	}
	return out
}
