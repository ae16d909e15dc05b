package auth

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

func TestSecretIsRedacted(t *testing.T) {
	const value = "sk_live_Zx81qWv7kP0aT3nR5yL2"
	s := Secret(value)
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%10s"} {
		if out := fmt.Sprintf(verb, s); strings.Contains(out, value) || !strings.Contains(out, redacted) {
			t.Errorf("%s printed %q", verb, out)
		}
	}
	cfg := OAuth2Config{Kind: KindOAuth2ClientCredentials, ClientID: "id", ClientSecret: s}
	sess := SessionConfig{Username: "u", Password: s}
	for _, v := range []any{cfg, &cfg, sess, &sess} {
		if out := fmt.Sprintf("%v %+v %#v", v, v, v); strings.Contains(out, value) {
			t.Errorf("printing a config leaked the secret: %s", out)
		}
		b, err := json.Marshal(v)
		if err != nil || strings.Contains(string(b), value) {
			t.Errorf("JSON %s, %v", b, err)
		}
	}
	// Credentials themselves print without the secret.
	for _, c := range []Credentials{Basic("u", s), Bearer(s), APIKey("header", "X", s), Digest("u", s), Session(sess), OAuth2(cfg)} {
		if out := fmt.Sprintf("%v %+v %#v", c, c, c); strings.Contains(out, value) {
			t.Errorf("printing %T leaked the secret: %s", c, out)
		}
	}
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("cfg", "key", s)
	if strings.Contains(buf.String(), value) {
		t.Errorf("slog wrote %s", buf.String())
	}
	if s.Reveal() != value {
		t.Error("Reveal lost the value")
	}
	if Secret("").String() != notSet {
		t.Errorf("an empty secret prints %q", Secret("").String())
	}
	if b, _ := s.MarshalText(); string(b) != redacted {
		t.Errorf("MarshalText = %q", b)
	}
	var back Secret
	if err := json.Unmarshal([]byte(`"abc"`), &back); err != nil || back.Reveal() != "abc" {
		t.Errorf("decoding a Secret gave %q, %v", back.Reveal(), err)
	}
}

func TestScrubber(t *testing.T) {
	s := newScrubber("p@ss word/1", "", "tok")
	in := `{"message":"bad p@ss word/1 or p%40ss+word%2F1 or p@ss%20word%2F1, tok expired"}`
	out := s.clean(in)
	if s.leaks(out) || strings.Count(out, redacted) != 4 {
		t.Errorf("clean(%q) = %q", in, out)
	}
	if got := s.excerpt([]byte(strings.Repeat("é", 300))); len(got) > 205 || !strings.HasSuffix(got, "…") {
		t.Errorf("excerpt of a long body = %q", got)
	}
}
