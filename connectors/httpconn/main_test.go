package httpconn

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the run when a goroutine outlives the tests: a response
// body Do leaves open keeps its connection's goroutines alive.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
