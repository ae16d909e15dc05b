package outbound_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/junction-run/junction/outbound"
)

// The signatures are checked by the specification's own Go library, an
// implementation independent of ours: with one secret, and with both
// secrets of a rotation, each of which verifies alone.
func TestSignaturesVerifyWithTheReferenceLibrary(t *testing.T) {
	oldSecret, newSecret := mustSecret(t), mustSecret(t)
	body := []byte(`{"type":"run.completed","data":{"order":"1001","note":"Ünïcode & <xml>"}}`)
	at := time.Now()
	tests := []struct {
		name    string
		signers []outbound.SigningSecret
		verify  outbound.SigningSecret
		ok      bool
	}{
		{"one secret", []outbound.SigningSecret{oldSecret}, oldSecret, true},
		{"rotation: the old secret verifies", []outbound.SigningSecret{oldSecret, newSecret}, oldSecret, true},
		{"rotation: the new secret verifies", []outbound.SigningSecret{oldSecret, newSecret}, newSecret, true},
		{"another secret does not", []outbound.SigningSecret{oldSecret}, newSecret, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := outbound.Headers("msg_2Lq8", at, body, tt.signers...)
			if n := len(strings.Fields(h.Get(outbound.HeaderSignature))); n != len(tt.signers) {
				t.Fatalf("%d signatures for %d secrets", n, len(tt.signers))
			}
			wh, err := standardwebhooks.NewWebhook(tt.verify.Encode())
			if err != nil {
				t.Fatal(err)
			}
			if err := wh.Verify(body, h); (err == nil) != tt.ok {
				t.Errorf("reference Verify: %v, want ok %v", err, tt.ok)
			}
			if err := wh.Verify(append(body, ' '), h); err == nil {
				t.Error("a changed body still verifies")
			}
		})
	}
	// And the other way: what the library signs, we sign alike.
	wh, _ := standardwebhooks.NewWebhook(oldSecret.Encode())
	ref, err := wh.Sign("msg_2Lq8", at, body)
	if err != nil {
		t.Fatal(err)
	}
	if got := outbound.Sign("msg_2Lq8", at, body, oldSecret); got != ref {
		t.Errorf("Sign = %q, the reference library %q", got, ref)
	}
}

func mustSecret(t *testing.T) outbound.SigningSecret {
	t.Helper()
	s, err := outbound.NewSecret()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestParseSecret(t *testing.T) {
	s := mustSecret(t)
	back, err := outbound.ParseSecret(s.Encode())
	if err != nil || back.Encode() != s.Encode() {
		t.Fatalf("round trip: %v", err)
	}
	for _, bad := range []string{"", "whsec_", "sk_abc", "whsec_not base64!", "whsec_" + strings.Repeat("A", 20), "whsec_" + strings.Repeat("AAAA", 30)} {
		if _, err := outbound.ParseSecret(bad); !errors.Is(err, outbound.ErrInvalidSecret) {
			t.Errorf("ParseSecret(%q) = %v", bad, err)
		} else if len(bad) > 8 && strings.Contains(err.Error(), bad[6:]) {
			t.Errorf("the error quotes the text: %v", err)
		}
	}
	// Printing never shows the key.
	for _, text := range []string{fmt.Sprint(s), fmt.Sprintf("%v %+v %#v %s", s, s, s, s)} {
		if strings.Contains(text, s.Encode()[6:]) {
			t.Errorf("printed: %s", text)
		}
	}
}

func TestHeaders(t *testing.T) {
	at := time.Unix(1796590000, 0)
	h := outbound.Headers("msg_1", at, []byte("{}"), mustSecret(t))
	if h.Get(outbound.HeaderID) != "msg_1" || h.Get(outbound.HeaderTimestamp) != "1796590000" || !strings.HasPrefix(h.Get(outbound.HeaderSignature), "v1,") || len(h) != 3 {
		t.Errorf("headers %v", h)
	}
}
