package declarative

import (
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strings"

	"github.com/junction-run/junction/connectors"
)

// verifyBasic checks a delivery's HTTP Basic credentials: the password is
// one of the webhook secrets (compared in constant time), and the user
// name is Username when the signature sets one. Third parties that send
// Basic credentials take them in the webhook URL they call
// (https://user:secret@host/hooks/...) or in their subscribe request.
func (s *Signature) verifyBasic(d connectors.Delivery) error {
	if !connectors.HasSecret(d.Secrets) {
		return connectors.SignatureError(errNoSecret)
	}
	auth := d.Header.Get("Authorization")
	if auth == "" {
		return connectors.SignatureError(fmt.Errorf("%w: no Authorization header", errNoSignature))
	}
	scheme, value, _ := strings.Cut(strings.TrimSpace(auth), " ")
	if !strings.EqualFold(scheme, "Basic") {
		return connectors.SignatureError(fmt.Errorf("%w: Authorization is not Basic", errBadSignature))
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(value))
	if err != nil {
		return connectors.SignatureError(fmt.Errorf("%w: Authorization's Basic credentials are not base64", errBadSignature))
	}
	user, password, ok := strings.Cut(string(raw), ":")
	if !ok {
		return connectors.SignatureError(fmt.Errorf("%w: Authorization's Basic credentials have no password", errBadSignature))
	}
	// Both compared, whatever the first says, so the time taken tells
	// nothing about either.
	_, matched := connectors.PresentedSecret(password, d.Secrets)
	userOK := s.Username == "" || subtle.ConstantTimeCompare([]byte(user), []byte(s.Username)) == 1
	if !matched || !userOK {
		return connectors.SignatureError(errBadSignature)
	}
	return nil
}
