package devstack

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/junction-run/junction/payloadcodec"
)

// PayloadKeysFile is where `junction dev --encrypt-payloads` keeps its generated keyring, in
// the format of --payload-keys. Histories written with it cannot be read without it: the file
// is what makes a restart, or the UI, able to show them.
const PayloadKeysFile = "payload-keys"

// devPayloadKeys returns the keyring every Temporal client of the stack
// encrypts payloads with, in --payload-keys' format, or "" when payloads are
// not encrypted: Config.PayloadKeys, else the data directory's key file
// (which, once written, keeps encryption on: its histories need it), else a
// new key when Config.EncryptPayloads asks for one. internal/app parses it.
func devPayloadKeys(cfg Config) (string, error) {
	if spec := strings.TrimSpace(cfg.PayloadKeys); spec != "" {
		return spec, nil
	}
	path := filepath.Join(cfg.DataDir, PayloadKeysFile)
	b, err := os.ReadFile(path)
	switch {
	case err == nil:
		spec := strings.TrimSpace(string(b))
		if spec == "" {
			// Not a reason to write clear payloads into histories that
			// may hold encrypted ones.
			return "", fmt.Errorf("the payload keys file %s is empty", path)
		}
		return spec, nil
	case !errors.Is(err, fs.ErrNotExist):
		return "", fmt.Errorf("reading the payload keys: %w", err)
	case cfg.EncryptPayloads:
		return newDevKeyring(path)
	default:
		return "", nil
	}
}

// newDevKeyring writes a keyring of one random key to path, readable by its owner only.
func newDevKeyring(path string) (string, error) {
	key := make([]byte, payloadcodec.KeySize)
	if _, err := rand.Read(key); err != nil {
		return "", fmt.Errorf("generating a payload key: %w", err)
	}
	spec := "dev1:" + base64.StdEncoding.EncodeToString(key)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return "", fmt.Errorf("creating the data directory: %w", err)
	}
	if err := os.WriteFile(path, []byte(spec+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("writing the payload keys: %w", err)
	}
	return spec, nil
}

// uiOrigins are the browser origins of the embedded UI: as devserver reports it, and the same
// port on localhost when that is 127.0.0.1.
func uiOrigins(uiURL string) []string {
	if uiURL == "" {
		return nil
	}
	out := []string{uiURL}
	if u, err := url.Parse(uiURL); err == nil && u.Hostname() == "127.0.0.1" {
		out = append(out, u.Scheme+"://localhost:"+u.Port())
	}
	return out
}
