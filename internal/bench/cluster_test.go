package bench

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"syscall"
	"testing"
	"time"
)

// nameServer accepts connections and writes its name on each.
func nameServer(t *testing.T, name string) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			_, _ = fmt.Fprintln(c, name)
			_ = c.Close()
		}
	}()
	return ln
}

func readName(t *testing.T, addr string) string {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return ""
	}
	return strings.TrimSpace(line)
}

// The balancer spreads connections over the frontends in turn and skips
// one that refuses: a client dialling again after its frontend died lands
// on one that is alive.
func TestFrontendBalancerSkipsADeadFrontend(t *testing.T) {
	one, two := nameServer(t, "one"), nameServer(t, "two")
	defer two.Close()
	b, err := startBalancer("127.0.0.1:0", []string{one.Addr().String(), two.Addr().String()})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	seen := map[string]int{}
	for range 4 {
		seen[readName(t, b.Addr())]++
	}
	if seen["one"] != 2 || seen["two"] != 2 {
		t.Errorf("with both alive, connections went %v, want two each", seen)
	}
	_ = one.Close()
	for range 4 {
		if got := readName(t, b.Addr()); got != "two" {
			t.Fatalf("with one dead, a connection reached %q, want two", got)
		}
	}
	_ = two.Close()
	if got := readName(t, b.Addr()); got != "" {
		t.Errorf("with both dead, a connection read %q, want it closed", got)
	}
}

func TestFrontendBalancerRefusesAnAddressOffLoopback(t *testing.T) {
	if _, err := startBalancer("0.0.0.0:0", []string{"127.0.0.1:1"}); !errors.Is(err, errNotLoopback) {
		t.Errorf("got %v, want errNotLoopback", err)
	}
}

// The sender spreads events over the gateways and stops sending to one
// that refused a connection, as a load balancer's health check would.
func TestBalancedSenderSkipsARefusingGateway(t *testing.T) {
	ok := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) }))
	defer ok.Close()
	dead := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) }))
	b, err := newBalancedSender(newHTTPClient(2), []string{ok.URL, dead.URL}, "/trigger", "key", "p")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for i := range 4 {
		if err := b.send(ctx, NewEvent(i+1, 0)); err != nil {
			t.Fatal(err)
		}
	}
	if got := fmt.Sprint(b.ackedByGateway()); got != "map[gateway-1:2 gateway-2:2]" {
		t.Errorf("with both up: %s", got)
	}
	dead.Close()
	refused := 0
	for i := range 6 {
		err := b.send(ctx, NewEvent(10+i, 0))
		switch {
		case errors.Is(err, syscall.ECONNREFUSED):
			refused++
		case err != nil:
			t.Fatal(err)
		}
	}
	if refused != 1 {
		t.Errorf("%d calls refused, want 1: the first marks the gateway down", refused)
	}
	if got := fmt.Sprint(b.ackedByGateway()); got != "map[gateway-1:7 gateway-2:2]" {
		t.Errorf("after gateway-2 died: %s", got)
	}
	ok.Close()
	for range 2 {
		_ = b.send(ctx, NewEvent(99, 0))
	}
	if err := b.send(ctx, NewEvent(100, 0)); err == nil || !strings.Contains(err.Error(), "every gateway is down") {
		t.Errorf("with both down: %v", err)
	}
}

func TestClusterProblems(t *testing.T) {
	clean := ChaosCount{Sent: 10, Acked: 10, Delivered: 10}
	for _, tc := range []struct {
		name string
		c    ChaosCount
		runs map[string]int
		open int64
		want string
	}{
		{"one run per event", clean, map[string]int{"Completed": 10}, 0, ""},
		{"an event that ran twice", clean, map[string]int{"Completed": 11}, 0, "11 runs completed for 10 events delivered: want one run per event"},
		{"a run that failed", clean, map[string]int{"Completed": 9, "Failed": 1}, 0,
			"9 runs completed for 10 events delivered: want one run per event; 1 runs failed"},
		{"a run still open", clean, map[string]int{"Completed": 9, "Running": 1}, 1,
			"1 runs still open after 1m0s; 9 runs completed for 10 events delivered: want one run per event"},
		{"an event never acknowledged", ChaosCount{Sent: 10, Acked: 9, Delivered: 9}, map[string]int{"Completed": 9}, 0, "1 events never acknowledged"},
		{"runs not counted", clean, nil, -1, "could not count the runs still open"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := strings.Join(clusterProblems(tc.c, tc.runs, tc.open, time.Minute), "; "); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestClusterVerdict(t *testing.T) {
	r := ClusterResult{ChaosCount: ChaosCount{Sent: 2600, Acked: 2600, Delivered: 2600, Duplicated: 3}}
	if got, want := r.Line(), "cluster: acked 2600, delivered 2600, lost 0, duplicated 3 (0 after receiver dedupe)"; got != want {
		t.Errorf("line %q, want %q", got, want)
	}
	if !r.Pass() {
		t.Error("a clean run must pass")
	}
	r.Problems = []string{"x"}
	if r.Pass() {
		t.Error("a run with a problem must not pass")
	}
	r = ClusterResult{ChaosCount: ChaosCount{Sent: 1, Acked: 1, Lost: 1}}
	if r.Pass() {
		t.Error("a run that lost an event must not pass")
	}
}

func TestClusterViewHasHosts(t *testing.T) {
	two := ClusterView{Rings: map[string]int{"frontend": 2, "history": 2, "matching": 2, "worker": 2},
		ShardsByHost: map[string]int{"127.0.0.1:1": 3, "127.0.0.1:2": 1}}
	if !two.hasHosts(2) || two.hasHosts(1) {
		t.Errorf("%s: hasHosts(2) %v, hasHosts(1) %v", two, two.hasHosts(2), two.hasHosts(1))
	}
	half := ClusterView{Rings: map[string]int{"frontend": 2, "history": 1, "matching": 2, "worker": 2}, ShardsByHost: two.ShardsByHost}
	if half.hasHosts(2) || half.hasHosts(1) {
		t.Errorf("%s: a history ring of 1 beside rings of 2 is neither one host of each nor two", half)
	}
	if want := "rings frontend 2, history 2, matching 2, worker 2; shards by history host 127.0.0.1:1 3, 127.0.0.1:2 1"; two.String() != want {
		t.Errorf("String() = %q, want %q", two.String(), want)
	}
}

func TestWorkerName(t *testing.T) {
	names := map[int]string{4242: "worker-1"}
	for identity, want := range map[string]string{
		"junction-worker@host/4242": "worker-1",
		"junction-worker@host/7":    "junction-worker@host/7",
		"something else":            "something else",
	} {
		if got := workerName(identity, names); got != want {
			t.Errorf("workerName(%q) = %q, want %q", identity, got, want)
		}
	}
}

// The sink reports when the last of a set of events first arrived.
func TestSinkLastFirstArrival(t *testing.T) {
	s := &Sink{byID: map[int]*arrival{}}
	t0 := time.Unix(1_760_000_000, 0)
	s.byID[1] = &arrival{first: t0}
	s.byID[2] = &arrival{first: t0.Add(3 * time.Second)}
	s.byID[3] = &arrival{first: t0.Add(9 * time.Second)}
	if got := s.lastFirstArrival([]int{1, 2, 4}); !got.Equal(t0.Add(3 * time.Second)) {
		t.Errorf("got %v", got)
	}
	if got := s.lastFirstArrival([]int{4}); !got.IsZero() {
		t.Errorf("no arrival: got %v", got)
	}
}
