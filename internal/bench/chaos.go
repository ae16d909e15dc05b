package bench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
)

// ChaosConfig is one run of the chaos scenario (`make chaos`): the
// production topology on one machine, with a Temporal server on
// PostgreSQL, `junction worker` and `junction gateway` each in its own
// process, under a load of webhook events while each process in turn is
// killed with SIGKILL and started again. It checks that an acknowledged
// event is never lost, and that every duplicate delivery carries the
// Idempotency-Key of the first, so that a receiver deduping on it sees each
// event once.
type ChaosConfig struct {
	// Junction is the junction binary: the worker, the gateway and the
	// admin commands that create the account and its key.
	Junction string
	// Exe is this program, started as `junction-bench temporal`.
	Exe string
	// PostgresURL is the PostgreSQL server (its database part is ignored).
	PostgresURL string
	// Database prefixes the run's databases: Database and
	// Database_visibility for Temporal, Database_meta for Junction's
	// metadata. All three are dropped at the start.
	Database string
	// WorkDir holds the processes' logs; emptied at the start.
	WorkDir string
	// N events are sent, Concurrency at a time, a new one at most Rate
	// per second: paced as webhooks arrive, so that the load lasts long
	// enough for every kill to fall in its middle.
	N           int
	Concurrency int
	Rate        float64
	// SendTimeout caps the sending: an event not acknowledged by then is
	// given up (and reported).
	SendTimeout time.Duration
	// DrainTimeout caps the wait, after the sending, for the receiver to
	// get every acknowledged event and for every run to close.
	DrainTimeout time.Duration
	// Downtime is how long a killed worker or gateway stays dead before
	// it is started again; TemporalDowntime the same for the server,
	// longer by default than the 10 s a client retries a call for, so
	// that the gateway answers 503 and the sender has to send again.
	Downtime         time.Duration
	TemporalDowntime time.Duration
	// ActivityHTTPSteps runs the HttpRequest step as a regular activity
	// (`junction gateway --local-http-steps=false`) instead of a local
	// activity, as Junction ships it.
	ActivityHTTPSteps bool
	// ReceiverLatency is how long the receiver takes to answer a delivery
	// it has recorded, so that a kill catches calls in flight.
	ReceiverLatency time.Duration
	Log             io.Writer
}

// ChaosResult is what one run measured.
type ChaosResult struct {
	ChaosCount
	// Attempts counts trigger calls, the sender's retries included;
	// Unacknowledged says why the calls that were not acknowledged failed
	// (a status code, "connection refused", "timeout").
	Attempts       int            `json:"attempts"`
	Unacknowledged map[string]int `json:"unacknowledged"`
	Kills          []Kill         `json:"kills"`
	// DuplicatesByKill counts the duplicate deliveries by the kill that
	// caused them (duplicatesByKill).
	DuplicatesByKill map[string]int `json:"duplicatesByKill"`
	// Runs counts the runs by their final status in Temporal.
	Runs     map[string]int `json:"runs"`
	Sending  time.Duration  `json:"sending"`
	Duration time.Duration  `json:"duration"`
	// Problems are reasons the run is not a pass besides the counts: an
	// event never acknowledged, a run still open at the end.
	Problems []string `json:"problems,omitempty"`
}

// Kill is one SIGKILL of a process and its restart.
type Kill struct {
	Process string    `json:"process"`
	At      time.Time `json:"at"`
	// AtAcked is how many events were acknowledged when it was killed.
	AtAcked int `json:"atAcked"`
	// Down is from the SIGKILL to the restarted process being ready.
	Down time.Duration `json:"down"`
}

// ChaosCount is the receiver's deliveries against the sender's
// acknowledgements.
type ChaosCount struct {
	// Sent events, of which Acked got a 2xx.
	Sent  int `json:"sent"`
	Acked int `json:"acked"`
	// Delivered is the number of distinct events the receiver saw.
	Delivered int `json:"delivered"`
	// Lost events were acknowledged and never delivered.
	Lost int `json:"lost"`
	// Duplicated is the deliveries beyond the first of each event.
	Duplicated int `json:"duplicated"`
	// DuplicatedAfterDedupe is what is left of them for a receiver that
	// drops a delivery whose Idempotency-Key it has seen: for each event,
	// its distinct keys minus one (a delivery without a key cannot be
	// dropped, so each counts as a key of its own).
	DuplicatedAfterDedupe int `json:"duplicatedAfterDedupe"`
	// Unexpected deliveries are of events that were never sent.
	Unexpected int `json:"unexpected"`
}

