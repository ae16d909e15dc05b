package main

import (
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/junction-run/junction/payloadcodec"
)

// payloadKeysFlag turns payload encryption on for every Temporal client the process makes. The
// worker and the gateway (and anything else reading the same histories) need the same keys.
func payloadKeysFlag() cli.Flag {
	return &cli.StringFlag{Name: "payload-keys",
		Usage:   "encrypt Temporal payloads with AES-256-GCM: id:base64key[,id:base64key...], the current key first, older ones to read old histories (prefer the env var)",
		EnvVars: []string{"JUNCTION_PAYLOAD_KEYS"}}
}

// payloadCodec reads --payload-keys; nil when it is not set.
func payloadCodec(c *cli.Context) (*payloadcodec.Codec, error) {
	spec := c.String("payload-keys")
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
