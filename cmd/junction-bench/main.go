// Command junction-bench measures Junction against raw Temporal and n8n on
// this machine (see docs/benchmarks.md; `make bench` runs it).
//
//	junction-bench run    [flags]   the comparison: load, sink, report
//	junction-bench serve  [flags]   the system under test (started by run)
//	junction-bench worker [flags]   a lone Junction worker (started by run)
//	junction-bench chaos  [flags]   kill -9 under load: worker, gateway and
//	                                Temporal in their own processes (make chaos)
//	junction-bench cluster  [flags] two nodes of everything, one of each
//	                                killed for good under load (make cluster)
//	junction-bench temporal [flags] a Temporal server alone on PostgreSQL,
//	                                or a cluster node (started by chaos
//	                                and cluster)
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/junction-run/junction/internal/bench"
	"github.com/junction-run/junction/internal/devserver"
	"github.com/junction-run/junction/worker"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	cmd, args := "run", os.Args[1:]
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	}
	var err error
	switch cmd {
	case "run":
		err = run(ctx, args)
	case "serve":
		err = serve(ctx, args)
	case "worker":
		err = runWorker(ctx, args)
	case "chaos":
		err = chaos(ctx, args)
	case "cluster":
		err = cluster(ctx, args)
	case "temporal":
		err = serveTemporal(ctx, args)
	default:
		err = fmt.Errorf("unknown command %q: run, serve, worker, chaos, cluster or temporal", cmd)
	}
	if err != nil {
		// The chaos or cluster verdict is already the last line printed.
		if !errors.Is(err, errChaosFailed) {
			fmt.Fprintln(os.Stderr, "junction-bench:", err)
		}
		os.Exit(1)
	}
}

// errChaosFailed is a chaos or cluster run whose verdict line says it
// failed.
var errChaosFailed = errors.New("chaos: failed")

func workerFlags(fs *flag.FlagSet) *worker.Options {
	o := &worker.Options{}
	fs.IntVar(&o.WorkflowTaskPollers, "workflow-pollers", 0, "workflow task pollers (0: Junction's default, worker.DefaultWorkflowTaskPollers)")
	fs.IntVar(&o.ActivityTaskPollers, "activity-pollers", 0, "activity task pollers (0: SDK default)")
	fs.IntVar(&o.MaxConcurrentActivities, "max-activities", 0, "activity slots (0: SDK default)")
	fs.IntVar(&o.MaxConcurrentWorkflowTasks, "max-workflow-tasks", 0, "workflow task slots (0: SDK default)")
	fs.IntVar(&o.WorkflowCacheSize, "workflow-cache", 0, "runs cached between workflow tasks (0: SDK default, 10,000)")
	return o
}

