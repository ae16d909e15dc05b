package app

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"strings"
	"testing"

	"github.com/junction-run/junction/payloadcodec"
	"github.com/junction-run/junction/worker"
)

func TestKeyring(t *testing.T) {
	key := func(b byte) string {
		return base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{b}, payloadcodec.KeySize))
	}
	secret := "not-base64-secret-material"
	tests := []struct {
		name    string
		keys    PayloadKeys
		wantIDs []string
		wantErr string
	}{
		{name: "none", keys: PayloadKeys{}},
		{name: "blank spec", keys: PayloadKeys{Spec: "  "}},
		{name: "spec, current first", keys: PayloadKeys{Spec: "k2:" + key(2) + ",k1:" + key(1)}, wantIDs: []string{"k2", "k1"}},
		{name: "bad spec", keys: PayloadKeys{Spec: "k1:" + secret}, wantErr: "payload keys: "},
		{name: "spec and Vault path", keys: PayloadKeys{Spec: "k1:" + key(1), VaultPath: "junction/payload-keys"}, wantErr: "not both"},
		{name: "Vault path without Vault", keys: PayloadKeys{VaultPath: "junction/payload-keys"}, wantErr: "no Vault is configured"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			kr, err := (&App{}).keyring(context.Background(), tc.keys)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tc.wantErr)
				}
				if strings.Contains(err.Error(), secret) {
					t.Errorf("the error echoes the key material: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tc.wantIDs == nil {
				if kr != nil {
					t.Fatalf("keyring %v, want none", kr)
				}
				return
			}
			if got := kr.IDs(); strings.Join(got, ",") != strings.Join(tc.wantIDs, ",") {
				t.Errorf("key ids %q, want %q", got, tc.wantIDs)
			}
		})
	}
}

// TestBuildFailsBeforeDialing checks that a bad keyring stops Build before
// it reaches Temporal or the store, and that the partly built App closes.
func TestBuildFailsBeforeDialing(t *testing.T) {
	_, err := Build(context.Background(), Config{
		PayloadKeys: PayloadKeys{Spec: "k1:???"},
		// Nothing listens here: dialing would fail differently.
		Temporal:    worker.ClientConfig{Address: "127.0.0.1:1", Namespace: "default"},
		DatabaseURL: "sqlite:" + t.TempDir() + "/junction.db",
	})
	if !errors.Is(err, payloadcodec.ErrInvalidKeyring) {
		t.Fatalf("err = %v, want payloadcodec.ErrInvalidKeyring", err)
	}
}
