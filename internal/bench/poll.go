package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"

	"github.com/junction-run/junction/connectors/shopify"
	"github.com/junction-run/junction/internal/devvault"
	"github.com/junction-run/junction/runs"
)

// SystemPoll selects the polling scenario.
const SystemPoll = "poll"

// PollConfig is the polling scenario: N Shopify shops on a loopback
// stand-in, one connection and one enabled shopify.new_orders definition
// per shop, so N Temporal Schedules, each polling one shop.
type PollConfig struct {
	N           int
	Persistence string
	Concurrency int
	// Idle is how long the schedules are watched while no poll is due.
	Idle time.Duration
	// PhaseTimeout bounds each poll phase; Timeout the whole scenario.
	PhaseTimeout time.Duration
	Timeout      time.Duration
	// VaultBinary is the dev Vault the system under test starts:
	// connections keep their tokens in Vault. "" finds it as `junction dev`
	// does (JUNCTION_VAULT_BIN, then .junction/bin/vault).
	VaultBinary string
}

// PollResult is what the polling scenario saw.
type PollResult struct {
	N           int    `json:"n"`
	Persistence string `json:"persistence"`
	// Interval is the trigger's poll interval; NeededPollsPerSec is N over
	// it, what the system must sustain.
	Interval          string  `json:"interval"`
	NeededPollsPerSec float64 `json:"neededPollsPerSec"`
	// Connections and Definitions were created in the seconds given; every
	// definition made one poll schedule.
	Connections       int     `json:"connections"`
	Definitions       int     `json:"definitions"`
	ConnectionSeconds float64 `json:"connectionSeconds"`
	DefinitionSeconds float64 `json:"definitionSeconds"`
	CreateErrors      int     `json:"createErrors"`
	FirstCreateError  string  `json:"firstCreateError,omitempty"`
	RSSBeforeCreateMB float64 `json:"rssBeforeCreateMb"`
	RSSAfterCreateMB  float64 `json:"rssAfterCreateMb"`
	// IdleCPUBeforeMsPerSec is the stack idle before anything was
	// created; IdleCPUMsPerSec idle with N schedules waiting, just after
	// creating them (the server may still be catching up on the
	// creation); IdleCPUAfterMsPerSec idle again after the rounds.
	IdleCPUAfterMsPerSec  float64     `json:"idleCpuAfterRoundsMsPerSec"`
	IdleCPUBeforeMsPerSec float64     `json:"idleCpuBeforeMsPerSec"`
	IdleSeconds           float64     `json:"idleSeconds"`
	IdleCPUMsPerSec       float64     `json:"idleCpuMsPerSec"`
	IdlePolls             int64       `json:"idlePolls"`
	Phases                []PollPhase `json:"phases"`
	// SteadyCPUShare estimates the share of one core polling costs at the
	// trigger's interval: idle CPU plus N polls that find nothing per
	// interval, at the "nothing new" phase's CPU per poll.
	SteadyCPUShare float64      `json:"steadyCpuShare"`
	FailedPolls    int          `json:"failedPolls"`
	StandIn        standInStats `json:"standIn"`
	Delivery       PollDelivery `json:"delivery"`
	PeakRSSMB      float64      `json:"peakRssMb"`
	LoadAvg        string       `json:"loadAvgAfter"`
	Notes          []string     `json:"notes,omitempty"`
	Error          string       `json:"error,omitempty"`
}

// PollPhase is one round in which every schedule is triggered once.
type PollPhase struct {
	Name          string `json:"name"`
	Triggered     int    `json:"triggered"`
	TriggerErrors int    `json:"triggerErrors"`
	// TriggerSeconds is how long triggering every schedule took; Seconds
	// runs from the first trigger until every shop was polled, every
	// expected run posted to the sink, and no poll was still running.
	TriggerSeconds float64 `json:"triggerSeconds"`
	Seconds        float64 `json:"seconds"`
	Complete       bool    `json:"complete"`
	// Polls is what the stand-in served in the phase (a scheduled tick
	// falling in it adds polls); PollsPerSec is Polls over Seconds.
	Polls        int64   `json:"polls"`
	PollsPerSec  float64 `json:"pollsPerSec"`
	CPUMsPerPoll float64 `json:"cpuMsPerPoll"`
	// VaultCPUMsPerPoll is the part of CPUMsPerPoll the child processes
	// (the dev Vault) used: each poll reads the connection's token.
	VaultCPUMsPerPoll float64 `json:"vaultCpuMsPerPoll"`
	// Runs is the sink's POSTs in the phase; Expected the runs it should
	// have (one per order added since the previous poll).
	Runs     int64 `json:"runs"`
	Expected int   `json:"expected"`
	// Latency is from an order's creation at the stand-in to its run's
	// POST at the sink, in ms (phases that add orders only).
	Latency   Percentiles `json:"latencyMs"`
	PeakRSSMB float64     `json:"peakRssMb"`
	Notes     []string    `json:"notes,omitempty"`
}