func run(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("run", flag.ExitOnError)
	var cfg bench.Config
	fs.IntVar(&cfg.Rounds, "rounds", 3, "interleaved rounds of the throughput systems; the report gives their medians")
	fs.IntVar(&cfg.N, "n", 1000, "events per phase")
	fs.IntVar(&cfg.Concurrency, "c", 16, "events in flight")
	fs.DurationVar(&cfg.MaxDuration, "max", 60*time.Second, "cap on each phase's load")
	fs.DurationVar(&cfg.DrainTimeout, "drain", 120*time.Second, "cap on waiting for the sink after the load")
	fs.IntVar(&cfg.Warmup, "warmup", 100, "unmeasured events before each phase")
	fs.IntVar(&cfg.USMod, "us-mod", 10, "every us-mod-th event is DE and must not reach the sink (0: none)")
	persistence := fs.String("persistence", "sqlite", "comma-separated Temporal persistences: sqlite, postgres")
	fs.StringVar(&cfg.PostgresURL, "postgres-url", "", "PostgreSQL for -persistence postgres (scripts/testpg.sh starts one)")
	systems := fs.String("systems", "temporal-raw,temporal-raw-local,junction,junction-activities,n8n,park,poll,deliveries,conversations", "what to measure; console (the console's pages over many definitions and runs) runs only when named")
	fs.StringVar(&cfg.WorkDir, "work-dir", filepath.Join(os.TempDir(), "junction-bench"), "scratch directory (under /tmp)")
	jsonOut := fs.String("json", "bench-results.json", "where the JSON results go")
	mdOut := fs.String("markdown", "bench-results.md", "where the markdown table goes")
	fs.StringVar(&cfg.CPUProfile, "cpuprofile", "", "CPU profiles of the throughput phases: PATH-<system>-<persistence>.pprof")
	fs.StringVar(&cfg.N8N.Script, "n8n-script", "scripts/n8n-bench.sh", "the n8n benchmark script")
	fs.StringVar(&cfg.N8N.Dir, "n8n-dir", "/tmp/n8n-probe", "where the script installed n8n (its BENCH_DIR)")
	fs.IntVar(&cfg.N8N.Warmup, "n8n-warmup", 200, "n8n's unmeasured warm-up requests")
	fs.IntVar(&cfg.Park.N, "park-n", 500, "runs parked in a Wait step")
	fs.StringVar(&cfg.Park.Persistence, "park-persistence", "", "persistence of the park scenario (default: the first of -persistence)")
	fs.DurationVar(&cfg.Park.Wait, "park-wait", 0, "how long after the first start the parked runs wake (0: 20 s + N at the measured start rate)")
	fs.DurationVar(&cfg.Park.ResumeTimeout, "park-resume-timeout", 5*time.Minute, "cap on waiting for the woken runs")
	fs.IntVar(&cfg.Poll.N, "poll-n", 1000, "shops, connections and polling definitions of the poll scenario")
	fs.StringVar(&cfg.Poll.Persistence, "poll-persistence", "", "persistence of the poll scenario (default: the first of -persistence)")
	fs.DurationVar(&cfg.Poll.Idle, "poll-idle", 30*time.Second, "how long the poll schedules are watched while none is due")
	fs.DurationVar(&cfg.Poll.PhaseTimeout, "poll-phase-timeout", 3*time.Minute, "cap on each round of polls")
	fs.DurationVar(&cfg.Poll.Timeout, "poll-timeout", 10*time.Minute, "cap on the whole poll scenario")
	fs.IntVar(&cfg.Deliveries.N, "deliveries-n", 0, "events of the deliveries scenario's fan-out phase (0: -n)")
	fs.IntVar(&cfg.Deliveries.DrainN, "deliveries-drain-n", 10000, "deliveries backlogged while the receiver is down, then drained (0: no drain)")
	fs.StringVar(&cfg.Deliveries.Persistence, "deliveries-persistence", "", "persistence of the deliveries scenario (default: the first of -persistence)")
	fs.DurationVar(&cfg.Deliveries.Timeout, "deliveries-timeout", 20*time.Minute, "cap on the whole deliveries scenario")
	fs.IntVar(&cfg.Conversations.N, "conversations-n", 5000, "inbound SMS of the conversations scenario (and http_request events of its baseline)")
	fs.IntVar(&cfg.Conversations.Users, "conversations-users", 1000, "senders the messages are spread over round-robin: the conversations active at once")
	fs.StringVar(&cfg.Conversations.Persistence, "conversations-persistence", "", "persistence of the conversations scenario (default: the first of -persistence)")
	fs.DurationVar(&cfg.Conversations.MaxDuration, "conversations-max", 10*time.Minute, "cap on each of the conversations scenario's two loads")
	fs.DurationVar(&cfg.Conversations.Timeout, "conversations-timeout", 30*time.Minute, "cap on the whole conversations scenario")
	fs.IntVar(&cfg.Console.Definitions, "console-definitions", 1000, "definitions of the console scenario's account (one enabled)")
	fs.IntVar(&cfg.Console.Runs, "console-runs", 100000, "runs of the console scenario's account")
	fs.IntVar(&cfg.Console.Requests, "console-requests", 20, "requests of each console page, after one unmeasured")
	fs.StringVar(&cfg.Console.Persistence, "console-persistence", "", "persistence of the console scenario (default: the first of -persistence)")
	fs.DurationVar(&cfg.Console.Timeout, "console-timeout", 30*time.Minute, "cap on the whole console scenario")
	timeout := fs.Duration("timeout", 0, "hard cap on the whole run (0: 45 minutes, and 15 more for each round after the first)")
	serveArgs := fs.String("serve-args", "", "extra flags for every system under test, e.g. \"-local-http=false -sqlite-shards 1\"")
	var settings []bench.Setting
	fs.Func("setting", "run the throughput systems once more per round with this setting: space-separated environment variables (GOGC=400), flags of serve (-sqlite-shards=4) and hog=N (N busy loops beside the phase); repeat for several", func(s string) error {
		set, err := bench.ParseSetting(s)
		if err != nil {
			return err
		}
		settings = append(settings, set)
		return nil
	})
	w := workerFlags(fs)
	_ = fs.Parse(args)
	cfg.Worker = *w
	cfg.ServeArgs = strings.Fields(*serveArgs)
	cfg.Settings = settings

	if !strings.HasPrefix(filepath.Clean(cfg.WorkDir), "/tmp/") {
		return fmt.Errorf("-work-dir must be under /tmp, got %s", cfg.WorkDir)
	}
	if cfg.N <= 0 || cfg.Concurrency <= 0 || cfg.MaxDuration <= 0 || cfg.Rounds <= 0 {
		return fmt.Errorf("-n, -c, -max and -rounds must be positive")
	}
	if *timeout == 0 {
		*timeout = 45*time.Minute + time.Duration(cfg.Rounds*(1+len(settings))-1)*15*time.Minute
	}
	cfg.Persistence = splitList(*persistence)
	for _, p := range cfg.Persistence {
		if p != bench.PersistenceSQLite && p != bench.PersistencePostgres {
			return fmt.Errorf("-persistence: %q is neither sqlite nor postgres", p)
		}
	}
	cfg.Systems = map[string]bool{}
	for _, s := range splitList(*systems) {
		cfg.Systems[s] = true
	}
	if cfg.Park.Persistence == "" && len(cfg.Persistence) > 0 {
		cfg.Park.Persistence = cfg.Persistence[0]
	}
	cfg.Park.Concurrency = cfg.Concurrency
	if cfg.Systems[bench.SystemPoll] && (cfg.Poll.N <= 0 || cfg.Poll.Timeout <= 0 || cfg.Poll.PhaseTimeout <= 0) {
		return fmt.Errorf("-poll-n, -poll-timeout and -poll-phase-timeout must be positive")
	}
	if cfg.Poll.Persistence == "" && len(cfg.Persistence) > 0 {
		cfg.Poll.Persistence = cfg.Persistence[0]
	}
	cfg.Poll.Concurrency = cfg.Concurrency
	if cfg.Deliveries.N == 0 {
		cfg.Deliveries.N = cfg.N
	}
	if cfg.Systems[bench.SystemDeliveries] && (cfg.Deliveries.N < 0 || cfg.Deliveries.DrainN < 0 || cfg.Deliveries.Timeout <= 0) {
		return fmt.Errorf("-deliveries-n and -deliveries-drain-n must not be negative, -deliveries-timeout must be positive")
	}
	if cfg.Deliveries.Persistence == "" && len(cfg.Persistence) > 0 {
		cfg.Deliveries.Persistence = cfg.Persistence[0]
	}
	cfg.Deliveries.Concurrency = cfg.Concurrency
	if cfg.Systems[bench.SystemConversations] && (cfg.Conversations.N <= 0 || cfg.Conversations.Users <= 0 ||
		cfg.Conversations.MaxDuration <= 0 || cfg.Conversations.Timeout <= 0) {
		return fmt.Errorf("-conversations-n, -conversations-users, -conversations-max and -conversations-timeout must be positive")
	}
	if cfg.Conversations.Persistence == "" && len(cfg.Persistence) > 0 {
		cfg.Conversations.Persistence = cfg.Persistence[0]
	}
	cfg.Conversations.Concurrency = cfg.Concurrency
	if cfg.Systems[bench.SystemConsole] && (cfg.Console.Definitions <= 0 || cfg.Console.Runs <= 0 || cfg.Console.Timeout <= 0) {
		return fmt.Errorf("-console-definitions, -console-runs and -console-timeout must be positive")
	}
	if cfg.Console.Persistence == "" && len(cfg.Persistence) > 0 {
		cfg.Console.Persistence = cfg.Persistence[0]
	}
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	cfg.Exe = exe
	cfg.Log = os.Stderr
	// Before a run that may take half an hour, not after it.
	for _, out := range []string{*jsonOut, *mdOut} {
		if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
			return fmt.Errorf("results directory: %w", err)
		}
	}

	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	res, runErr := bench.Run(ctx, cfg)
	md := res.Markdown()
	fmt.Println(md)
	if err := res.WriteJSON(*jsonOut); err != nil {
		return err
	}
	if err := os.WriteFile(*mdOut, []byte(md), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "results: %s, %s\n", *jsonOut, *mdOut)
	return runErr
}

