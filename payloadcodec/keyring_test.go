package payloadcodec

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	commonpb "go.temporal.io/api/common/v1"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// fixedSecret has recognisable bytes, so leaks are easy to search for.
func fixedSecret(seed byte) []byte {
	b := make([]byte, KeySize)
	for i := range b {
		b[i] = seed + byte(i)*7
	}
	return b
}

func TestNewKeyring(t *testing.T) {
	good := Key{ID: "k1", Secret: fixedSecret(1)}
	tests := []struct {
		name    string
		current Key
		old     []Key
		wantErr string
	}{
		{"one key", good, nil, ""},
		{"with old keys", Key{ID: "2026-05", Secret: fixedSecret(2)}, []Key{good, {ID: "k0_old.v1", Secret: fixedSecret(3)}}, ""},
		{"short key", Key{ID: "k1", Secret: make([]byte, 16)}, nil, "key k1 is 16 bytes; AES-256 needs 32"},
		{"long key", Key{ID: "k1", Secret: make([]byte, 33)}, nil, "key k1 is 33 bytes"},
		{"no key", Key{ID: "k1"}, nil, "key k1 is 0 bytes"},
		{"empty id", Key{Secret: fixedSecret(1)}, nil, "key 1: the key id is empty"},
		{"duplicate id", good, []Key{{ID: "k1", Secret: fixedSecret(9)}}, "key id k1 appears more than once"},
		{"bad id characters", good, []Key{{ID: "k 2", Secret: fixedSecret(9)}}, "key 2: the key id may hold only"},
		{"id too long", Key{ID: strings.Repeat("a", 33), Secret: fixedSecret(1)}, nil, "longer than 32"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			kr, err := NewKeyring(tt.current, tt.old...)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				want := []string{tt.current.ID}
				for _, k := range tt.old {
					want = append(want, k.ID)
				}
				if kr.CurrentID() != tt.current.ID || !slices.Equal(kr.IDs(), want) {
					t.Fatalf("got %v", kr)
				}
				return
			}
			if !errors.Is(err, ErrInvalidKeyring) || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("got %v, want an ErrInvalidKeyring containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestNewKeyringCopiesSecrets(t *testing.T) {
	secret := fixedSecret(1)
	c := New(testKeyring(t, Key{ID: "k1", Secret: secret}))
	enc, err := c.Encode([]*commonpb.Payload{jsonPayload("x")})
	if err != nil {
		t.Fatal(err)
	}
	clear(secret)
	if _, err := c.Decode(enc); err != nil {
		t.Fatalf("zeroing the caller's copy broke the keyring: %v", err)
	}
}

func TestParseKeyring(t *testing.T) {
	s1, s2 := fixedSecret(1), fixedSecret(2)
	b1 := base64.StdEncoding.EncodeToString(s1)
	b2 := base64.StdEncoding.EncodeToString(s2)
	urlRaw := base64.RawURLEncoding.EncodeToString(s2)
	short := base64.StdEncoding.EncodeToString(s1[:16])

	good := []struct {
		name    string
		spec    string
		current string
		ids     []string
	}{
		{"one key", "k1:" + b1, "k1", []string{"k1"}},
		{"current first", "k2:" + b2 + ",k1:" + b1, "k2", []string{"k2", "k1"}},
		{"spaces and url-safe unpadded base64", " k2 : " + urlRaw + " , k1:" + b1 + " ", "k2", []string{"k2", "k1"}},
	}
	for _, tt := range good {
		t.Run(tt.name, func(t *testing.T) {
			kr, err := ParseKeyring(tt.spec)
			if err != nil {
				t.Fatal(err)
			}
			if kr.CurrentID() != tt.current || !slices.Equal(kr.IDs(), tt.ids) {
				t.Fatalf("got %v", kr)
			}
		})
	}

	// The keys parsed from "k2:b2,k1:b1" are really those keys: what one
	// keyring encrypts, a keyring built from the raw secrets decrypts.
	t.Run("keys decode to the given bytes", func(t *testing.T) {
		kr, err := ParseKeyring("k2:" + urlRaw + ",k1:" + b1)
		if err != nil {
			t.Fatal(err)
		}
		enc, err := New(kr).Encode([]*commonpb.Payload{jsonPayload("x")})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := New(testKeyring(t, Key{ID: "k2", Secret: s2})).Decode(enc); err != nil {
			t.Fatal(err)
		}
	})

	bad := []struct {
		name    string
		spec    string
		wantErr string
	}{
		{"empty", "", "no keys given"},
		{"blank", "  ", "no keys given"},
		{"key without id", b1, "entry 1 is not id:base64key"},
		{"wrong separator", "k1=" + b1, "entry 1 is not id:base64key"},
		{"key and id swapped", b1 + ":k1", "entry 1: the key id"},
		{"url-safe key in the id's place", urlRaw + ":k1", "entry 1: the key id is longer than 32"},
		{"not base64", "k1:" + b1[:20] + "*" + b1[21:], "entry 1 (key k1): the key is not valid base64"},
		{"too short", "k2:" + b2 + ",k1:" + short, "key k1 is 16 bytes"},
		{"duplicate id", "k1:" + b1 + ",k1:" + b2, "key id k1 appears more than once"},
		{"trailing comma", "k1:" + b1 + ",", "entry 2 is not id:base64key"},
		{"empty id", ":" + b1, "entry 1: the key id is empty"},
	}
	material := []string{b1, b2, urlRaw, short, b1[:12], b2[:12], urlRaw[:12], b1[21:33], hex.EncodeToString(s1), fmt.Sprint(s1)}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			kr, err := ParseKeyring(tt.spec)
			if !errors.Is(err, ErrInvalidKeyring) || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("got %v, %v; want an ErrInvalidKeyring containing %q", kr, err, tt.wantErr)
			}
			for _, m := range material {
				if strings.Contains(err.Error(), m) {
					t.Fatalf("error %q contains key material", err)
				}
			}
		})
	}
}

