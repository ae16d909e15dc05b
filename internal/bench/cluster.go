package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"go.temporal.io/sdk/client"
)

// ClusterConfig is one run of the cluster scenario (`make cluster`): two
// Temporal server processes forming one cluster on PostgreSQL, two
// `junction worker` and two `junction gateway` processes, all on this
// machine's loopback, under a load of webhook events spread over both
// gateways. It measures the throughput of the two nodes, kills one of each
// process with SIGKILL in the middle of a paced load and does not start
// them again, then measures the throughput of the node that is left. The
// verdict covers every event of the three loads: nothing acknowledged is
// lost, no duplicate survives the receiver's dedupe, and each event made
// exactly one run.
type ClusterConfig struct {
	// Junction is the junction binary (workers, gateways, admin commands).
	Junction string
	// Exe is this program, started as `junction-bench temporal`.
	Exe string
	// PostgresURL is the PostgreSQL server (its database part is ignored).
	PostgresURL string
	// Database prefixes the run's databases, dropped at the start:
	// Database and Database_visibility for Temporal, Database_meta for
	// Junction's metadata.
	Database string
	// HistoryShards are spread over the two history services.
	HistoryShards int
	// WorkDir holds the processes' logs; emptied at the start.
	WorkDir string
	// N events are sent while the processes are killed, Concurrency at a
	// time, a new one at most Rate per second, so that every kill falls in
	// the middle of the load.
	N           int
	Concurrency int
	Rate        float64
	// ThroughputN events are sent as fast as they are acknowledged before
	// the kills (two nodes) and after them (one node); 0 skips both.
	ThroughputN int
	// SendTimeout caps each load's sending; DrainTimeout the wait, after
	// each, for the receiver to get every acknowledged event.
	SendTimeout  time.Duration
	DrainTimeout time.Duration
	// ReceiverLatency is how long the receiver takes to answer a delivery
	// it has recorded, so that a kill catches calls in flight.
	ReceiverLatency time.Duration
	Log             io.Writer
}

// ClusterResult is what one run measured.
type ClusterResult struct {
	ChaosCount
	// Attempts counts trigger calls, retries included; Unacknowledged says
	// why the failed ones failed.
	Attempts       int            `json:"attempts"`
	Unacknowledged map[string]int `json:"unacknowledged"`
	Kills          []Kill         `json:"kills"`
	// DuplicatesByKill counts the duplicate deliveries by the kill that
	// caused them (duplicatesByKill).
	DuplicatesByKill map[string]int `json:"duplicatesByKill"`
	// Runs counts the runs by final status in Temporal.
	Runs map[string]int `json:"runs"`
	// Throughput is each unpaced load: two nodes, then the one left.
	Throughput []ClusterThroughput `json:"throughput"`
	// Before is the cluster's own view once both nodes are up, After at
	// the end: one host of each service left, owning every shard.
	Before ClusterView `json:"before"`
	After  ClusterView `json:"after"`
	// RunsByWorker is which worker took the first workflow task of a
	// sample of the two-node load's runs, and AckedByGateway which gateway
	// acknowledged each event: the load was spread over both nodes.
	RunsByWorker   map[string]int `json:"runsByWorker"`
	AckedByGateway map[string]int `json:"ackedByGateway"`
	// SlowestAck is the longest an event of the paced load took from its
	// first call to its acknowledgement: how long a kill held the sender.
	SlowestAck time.Duration `json:"slowestAck"`
	Duration   time.Duration `json:"duration"`
	// Problems are reasons the run is not a pass besides the counts.
	Problems []string `json:"problems,omitempty"`
}

// ClusterThroughput is one unpaced load: events from the first call to
// the last event's arrival at the receiver.
type ClusterThroughput struct {
	Nodes     int           `json:"nodes"`
	Events    int           `json:"events"`
	Took      time.Duration `json:"took"`
	PerSecond float64       `json:"perSecond"`
}

