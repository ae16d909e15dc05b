package eightbyeight

import (
	"testing"

	"github.com/junction-run/junction/connectors/auth/authtest"
)

func TestSecretIsRedacted(t *testing.T) {
	authtest.CheckRedacted[Secret](t, "sk_live_Zx81qWv7kP0aT3nR5yL2")
}
