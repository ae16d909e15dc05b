package main

import (
	"flag"
	"testing"

	"github.com/urfave/cli/v2"
	"go.uber.org/zap"
)

// TestVaultAuthFlags: which of Kubernetes auth, AppRole and a token the
// worker's Vault flags choose, and what they refuse.
func TestVaultAuthFlags(t *testing.T) {
	for _, env := range []string{"VAULT_TOKEN", "JUNCTION_VAULT_TOKEN", "JUNCTION_VAULT_ROLE_ID", "JUNCTION_VAULT_KUBERNETES_ROLE"} {
		t.Setenv(env, "")
	}
	const addr = "--vault-addr=https://vault.internal:8200"
	for _, tt := range []struct {
		name string
		args []string
		want string // "kubernetes", "approle", "token" or "error"
	}{
		{"kubernetes", []string{addr, "--vault-kubernetes-role=junction"}, "kubernetes"},
		{"kubernetes over a token", []string{addr, "--vault-kubernetes-role=junction", "--vault-token=t"}, "kubernetes"},
		{"approle", []string{addr, "--vault-role-id=r", "--vault-secret-id=s"}, "approle"},
		{"approle with a file", []string{addr, "--vault-role-id=r", "--vault-secret-id-file=/run/secrets/secret-id"}, "approle"},
		{"approle over a token", []string{addr, "--vault-role-id=r", "--vault-secret-id=s", "--vault-token=t"}, "approle"},
		{"token", []string{addr, "--vault-token=t"}, "token"},
		{"kubernetes and approle", []string{addr, "--vault-kubernetes-role=junction", "--vault-role-id=r", "--vault-secret-id=s"}, "error"},
		{"approle without secret id", []string{addr, "--vault-role-id=r"}, "error"},
		{"approle with both secret ids", []string{addr, "--vault-role-id=r", "--vault-secret-id=s", "--vault-secret-id-file=/f"}, "error"},
		{"nothing", []string{addr}, "error"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			set := flag.NewFlagSet("worker", flag.ContinueOnError)
			for _, f := range vaultFlags() {
				if err := f.Apply(set); err != nil {
					t.Fatal(err)
				}
			}
			if err := set.Parse(tt.args); err != nil {
				t.Fatal(err)
			}
			cfg, err := vaultConfig(cli.NewContext(cli.NewApp(), set, nil), zap.NewNop())
			got := "error"
			switch {
			case err != nil:
			case cfg.Kubernetes != nil && cfg.AppRole == nil && cfg.Token == "":
				got = "kubernetes"
			case cfg.AppRole != nil && cfg.Kubernetes == nil && cfg.Token == "":
				got = "approle"
			case cfg.Token != "" && cfg.AppRole == nil && cfg.Kubernetes == nil:
				got = "token"
			}
			if got != tt.want {
				t.Errorf("%v: %s (%v), want %s", tt.args, got, err, tt.want)
			}
		})
	}
}
