package vaultx_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"time"

	"github.com/junction-run/junction/vaultx"
)

// A worker creates one client at start-up and shares it with its
// activities; AppRole keeps it logged in for as long as the process runs.
func Example() {
	ctx := context.Background()
	c, err := vaultx.New(ctx, vaultx.Config{
		Address: "https://vault.internal:8200",
		AppRole: &vaultx.AppRole{RoleID: "junction-worker", SecretID: "from-a-file-or-env"},
		KVMount: "junction",
		TLS:     vaultx.TLSConfig{CACert: "/etc/junction/vault-ca.pem"},
	})
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()

	e, err := c.Read(ctx, "accounts/a1/connections/c9")
	switch {
	case errors.Is(err, vaultx.ErrUnavailable):
		// Retryable: the activity returns it and Temporal tries again.
	case err != nil:
		log.Fatal(err)
	}
	fmt.Println(e.Data["api_key"]) // prints [redacted]; string(e.Data["api_key"]) is the value
}

// Rotating a refresh token safely: write back with check-and-set against
// the version that was read, and start over when another writer won.
func ExampleClient_Write() {
	ctx := context.Background()
	var c *vaultx.Client // from vaultx.New
	refresh := func(old vaultx.Secret) (vaultx.Secret, error) { return "new", nil }

	for attempt := 0; attempt < 3; attempt++ {
		e, err := c.Read(ctx, "accounts/a1/connections/c9")
		if err != nil {
			log.Fatal(err)
		}
		next, err := refresh(e.Data["refresh_token"])
		if err != nil {
			log.Fatal(err)
		}
		_, err = c.Write(ctx, "accounts/a1/connections/c9",
			map[string]any{"refresh_token": next, "refreshed_at": time.Now().Unix()}, e.Version)
		if errors.Is(err, vaultx.ErrCASConflict) {
			continue // someone else refreshed first; read their token
		}
		if err != nil {
			log.Fatal(err)
		}
		return
	}
}
