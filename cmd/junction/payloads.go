package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/junction-run/junction/payloadcodec"
	"github.com/junction-run/junction/vaultx"
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

// payloadCodec reads --payload-keys, or the keyring in vault that
// --payload-keys-vault-path names; nil when neither is set.
func payloadCodec(c *cli.Context, vault *vaultx.Client) (*payloadcodec.Codec, error) {
	spec := c.String("payload-keys")
	if path := c.String("payload-keys-vault-path"); path != "" {
		if strings.TrimSpace(spec) != "" {
			return nil, errors.New("give --payload-keys or --payload-keys-vault-path, not both")
		}
		var err error
		if spec, err = keyringFromVault(c.Context, vault, path); err != nil {
			return nil, err
		}
	}
	if strings.TrimSpace(spec) == "" {
		return nil, nil
	}
	// ParseKeyring's errors never echo what was given: it may be key material.
	kr, err := payloadcodec.ParseKeyring(spec)
	if err != nil {
		return nil, err
	}
	return payloadcodec.New(kr), nil
}

// codecFlags configure the gateway's codec endpoint for the Temporal UI.
func codecFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "codec-origins", Usage: "comma-separated browser origins of the Temporal UI allowed to call the codec endpoint, e.g. https://temporal.example.com", EnvVars: []string{"JUNCTION_CODEC_ORIGINS"}},
		&cli.StringFlag{Name: "codec-accounts", Usage: "comma-separated accounts whose admin API keys may decrypt payloads through the codec endpoint (your operators' account)", EnvVars: []string{"JUNCTION_CODEC_ACCOUNTS"}},
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

// keyringFromVault reads the keyring spec at path's field keys. Errors
// name the path, never the value.
func keyringFromVault(ctx context.Context, vault *vaultx.Client, path string) (string, error) {
	if vault == nil {
		return "", errors.New("--payload-keys-vault-path needs --vault-addr")
	}
	entry, err := vault.Read(ctx, path)
	if err != nil {
		return "", fmt.Errorf("reading the payload keyring from Vault at %s: %w", path, err)
	}
	spec := string(entry.Data["keys"])
	if strings.TrimSpace(spec) == "" {
		return "", fmt.Errorf("the Vault entry %s has no field keys holding the payload keyring", path)
	}
	return spec, nil
}