// Line is the scenario's verdict, the last line `make chaos` prints.
func (c ChaosCount) Line() string {
	return fmt.Sprintf("chaos: acked %d, delivered %d, lost %d, duplicated %d (%d after receiver dedupe)",
		c.Acked, c.Delivered, c.Lost, c.Duplicated, c.DuplicatedAfterDedupe)
}

// Pass: nothing acknowledged was lost, and no duplicate survives the
// receiver's dedupe.
func (c ChaosCount) Pass() bool {
	return c.Lost == 0 && c.DuplicatedAfterDedupe == 0 && c.Unexpected == 0
}

// countChaos compares what the sender had acknowledged (event id:
// acknowledged) with the Idempotency-Keys of every delivery the receiver
// got, by event id.
func countChaos(acked map[int]bool, deliveries map[int][]string) ChaosCount {
	c := ChaosCount{Sent: len(acked)}
	for id, ok := range acked {
		if ok {
			c.Acked++
		}
		keys := deliveries[id]
		if len(keys) == 0 {
			if ok {
				c.Lost++
			}
			continue
		}
		c.Delivered++
		c.Duplicated += len(keys) - 1
		distinct := map[string]bool{}
		unkeyed := 0
		for _, k := range keys {
			if k == "" {
				unkeyed++
				continue
			}
			distinct[k] = true
		}
		c.DuplicatedAfterDedupe += len(distinct) + unkeyed - 1
	}
	for id, keys := range deliveries {
		if _, sent := acked[id]; !sent {
			c.Unexpected += len(keys)
		}
	}
	return c
}

// duplicatesByKill counts duplicate deliveries by the kill that caused
// them, from when their event first arrived: the kill whose downtime that
// first delivery fell in (a call finished while the server was dead), or
// else the first kill after it (the crash lost the answer). "none" is a
// duplicate no kill explains.
func duplicatesByKill(kills []Kill, firstArrivals []time.Time) map[string]int {
	out := map[string]int{}
	for _, t := range firstArrivals {
		cause := "none"
		for _, k := range kills {
			if !t.After(k.At.Add(k.Down)) {
				cause = k.Process
				break
			}
		}
		out[cause]++
	}
	return out
}

// chaosVictims are killed in this order, one at each quarter of the
// acknowledged events.
var chaosVictims = []string{"gateway", "worker", "temporal"}

// killPoints are the acknowledged counts at which each victim is killed:
// spread through the load, so that each kill hits events in flight.
func killPoints(n, victims int) []int {
	points := make([]int, victims)
	for i := range points {
		points[i] = max(1, n*(i+1)/(victims+1))
	}
	return points
}

// retryDelay is a webhook sender's wait before attempt+1 (attempt counts
// from 1): between half and all of a ceiling that doubles from 250 ms up
// to 4 s, the jitter so that calls refused together do not come back
// together.
func retryDelay(attempt int) time.Duration {
	d := 250 * time.Millisecond << min(attempt-1, 4)
	return d/2 + rand.N(d/2+1)
}

// unackedReason sorts a failed trigger call for the report.
func unackedReason(err error) string {
	var se *statusError
	switch {
	case errors.As(err, &se):
		return strconv.Itoa(se.Code)
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "connection reset"
	case errors.Is(err, context.DeadlineExceeded), os.IsTimeout(err):
		return "timeout"
	}
	return "other"
}

// chaosStack is the system under test: three processes, each started
// again by the same function after a kill.
type chaosStack struct {
	cfg          ChaosConfig
	temporalAddr string
	gatewayURL   string
	metaURL      string
	procs        *processSet
}

