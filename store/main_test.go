package store

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the run when a goroutine outlives the tests: a
// store left open keeps database/sql's connection opener running.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
