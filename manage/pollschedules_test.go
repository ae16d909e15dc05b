package manage

import (
	"fmt"
	"testing"
	"time"

	"github.com/junction-run/junction/runs"
)

// TestPollScheduleOffset checks that a thousand definitions on one
// interval are spread over it, and that an offset stays put and inside the
// interval.
func TestPollScheduleOffset(t *testing.T) {
	const n, interval, buckets = 1000, 5 * time.Minute, 10
	counts := make([]int, buckets)
	for i := range n {
		id := runs.PollScheduleID("acme", fmt.Sprintf("def-%d", i))
		off := PollScheduleOffset(id, interval)
		if off < 0 || off >= interval || off%time.Second != 0 {
			t.Fatalf("offset %s of %s: want whole seconds in [0, %s)", off, id, interval)
		}
		if again := PollScheduleOffset(id, interval); again != off {
			t.Fatalf("offset of %s moved from %s to %s", id, off, again)
		}
		counts[off*buckets/interval]++
	}
	// Uniform would be 100 a bucket; all in one second would be 1,000 in one.
	for i, c := range counts {
		if c < n/buckets/2 || c > n/buckets*2 {
			t.Errorf("%d of %d schedules fire in tenth %d of the interval: %v", c, n, i, counts)
		}
	}
	for _, tc := range []struct {
		interval time.Duration
		want     time.Duration
	}{{0, 0}, {time.Second, 0}, {500 * time.Millisecond, 0}} {
		if got := PollScheduleOffset("poll/acme/x", tc.interval); got != tc.want {
			t.Errorf("offset at interval %s = %s, want %s", tc.interval, got, tc.want)
		}
	}
}