func serve(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("serve", flag.ExitOnError)
	var cfg bench.ServeConfig
	fs.StringVar(&cfg.DataDir, "data-dir", "", "data directory")
	pgURL := fs.String("postgres-url", "", "keep Temporal's data in this PostgreSQL server")
	pgDB := fs.String("postgres-db", "temporal", "database name (and <name>_visibility)")
	pgShards := fs.Int("postgres-shards", 1, "history shards on PostgreSQL")
	fs.StringVar(&cfg.PprofAddr, "pprof", "", "serve net/http/pprof on this loopback address")
	fs.BoolVar(&cfg.NoWorker, "no-worker", false, "run no worker (another process does)")
	sqliteShards := fs.Int("sqlite-shards", 0, "history shards of the new SQLite data directory (0: devserver's default)")
	fs.BoolVar(&cfg.SQLite.SharedVisibility, "sqlite-shared-visibility", false, "keep visibility in the history file (the layout before tuning)")
	fs.BoolVar(&cfg.SQLite.AllVisibilityIndexes, "sqlite-all-visibility-indexes", false, "keep every index of Temporal's visibility schema")
	fs.BoolVar(&cfg.NoEagerStart, "no-eager-start", false, "start runs without eager workflow start")
	fs.BoolVar(&cfg.LocalHTTPSteps, "local-http", true, "run short HttpRequest steps as local activities, as Junction ships (-local-http=false: as regular activities)")
	vaultBin := fs.String("vault-bin", "", "start the dev Vault from this binary, on a free port (the poll and deliveries scenarios)")
	smsAPI := fs.String("sms-api", "", "send the SMS and Reply steps' 8x8 calls to this loopback URL (the conversations scenario)")
	standIn := fs.String("shopify-stand-in", "", "send calls to https://*.myshopify.com to this loopback URL (the poll scenario)")
	w := workerFlags(fs)
	_ = fs.Parse(args)
	cfg.Worker = *w
	cfg.SQLite.HistoryShards = int32(*sqliteShards)
	if *vaultBin != "" {
		// devstack finds the dev Vault as `junction dev` does; run strips
		// the variable from the environment of every other scenario.
		if err := os.Setenv("JUNCTION_VAULT_BIN", *vaultBin); err != nil {
			return err
		}
		cfg.Poll.Vault = true
	}
	if *standIn != "" {
		u, err := url.Parse(*standIn)
		if err != nil || (u.Hostname() != "127.0.0.1" && u.Hostname() != "localhost") {
			return fmt.Errorf("-shopify-stand-in must be a loopback URL, got %q", *standIn)
		}
		cfg.Poll.ShopifyStandIn = u
	}
	if *smsAPI != "" {
		u, err := url.Parse(*smsAPI)
		if err != nil || u.Hostname() != "127.0.0.1" {
			return fmt.Errorf("-sms-api must be a loopback URL, got %q", *smsAPI)
		}
		cfg.EightByEight = bench.SMSAPIConfig(*smsAPI)
	}
	if cfg.DataDir == "" {
		return fmt.Errorf("-data-dir is required")
	}
	if *pgURL != "" {
		cfg.Postgres = &devserver.Postgres{URL: *pgURL, Database: *pgDB, HistoryShards: int32(*pgShards)}
	}
	return bench.Serve(ctx, cfg, os.Stdout, stderrLogger())
}