// Line is the scenario's verdict, the last line `make cluster` prints.
func (r ClusterResult) Line() string {
	return fmt.Sprintf("cluster: acked %d, delivered %d, lost %d, duplicated %d (%d after receiver dedupe)",
		r.Acked, r.Delivered, r.Lost, r.Duplicated, r.DuplicatedAfterDedupe)
}

// Pass: nothing acknowledged lost, no duplicate after dedupe, and no
// other problem.
func (r ClusterResult) Pass() bool { return r.ChaosCount.Pass() && len(r.Problems) == 0 }

// clusterVictims are the processes of node 1, killed in this order at the
// quarters of the paced load; node 2 is left.
var clusterVictims = []string{"gateway-1", "worker-1", "temporal-1"}

// clusterAccount is the account the run creates with the admin commands.
const clusterAccount = "cluster"

// clusterStack is the system under test: the frontends' balancer and, per
// node, a Temporal server, a worker and a gateway.
type clusterStack struct {
	cfg         ClusterConfig
	balancer    *frontendBalancer
	frontends   []string // per node
	gatewayURLs []string // per node
	metaURL     string
	procs       *processSet
}

func (c ClusterConfig) logf(format string, args ...any) {
	if c.Log != nil {
		fmt.Fprintf(c.Log, "[%s] cluster: %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, args...))
	}
}

// RunCluster runs the scenario. The result is filled in as far as the run
// got; err says why it stopped early.
func RunCluster(ctx context.Context, cfg ClusterConfig) (res ClusterResult, err error) {
	began := time.Now()
	defer func() { res.Duration = time.Since(began) }()
	if err := freshRun(cfg.PostgresURL, cfg.WorkDir); err != nil {
		return res, err
	}
	st := &clusterStack{cfg: cfg, procs: newProcessSet()}
	defer st.stopAll()
	if res.Before, err = st.start(ctx); err != nil {
		return res, err
	}
	cfg.logf("one cluster: %s", res.Before)
	workers := map[int]string{}
	for _, name := range []string{"worker-1", "worker-2"} {
		workers[st.procs.get(name).cmd.Process.Pid] = name
	}
	apiKey, err := createAccountKey(ctx, cfg.Junction, st.metaURL, clusterAccount)
	if err != nil {
		return res, err
	}
	sink, err := startSink(cfg.ReceiverLatency)
	if err != nil {
		return res, fmt.Errorf("starting the receiver: %w", err)
	}
	defer sink.Close()
	hc := newHTTPClient(cfg.Concurrency)
	hc.Timeout = 15 * time.Second // a webhook sender's patience with one call
	if err := createDefinition(ctx, hc, st.gatewayURLs[0], apiKey, clusterAccount, throughputDefinition(sink.URL)); err != nil {
		return res, err
	}
	send, err := newBalancedSender(hc, st.gatewayURLs, "/api/v1/accounts/"+clusterAccount+"/triggers/http_request", apiKey,
		fmt.Sprintf("cluster-%d", time.Now().UnixNano()))
	if err != nil {
		return res, err
	}
	tc, err := client.Dial(client.Options{HostPort: st.balancer.Addr(), Logger: quietLogger{}})
	if err != nil {
		return res, fmt.Errorf("dialing Temporal to watch the runs: %w", err)
	}
	defer tc.Close()

	acked := map[int]bool{}
	reasons := map[string]int{}
	// One load: its acknowledgements and causes join the run's.
	runLoad := func(load *chaosLoad, during func(loadDone <-chan struct{})) (took time.Duration) {
		loadDone := make(chan struct{})
		duringDone := make(chan struct{})
		go func() { defer close(duringDone); during(loadDone) }()
		start := time.Now()
		got := load.run(ctx)
		close(loadDone)
		<-duringDone
		var ids []int
		for id, ok := range got {
			acked[id] = ok
			if ok {
				ids = append(ids, id)
			}
		}
		res.Attempts += int(load.attempts.Load())
		for k, v := range load.reasons() {
			reasons[k] += v
		}
		dctx, cancel := context.WithTimeout(ctx, cfg.DrainTimeout)
		defer cancel()
		if !sink.WaitFor(dctx, ids) {
			res.Problems = append(res.Problems, fmt.Sprintf("events %d-%d: the receiver did not get every acknowledged event within %s",
				load.first+1, load.first+load.n, cfg.DrainTimeout))
		}
		return sink.lastFirstArrival(ids).Sub(start)
	}
	nothing := func(<-chan struct{}) {}
	next := 0
	throughput := func(nodes int) {
		if cfg.ThroughputN <= 0 {
			return
		}
		cfg.logf("throughput with %d node(s): %d events, %d at a time, as fast as they are acknowledged", nodes, cfg.ThroughputN, cfg.Concurrency)
		load := &chaosLoad{n: cfg.ThroughputN, first: next, concurrency: cfg.Concurrency, timeout: cfg.SendTimeout, send: send.send}
		next += cfg.ThroughputN
		took := runLoad(load, nothing)
		t := ClusterThroughput{Nodes: nodes, Events: cfg.ThroughputN, Took: took}
		if took > 0 {
			t.PerSecond = float64(cfg.ThroughputN) / took.Seconds()
		}
		res.Throughput = append(res.Throughput, t)
		cfg.logf("%d node(s): %d events in %.1f s, %.1f/s", nodes, t.Events, took.Seconds(), t.PerSecond)
	}

	throughput(2)
	if cfg.ThroughputN > 0 {
		if res.RunsByWorker, err = runsByWorker(ctx, tc, time.Now(), 200, workers); err != nil {
			res.Problems = append(res.Problems, "reading which worker ran what: "+err.Error())
		}
		cfg.logf("first workflow task of a sample of its runs, by worker:%s", formatCounts(res.RunsByWorker))
	}
	cfg.logf("sending %d events, %d at a time, %.0f a second at most; killing %s with SIGKILL at %v acknowledged, for good",
		cfg.N, cfg.Concurrency, cfg.Rate, strings.Join(clusterVictims, ", then "), killPoints(cfg.N, len(clusterVictims)))
	load := &chaosLoad{n: cfg.N, first: next, concurrency: cfg.Concurrency, rate: cfg.Rate, timeout: cfg.SendTimeout, send: send.send}
	next += cfg.N
	runLoad(load, func(loadDone <-chan struct{}) {
		res.Kills = killInTurn(ctx, cfg.logf, clusterVictims, load, loadDone, st.kill)
	})
	res.SlowestAck = time.Duration(load.slowest.Load())
	if len(res.Kills) < len(clusterVictims) {
		res.Problems = append(res.Problems, fmt.Sprintf("only %d of %d kills happened", len(res.Kills), len(clusterVictims)))
	}
	throughput(1)

	cfg.logf("waiting (at most %s) for every run to close", cfg.DrainTimeout)
	var ids []int
	for id, ok := range acked {
		if ok {
			ids = append(ids, id)
		}
	}
	dctx, cancel := context.WithTimeout(ctx, cfg.DrainTimeout)
	open := drain(dctx, sink, tc, ids)
	cancel()
	qctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	sink.quiet(qctx, 2*time.Second)
	cancel()
	res.ChaosCount = countChaos(acked, sink.Keys())
	res.Unacknowledged = reasons
	res.AckedByGateway = send.ackedByGateway()
	vctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	res.After, err = describeCluster(vctx, st.balancer.Addr(), cfg.HistoryShards)
	cancel()
	switch {
	case err != nil:
		res.Problems = append(res.Problems, "describing the cluster at the end: "+err.Error())
	case !res.After.hasHosts(1) || len(res.After.ShardsByHost) != 1:
		res.Problems = append(res.Problems, "after the kills the cluster has "+res.After.String()+": want one host of each, owning every shard")
	}
	res.DuplicatesByKill = duplicatesByKill(res.Kills, sink.DuplicatedFirstArrivals())
	if res.Runs, err = runStatuses(ctx, tc); err != nil {
		res.Problems = append(res.Problems, "counting runs: "+err.Error())
	}
	res.Problems = append(res.Problems, clusterProblems(res.ChaosCount, res.Runs, open, cfg.DrainTimeout)...)
	return res, nil
}

// clusterProblems are the reasons besides the counts that a run fails:
// an event never acknowledged, a run still open or in a state other than
// completed, and runs that are not one per event delivered (each event's
// run has a workflow id of its own, so more runs than events is an event
// that ran twice).
func clusterProblems(c ChaosCount, runs map[string]int, open int64, drainTimeout time.Duration) []string {
	var out []string
	if c.Acked < c.Sent {
		out = append(out, fmt.Sprintf("%d events never acknowledged", c.Sent-c.Acked))
	}
	switch {
	case open < 0:
		out = append(out, "could not count the runs still open")
	case open > 0:
		out = append(out, fmt.Sprintf("%d runs still open after %s", open, drainTimeout))
	}
	if runs == nil {
		return out
	}
	if runs["Completed"] != c.Delivered {
		out = append(out, fmt.Sprintf("%d runs completed for %d events delivered: want one run per event", runs["Completed"], c.Delivered))
	}
	statuses := make([]string, 0, len(runs))
	for status := range runs {
		statuses = append(statuses, status)
	}
	sort.Strings(statuses)
	for _, status := range statuses {
		if n := runs[status]; status != "Completed" && status != "Running" && n > 0 {
			out = append(out, fmt.Sprintf("%d runs %s", n, strings.ToLower(status)))
		}
	}
	return out
}

// start brings the cluster up: the balancer, node 1's server (which
// creates the schema), node 2's, then, once the cluster's rings have both
// nodes, both workers and both gateways. It returns the cluster's view of
// itself.
func (st *clusterStack) start(ctx context.Context) (ClusterView, error) {
	var view ClusterView
	ports, err := freePorts(5)
	if err != nil {
		return view, err
	}
	addr := func(p int) string { return "127.0.0.1:" + strconv.Itoa(p) }
	st.frontends = []string{addr(ports[1]), addr(ports[2])}
	st.gatewayURLs = []string{"http://" + addr(ports[3]), "http://" + addr(ports[4])}
	if st.metaURL, err = resetDatabases(ctx, st.cfg.PostgresURL, st.cfg.Database); err != nil {
		return view, err
	}
	if st.balancer, err = startBalancer(addr(ports[0]), st.frontends); err != nil {
		return view, err
	}
	for _, name := range []string{"temporal-1", "temporal-2", "worker-1", "worker-2", "gateway-1", "gateway-2"} {
		st.cfg.logf("starting %s", name)
		if err := st.startPart(ctx, name); err != nil {
			return view, err
		}
		if name == "temporal-2" {
			wctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
			view, err = waitForHosts(wctx, st.balancer.Addr(), st.cfg.HistoryShards, 2)
			cancel()
			if err != nil {
				return view, fmt.Errorf("the two servers did not form one cluster: %w", err)
			}
		}
	}
	return view, nil
}

// startPart starts one process, "<part>-<node>", and waits until it is
// ready.
func (st *clusterStack) startPart(ctx context.Context, name string) error {
	part, nodeText, _ := strings.Cut(name, "-")
	node, err := strconv.Atoi(nodeText)
	if err != nil || node < 1 || node > len(st.frontends) {
		return fmt.Errorf("no part named %s", name)
	}
	logPath := filepath.Join(st.cfg.WorkDir, name+".log")
	temporal := st.balancer.Addr()
	var p *process
	switch part {
	case "temporal":
		p, err = startProcess(ctx, st.cfg.Exe, []string{"temporal", "-address", st.frontends[node-1],
			"-postgres-url", st.cfg.PostgresURL, "-postgres-db", st.cfg.Database,
			"-postgres-shards", strconv.Itoa(st.cfg.HistoryShards), "-cluster-address", temporal}, nil, st.cfg.WorkDir, logPath)
	case "worker":
		p, err = startJunction(ctx, st.cfg.Junction, workerPartArgs(temporal, st.metaURL), logPath, logSays(logPath, "worker started"))
	case "gateway":
		// No per-key budget: one sender's key carries the whole load.
		args := append(gatewayPartArgs(temporal, st.metaURL, strings.TrimPrefix(st.gatewayURLs[node-1], "http://")), "--api-key-rate-limit", "off")
		p, err = startJunction(ctx, st.cfg.Junction, args, logPath, answers(st.gatewayURLs[node-1]+"/healthz"))
	default:
		return fmt.Errorf("no part named %s", name)
	}
	if err != nil {
		return fmt.Errorf("starting %s: %w", name, err)
	}
	st.procs.put(name, p)
	return nil
}

// kill ends one process with SIGKILL, for good: its node's other
// processes carry on, and so does the other node.
func (st *clusterStack) kill(_ context.Context, name string) (time.Duration, error) {
	_, err := st.procs.kill("cluster", name, ", for good", true)
	return 0, err
}

func (st *clusterStack) stopAll() {
	// The front first, the servers last, as an operator would.
	var names []string
	for _, part := range []string{"gateway", "worker", "temporal"} {
		for node := 1; node <= len(st.frontends); node++ {
			names = append(names, part+"-"+strconv.Itoa(node))
		}
	}
	st.procs.stop(names...)
	if st.balancer != nil {
		st.balancer.Close()
	}
}

// lastFirstArrival is when the last of ids first arrived (zero when none
// did).
func (s *Sink) lastFirstArrival(ids []int) time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	var last time.Time
	for _, id := range ids {
		if a := s.byID[id]; a != nil && a.first.After(last) {
			last = a.first
		}
	}
	return last
}

