package egress

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the run when a goroutine outlives the tests: a
// response body left open, or a transport whose idle connections are never
// closed, keeps a connection's goroutines alive.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