// Keys and keyrings print their ids only, however they are printed.
func TestKeyMaterialIsNeverPrinted(t *testing.T) {
	secret := fixedSecret(40)
	key := Key{ID: "k1", Secret: secret}
	kr := testKeyring(t, key, Key{ID: "k0", Secret: fixedSecret(90)})
	type config struct {
		Key     Key
		KeyPtr  *Key
		Keyring *Keyring
	}
	cfg := config{Key: key, KeyPtr: &key, Keyring: kr}

	var printed []string
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%d", "%x", "%X", "%q", "%o", "%b"} {
		for _, v := range []any{key, &key, kr, cfg, []Key{key}} {
			printed = append(printed, fmt.Sprintf(verb, v))
		}
	}
	printed = append(printed, fmt.Sprint(key), fmt.Sprintln(kr), key.String(), kr.GoString())
	for _, v := range []any{key, cfg, map[string]Key{"k": key}} {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		printed = append(printed, string(b))
	}
	var logs bytes.Buffer
	logger := zap.New(zapcore.NewCore(zapcore.NewJSONEncoder(zap.NewProductionEncoderConfig()), zapcore.AddSync(&logs), zap.DebugLevel))
	logger.Info("keys", zap.Any("key", key), zap.Any("ptr", &key), zap.Object("kr", kr), zap.Any("cfg", cfg),
		zap.Reflect("reflect", cfg), zap.Stringer("str", kr))
	printed = append(printed, logs.String())

	leaks := []string{
		string(secret), hex.EncodeToString(secret), strings.ToUpper(hex.EncodeToString(secret)),
		base64.StdEncoding.EncodeToString(secret), fmt.Sprint(secret), fmt.Sprintf("%o", secret),
		fmt.Sprintf("%q", secret), strings.Trim(fmt.Sprint(secret[:6]), "[]"),
	}
	for _, out := range printed {
		if !strings.Contains(out, "k1") {
			t.Errorf("output does not name the key id: %s", out)
		}
		for _, leak := range leaks {
			if strings.Contains(out, leak) {
				t.Fatalf("key material printed: %s", out)
			}
		}
	}
}