func runWorker(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("worker", flag.ExitOnError)
	addr := fs.String("temporal", "", "Temporal frontend host:port")
	ns := fs.String("namespace", "default", "namespace")
	pprofAddr := fs.String("pprof", "", "serve net/http/pprof on this loopback address (\"\" = off)")
	w := workerFlags(fs)
	_ = fs.Parse(args)
	if *addr == "" {
		return fmt.Errorf("-temporal is required")
	}
	return bench.RunWorker(ctx, *addr, *ns, *w, *pprofAddr, os.Stdout, stderrLogger())
}

func chaos(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("chaos", flag.ExitOnError)
	var cfg bench.ChaosConfig
	fs.StringVar(&cfg.Junction, "junction", "bin/junction", "the junction binary (worker, gateway, admin commands)")
	fs.StringVar(&cfg.PostgresURL, "postgres-url", "", "PostgreSQL server on 127.0.0.1 (scripts/testpg.sh starts one)")
	fs.StringVar(&cfg.Database, "db", "jchaos", "prefix of the run's databases, dropped at the start: DB, DB_visibility, DB_meta")
	fs.StringVar(&cfg.WorkDir, "work-dir", filepath.Join(os.TempDir(), "junction-bench", "chaos"), "the processes' logs (under /tmp, emptied at the start)")
	fs.IntVar(&cfg.N, "n", 500, "events")
	fs.IntVar(&cfg.Concurrency, "c", 8, "events in flight")
	fs.Float64Var(&cfg.Rate, "rate", 20, "new events per second at most (0: as fast as the gateway acknowledges): a paced load lasts long enough for every kill to fall in its middle")
	fs.DurationVar(&cfg.SendTimeout, "send-timeout", 5*time.Minute, "cap on sending until every event is acknowledged")
	fs.DurationVar(&cfg.DrainTimeout, "drain", 3*time.Minute, "cap on waiting, after the sending, for every delivery and every run to close")
	fs.DurationVar(&cfg.Downtime, "downtime", time.Second, "how long a killed worker or gateway stays dead")
	fs.DurationVar(&cfg.TemporalDowntime, "temporal-downtime", 15*time.Second, "how long the killed Temporal server stays dead (over the 10 s a client retries a call for: the gateway answers 503)")
	fs.DurationVar(&cfg.ReceiverLatency, "receiver-latency", 100*time.Millisecond, "how long the receiver takes to answer a delivery it has recorded (keeps calls in flight when a kill comes)")
	localHTTP := fs.Bool("local-http", true, "run the HttpRequest step as a local activity, as Junction ships (-local-http=false: a regular activity)")
	timeout := fs.Duration("timeout", 10*time.Minute, "hard cap on the whole run")
	jsonOut := fs.String("json", "", "also write the result as JSON to this file")
	_ = fs.Parse(args)
	cfg.ActivityHTTPSteps = !*localHTTP
	if !strings.HasPrefix(filepath.Clean(cfg.WorkDir), "/tmp/") {
		return fmt.Errorf("-work-dir must be under /tmp, got %s", cfg.WorkDir)
	}
	if cfg.N <= 0 || cfg.Concurrency <= 0 || cfg.SendTimeout <= 0 || cfg.DrainTimeout <= 0 {
		return fmt.Errorf("-n, -c, -send-timeout and -drain must be positive")
	}
	if cfg.PostgresURL == "" {
		return fmt.Errorf("-postgres-url is required")
	}
	var err error
	if cfg.Exe, err = binaries(&cfg.Junction); err != nil {
		return err
	}
	cfg.Log = os.Stderr
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	res, err := bench.RunChaos(ctx, cfg)
	if err != nil {
		return err
	}
	return finish(res, *jsonOut)
}

