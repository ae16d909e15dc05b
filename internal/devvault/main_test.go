package devvault_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the run when a goroutine outlives the tests: the one that
// waits for the Vault process must end once Stop has stopped it.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