func (c ChaosConfig) logf(format string, args ...any) {
	if c.Log != nil {
		fmt.Fprintf(c.Log, "[%s] chaos: %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, args...))
	}
}

// freshRun checks that a scenario's database is on loopback and empties
// its work directory: what chaos and cluster both do first.
func freshRun(postgresURL, workDir string) error {
	if err := loopbackOnly(postgresURL); err != nil {
		return fmt.Errorf("postgres url: %w", err)
	}
	if err := os.RemoveAll(workDir); err != nil {
		return fmt.Errorf("emptying the work directory: %w", err)
	}
	if err := os.MkdirAll(workDir, 0o755); err != nil {
		return fmt.Errorf("creating the work directory: %w", err)
	}
	return nil
}

// RunChaos runs the scenario. The result is filled in as far as the run
// got; err says why it stopped early.
func RunChaos(ctx context.Context, cfg ChaosConfig) (res ChaosResult, err error) {
	began := time.Now()
	defer func() { res.Duration = time.Since(began) }()
	if err := freshRun(cfg.PostgresURL, cfg.WorkDir); err != nil {
		return res, err
	}
	st := &chaosStack{cfg: cfg, procs: newProcessSet()}
	defer st.stopAll()
	if err := st.prepare(ctx); err != nil {
		return res, err
	}
	for _, name := range []string{"temporal", "worker", "gateway"} {
		if err := st.start(ctx, name); err != nil {
			return res, err
		}
	}
	apiKey, err := st.createKey(ctx)
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
	if err := createDefinition(ctx, hc, st.gatewayURL, apiKey, chaosAccount, throughputDefinition(sink.URL)); err != nil {
		return res, err
	}
	send, err := httpSender(hc, st.gatewayURL+"/api/v1/accounts/"+chaosAccount+"/triggers/http_request", apiKey,
		fmt.Sprintf("chaos-%d", time.Now().UnixNano()))
	if err != nil {
		return res, err
	}

	cfg.logf("sending %d events, %d at a time, %.0f a second at most; killing %s with SIGKILL at %v acknowledged", cfg.N, cfg.Concurrency, cfg.Rate,
		strings.Join(chaosVictims, ", then "), killPoints(cfg.N, len(chaosVictims)))
	load := chaosLoad{n: cfg.N, concurrency: cfg.Concurrency, rate: cfg.Rate, timeout: cfg.SendTimeout, send: send}
	killsDone := make(chan []Kill, 1)
	loadDone := make(chan struct{})
	go func() { killsDone <- st.killInTurn(ctx, &load, loadDone) }()
	sendStart := time.Now()
	acked := load.run(ctx)
	res.Sending = time.Since(sendStart)
	close(loadDone)
	res.Attempts, res.Unacknowledged = int(load.attempts.Load()), load.reasons()
	cfg.logf("sending done in %.1f s: %d of %d acknowledged after %d calls", res.Sending.Seconds(), load.acked.Load(), cfg.N, res.Attempts)
	res.Kills = <-killsDone
	if len(res.Kills) < len(chaosVictims) {
		res.Problems = append(res.Problems, fmt.Sprintf("only %d of %d kills happened", len(res.Kills), len(chaosVictims)))
	}

	tc, err := client.Dial(client.Options{HostPort: st.temporalAddr, Logger: quietLogger{}})
	if err != nil {
		return res, fmt.Errorf("dialing Temporal to watch the runs: %w", err)
	}
	defer tc.Close()
	var ackedIDs []int
	for id, ok := range acked {
		if ok {
			ackedIDs = append(ackedIDs, id)
		}
	}
	cfg.logf("waiting (at most %s) for the receiver to get every acknowledged event and every run to close", cfg.DrainTimeout)
	dctx, cancel := context.WithTimeout(ctx, cfg.DrainTimeout)
	open := drain(dctx, sink, tc, ackedIDs)
	cancel()
	// A duplicate sent by an attempt that timed out on our side may still
	// be on its way.
	qctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	sink.quiet(qctx, 2*time.Second)
	cancel()
	res.ChaosCount = countChaos(acked, sink.Keys())
	res.DuplicatesByKill = duplicatesByKill(res.Kills, sink.DuplicatedFirstArrivals())
	if res.Runs, err = runStatuses(ctx, tc); err != nil {
		res.Problems = append(res.Problems, "counting runs: "+err.Error())
	}
	switch {
	case open < 0:
		res.Problems = append(res.Problems, "could not count the runs still open")
	case open > 0:
		res.Problems = append(res.Problems, fmt.Sprintf("%d runs still open after %s", open, cfg.DrainTimeout))
	}
	if res.Acked < res.Sent {
		res.Problems = append(res.Problems, fmt.Sprintf("%d events never acknowledged within %s", res.Sent-res.Acked, cfg.SendTimeout))
	}
	return res, nil
}

// Pass is the scenario's verdict, problems included.
func (r ChaosResult) Pass() bool { return r.ChaosCount.Pass() && len(r.Problems) == 0 }

// chaosAccount is the account the run creates with the admin commands.
const chaosAccount = "chaos"

// prepare picks the ports and empties the databases.
func (st *chaosStack) prepare(ctx context.Context) error {
	ports, err := freePorts(2)
	if err != nil {
		return err
	}
	st.temporalAddr = "127.0.0.1:" + strconv.Itoa(ports[0])
	st.gatewayURL = "http://127.0.0.1:" + strconv.Itoa(ports[1])
	st.metaURL, err = resetDatabases(ctx, st.cfg.PostgresURL, st.cfg.Database)
	return err
}

// resetDatabases drops a run's databases (prefix and prefix_visibility for
// Temporal, which the server creates again, and prefix_meta for
// Junction's metadata) and creates the metadata one empty; it returns its
// URL.
func resetDatabases(ctx context.Context, postgresURL, prefix string) (metaURL string, err error) {
	meta := prefix + "_meta"
	u, err := url.Parse(postgresURL)
	if err != nil {
		return "", fmt.Errorf("postgres url: %w", err)
	}
	u.Path = "/" + meta
	conn, err := pgx.Connect(ctx, postgresURL)
	if err != nil {
		return "", fmt.Errorf("connecting to PostgreSQL: %w", err)
	}
	defer conn.Close(ctx)
	// WITH (FORCE): a run stopped by SIGKILL may have left processes
	// connected.
	for _, db := range []string{prefix, prefix + "_visibility", meta} {
		if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{db}.Sanitize()+" WITH (FORCE)"); err != nil {
			return "", fmt.Errorf("dropping database %s: %w", db, err)
		}
	}
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{meta}.Sanitize()); err != nil {
		return "", fmt.Errorf("creating database %s: %w", meta, err)
	}
	return u.String(), nil
}