// PollDelivery is the exactly-once verdict over every order of the run.
type PollDelivery struct {
	Expected   int `json:"expected"`
	Delivered  int `json:"delivered"`
	Missing    int `json:"missing"`
	Duplicated int `json:"duplicated"`
	// Unexpected are runs of ids that are no order of the stand-in.
	Unexpected  int  `json:"unexpected"`
	ExactlyOnce bool `json:"exactlyOnce"`
}

// pollVerdict checks that each expected order id reached the sink exactly
// once and nothing else did. counts is the sink's POSTs by id.
func pollVerdict(expected []int64, counts map[int]int) PollDelivery {
	d := PollDelivery{Expected: len(expected)}
	want := make(map[int]bool, len(expected))
	for _, id := range expected {
		want[int(id)] = true
		switch n := counts[int(id)]; {
		case n == 0:
			d.Missing++
		case n > 1:
			d.Duplicated++
		default:
			d.Delivered++
		}
	}
	for id := range counts {
		if !want[id] {
			d.Unexpected++
		}
	}
	d.ExactlyOnce = d.Missing == 0 && d.Duplicated == 0 && d.Unexpected == 0
	return d
}

// pollEnv is what the phases share.
type pollEnv struct {
	cfg       PollConfig
	temporal  client.Client
	namespace string
	pid       int
	shops     *ShopStandIn
	sink      *Sink
	// shopOf[i] is the shop number of schedules[i].
	schedules []string
	shopOf    []int
	// expected are the order ids that must run, across phases.
	expected []int64
}

