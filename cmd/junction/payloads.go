package main

import (
	"errors"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/junction-run/junction/internal/app"
)

// payloadKeysFlag turns payload encryption on for every Temporal client the process makes. The
// worker and the gateway (and anything else reading the same histories) need the same keys.
func payloadKeysFlag() cli.Flag {
	return &cli.StringFlag{Name: "payload-keys",
		Usage:   "encrypt Temporal payloads with AES-256-GCM: id:base64key[,id:base64key...], the current key first, older ones to read old histories (prefer the env var)",
		EnvVars: []string{"JUNCTION_PAYLOAD_KEYS"}}
}

// payloadKeysVaultFlag keeps the keyring in Vault instead of the process's
// configuration; only the commands with Vault flags (worker, gateway) have it.
func payloadKeysVaultFlag() cli.Flag {
	return &cli.StringFlag{Name: "payload-keys-vault-path",
		Usage:   "read the payload keyring from this Vault KV v2 path (its field keys, in --payload-keys' format) instead of --payload-keys",
		EnvVars: []string{"JUNCTION_PAYLOAD_KEYS_VAULT_PATH"}}
}

// payloadKeys reads --payload-keys and --payload-keys-vault-path (which
// only worker and gateway have); the zero value when neither is set.
func payloadKeys(c *cli.Context) (app.PayloadKeys, error) {
	k := app.PayloadKeys{Spec: c.String("payload-keys"), VaultPath: c.String("payload-keys-vault-path")}
	if k.VaultPath != "" {
		if strings.TrimSpace(k.Spec) != "" {
			return app.PayloadKeys{}, errors.New("give --payload-keys or --payload-keys-vault-path, not both")
		}
		if c.String("vault-addr") == "" {
			return app.PayloadKeys{}, errors.New("--payload-keys-vault-path needs --vault-addr")
		}
	}
	return k, nil
}

// codecFlags configure the gateway's codec endpoint for the Temporal UI.
func codecFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "codec-origins", Usage: "comma-separated browser origins of the Temporal UI allowed to call the codec endpoint, e.g. https://temporal.example.com", EnvVars: []string{"JUNCTION_CODEC_ORIGINS"}},
		&cli.StringFlag{Name: "codec-accounts", Usage: "comma-separated accounts whose admin API keys may decrypt payloads through the codec endpoint (your operators' account)", EnvVars: []string{"JUNCTION_CODEC_ACCOUNTS"}},
		&cli.StringFlag{Name: "temporal-ui-url", Usage: "the Temporal UI's base URL, e.g. https://temporal.example.com: run answers link to each run's history there (historyUrl); empty: no links", EnvVars: []string{"JUNCTION_TEMPORAL_UI_URL"}},
	}
}

func commaList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