// start starts one part of the stack and waits until it is ready.
func (st *chaosStack) start(ctx context.Context, name string) error {
	logPath := filepath.Join(st.cfg.WorkDir, name+".log")
	var p *process
	var err error
	switch name {
	case "temporal":
		p, err = startProcess(ctx, st.cfg.Exe, []string{"temporal", "-address", st.temporalAddr,
			"-postgres-url", st.cfg.PostgresURL, "-postgres-db", st.cfg.Database}, nil, st.cfg.WorkDir, logPath)
	case "worker":
		p, err = startJunction(ctx, st.cfg.Junction, workerPartArgs(st.temporalAddr, st.metaURL), logPath, logSays(logPath, "worker started"))
	case "gateway":
		args := gatewayPartArgs(st.temporalAddr, st.metaURL, strings.TrimPrefix(st.gatewayURL, "http://"))
		if st.cfg.ActivityHTTPSteps {
			args = append(args, "--local-http-steps=false")
		}
		p, err = startJunction(ctx, st.cfg.Junction, args, logPath, answers(st.gatewayURL+"/healthz"))
	default:
		return fmt.Errorf("no part named %s", name)
	}
	if err != nil {
		return fmt.Errorf("starting %s: %w", name, err)
	}
	st.procs.put(name, p)
	return nil
}

