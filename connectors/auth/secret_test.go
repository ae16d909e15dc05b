package auth

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/junction-run/junction/connectors/auth/authtest"
)

func TestSecretIsRedacted(t *testing.T) {
	const value = "sk_live_Zx81qWv7kP0aT3nR5yL2"
	authtest.CheckRedacted[Secret](t, value)
	s := Secret(value)
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