// balancedSender stands for the load balancer in front of the gateways:
// each call goes to the next gateway in turn, skipping one that has
// refused a connection (a passive health check; a dead gateway is not
// tried again).
type balancedSender struct {
	gateways []string
	sends    []func(context.Context, Event) error
	down     []atomic.Bool
	acked    []atomic.Int64
	next     atomic.Uint64
}

func newBalancedSender(hc *http.Client, gatewayURLs []string, path, apiKey, idPrefix string) (*balancedSender, error) {
	b := &balancedSender{gateways: gatewayURLs, down: make([]atomic.Bool, len(gatewayURLs)), acked: make([]atomic.Int64, len(gatewayURLs))}
	for _, u := range gatewayURLs {
		send, err := httpSender(hc, u+path, apiKey, idPrefix)
		if err != nil {
			return nil, err
		}
		b.sends = append(b.sends, send)
	}
	return b, nil
}

// send sends ev to the next gateway that is up; a refused connection
// marks that gateway down, and the caller sends again.
func (b *balancedSender) send(ctx context.Context, ev Event) error {
	n := uint64(len(b.sends))
	start := b.next.Add(1)
	for i := range n {
		g := (start + i) % n
		if b.down[g].Load() {
			continue
		}
		err := b.sends[g](ctx, ev)
		switch {
		case err == nil:
			b.acked[g].Add(1)
		case errors.Is(err, syscall.ECONNREFUSED):
			b.down[g].Store(true)
		}
		return err
	}
	return errors.New("every gateway is down")
}