// RunPoll runs the polling scenario.
func (c Config) RunPoll(ctx context.Context, sink *Sink) (res PollResult) {
	p := c.Poll
	interval := shopify.NewOrdersPollInterval
	res = PollResult{N: p.N, Persistence: p.Persistence, Interval: interval.String(),
		NeededPollsPerSec: float64(p.N) / interval.Seconds()}
	ctx, cancel := context.WithTimeout(ctx, p.Timeout)
	defer cancel()
	fail := func(err error) PollResult {
		res.Error = err.Error()
		res.LoadAvg = loadAvg()
		return res
	}
	vault := p.VaultBinary
	if vault == "" {
		var err error
		if vault, err = devvault.FindBinary(); err != nil {
			return fail(fmt.Errorf("connections need the dev Vault: %w", err))
		}
	}
	shops, err := StartShopStandIn()
	if err != nil {
		return fail(err)
	}
	defer shops.Close()
	env := &pollEnv{cfg: p, shops: shops, sink: sink}
	for i := 1; i <= p.N; i++ {
		shops.AddShop(i)
	}
	sut, err := c.startSUT(ctx, SystemPoll, p.Persistence, Setting{}, c.CPUProfile != "", "-vault-bin", vault, "-shopify-stand-in", shops.URL)
	if err != nil {
		return fail(err)
	}
	defer sut.stop()
	defer func() {
		if n := countLines(sut.log, "database is locked"); n > 0 {
			res.Notes = append(res.Notes, fmt.Sprintf("the embedded server logged %d SQLite \"database is locked\" errors, which it retries (the other scenarios log them too)", n))
		}
	}()
	env.pid, env.namespace = sut.ready.PID, sut.ready.Namespace
	apiKey, err := sut.apiKey()
	if err != nil {
		return fail(err)
	}
	env.temporal, err = client.Dial(client.Options{HostPort: sut.ready.TemporalAddress, Namespace: sut.ready.Namespace, Logger: quietLogger{}})
	if err != nil {
		return fail(fmt.Errorf("dialing Temporal: %w", err))
	}
	defer env.temporal.Close()
	sink.Reset()
	whole, err := startMeter(env.pid)
	if err != nil {
		return fail(err)
	}
	defer func() { res.PeakRSSMB = whole.finish().PeakRSSMB }()
	res.RSSBeforeCreateMB = float64(whole.start.RSS) / 1e6
	// What the stack costs idle with no schedule, to compare with the
	// idle cost of N schedules below.
	if p.Idle > 0 {
		res.IdleCPUBeforeMsPerSec, _ = idleCPU(ctx, env.pid, p.Idle)
		c.logf("poll on %s: idle before creating %.1f CPU-ms/s", p.Persistence, res.IdleCPUBeforeMsPerSec)
	}

	// One connection per shop, then one definition per connection; each
	// definition's save creates its poll schedule.
	hc := newHTTPClient(p.Concurrency)
	api := sut.ready.GatewayURL + "/api/v1/accounts/" + pollAccount
	c.logf("poll on %s: creating %d connections", p.Persistence, p.N)
	start := time.Now()
	connIDs, errs, firstErr := parallel(ctx, p.N, p.Concurrency, func(ctx context.Context, i int) (string, error) {
		return postForID(ctx, hc, api+"/connections", apiKey, pollConnection(i+1))
	})
	res.ConnectionSeconds = time.Since(start).Seconds()
	res.CreateErrors, res.FirstCreateError = errs, firstErr
	c.logf("poll on %s: creating %d definitions", p.Persistence, p.N-errs)
	start = time.Now()
	defIDs, errs, firstErr := parallel(ctx, p.N, p.Concurrency, func(ctx context.Context, i int) (string, error) {
		if connIDs[i] == "" {
			return "", nil
		}
		return postForID(ctx, hc, api+"/definitions", apiKey, pollDefinition(connIDs[i], sink.URL, i+1))
	})
	res.DefinitionSeconds = time.Since(start).Seconds()
	res.CreateErrors += errs
	if res.FirstCreateError == "" {
		res.FirstCreateError = firstErr
	}
	for i, id := range connIDs {
		if id != "" {
			res.Connections++
		}
		if defIDs[i] != "" {
			res.Definitions++
			env.schedules = append(env.schedules, runs.PollScheduleID(pollAccount, defIDs[i]))
			env.shopOf = append(env.shopOf, i+1)
		}
	}
	c.logf("poll on %s: %d connections in %.1fs, %d definitions in %.1fs", p.Persistence, res.Connections, res.ConnectionSeconds, res.Definitions, res.DefinitionSeconds)
	if res.Definitions == 0 {
		return fail(fmt.Errorf("no definition was created: %s", res.FirstCreateError))
	}

	// Idle: every schedule waits for its next tick.
	time.Sleep(min(3*time.Second, p.Idle))
	res.RSSAfterCreateMB = float64(whole.sample()) / 1e6
	if p.Idle > 0 {
		before := shops.stats()
		from := time.Now()
		res.IdleCPUMsPerSec, res.IdleSeconds = idleCPU(ctx, env.pid, p.Idle)
		res.IdlePolls = shops.stats().Polls - before.Polls
		if tickWithin(from, time.Now(), interval) {
			res.Notes = append(res.Notes, fmt.Sprintf("a scheduled tick fell in the idle window: %d polls within %.1f s; the idle CPU includes them",
				res.IdlePolls, shops.pollSpread(from).Seconds()))
		}
		c.logf("poll on %s: idle %.0fs, %.1f CPU-ms/s, RSS %.0f MB", p.Persistence, res.IdleSeconds, res.IdleCPUMsPerSec, res.RSSAfterCreateMB)
	}

	// Three rounds, every schedule triggered at once as its tick does:
	// the first poll finds the order waiting in each shop, the next finds
	// nothing, the last finds one new order per shop.
	for i := range env.shopOf {
		id, err := shops.AddOrder(env.shopOf[i])
		if err != nil {
			return fail(err)
		}
		env.expected = append(env.expected, id)
	}
	var profileDone chan error
	profilePath := profileFile(c.CPUProfile, SystemPoll, p.Persistence)
	for _, ph := range []struct {
		name      string
		addOrders bool
		// profile: the CPU profile (BENCH_CPUPROFILE) covers the polls
		// that find nothing, the cost every tick pays.
		profile bool
	}{
		{"first poll, one order waiting in each shop", false, false},
		{"nothing new", false, true},
		{"one new order in each shop", true, false},
	} {
		if ctx.Err() != nil {
			break
		}
		if ph.profile && c.CPUProfile != "" {
			profileDone = make(chan error, 1)
			go func() { profileDone <- fetchProfile(ctx, sut.ready.PprofURL, pollProfileSeconds, profilePath) }()
		}
		phase := c.pollPhase(ctx, env, ph.name, ph.addOrders, len(res.Phases) == 0)
		res.Phases = append(res.Phases, phase)
		if profileDone != nil {
			if err := <-profileDone; err != nil {
				res.Notes = append(res.Notes, "CPU profile failed: "+err.Error())
			} else {
				res.Notes = append(res.Notes, fmt.Sprintf("CPU profile of the first %d s of the round \"%s\" (and whatever followed it): %s", pollProfileSeconds, ph.name, profilePath))
			}
			profileDone = nil
		}
	}
	if n, err := env.count(ctx, "WorkflowType = '"+runs.PollWorkflow+"' AND ExecutionStatus != 'Running' AND ExecutionStatus != 'Completed'"); err == nil {
		res.FailedPolls = n
	}
	qctx, qcancel := context.WithTimeout(ctx, 5*time.Second)
	sink.quiet(qctx, 2*time.Second) // late duplicates count too
	qcancel()
	res.Delivery = pollVerdict(env.expected, sink.counts())
	// Idle once more, the bursts over: what N waiting schedules cost.
	if p.Idle > 0 && ctx.Err() == nil {
		before := shops.stats()
		from := time.Now()
		res.IdleCPUAfterMsPerSec, _ = idleCPU(ctx, env.pid, p.Idle)
		if tickWithin(from, time.Now(), interval) {
			res.Notes = append(res.Notes, fmt.Sprintf("a scheduled tick fell in the idle window after the rounds: %d polls within %.1f s; its CPU is included",
				shops.stats().Polls-before.Polls, shops.pollSpread(from).Seconds()))
		}
		c.logf("poll on %s: idle after the rounds %.1f CPU-ms/s", p.Persistence, res.IdleCPUAfterMsPerSec)
	}
	res.StandIn = shops.stats()
	idle := res.IdleCPUAfterMsPerSec
	if idle == 0 {
		idle = res.IdleCPUMsPerSec
	}
	for _, ph := range res.Phases {
		if ph.Name == "nothing new" && ph.Complete && ph.Polls > 0 {
			res.SteadyCPUShare = (idle + ph.CPUMsPerPoll*float64(len(env.schedules))/interval.Seconds()) / 1000
		}
	}
	if ctx.Err() != nil {
		res.Notes = append(res.Notes, fmt.Sprintf("the scenario stopped at its cap of %s", p.Timeout))
	}
	res.LoadAvg = loadAvg()
	c.logf("poll on %s: exactly once: %v (%d/%d)", p.Persistence, res.Delivery.ExactlyOnce, res.Delivery.Delivered, res.Delivery.Expected)
	return res
}

