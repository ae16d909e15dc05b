package payloadcodec

import (
	"crypto/aes"
	"crypto/cipher"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"go.uber.org/zap/zapcore"
)

// KeySize is the length of every key: AES-256.
const KeySize = 32

// maxKeyIDLen keeps ids short enough that a key pasted into the id's place
// (a 32-byte key is at least 43 base64 characters) is rejected rather than
// written into payload metadata or echoed by an error.
const maxKeyIDLen = 32

// ErrInvalidKeyring is wrapped by every error NewKeyring and ParseKeyring
// return, so configuration loaders can tell a bad key setting from other
// failures.
var ErrInvalidKeyring = errors.New("invalid payload encryption keyring")

// Key is one AES-256 key and the id recorded beside every payload it
// encrypts. Its String, GoString, Format, MarshalJSON and MarshalLogObject
// print the id only, so a Key that ends up in a log line or an error does
// not carry its secret with it.
type Key struct {
	// ID names the key in payload metadata; letters, digits, '.', '_' and
	// '-', at most 32 characters. Choose ids that sort by age ("2026-05")
	// or count up ("k3"): operators read them to know which key a payload
	// needs.
	ID string
	// Secret is the 32-byte key.
	Secret []byte
}

// String prints the id only.
func (k Key) String() string { return "payloadcodec.Key{ID: " + k.ID + ", Secret: <redacted>}" }

// GoString prints the id only, for %#v.
func (k Key) GoString() string { return k.String() }

// Format prints the id only, whatever the verb: without it %d or %x would
// print the secret's bytes.
func (k Key) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(k.String())) }

// MarshalJSON writes the id only, which is also what zap.Reflect and any
// JSON encoder of a struct holding a Key get.
func (k Key) MarshalJSON() ([]byte, error) {
	return fmt.Appendf(nil, `{"id":%q,"secret":"<redacted>"}`, k.ID), nil
}

// MarshalLogObject logs the id only.
func (k Key) MarshalLogObject(enc zapcore.ObjectEncoder) error {
	enc.AddString("id", k.ID)
	enc.AddString("secret", "<redacted>")
	return nil
}

// Keyring holds the keys a Codec uses: the current one, which encrypts every
// new payload, and older ones kept only to decrypt payloads written before a
// rotation. A Keyring is immutable and safe for concurrent use; rotate by
// building a new one (new key first, the previous current key among the old
// ones) and restarting the processes that hold it.
type Keyring struct {
	current string
	ids     []string // current first, then the old keys in the given order
	aeads   map[string]cipher.AEAD
}

// NewKeyring builds a keyring from the current key and the older keys still
// needed to read existing histories. Every key must be 32 bytes with a
// unique, well-formed id. The secrets are copied; callers may zero theirs.
func NewKeyring(current Key, old ...Key) (*Keyring, error) {
	all := append([]Key{current}, old...)
	kr := &Keyring{current: current.ID, aeads: make(map[string]cipher.AEAD, len(all))}
	for i, k := range all {
		if err := checkKeyID(k.ID); err != nil {
			return nil, fmt.Errorf("%w: key %d: %w", ErrInvalidKeyring, i+1, err)
		}
		if _, dup := kr.aeads[k.ID]; dup {
			return nil, fmt.Errorf("%w: key id %s appears more than once", ErrInvalidKeyring, k.ID)
		}
		if len(k.Secret) != KeySize {
			return nil, fmt.Errorf("%w: key %s is %d bytes; AES-256 needs %d", ErrInvalidKeyring, k.ID, len(k.Secret), KeySize)
		}
		block, err := aes.NewCipher(append([]byte(nil), k.Secret...))
		if err != nil { // unreachable with 32 bytes; kept so a change of KeySize cannot panic later
			return nil, fmt.Errorf("%w: key %s: %w", ErrInvalidKeyring, k.ID, err)
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, fmt.Errorf("%w: key %s: %w", ErrInvalidKeyring, k.ID, err)
		}
		kr.aeads[k.ID] = aead
		kr.ids = append(kr.ids, k.ID)
	}
	return kr, nil
}

// ParseKeyring reads a keyring from configuration: comma-separated
// "id:base64key" entries, the current key first, e.g.
//
//	k2:3q2+7w...=,k1:AAECAw...=
//
// Standard and URL-safe base64 are accepted, padded or not; spaces around
// entries are ignored. Errors name entries by position and valid ids only,
// never echoing what was given, since a malformed entry may be key material.
func ParseKeyring(spec string) (*Keyring, error) {
	if strings.TrimSpace(spec) == "" {
		return nil, fmt.Errorf("%w: no keys given (want id:base64key[,id:base64key...], current key first)", ErrInvalidKeyring)
	}
	var keys []Key
	for i, entry := range strings.Split(spec, ",") {
		entry = strings.TrimSpace(entry)
		id, encoded, ok := strings.Cut(entry, ":")
		if !ok {
			return nil, fmt.Errorf("%w: entry %d is not id:base64key", ErrInvalidKeyring, i+1)
		}
		id = strings.TrimSpace(id)
		if err := checkKeyID(id); err != nil {
			return nil, fmt.Errorf("%w: entry %d: %w", ErrInvalidKeyring, i+1, err)
		}
		secret, ok := decodeBase64(strings.TrimSpace(encoded))
		if !ok {
			return nil, fmt.Errorf("%w: entry %d (key %s): the key is not valid base64", ErrInvalidKeyring, i+1, id)
		}
		keys = append(keys, Key{ID: id, Secret: secret})
	}
	kr, err := NewKeyring(keys[0], keys[1:]...)
	for _, k := range keys {
		clear(k.Secret)
	}
	return kr, err
}

// CurrentID is the id of the key that encrypts new payloads.
func (kr *Keyring) CurrentID() string { return kr.current }

// IDs lists every key id, the current one first.
func (kr *Keyring) IDs() []string { return append([]string(nil), kr.ids...) }

// String prints the key ids only.
func (kr *Keyring) String() string {
	if kr == nil {
		return "payloadcodec.Keyring(nil)"
	}
	return "payloadcodec.Keyring{current: " + kr.current + ", ids: [" + strings.Join(kr.ids, " ") + "]}"
}

// GoString prints the key ids only, for %#v.
func (kr *Keyring) GoString() string { return kr.String() }

// Format prints the key ids only, whatever the verb.
func (kr *Keyring) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(kr.String())) }

// MarshalLogObject logs the key ids only.
func (kr *Keyring) MarshalLogObject(enc zapcore.ObjectEncoder) error {
	enc.AddString("current", kr.current)
	enc.AddString("ids", strings.Join(kr.ids, ","))
	return nil
}

func (kr *Keyring) aead(id string) (cipher.AEAD, bool) {
	a, ok := kr.aeads[id]
	return a, ok
}

func checkKeyID(id string) error {
	if id == "" {
		return errors.New("the key id is empty")
	}
	if len(id) > maxKeyIDLen {
		return fmt.Errorf("the key id is longer than %d characters", maxKeyIDLen)
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-') {
			return errors.New("the key id may hold only letters, digits, '.', '_' and '-'")
		}
	}
	return nil
}

func decodeBase64(s string) ([]byte, bool) {
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil {
			return b, true
		}
	}
	return nil, false
}