// ackedByGateway counts the events each gateway acknowledged, by its
// process name (gateway-1, gateway-2).
func (b *balancedSender) ackedByGateway() map[string]int {
	out := map[string]int{}
	for i := range b.gateways {
		out["gateway-"+strconv.Itoa(i+1)] = int(b.acked[i].Load())
	}
	return out
}

// frontendBalancer stands for the load balancer (a Kubernetes Service,
// an L4 balancer) in front of a Temporal cluster's frontends: it hands
// each TCP connection to the next frontend that accepts one, round robin.
// A gRPC client keeps its connection; when that frontend dies it dials
// again and lands on one that is alive.
type frontendBalancer struct {
	ln       net.Listener
	backends []string
	next     atomic.Uint64
	wg       sync.WaitGroup
	mu       sync.Mutex
	conns    map[net.Conn]struct{}
	closed   bool
}

func startBalancer(addr string, backends []string) (*frontendBalancer, error) {
	if err := loopbackOnly("http://" + addr); err != nil {
		return nil, fmt.Errorf("balancer address %s: %w", addr, err)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	b := &frontendBalancer{ln: ln, backends: backends, conns: map[net.Conn]struct{}{}}
	b.wg.Add(1)
	go b.serve()
	return b, nil
}

// Addr is the balancer's host:port, the cluster's address for clients.
func (b *frontendBalancer) Addr() string { return b.ln.Addr().String() }

func (b *frontendBalancer) serve() {
	defer b.wg.Done()
	for {
		c, err := b.ln.Accept()
		if err != nil {
			return
		}
		b.wg.Add(1)
		go func() {
			defer b.wg.Done()
			b.pass(c)
		}()
	}
}

// pass connects c to the first backend, from the next in turn, that
// accepts, and copies both ways until either side closes.
func (b *frontendBalancer) pass(c net.Conn) {
	n := uint64(len(b.backends))
	start := b.next.Add(1)
	var backend net.Conn
	for i := range n {
		d, err := net.DialTimeout("tcp", b.backends[(start+i)%n], 2*time.Second)
		if err == nil {
			backend = d
			break
		}
	}
	if backend == nil || !b.track(c, backend) {
		_ = c.Close()
		if backend != nil {
			_ = backend.Close()
		}
		return
	}
	defer b.untrack(c, backend)
	done := make(chan struct{}, 2)
	go func() { _, _ = io.Copy(backend, c); done <- struct{}{} }()
	go func() { _, _ = io.Copy(c, backend); done <- struct{}{} }()
	<-done
}

func (b *frontendBalancer) track(conns ...net.Conn) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return false
	}
	for _, c := range conns {
		b.conns[c] = struct{}{}
	}
	return true
}