// pollPhase triggers every schedule once and waits until each shop has
// been polled, every run expected so far has posted to the sink, and no
// poll runs any more. addOrders adds one order to every shop first.
func (c Config) pollPhase(ctx context.Context, env *pollEnv, name string, addOrders, first bool) PollPhase {
	ph := PollPhase{Name: name}
	ctx, cancel := context.WithTimeout(ctx, env.cfg.PhaseTimeout)
	defer cancel()
	polledBefore := env.shops.pollsByShop()
	statsBefore := env.shops.stats()
	postsBefore := env.sink.postCount()
	m, err := startMeter(env.pid)
	if err != nil {
		ph.Notes = append(ph.Notes, err.Error())
		return ph
	}
	childrenBefore := childrenCPU(env.pid)
	start := time.Now()
	var added []int64
	if addOrders {
		for _, shop := range env.shopOf {
			id, err := env.shops.AddOrder(shop)
			if err != nil {
				ph.Notes = append(ph.Notes, err.Error())
				continue
			}
			added = append(added, id)
		}
		env.expected = append(env.expected, added...)
	}
	if first || addOrders {
		ph.Expected = len(env.shopOf)
	}
	c.logf("poll: %s: triggering %d schedules", name, len(env.schedules))
	_, ph.TriggerErrors, _ = parallel(ctx, len(env.schedules), env.cfg.Concurrency, func(ctx context.Context, i int) (string, error) {
		return "", env.temporal.ScheduleClient().GetHandle(ctx, env.schedules[i]).Trigger(ctx, client.ScheduleTriggerOptions{})
	})
	ph.Triggered = len(env.schedules) - ph.TriggerErrors
	ph.TriggerSeconds = time.Since(start).Seconds()
	want := make([]int, len(env.expected))
	for i, id := range env.expected {
		want[i] = int(id)
	}
	for {
		if env.shops.shopsPolledSince(polledBefore) >= ph.Triggered && env.sink.countOf(want) >= len(want) {
			if n, err := env.count(ctx, "WorkflowType = '"+runs.PollWorkflow+"' AND ExecutionStatus = 'Running'"); err == nil && n == 0 {
				ph.Complete = true
				break
			}
		}
		select {
		case <-ctx.Done():
		case <-time.After(250 * time.Millisecond):
			continue
		}
		break
	}
	end := time.Now()
	u := m.finish()
	ph.Seconds = end.Sub(start).Seconds()
	ph.PeakRSSMB = u.PeakRSSMB
	ph.Polls = env.shops.stats().Polls - statsBefore.Polls
	ph.Runs = env.sink.postCount() - postsBefore
	if ph.Seconds > 0 {
		ph.PollsPerSec = float64(ph.Polls) / ph.Seconds
	}
	if ph.Polls > 0 {
		ph.CPUMsPerPoll = u.CPUSeconds * 1000 / float64(ph.Polls)
		ph.VaultCPUMsPerPoll = float64((childrenCPU(env.pid) - childrenBefore).Milliseconds()) / float64(ph.Polls)
	}
	if len(added) > 0 {
		ph.Latency = env.latencies(added)
	}
	if !ph.Complete {
		ph.Notes = append(ph.Notes, fmt.Sprintf("not complete within %s: %d of %d shops polled, %d of %d runs", env.cfg.PhaseTimeout,
			env.shops.shopsPolledSince(polledBefore), ph.Triggered, env.sink.countOf(want), len(want)))
	}
	if ph.TriggerErrors > 0 {
		ph.Notes = append(ph.Notes, fmt.Sprintf("%d schedules could not be triggered", ph.TriggerErrors))
	}
	if tickWithin(start, end, shopify.NewOrdersPollInterval) {
		ph.Notes = append(ph.Notes, "a scheduled tick fell in this phase; its polls are counted")
	}
	c.logf("poll: %s: %d polls in %.1fs (%.1f/s), %.1f CPU-ms per poll, %d runs", name, ph.Polls, ph.Seconds, ph.PollsPerSec, ph.CPUMsPerPoll, ph.Runs)
	return ph
}