// kill ends one part with SIGKILL, leaves it dead for the downtime and
// starts it again.
func (st *chaosStack) kill(ctx context.Context, name string) (time.Duration, error) {
	killed, err := st.procs.kill("chaos", name, "; starting it again", false)
	if err != nil {
		return 0, err
	}
	select {
	case <-ctx.Done():
		return 0, ctx.Err()
	case <-time.After(st.cfg.downtime(name)):
	}
	if err := st.start(ctx, name); err != nil {
		return 0, err
	}
	return time.Since(killed), nil
}

func (c ChaosConfig) downtime(name string) time.Duration {
	if name == "temporal" {
		return c.TemporalDowntime
	}
	return c.Downtime
}

// killInTurn kills each victim when the acknowledged events reach its
// point, until the load ends.
func (st *chaosStack) killInTurn(ctx context.Context, load *chaosLoad, loadDone <-chan struct{}) []Kill {
	return killInTurn(ctx, st.cfg.logf, chaosVictims, load, loadDone, st.kill)
}

// killInTurn kills victims[i] (with kill, which says how long the victim
// was down) when the load's acknowledged events reach killPoints' i-th
// point, until the load ends.
func killInTurn(ctx context.Context, logf func(string, ...any), victims []string, load *chaosLoad, loadDone <-chan struct{},
	kill func(context.Context, string) (time.Duration, error)) []Kill {
	var kills []Kill
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for i, point := range killPoints(load.n, len(victims)) {
		for int(load.acked.Load()) < point {
			select {
			case <-ctx.Done():
				return kills
			case <-loadDone:
				return kills
			case <-tick.C:
			}
		}
		// The previous restart may have outlasted the load: a kill after
		// it would test the drain, not the load.
		select {
		case <-loadDone:
			return kills
		default:
		}
		name := victims[i]
		at := int(load.acked.Load())
		logf("SIGKILL %s at %d acknowledged", name, at)
		killedAt := time.Now()
		down, err := kill(ctx, name)
		if err != nil {
			logf("restarting %s: %v", name, err)
			return kills
		}
		if down > 0 {
			logf("%s back after %.1f s", name, down.Seconds())
		}
		kills = append(kills, Kill{Process: name, At: killedAt, AtAcked: at, Down: down})
	}
	return kills
}

func (st *chaosStack) stopAll() { st.procs.stop("gateway", "worker", "temporal") }

// createKey creates the account and an admin key with the admin commands,
// as an operator bootstraps an installation.
func (st *chaosStack) createKey(ctx context.Context) (string, error) {
	return createAccountKey(ctx, st.cfg.Junction, st.metaURL, chaosAccount)
}

// createAccountKey creates the account and an admin key of it in the
// metadata database with junction's admin commands, as an operator
// bootstraps an installation, and returns the key.
func createAccountKey(ctx context.Context, junction, metaURL, account string) (string, error) {
	if _, err := adminCommand(ctx, junction, "accounts", "create", "--database-url", metaURL, account); err != nil {
		return "", err
	}
	out, err := adminCommand(ctx, junction, "keys", "create", "--database-url", metaURL, "--account", account, "--name", account+" sender", "-o", "json")
	if err != nil {
		return "", err
	}
	var key struct {
		Key string `json:"key"`
	}
	if err := json.Unmarshal(out, &key); err != nil || key.Key == "" {
		return "", fmt.Errorf("reading the key junction keys create printed: %v", err)
	}
	return key.Key, nil
}

func adminCommand(ctx context.Context, junction string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, junction, args...)
	cmd.Env = junctionEnv()
	out, err := cmd.Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return nil, fmt.Errorf("junction %s: %w: %s", strings.Join(args[:2], " "), err, strings.TrimSpace(string(ee.Stderr)))
		}
		return nil, fmt.Errorf("junction %s: %w", strings.Join(args[:2], " "), err)
	}
	return out, nil
}

// junctionEnv is the environment of the junction commands: without the
// JUNCTION_ and VAULT_ variables of the caller's shell, so that the flags
// alone say what they run against.
func junctionEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "JUNCTION_") || strings.HasPrefix(kv, "VAULT_") {
			continue
		}
		env = append(env, kv)
	}
	return env
}