// untrack closes both ends, which ends the other copy.
func (b *frontendBalancer) untrack(conns ...net.Conn) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, c := range conns {
		_ = c.Close()
		delete(b.conns, c)
	}
}

// Close stops accepting, closes every connection and waits for the
// copies to end.
func (b *frontendBalancer) Close() {
	b.mu.Lock()
	b.closed = true
	for c := range b.conns {
		_ = c.Close()
	}
	b.mu.Unlock()
	_ = b.ln.Close()
	b.wg.Wait()
}

// Summary is the result in a few lines, before the verdict.
func (r ClusterResult) Summary() string {
	var b strings.Builder
	fmt.Fprintf(&b, "the cluster at the start: %s\n", r.Before)
	fmt.Fprintf(&b, "the cluster at the end: %s\n", r.After)
	fmt.Fprintf(&b, "events acknowledged by gateway:%s; first workflow task of a sample of the two-node load's runs by worker:%s\n",
		formatCounts(r.AckedByGateway), formatCounts(r.RunsByWorker))
	for _, t := range r.Throughput {
		fmt.Fprintf(&b, "throughput, %d node(s): %d events in %.1f s, %.1f/s\n", t.Nodes, t.Events, t.Took.Seconds(), t.PerSecond)
	}
	fmt.Fprintf(&b, "sent %d events with %d calls (%d not acknowledged:%s)\n", r.Sent, r.Attempts, r.Attempts-r.Acked, formatCounts(r.Unacknowledged))
	for _, k := range r.Kills {
		fmt.Fprintf(&b, "SIGKILL %s at %d acknowledged of the paced load, not restarted\n", k.Process, k.AtAcked)
	}
	fmt.Fprintf(&b, "slowest acknowledgement of the paced load: %.1f s from its first call\n", r.SlowestAck.Seconds())
	fmt.Fprintf(&b, "duplicate deliveries by the kill that caused them:%s\n", formatCounts(r.DuplicatesByKill))
	fmt.Fprintf(&b, "runs:%s; unexpected deliveries %d; whole run %.0f s\n", formatCounts(r.Runs), r.Unexpected, r.Duration.Seconds())
	for _, p := range r.Problems {
		fmt.Fprintf(&b, "problem: %s\n", p)
	}
	return b.String()
}