// idleCPU is the CPU-ms per second the process tree uses over d, and the
// seconds it watched.
func idleCPU(ctx context.Context, pid int, d time.Duration) (float64, float64) {
	m, err := startMeter(pid)
	if err != nil {
		return 0, 0
	}
	from := time.Now()
	select {
	case <-time.After(d):
	case <-ctx.Done():
	}
	u := m.finish()
	secs := time.Since(from).Seconds()
	return u.CPUSeconds * 1000 / secs, secs
}

// childrenCPU is the CPU time the direct children of pid (the dev Vault)
// and their own children have used.
func childrenCPU(pid int) time.Duration {
	var total time.Duration
	for _, c := range children(pid) {
		if u, err := readUsage(c); err == nil {
			total += u.CPU
		}
	}
	return total
}

// countLines counts the lines of a file that contain s.
func countLines(path, s string) int {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	return bytes.Count(b, []byte(s))
}

// latencies are the times from each order's creation to its run's first
// POST at the sink.
func (env *pollEnv) latencies(ids []int64) Percentiles {
	firsts := env.sink.firstArrivals()
	var ds []time.Duration
	for _, id := range ids {
		at, ok := firsts[int(id)]
		added, known := env.shops.AddedAt(id)
		if ok && known {
			ds = append(ds, at.Sub(added))
		}
	}
	return percentiles(ds)
}