func cluster(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("cluster", flag.ExitOnError)
	var cfg bench.ClusterConfig
	fs.StringVar(&cfg.Junction, "junction", "bin/junction", "the junction binary (workers, gateways, admin commands)")
	fs.StringVar(&cfg.PostgresURL, "postgres-url", "", "PostgreSQL server on 127.0.0.1 (scripts/testpg.sh starts one)")
	fs.StringVar(&cfg.Database, "db", "jcluster", "prefix of the run's databases, dropped at the start: DB, DB_visibility, DB_meta")
	fs.IntVar(&cfg.HistoryShards, "shards", 8, "history shards, spread over the two nodes by the membership ring's hash (with 4, one node owned them all in one of three starts)")
	fs.StringVar(&cfg.WorkDir, "work-dir", filepath.Join(os.TempDir(), "junction-bench", "cluster"), "the processes' logs (under /tmp, emptied at the start)")
	fs.IntVar(&cfg.N, "n", 600, "events of the paced load during which one of each process is killed")
	fs.IntVar(&cfg.Concurrency, "c", 16, "events in flight")
	fs.Float64Var(&cfg.Rate, "rate", 20, "new events per second at most in the paced load, so that every kill falls in its middle")
	fs.IntVar(&cfg.ThroughputN, "throughput-n", 1000, "events of each unpaced load, before the kills (two nodes) and after (one node); 0: none")
	fs.DurationVar(&cfg.SendTimeout, "send-timeout", 5*time.Minute, "cap on each load's sending")
	fs.DurationVar(&cfg.DrainTimeout, "drain", 3*time.Minute, "cap on waiting, after each load, for every delivery (and at the end for every run to close)")
	fs.DurationVar(&cfg.ReceiverLatency, "receiver-latency", 100*time.Millisecond, "how long the receiver takes to answer a delivery it has recorded")
	timeout := fs.Duration("timeout", 15*time.Minute, "hard cap on the whole run")
	jsonOut := fs.String("json", "", "also write the result as JSON to this file")
	_ = fs.Parse(args)
	if !strings.HasPrefix(filepath.Clean(cfg.WorkDir), "/tmp/") {
		return fmt.Errorf("-work-dir must be under /tmp, got %s", cfg.WorkDir)
	}
	if cfg.N <= 0 || cfg.Concurrency <= 0 || cfg.ThroughputN < 0 || cfg.HistoryShards <= 0 || cfg.SendTimeout <= 0 || cfg.DrainTimeout <= 0 {
		return fmt.Errorf("-n, -c, -shards, -send-timeout and -drain must be positive, -throughput-n not negative")
	}
	if cfg.PostgresURL == "" {
		return fmt.Errorf("-postgres-url is required")
	}
	var err error
	if cfg.Exe, err = binaries(&cfg.Junction); err != nil {
		return err
	}
	cfg.Log = os.Stderr
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	res, err := bench.RunCluster(ctx, cfg)
	if err != nil {
		return err
	}
	return finish(res, *jsonOut)
}

