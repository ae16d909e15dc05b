package eightbyeight

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

func TestSecretIsRedacted(t *testing.T) {
	const key = "sk_live_Zx81qWv7kP0aT3nR5yL2"
	s := Secret(key)
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%10s"} {
		if out := fmt.Sprintf(verb, s); strings.Contains(out, key) || !strings.Contains(out, redacted) {
			t.Errorf("%s printed %q", verb, out)
		}
	}
	holder := struct {
		Key   Secret
		Inner struct{ K Secret } `json:"inner"`
	}{Key: s}
	holder.Inner.K = s
	if out := fmt.Sprintf("%+v %#v", holder, holder); strings.Contains(out, key) {
		t.Errorf("struct printed %q", out)
	}
	b, err := json.Marshal(holder)
	if err != nil || strings.Contains(string(b), key) {
		t.Errorf("JSON %s, %v", b, err)
	}
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("cfg", "key", s)
	if strings.Contains(buf.String(), key) {
		t.Errorf("slog wrote %s", buf.String())
	}
	if s.Reveal() != key {
		t.Error("Reveal lost the key")
	}
	if Secret("").String() != notSet {
		t.Errorf("empty secret prints %q", Secret("").String())
	}
	var back Secret
	if err := json.Unmarshal([]byte(`"abc"`), &back); err != nil || back.Reveal() != "abc" {
		t.Errorf("decoding a Secret gave %q, %v", back.Reveal(), err)
	}
}

// What connectors/auth's Secret prints in place of a value.
const (
	redacted = "[redacted]"
	notSet   = "[not set]"
)
