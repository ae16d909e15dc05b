package authtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

// What package auth's Secret prints in place of a value.
const (
	redacted = "[redacted]"
	notSet   = "[not set]"
)

// Secret is what CheckRedacted needs of a secret type: package auth's
// Secret, or a connector's alias of it.
type Secret interface {
	~string
	fmt.Stringer
	Reveal() string
	MarshalText() ([]byte, error)
}

// CheckRedacted fails t when a secret of type S holding value gives the
// value away: printed with any fmt verb, alone or in a struct, encoded as
// JSON or text, or logged with log/slog. Only Reveal may return it, and
// decoding one from JSON must keep what it decodes.
func CheckRedacted[S Secret](t testing.TB, value string) {
	t.Helper()
	s := S(value)
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%10s"} {
		if out := fmt.Sprintf(verb, s); strings.Contains(out, value) || !strings.Contains(out, redacted) {
			t.Errorf("%s printed %q", verb, out)
		}
	}
	holder := struct {
		Key   S
		Inner struct{ K S } `json:"inner"`
	}{Key: s}
	holder.Inner.K = s
	if out := fmt.Sprintf("%+v %#v", holder, holder); strings.Contains(out, value) {
		t.Errorf("struct printed %q", out)
	}
	b, err := json.Marshal(holder)
	if err != nil || strings.Contains(string(b), value) {
		t.Errorf("JSON %s, %v", b, err)
	}
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("cfg", "key", s)
	if strings.Contains(buf.String(), value) {
		t.Errorf("slog wrote %s", buf.String())
	}
	if s.Reveal() != value {
		t.Error("Reveal lost the value")
	}
	if S("").String() != notSet {
		t.Errorf("an empty secret prints %q", S("").String())
	}
	if b, _ := s.MarshalText(); string(b) != redacted {
		t.Errorf("MarshalText = %q", b)
	}
	var back S
	if err := json.Unmarshal([]byte(`"abc"`), &back); err != nil || back.Reveal() != "abc" {
		t.Errorf("decoding a Secret gave %q, %v", back.Reveal(), err)
	}
}
