package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/junction-run/junction/runs"
)

func TestCountChaos(t *testing.T) {
	for _, tc := range []struct {
		name       string
		acked      map[int]bool
		deliveries map[int][]string
		want       ChaosCount
	}{
		{"each event once",
			map[int]bool{1: true, 2: true},
			map[int][]string{1: {"k1"}, 2: {"k2"}},
			ChaosCount{Sent: 2, Acked: 2, Delivered: 2}},
		{"an acknowledged event never delivered is lost",
			map[int]bool{1: true, 2: true},
			map[int][]string{1: {"k1"}},
			ChaosCount{Sent: 2, Acked: 2, Delivered: 1, Lost: 1}},
		{"an unacknowledged event may or may not arrive",
			map[int]bool{1: true, 2: false, 3: false},
			map[int][]string{1: {"k1"}, 2: {"k2"}},
			ChaosCount{Sent: 3, Acked: 1, Delivered: 2}},
		{"a retry with the same key is dropped by the receiver",
			map[int]bool{1: true},
			map[int][]string{1: {"k1", "k1", "k1"}},
			ChaosCount{Sent: 1, Acked: 1, Delivered: 1, Duplicated: 2}},
		{"a second run sends another key: a duplicate the receiver cannot drop",
			map[int]bool{1: true},
			map[int][]string{1: {"k1", "k2", "k1", "k2"}},
			ChaosCount{Sent: 1, Acked: 1, Delivered: 1, Duplicated: 3, DuplicatedAfterDedupe: 1}},
		{"deliveries without a key cannot be deduplicated",
			map[int]bool{1: true},
			map[int][]string{1: {"", ""}},
			ChaosCount{Sent: 1, Acked: 1, Delivered: 1, Duplicated: 1, DuplicatedAfterDedupe: 1}},
		{"a delivery of an event never sent is unexpected",
			map[int]bool{1: true},
			map[int][]string{1: {"k1"}, 9: {"k9", "k9"}},
			ChaosCount{Sent: 1, Acked: 1, Delivered: 1, Unexpected: 2}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := countChaos(tc.acked, tc.deliveries); got != tc.want {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestChaosVerdict(t *testing.T) {
	for _, tc := range []struct {
		name string
		c    ChaosCount
		line string
		pass bool
	}{
		{"clean", ChaosCount{Sent: 500, Acked: 500, Delivered: 500, Duplicated: 3},
			"chaos: acked 500, delivered 500, lost 0, duplicated 3 (0 after receiver dedupe)", true},
		{"lost", ChaosCount{Sent: 500, Acked: 500, Delivered: 499, Lost: 1},
			"chaos: acked 500, delivered 499, lost 1, duplicated 0 (0 after receiver dedupe)", false},
		{"duplicate after dedupe", ChaosCount{Sent: 2, Acked: 2, Delivered: 2, Duplicated: 1, DuplicatedAfterDedupe: 1},
			"chaos: acked 2, delivered 2, lost 0, duplicated 1 (1 after receiver dedupe)", false},
		{"unexpected", ChaosCount{Sent: 1, Acked: 1, Delivered: 1, Unexpected: 1},
			"chaos: acked 1, delivered 1, lost 0, duplicated 0 (0 after receiver dedupe)", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.c.Line(); got != tc.line {
				t.Errorf("line %q, want %q", got, tc.line)
			}
			if got := tc.c.Pass(); got != tc.pass {
				t.Errorf("pass %v, want %v", got, tc.pass)
			}
			if r := (ChaosResult{ChaosCount: tc.c, Problems: []string{"x"}}); r.Pass() {
				t.Error("a result with a problem must not pass")
			}
		})
	}
}

func TestDuplicatesByKill(t *testing.T) {
	t0 := time.Unix(1_760_000_000, 0)
	sec := func(n int) time.Time { return t0.Add(time.Duration(n) * time.Second) }
	kills := []Kill{
		{Process: "gateway", At: sec(10), Down: time.Second},
		{Process: "worker", At: sec(20), Down: time.Second},
		{Process: "temporal", At: sec(30), Down: 15 * time.Second},
	}
	got := duplicatesByKill(kills, []time.Time{
		sec(19),         // answered just before the worker died
		sec(20),         // the very moment
		sec(25),         // between kills: the next one lost the answer
		sec(40),         // finished while the server was dead
		sec(45),         // the server's restart
		sec(60),         // after every kill: nothing explains it
		sec(5), sec(10), // before the first kill
	})
	if want := "map[gateway:2 none:1 temporal:3 worker:2]"; fmt.Sprint(got) != want {
		t.Errorf("got %v, want %s", got, want)
	}
}

func TestKillPoints(t *testing.T) {
	for _, tc := range []struct {
		n, victims int
		want       []int
	}{
		{500, 3, []int{125, 250, 375}},
		{10, 3, []int{2, 5, 7}},
		{1, 3, []int{1, 1, 1}},
	} {
		got := killPoints(tc.n, tc.victims)
		if fmt.Sprint(got) != fmt.Sprint(tc.want) {
			t.Errorf("killPoints(%d, %d) = %v, want %v", tc.n, tc.victims, got, tc.want)
		}
	}
}

func TestRetryDelay(t *testing.T) {
	for attempt := 1; attempt <= 10; attempt++ {
		ceiling := 250 * time.Millisecond << min(attempt-1, 4)
		for range 50 {
			if d := retryDelay(attempt); d < ceiling/2 || d > ceiling {
				t.Fatalf("attempt %d waits %s, want between %s and %s", attempt, d, ceiling/2, ceiling)
			}
		}
	}
}

func TestUnackedReason(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want string
	}{
		{&statusError{Status: "503 Service Unavailable", Code: 503}, "503"},
		{fmt.Errorf("post: %w", syscall.ECONNREFUSED), "connection refused"},
		{fmt.Errorf("post: %w", context.DeadlineExceeded), "timeout"},
		{fmt.Errorf("something else"), "other"},
	} {
		if got := unackedReason(tc.err); got != tc.want {
			t.Errorf("%v: %q, want %q", tc.err, got, tc.want)
		}
	}
}

// The receiver records each delivery's Idempotency-Key, which is what the
// count after dedupe is made of.
func TestSinkRecordsIdempotencyKeys(t *testing.T) {
	sink, err := startSink(0)
	if err != nil {
		t.Fatal(err)
	}
	defer sink.Close()
	post := func(id int, key string) {
		t.Helper()
		body, _ := json.Marshal(SinkBody{ID: id, Country: "US"})
		req, err := http.NewRequest(http.MethodPost, sink.URL+"/ingest", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		if key != "" {
			req.Header.Set(runs.IdempotencyKeyHeader, key)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	post(1, "a")
	post(1, "a")
	post(2, "b")
	post(2, "")
	keys := sink.Keys()
	if fmt.Sprint(keys[1]) != "[a a]" || fmt.Sprint(keys[2]) != "[b ]" {
		t.Fatalf("keys %v", keys)
	}
	if n := len(sink.DuplicatedFirstArrivals()); n != 2 {
		t.Errorf("%d duplicates' first arrivals, want 2", n)
	}
	got := countChaos(map[int]bool{1: true, 2: true}, keys)
	want := ChaosCount{Sent: 2, Acked: 2, Delivered: 2, Duplicated: 2, DuplicatedAfterDedupe: 1}
	if got != want {
		t.Errorf("got %+v, want %+v", got, want)
	}
}

// An event is sent again, the same event, until it is acknowledged; every
// call counts, and the reasons of the failed ones are reported.
func TestChaosLoadRetriesUntilAcknowledged(t *testing.T) {
	var mu sync.Mutex
	calls := map[int][]Event{}
	load := &chaosLoad{n: 4, concurrency: 2, timeout: 30 * time.Second, send: func(_ context.Context, ev Event) error {
		mu.Lock()
		defer mu.Unlock()
		calls[ev.ID] = append(calls[ev.ID], ev)
		switch {
		case ev.ID == 2 && len(calls[ev.ID]) == 1:
			return &statusError{Status: "503 Service Unavailable", Code: 503}
		case ev.ID == 3 && len(calls[ev.ID]) <= 2:
			return fmt.Errorf("dial: %w", syscall.ECONNREFUSED)
		}
		return nil
	}}
	acked := load.run(context.Background())
	for id := 1; id <= 4; id++ {
		if !acked[id] {
			t.Errorf("event %d not acknowledged", id)
		}
		for _, ev := range calls[id][1:] {
			if !reflect.DeepEqual(ev, calls[id][0]) {
				t.Errorf("event %d sent again as %+v, first %+v", id, ev, calls[id][0])
			}
		}
	}
	if got := load.attempts.Load(); got != 7 {
		t.Errorf("%d calls, want 7", got)
	}
	if got := fmt.Sprint(load.reasons()); got != "map[503:1 connection refused:2]" {
		t.Errorf("reasons %s", got)
	}
	// Event 3 waited out two retry delays (at least 125 and 250 ms).
	if slowest := time.Duration(load.slowest.Load()); slowest < 375*time.Millisecond {
		t.Errorf("slowest acknowledgement %s, want at least the 375 ms event 3 waited", slowest)
	}
}

// A load that cannot get an event through gives up at its timeout.
func TestChaosLoadGivesUpAtItsTimeout(t *testing.T) {
	load := &chaosLoad{n: 2, concurrency: 2, timeout: 300 * time.Millisecond, send: func(context.Context, Event) error {
		return &statusError{Status: "503 Service Unavailable", Code: 503}
	}}
	start := time.Now()
	acked := load.run(context.Background())
	if acked[1] || acked[2] || len(acked) != 2 {
		t.Errorf("acked %v", acked)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("gave up after %s", d)
	}
}