func (env *pollEnv) count(ctx context.Context, query string) (int, error) {
	resp, err := env.temporal.CountWorkflow(ctx, &workflowservice.CountWorkflowExecutionsRequest{Namespace: env.namespace, Query: query})
	if err != nil {
		return 0, err
	}
	return int(resp.GetCount()), nil
}

// tickWithin says whether an interval schedule fires between from and to:
// Temporal aligns interval schedules to the Unix epoch, so every poll
// schedule of a trigger fires at the same moments.
func tickWithin(from, to time.Time, interval time.Duration) bool {
	next := from.Truncate(interval)
	if next.Before(from) {
		next = next.Add(interval)
	}
	return !next.After(to)
}

// pollProfileSeconds is how long the CPU profile of a round samples.
const pollProfileSeconds = 30

// pollAccount is the account the scenario works in: serve's dev account.
const pollAccount = "dev"

// pollConnection is shop i's connection, with its own access token.
func pollConnection(i int) map[string]any {
	return map[string]any{
		"app": "shopify", "name": fmt.Sprintf("bench shop %d", i), "authKind": "api_key",
		"fields":     map[string]string{"key": shopToken(i)},
		"properties": map[string]string{"shop": ShopHost(i)},
	}
}

// pollDefinition runs for each new order of shop i: it posts the order's
// id to the sink.
func pollDefinition(connectionID, sinkURL string, i int) map[string]any {
	return map[string]any{
		"trigger":           "shopify.new_orders",
		"triggerConnection": connectionID,
		"status":            "enabled",
		"definition": map[string]any{
			"name": fmt.Sprintf("bench: new orders of shop %d", i),
			"steps": []any{map[string]any{
				"id":       "call_api",
				"stepType": "HttpRequest",
				"inputs": map[string]any{
					"url":     sinkURL + "/ingest",
					"method":  "POST",
					"headers": map[string]any{"Content-Type": "application/json"},
					"body": map[string]any{
						"id":      "{{data.payload.id}}",
						"email":   "{{data.payload.email}}",
						"country": "US",
						"source":  "junction-poll",
					},
				},
			}},
		},
	}
}

// parallel calls fn for 0..n-1 from `concurrency` goroutines and returns
// the results by index, the number of errors and the first one.
func parallel(ctx context.Context, n, concurrency int, fn func(ctx context.Context, i int) (string, error)) ([]string, int, string) {
	out := make([]string, n)
	var next, errs atomic.Int64
	next.Store(-1)
	var first sync.Once
	var firstErr string
	var wg sync.WaitGroup
	for range max(1, min(concurrency, n)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				i := int(next.Add(1))
				if i >= n {
					return
				}
				v, err := fn(ctx, i)
				if err != nil {
					errs.Add(1)
					first.Do(func() { firstErr = err.Error() })
					continue
				}
				out[i] = v
			}
		}()
	}
	wg.Wait()
	if ctx.Err() != nil {
		for i := int(next.Load()) + 1; i < n; i++ {
			errs.Add(1) // never tried
		}
		first.Do(func() { firstErr = ctx.Err().Error() })
	}
	return out, int(errs.Load()), firstErr
}

// postForID posts doc to the gateway and returns the id of what it created.
func postForID(ctx context.Context, hc *http.Client, target, apiKey string, doc any) (string, error) {
	var created struct {
		ID string `json:"id"`
	}
	if err := postCreated(ctx, hc, target, apiKey, doc, &created); err != nil {
		return "", err
	}
	if created.ID == "" {
		return "", fmt.Errorf("POST %s: no id in the answer", target)
	}
	return created.ID, nil
}

// postCreated posts doc to the gateway, which must answer 201, and decodes
// the answer into out.
func postCreated(ctx context.Context, hc *http.Client, target, apiKey string, doc, out any) error {
	if err := loopbackOnly(target); err != nil {
		return err
	}
	body, err := json.Marshal(doc)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+apiKey)
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode != http.StatusCreated {
		return fmt.Errorf("POST %s: %s: %s", target[strings.LastIndexByte(target, '/'):], resp.Status, bytes.TrimSpace(b))
	}
	if err := json.Unmarshal(b, out); err != nil {
		return fmt.Errorf("POST %s: %w in %s", target, err, b)
	}
	return nil
}

