package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/junction-run/junction/internal/devserver"
	"github.com/junction-run/junction/worker"
)

// Systems measured by the throughput scenario.
const (
	SystemRaw = "temporal-raw"
	// SystemRawLocal is the baseline with Junction's levers: a local
	// activity, started eagerly over HTTP from the worker's process.
	SystemRawLocal = "temporal-raw-local"
	// SystemJunction is Junction as it ships: eager start in one process,
	// short HttpRequest steps as local activities.
	SystemJunction = "junction"
	// SystemJunctionActivities is Junction with every HttpRequest step a
	// regular activity (junction dev --local-http-steps=false).
	SystemJunctionActivities = "junction-activities"
	SystemN8N                = "n8n"
)

// Persistence choices of the embedded Temporal server.
const (
	PersistenceSQLite   = "sqlite"
	PersistencePostgres = "postgres"
)

// Config is one benchmark run.
type Config struct {
	// Exe is this program (it starts itself as the system under test).
	Exe string
	// WorkDir is a scratch directory under /tmp; each phase gets a fresh
	// sub-directory.
	WorkDir string
	// Persistence lists the Temporal persistences to measure raw Temporal
	// and Junction on, in order.
	Persistence []string
	// PostgresURL is the PostgreSQL server for "postgres".
	PostgresURL string
	// Systems limits what runs: any of temporal-raw, temporal-raw-local,
	// junction, junction-activities, n8n, park, poll, deliveries,
	// conversations.
	Systems map[string]bool

	// Rounds is how many times the throughput systems run, interleaved
	// (rounds.go); 0 counts as 1.
	Rounds       int
	N            int
	Concurrency  int
	MaxDuration  time.Duration
	DrainTimeout time.Duration
	Warmup       int
	USMod        int
	Worker       worker.Options
	// CPUProfile, when set, names the CPU profiles of the throughput
	// phases: /tmp/p.pprof gives /tmp/p-junction-sqlite-r1.pprof for
	// round 1 and so on.
	CPUProfile string
	// ServeArgs are extra flags for every system under test (serve): the
	// levers measured A/B, such as -local-http or -sqlite-shards 1.
	ServeArgs []string
	// Settings are run beside the systems as they ship, in every round
	// (setting.go).
	Settings []Setting

	N8N        N8NConfig
	Park       ParkConfig
	Poll       PollConfig
	Deliveries DeliveriesConfig
	// Conversations is the inbound SMS scenario (conversations.go).
	Conversations ConversationsConfig
	// Console is the console's pages scenario (console.go).
	Console ConsoleConfig

	Log io.Writer
}

// PhaseResult is one system measured on one persistence (in one round,
// for the throughput systems).
type PhaseResult struct {
	// System is the system's name, followed by its setting in brackets
	// when it ran with one.
	System      string `json:"system"`
	Persistence string `json:"persistence"`
	// Setting is the setting the phase ran with (setting.go), "" as shipped.
	Setting string `json:"setting,omitempty"`
	// Round is the throughput round the phase belongs to (from 1); other
	// scenarios' phases leave it 0.
	Round int `json:"round,omitempty"`
	// Measured names the processes whose CPU and memory are reported.
	Measured        string      `json:"measured"`
	N               int         `json:"n"`
	Concurrency     int         `json:"concurrency"`
	Load            LoadResult  `json:"load"`
	LoadSeconds     float64     `json:"loadSeconds"`
	AcceptedPerSec  float64     `json:"acceptedPerSec"`
	CompletedPerSec float64     `json:"completedPerSec"`
	Delivery        Delivery    `json:"delivery"`
	Usage           Usage       `json:"usage"`
	CPUMsPerRun     float64     `json:"cpuMsPerRun"`
	LoadAvgBefore   string      `json:"loadAvgBefore,omitempty"`
	LoadAvg         string      `json:"loadAvgAfter"`
	Notes           []string    `json:"notes,omitempty"`
	Error           string      `json:"error,omitempty"`
	Ack             Percentiles `json:"ackMs"`
	E2E             Percentiles `json:"e2eMs"`
}

