package vaultx

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the run when a goroutine outlives the tests: the
// token renewal goroutine Close must stop, and the lifetime watcher it
// starts.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