// verdict is a chaos or cluster run's result.
type verdict interface {
	Summary() string
	Line() string
	Pass() bool
}

// finish writes the result as JSON when asked, prints its summary and then
// its verdict line, and fails when the run did.
func finish(res verdict, jsonOut string) error {
	if jsonOut != "" {
		b, err := json.MarshalIndent(res, "", "  ")
		if err != nil {
			return err
		}
		if err := os.WriteFile(jsonOut, b, 0o644); err != nil {
			return err
		}
	}
	fmt.Fprint(os.Stderr, res.Summary())
	// The verdict is the last line, whatever it says; the exit status
	// carries the failure, so no message follows it.
	fmt.Println(res.Line())
	if !res.Pass() {
		return errChaosFailed
	}
	return nil
}

// binaries makes junction absolute and answers this program, which the
// multi-process stacks start as their Temporal servers.
func binaries(junction *string) (exe string, err error) {
	if *junction, err = filepath.Abs(*junction); err != nil {
		return "", err
	}
	return os.Executable()
}

func serveTemporal(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("temporal", flag.ExitOnError)
	var cfg bench.TemporalServeConfig
	fs.StringVar(&cfg.Address, "address", "127.0.0.1:7233", "frontend host:port (fixed: clients dial it again after a restart)")
	fs.StringVar(&cfg.Postgres.URL, "postgres-url", "", "PostgreSQL server")
	fs.StringVar(&cfg.Postgres.Database, "postgres-db", "temporal", "database name (and <name>_visibility)")
	shards := fs.Int("postgres-shards", 1, "history shards, fixed when the databases are created (a cluster's nodes spread them)")
	fs.StringVar(&cfg.ClusterAddress, "cluster-address", "", "make this server one node of a cluster whose frontends clients reach at this host:port (a load balancer); the nodes find each other in PostgreSQL")
	_ = fs.Parse(args)
	cfg.Postgres.HistoryShards = int32(*shards)
	if cfg.Postgres.URL == "" {
		return fmt.Errorf("-postgres-url is required")
	}
	return bench.ServeTemporal(ctx, cfg, os.Stdout, stderrLogger())
}

// stderrLogger logs warnings and errors of the system under test to its
// log file.
func stderrLogger() *zap.Logger {
	enc := zapcore.NewConsoleEncoder(zap.NewDevelopmentEncoderConfig())
	return zap.New(zapcore.NewCore(enc, zapcore.Lock(os.Stderr), zapcore.WarnLevel))
}

func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}