func (c Config) logf(format string, args ...any) {
	if c.Log != nil {
		fmt.Fprintf(c.Log, "[%s] %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, args...))
	}
}

// serveArgs are the system under test's flags for a phase.
func (c Config) serveArgs(dataDir, persistence, pgDatabase string, profile bool) []string {
	args := []string{"serve", "-data-dir", dataDir}
	if persistence == PersistencePostgres {
		args = append(args, "-postgres-url", c.PostgresURL, "-postgres-db", pgDatabase)
	}
	if profile {
		args = append(args, "-pprof", "127.0.0.1:0")
	}
	args = append(args, c.ServeArgs...)
	return append(args, workerArgs(c.Worker)...)
}

func workerArgs(o worker.Options) []string {
	var args []string
	for _, f := range []struct {
		name string
		v    int
	}{
		{"-workflow-pollers", o.WorkflowTaskPollers},
		{"-activity-pollers", o.ActivityTaskPollers},
		{"-max-activities", o.MaxConcurrentActivities},
		{"-max-workflow-tasks", o.MaxConcurrentWorkflowTasks},
		{"-workflow-cache", o.WorkflowCacheSize},
	} {
		if f.v > 0 {
			args = append(args, f.name, strconv.Itoa(f.v))
		}
	}
	return args
}

// startSUT starts a fresh system under test for one phase: an empty data
// directory and, on PostgreSQL, empty databases.
func (c Config) startSUT(ctx context.Context, name, persistence string, set Setting, profile bool, extra ...string) (*process, error) {
	dir := filepath.Join(c.WorkDir, name+"-"+persistence)
	if err := os.RemoveAll(dir); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	pgDatabase := "jbench_" + strings.ReplaceAll(name, "-", "_")
	if persistence == PersistencePostgres {
		if c.PostgresURL == "" {
			return nil, fmt.Errorf("persistence postgres needs a PostgreSQL URL (BENCH_POSTGRES_URL)")
		}
		if err := devserver.DropPostgres(devserver.Postgres{URL: c.PostgresURL, Database: pgDatabase}); err != nil {
			return nil, err
		}
	}
	args := append(append(c.serveArgs(filepath.Join(dir, "data"), persistence, pgDatabase, profile), extra...), set.Args...)
	c.logf("%s on %s: starting the system under test (log %s)", set.label(name), persistence, filepath.Join(dir, "serve.log"))
	return startProcess(ctx, c.Exe, args, set.Env, dir, filepath.Join(dir, "serve.log"))
}

// RunThroughput measures one system (raw Temporal or Junction) on one
// persistence in round r: a fresh system under test on empty data, as in
// every other round.
func (c Config) RunThroughput(ctx context.Context, sink *Sink, system, persistence string, set Setting, round int) PhaseResult {
	res := PhaseResult{System: system, Persistence: persistence, Round: round, N: c.N, Concurrency: c.Concurrency,
		Measured: "one process: embedded Temporal server, Junction worker and gateway, baseline worker", LoadAvgBefore: loadAvg()}
	if persistence == PersistencePostgres {
		res.Measured += " (PostgreSQL server not included)"
	}
	profile := c.CPUProfile != ""
	profilePath := profileFile(c.CPUProfile, system, persistence+settingFileSuffix(set)+"-r"+strconv.Itoa(round))
	var extra []string
	if system == SystemJunctionActivities {
		extra = append(extra, "-local-http=false")
	}
	sut, err := c.startSUT(ctx, system, persistence, set, profile, extra...)
	if err != nil {
		res.Error = err.Error()
		return res
	}
	defer sut.stop()

	var send func(context.Context, Event) error
	prefix := fmt.Sprintf("bench-%d", time.Now().UnixNano())
	switch system {
	case SystemRaw:
		tc, err := client.Dial(client.Options{HostPort: sut.ready.TemporalAddress, Namespace: sut.ready.Namespace, Logger: quietLogger{}})
		if err != nil {
			res.Error = fmt.Sprintf("dialing Temporal: %v", err)
			return res
		}
		defer tc.Close()
		send = rawSender(tc, sink.URL, prefix)
		res.Notes = append(res.Notes, "started with the SDK client from the load process; the condition runs in the workflow, so events that fail it start a run too")
	case SystemRawLocal:
		if sut.ready.RawStarterURL == "" {
			res.Error = "the system under test serves no raw starter"
			return res
		}
		send, err = httpSender(newHTTPClient(c.Concurrency), sut.ready.RawStarterURL+"/start?sink="+url.QueryEscape(sink.URL), "", prefix)
		if err != nil {
			res.Error = err.Error()
			return res
		}
		res.Notes = append(res.Notes, "started over HTTP by a handler in the worker's process, eagerly, with the post as a local activity: Junction's levers without Junction")
	case SystemJunction, SystemJunctionActivities:
		apiKey, err := sut.apiKey()
		if err != nil {
			res.Error = err.Error()
			return res
		}
		hc := newHTTPClient(c.Concurrency)
		if err := createDefinition(ctx, hc, sut.ready.GatewayURL, apiKey, "dev", throughputDefinition(sink.URL)); err != nil {
			res.Error = err.Error()
			return res
		}
		send, err = httpSender(hc, sut.ready.GatewayURL+"/api/v1/accounts/dev/triggers/http_request", apiKey, prefix)
		if err != nil {
			res.Error = err.Error()
			return res
		}
		res.Notes = append(res.Notes, "POST /triggers/http_request with an API key and an Idempotency-Key; conditions evaluated in the gateway")
	default:
		res.Error = "unknown system " + system
		return res
	}

	if c.Warmup > 0 {
		c.logf("%s on %s: warm-up, %d events", system, persistence, c.Warmup)
		warm := Load{N: c.Warmup, Concurrency: min(c.Concurrency, 8), MaxDuration: c.MaxDuration, USMod: c.USMod, IDBase: 1 << 30, Send: send}.Run(ctx)
		wctx, cancel := context.WithTimeout(ctx, c.DrainTimeout)
		sink.WaitFor(wctx, warm.Passing())
		cancel()
		if warm.Errors > 0 {
			res.Notes = append(res.Notes, fmt.Sprintf("warm-up: %d of %d events failed, first: %s", warm.Errors, warm.Sent, warm.FirstError))
		}
	}
	sink.Reset()

	m, err := startMeter(sut.ready.PID)
	if err != nil {
		res.Error = err.Error()
		return res
	}
	var profileDone chan error
	if profile {
		profileDone = make(chan error, 1)
		secs := int(min(c.MaxDuration, 30*time.Second) / time.Second)
		go func() { profileDone <- fetchProfile(ctx, sut.ready.PprofURL, secs, profilePath) }()
	}
	c.logf("%s on %s, round %d: %d events, %d at a time, at most %s", system, persistence, round, c.N, c.Concurrency, c.MaxDuration)
	lr := Load{N: c.N, Concurrency: c.Concurrency, MaxDuration: c.MaxDuration, USMod: c.USMod, Send: send}.Run(ctx)
	c.logf("%s on %s: %d accepted, %d errors in %.1fs; waiting for the sink (at most %s)", system, persistence, lr.Accepted, lr.Errors, lr.Duration.Seconds(), c.DrainTimeout)
	dctx, cancel := context.WithTimeout(ctx, c.DrainTimeout)
	complete := sink.WaitFor(dctx, lr.Passing())
	cancel()
	qctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	sink.quiet(qctx, time.Second) // late duplicates count too
	cancel()
	res.Usage = m.finish()
	if profileDone != nil {
		if err := <-profileDone; err != nil {
			res.Notes = append(res.Notes, "CPU profile failed: "+err.Error())
		} else {
			res.Notes = append(res.Notes, "CPU profile of the first "+strconv.Itoa(int(min(c.MaxDuration, 30*time.Second)/time.Second))+" s: "+profilePath)
		}
	}
	res.fill(lr, sink.Verdict(lr.Events, lr.Acked))
	if !complete {
		res.Notes = append(res.Notes, fmt.Sprintf("the sink did not get every acknowledged event within %s", c.DrainTimeout))
	}
	if lr.Errors > 0 {
		res.Notes = append(res.Notes, fmt.Sprintf("%d events failed, first: %s", lr.Errors, lr.FirstError))
	}
	c.logf("%s on %s: %.1f accepted/s, %.1f completed/s, exactly once: %v", system, persistence, res.AcceptedPerSec, res.CompletedPerSec, res.Delivery.ExactlyOnce)
	return res
}

// fill derives the rates from what the load and the sink saw.
func (r *PhaseResult) fill(lr LoadResult, d Delivery) {
	r.Load, r.Delivery = lr, d
	r.Ack, r.E2E = lr.Ack, d.E2E
	r.LoadSeconds = lr.Duration.Seconds()
	if lr.Duration > 0 {
		r.AcceptedPerSec = float64(lr.Accepted) / lr.Duration.Seconds()
	}
	if arrived := d.Delivered + d.Duplicated; arrived > 0 && d.LastArrival.After(lr.Start) {
		r.CompletedPerSec = float64(arrived) / d.LastArrival.Sub(lr.Start).Seconds()
	}
	if lr.Accepted > 0 {
		r.CPUMsPerRun = r.Usage.CPUSeconds * 1000 / float64(lr.Accepted)
	}
	r.LoadAvg = loadAvg()
}

// throughputDefinition is the scenario in Junction's language: the same
// condition and the same templated body as n8n's workflow.
func throughputDefinition(sinkURL string) map[string]any {
	return map[string]any{
		"trigger":    "http_request",
		"status":     "enabled",
		"conditions": []string{"{{data.country == 'US'}}"},
		"definition": map[string]any{
			"name": "bench: webhook -> condition -> HTTP",
			"steps": []any{map[string]any{
				"id":       "call_api",
				"stepType": "HttpRequest",
				"inputs": map[string]any{
					"url":     sinkURL + "/ingest",
					"method":  "POST",
					"headers": map[string]any{"Content-Type": "application/json"},
					"body":    templatedBody,
				},
			}},
		},
	}
}

// templatedBody is n8n's jsonBody in Junction's expressions.
var templatedBody = map[string]any{
	"id":           "{{data.id}}",
	"email":        "{{data.email}}",
	"country":      "{{data.country}}",
	"amount_cents": "{{round(data.amount * 100)}}",
	"item_count":   "{{data.items.length}}",
	"sentAt":       "{{data.sentAt}}",
	"source":       "junction",
}

func createDefinition(ctx context.Context, hc *http.Client, gatewayURL, apiKey, accountID string, doc map[string]any) error {
	body, err := json.Marshal(doc)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, gatewayURL+"/api/v1/accounts/"+accountID+"/definitions", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+apiKey)
	resp, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("creating the definition: %w", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 8192))
	if resp.StatusCode != http.StatusCreated {
		return fmt.Errorf("creating the definition: %s: %s", resp.Status, b)
	}
	return nil
}

func profileFile(path, system, persistence string) string {
	ext := filepath.Ext(path)
	return strings.TrimSuffix(path, ext) + "-" + system + "-" + persistence + ext
}

// fetchProfile saves a CPU profile of the next seconds.
func fetchProfile(ctx context.Context, pprofURL string, seconds int, path string) error {
	return savePprof(ctx, fmt.Sprintf("%s/debug/pprof/profile?seconds=%d", pprofURL, seconds), path)
}

// fetchHeapProfile saves a heap profile taken after a collection.
func fetchHeapProfile(ctx context.Context, pprofURL, path string) error {
	return savePprof(ctx, pprofURL+"/debug/pprof/heap?gc=1", path)
}

func savePprof(ctx context.Context, url, path string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("pprof answered %s", resp.Status)
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return ""
	}
	return strings.Join(f[:3], " ")
}

// quietLogger drops the SDK client's logs in the load process.
type quietLogger struct{}

func (quietLogger) Debug(string, ...any) {}
func (quietLogger) Info(string, ...any)  {}
func (quietLogger) Warn(string, ...any)  {}
func (quietLogger) Error(string, ...any) {}