// startJunction runs a junction command, its output appended to logPath,
// and returns once ready says it serves (at most 2 minutes).
func startJunction(ctx context.Context, exe string, args []string, logPath string, ready func(ctx context.Context, logOffset int64) error) (*process, error) {
	logFile, err := openLog(logPath)
	if err != nil {
		return nil, err
	}
	defer logFile.Close() // the child has its own descriptor
	info, err := logFile.Stat()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(exe, args...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.Env = junctionEnv()
	p, err := startChild(cmd, logPath)
	if err != nil {
		return nil, err
	}
	rctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	readyErr := make(chan error, 1)
	go func() { readyErr <- ready(rctx, info.Size()) }()
	select {
	case err := <-readyErr:
		if err == nil {
			return p, nil
		}
		p.stop()
		return nil, fmt.Errorf("junction %s not ready: %w; see %s", args[0], err, logPath)
	case <-p.done:
		cancel()
		return nil, fmt.Errorf("junction %s exited before it was ready; see %s", args[0], logPath)
	}
}

// logSays is ready once the log, past the offset the process started at,
// holds text.
func logSays(logPath, text string) func(context.Context, int64) error {
	return func(ctx context.Context, offset int64) error {
		for {
			if b, err := os.ReadFile(logPath); err == nil && int64(len(b)) > offset && strings.Contains(string(b[offset:]), text) {
				return nil
			}
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(50 * time.Millisecond):
			}
		}
	}
}

// answers is ready once url answers 200.
func answers(url string) func(context.Context, int64) error {
	return func(ctx context.Context, _ int64) error {
		for {
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
			if err != nil {
				return err
			}
			if resp, err := http.DefaultClient.Do(req); err == nil {
				_ = resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					return nil
				}
			}
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(50 * time.Millisecond):
			}
		}
	}
}

// freePorts finds loopback ports outside the kernel's ephemeral range
// (32768-60999), as devserver does for its own: a port freed by a killed
// process is not taken by an outgoing connection before it restarts.
func freePorts(n int) ([]int, error) {
	var ports []int
	for range 200 {
		if len(ports) == n {
			return ports, nil
		}
		p := 20000 + rand.IntN(10000)
		ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(p)))
		if err != nil {
			continue
		}
		_ = ln.Close()
		if !containsInt(ports, p) {
			ports = append(ports, p)
		}
	}
	return nil, errors.New("no free loopback port in 20000-29999")
}

func containsInt(s []int, v int) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// chaosLoad sends every event until the gateway acknowledges it, as a
// webhook sender does: an event without a 2xx (an error answer, a refused
// connection, a timeout) is sent again, same body and same
// Idempotency-Key, after a backoff, until SendTimeout.
type chaosLoad struct {
	n, concurrency int
	// first offsets the event ids: the load sends first+1..first+n.
	first   int
	rate    float64 // new events per second (0: no pacing)
	timeout time.Duration
	send    func(context.Context, Event) error

	acked, attempts atomic.Int64
	// slowest is the longest an event took from its first call to its
	// acknowledgement, in nanoseconds: an outage the sender sat through.
	slowest atomic.Int64
	mu      sync.Mutex
	unacked map[string]int
}

// run sends the events (ids first+1..first+n) and reports which were
// acknowledged.
func (l *chaosLoad) run(ctx context.Context) map[int]bool {
	ctx, cancel := context.WithTimeout(ctx, l.timeout)
	defer cancel()
	acked := make([]bool, l.n)
	var next atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for range l.concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= l.n || ctx.Err() != nil {
					return
				}
				if l.rate > 0 {
					due := start.Add(time.Duration(float64(i) / l.rate * float64(time.Second)))
					select {
					case <-ctx.Done():
						return
					case <-time.After(time.Until(due)):
					}
				}
				acked[i] = l.sendUntilAcked(ctx, NewEvent(l.first+i+1, 0))
			}
		}()
	}
	wg.Wait()
	out := make(map[int]bool, l.n)
	for i, ok := range acked {
		out[l.first+i+1] = ok
	}
	return out
}

