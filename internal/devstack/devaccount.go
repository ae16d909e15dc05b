package devstack

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/junction-run/junction/store"
)

// DevAccountID is the account `junction dev` creates for a newcomer.
const DevAccountID = "dev"

// devKeyFile holds the development account's admin key in the data
// directory, so every restart of `junction dev` (and the CLI, run from the
// same directory) uses the same key. Production keys are never written
// anywhere: `junction keys create` prints them once.
const devKeyFile = "dev-api-key"

// ensureDevAccount makes sure the development account exists and that the
// key in the data directory works, creating either when missing.
func ensureDevAccount(ctx context.Context, st *store.Store, dataDir string) (string, error) {
	if _, err := st.Account(ctx, DevAccountID); errors.Is(err, store.ErrNotFound) {
		if _, err := st.CreateAccount(ctx, store.Account{ID: DevAccountID, Name: "Development"}); err != nil && !errors.Is(err, store.ErrConflict) {
			return "", fmt.Errorf("creating the development account: %w", err)
		}
	} else if err != nil {
		return "", fmt.Errorf("reading the development account: %w", err)
	}
	path := filepath.Join(dataDir, devKeyFile)
	if b, err := os.ReadFile(path); err == nil {
		key := strings.TrimSpace(string(b))
		if k, err := st.AuthenticateAPIKey(ctx, key); err == nil && k.AccountID == DevAccountID {
			return key, nil
		}
	}
	_, key, err := st.CreateAPIKey(ctx, DevAccountID, "junction dev", []string{store.ScopeAdmin})
	if err != nil {
		return "", fmt.Errorf("creating the development API key: %w", err)
	}
	if err := os.MkdirAll(dataDir, 0o755); err != nil {
		return "", err
	}
	if err := os.WriteFile(path, []byte(key+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("saving the development API key: %w", err)
	}
	return key, nil
}