// counts is how often each id has arrived.
func (s *Sink) counts() map[int]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[int]int, len(s.byID))
	for id, a := range s.byID {
		out[id] = a.count
	}
	return out
}

// firstArrivals is when each id first arrived.
func (s *Sink) firstArrivals() map[int]time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[int]time.Time, len(s.byID))
	for id, a := range s.byID {
		out[id] = a.first
	}
	return out
}

func (s *Sink) postCount() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.posts
}

// Markdown renders the polling scenario's tables.
func (r PollResult) Markdown() string {
	var b strings.Builder
	b.WriteString("\n### Polling triggers\n\n")
	if r.Error != "" {
		fmt.Fprintf(&b, "Not measured: %s\n", mdEscape(r.Error))
		return b.String()
	}
	b.WriteString("| shops | persistence | connections in s | definitions (= schedules) in s | RSS before / after creating / peak MB | idle CPU-ms/s before / just after creating / after the rounds | needed polls/s | est. CPU at the interval | failed polls | exactly once |\n|---|---|---|---|---|---|---|---|---|---|\n")
	fmt.Fprintf(&b, "| %d | %s | %d in %.1f | %d in %.1f | %.0f / %.0f / %.0f | %.1f / %.1f / %.1f | %.2f (every %s) | %.1f %% of a core | %d | %s |\n",
		r.N, r.Persistence, r.Connections, r.ConnectionSeconds, r.Definitions, r.DefinitionSeconds,
		r.RSSBeforeCreateMB, r.RSSAfterCreateMB, r.PeakRSSMB, r.IdleCPUBeforeMsPerSec, r.IdleCPUMsPerSec, r.IdleCPUAfterMsPerSec, r.NeededPollsPerSec, r.Interval,
		r.SteadyCPUShare*100, r.FailedPolls, pollExactlyOnce(r.Delivery))
	b.WriteString("\n| round (every schedule triggered once) | polls | runs / expected | triggering in s | all done in s | polls/s | CPU-ms per poll (of which Vault) | order → run p50 / p99 / max ms | peak RSS MB |\n|---|---|---|---|---|---|---|---|---|\n")
	for _, ph := range r.Phases {
		lat := "–"
		if ph.Latency.Count > 0 {
			lat = fmt.Sprintf("%.0f / %.0f / %.0f", ph.Latency.P50, ph.Latency.P99, ph.Latency.Max)
		}
		done := fmt.Sprintf("%.1f", ph.Seconds)
		if !ph.Complete {
			done = "**incomplete** after " + done
		}
		fmt.Fprintf(&b, "| %s | %d | %d / %d | %.1f | %s | %.1f | %.1f (%.1f) | %s | %.0f |\n",
			ph.Name, ph.Polls, ph.Runs, ph.Expected, ph.TriggerSeconds, done, ph.PollsPerSec, ph.CPUMsPerPoll, ph.VaultCPUMsPerPoll, lat, ph.PeakRSSMB)
	}
	notes := slices.Clone(r.Notes)
	for _, ph := range r.Phases {
		for _, n := range ph.Notes {
			notes = append(notes, ph.Name+": "+n)
		}
	}
	if r.CreateErrors > 0 {
		notes = append(notes, fmt.Sprintf("%d connections or definitions failed, first: %s", r.CreateErrors, r.FirstCreateError))
	}
	if r.StandIn.Refused > 0 {
		notes = append(notes, fmt.Sprintf("the Shopify stand-in refused %d requests", r.StandIn.Refused))
	}
	if len(notes) > 0 {
		b.WriteString("\n")
		for _, n := range notes {
			fmt.Fprintf(&b, "- poll: %s\n", mdEscape(n))
		}
	}
	return b.String()
}

func pollExactlyOnce(d PollDelivery) string {
	if d.ExactlyOnce {
		return fmt.Sprintf("yes (%d/%d)", d.Delivered, d.Expected)
	}
	return fmt.Sprintf("**no**: %d/%d, missing %d, duplicated %d, unexpected %d", d.Delivered, d.Expected, d.Missing, d.Duplicated, d.Unexpected)
}