func (l *chaosLoad) sendUntilAcked(ctx context.Context, ev Event) bool {
	start := time.Now()
	ev.stamp(start)
	for attempt := 1; ; attempt++ {
		l.attempts.Add(1)
		err := l.send(ctx, ev)
		if err == nil {
			l.acked.Add(1)
			took := int64(time.Since(start))
			for old := l.slowest.Load(); took > old && !l.slowest.CompareAndSwap(old, took); old = l.slowest.Load() {
			}
			return true
		}
		if ctx.Err() != nil {
			return false
		}
		l.mu.Lock()
		if l.unacked == nil {
			l.unacked = map[string]int{}
		}
		l.unacked[unackedReason(err)]++
		l.mu.Unlock()
		select {
		case <-ctx.Done():
			return false
		case <-time.After(retryDelay(attempt)):
		}
	}
}

func (l *chaosLoad) reasons() map[string]int {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make(map[string]int, len(l.unacked))
	for k, v := range l.unacked {
		out[k] = v
	}
	return out
}

// drain waits until the receiver has every acknowledged event and no run
// is open, or ctx ends; it reports the runs still open (-1: unknown).
func drain(ctx context.Context, sink *Sink, tc client.Client, ids []int) int64 {
	sink.WaitFor(ctx, ids)
	for {
		open, err := countRuns(ctx, tc, `ExecutionStatus = "Running"`)
		if err == nil && open == 0 {
			return 0
		}
		select {
		case <-ctx.Done():
			// ctx has ended, the count need not have: ask once more.
			lastCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			defer cancel()
			if open, err = countRuns(lastCtx, tc, `ExecutionStatus = "Running"`); err != nil {
				return -1
			}
			return open
		case <-time.After(500 * time.Millisecond):
		}
	}
}

func countRuns(ctx context.Context, tc client.Client, query string) (int64, error) {
	resp, err := tc.CountWorkflow(ctx, &workflowservice.CountWorkflowExecutionsRequest{Namespace: "default", Query: query})
	if err != nil {
		return 0, err
	}
	return resp.GetCount(), nil
}

// runStatuses counts the runs by final status.
func runStatuses(ctx context.Context, tc client.Client) (map[string]int, error) {
	out := map[string]int{}
	for _, status := range []string{"Running", "Completed", "Failed", "TimedOut", "Terminated", "Canceled"} {
		n, err := countRuns(ctx, tc, `ExecutionStatus = "`+status+`"`)
		if err != nil {
			return out, fmt.Errorf("counting %s runs: %w", status, err)
		}
		if n > 0 {
			out[status] = int(n)
		}
	}
	return out, nil
}

// Summary is the result in a few lines, before the verdict.
func (r ChaosResult) Summary() string {
	var b strings.Builder
	fmt.Fprintf(&b, "sent %d events in %.1f s with %d calls (%d not acknowledged:%s)\n", r.Sent, r.Sending.Seconds(), r.Attempts,
		r.Attempts-r.Acked, formatCounts(r.Unacknowledged))
	for _, k := range r.Kills {
		fmt.Fprintf(&b, "SIGKILL %s at %d acknowledged, back after %.1f s\n", k.Process, k.AtAcked, k.Down.Seconds())
	}
	fmt.Fprintf(&b, "duplicate deliveries by the kill that caused them:%s\n", formatCounts(r.DuplicatesByKill))
	fmt.Fprintf(&b, "runs:%s; unexpected deliveries %d; whole run %.0f s\n", formatCounts(r.Runs), r.Unexpected, r.Duration.Seconds())
	for _, p := range r.Problems {
		fmt.Fprintf(&b, "problem: %s\n", p)
	}
	return b.String()
}

// formatCounts prints counts by name, in name order: " 503 12, timeout 3".
func formatCounts(m map[string]int) string {
	if len(m) == 0 {
		return " none"
	}
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	sort.Strings(names)
	parts := make([]string, len(names))
	for i, k := range names {
		parts[i] = fmt.Sprintf(" %s %d", k, m[k])
	}
	return strings.Join(parts, ",")
}
