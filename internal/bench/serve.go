package bench

import (
	"bufio"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	sdkworker "go.temporal.io/sdk/worker"
	"go.uber.org/zap"

	"github.com/junction-run/junction/connectors/eightbyeight"
	"github.com/junction-run/junction/gateway"
	"github.com/junction-run/junction/internal/app"
	"github.com/junction-run/junction/internal/devserver"
	"github.com/junction-run/junction/internal/devstack"
	"github.com/junction-run/junction/worker"
)

// ServeConfig is the system under test: the whole dev stack, plus a worker
// for the raw-Temporal baseline on the same server.
type ServeConfig struct {
	DataDir string
	// Postgres keeps Temporal's data in PostgreSQL; nil means SQLite in
	// DataDir, as `junction dev` does.
	Postgres *devserver.Postgres
	Worker   worker.Options
	// NoWorker leaves the workers to another process (RunWorker).
	NoWorker bool
	// SQLite, NoEagerStart and LocalHTTPSteps are levers for A/B runs:
	// the embedded server's SQLite layout, eager workflow start (on
	// whenever the worker runs in the process) and short HttpRequest steps
	// as local activities (`junction dev --local-http-steps`).
	SQLite         devserver.SQLite
	NoEagerStart   bool
	LocalHTTPSteps bool
	// PprofAddr serves net/http/pprof on this loopback address ("" = off).
	PprofAddr string
	// Poll adds what the polling scenario needs (pollserve.go).
	Poll PollServe
	// EightByEight points the SMS and Reply steps at the conversations
	// scenario's SMS fake (SMSAPIConfig).
	EightByEight eightbyeight.Config
}

// tuneServer applies the levers on the embedded server.
func (cfg ServeConfig) tuneServer(c *devserver.Config) {
	c.SQLite = cfg.SQLite
}

// tuneApp applies the levers on the process: the worker's tuning, or no
// worker at all, and eager start.
func (cfg ServeConfig) tuneApp(c *app.Config) {
	switch {
	case cfg.NoWorker:
		c.Worker = nil
	case c.Worker != nil:
		c.Worker.Options = cfg.Worker
	}
	if cfg.NoEagerStart {
		c.Runs.EagerStart = false
	}
}

// Ready is the line a started process prints on stdout.
type Ready struct {
	PID             int    `json:"pid"`
	GatewayURL      string `json:"gatewayUrl,omitempty"`
	TemporalAddress string `json:"temporalAddress,omitempty"`
	Namespace       string `json:"namespace,omitempty"`
	// APIKeyFile holds the dev account's admin key (never printed).
	APIKeyFile string `json:"apiKeyFile,omitempty"`
	PprofURL   string `json:"pprofUrl,omitempty"`
	// RawStarterURL is the tuned baseline's front door (rawStarter).
	RawStarterURL string `json:"rawStarterUrl,omitempty"`
}

// Serve runs the system under test until ctx ends.
func Serve(ctx context.Context, cfg ServeConfig, out io.Writer, log *zap.Logger) error {
	stack, err := devstack.Start(ctx, devstack.Config{
		DataDir:         cfg.DataDir,
		TemporalAddress: "127.0.0.1:0",
		UIAddress:       "-",
		HTTPAddress:     "127.0.0.1:0",
		Logger:          log,
		// The load is one client with one key: the per-key budget would be
		// what is measured.
		Limits:           gateway.Limits{APIKey: gateway.Off, Hooks: gateway.Off},
		TemporalPostgres: cfg.Postgres,
		NoLocalHTTPSteps: !cfg.LocalHTTPSteps,
		TuneServer:       cfg.tuneServer,
		TuneApp:          cfg.tuneApp,
		// Connections for the polling scenario (pollserve.go).
		VaultListen:        cfg.Poll.vaultListen(),
		ConnectorTransport: cfg.Poll.connectorTransport(),
		EightByEight:       cfg.EightByEight,
	})
	if err != nil {
		return err
	}
	defer stack.Stop(context.Background())
	if !cfg.NoWorker {
		raw := sdkworker.New(stack.Client, RawTaskQueue, sdkworker.Options{
			MaxConcurrentActivityExecutionSize:     cfg.Worker.MaxConcurrentActivities,
			MaxConcurrentWorkflowTaskExecutionSize: cfg.Worker.MaxConcurrentWorkflowTasks,
			// As many pollers as Junction's worker, so the baseline differs
			// from it in what runs, not in how tasks are picked up.
			MaxConcurrentWorkflowTaskPollers: cmp.Or(cfg.Worker.WorkflowTaskPollers, worker.DefaultWorkflowTaskPollers),
			MaxConcurrentActivityTaskPollers: cfg.Worker.ActivityTaskPollers,
		})
		RegisterRaw(raw)
		if err := raw.Start(); err != nil {
			return fmt.Errorf("starting the baseline's worker: %w", err)
		}
		defer raw.Stop()
	}
	ready := Ready{
		PID:             os.Getpid(),
		GatewayURL:      stack.GatewayURL,
		TemporalAddress: stack.Temporal.FrontendAddress,
		Namespace:       stack.Temporal.Namespace,
		APIKeyFile:      filepath.Join(cfg.DataDir, "dev-api-key"),
	}
	if !cfg.NoWorker {
		// On the client the baseline's worker polls with, so that its
		// starts can be eager.
		url, stop, err := serveOn("127.0.0.1:0", rawStarter(stack.Client))
		if err != nil {
			return fmt.Errorf("serving the raw starter: %w", err)
		}
		defer stop()
		ready.RawStarterURL = url
	}
	if cfg.PprofAddr != "" {
		url, stop, err := servePprof(cfg.PprofAddr)
		if err != nil {
			return err
		}
		defer stop()
		ready.PprofURL = url
	}
	if err := json.NewEncoder(out).Encode(ready); err != nil {
		return err
	}
	select {
	case <-ctx.Done():
	case err := <-stack.Err():
		return fmt.Errorf("gateway stopped: %w", err)
	}
	return nil
}

// RunWorker runs Junction's worker alone against a server elsewhere, so
// that its memory is measured apart from the server's (the park scenario);
// pprofAddr, when set, serves its profiles (the heap while runs wait).
func RunWorker(ctx context.Context, temporalAddress, namespace string, opts worker.Options, pprofAddr string, out io.Writer, log *zap.Logger) error {
	c, err := worker.Dial(ctx, worker.ClientConfig{Address: temporalAddress, Namespace: namespace}, log)
	if err != nil {
		return err
	}
	defer c.Close()
	w := worker.New(c, worker.Activities{}, opts)
	if err := w.Start(); err != nil {
		return fmt.Errorf("starting worker: %w", err)
	}
	defer w.Stop()
	ready := Ready{PID: os.Getpid()}
	if pprofAddr != "" {
		url, stop, err := servePprof(pprofAddr)
		if err != nil {
			return err
		}
		defer stop()
		ready.PprofURL = url
	}
	if err := json.NewEncoder(out).Encode(ready); err != nil {
		return err
	}
	<-ctx.Done()
	return nil
}

func servePprof(addr string) (string, func(), error) {
	if err := loopbackOnly("http://" + addr); err != nil {
		return "", nil, err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	return serveOn(addr, mux)
}

// serveOn serves h on addr, and says where and how to stop it.
func serveOn(addr string, h http.Handler) (string, func(), error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	return "http://" + ln.Addr().String(), func() { _ = srv.Close() }, nil
}

// process is a child this tool started: the system under test, a worker,
// or a part of the chaos scenario. It is only ever stopped by its own pid.
type process struct {
	cmd   *exec.Cmd
	ready Ready
	log   string
	// done is closed once the child has exited and been reaped; one
	// goroutine waits for it, so stop, kill and the readiness checks can
	// all watch for its end.
	done chan struct{}
}

// startChild starts cmd and the goroutine that reaps it.
func startChild(cmd *exec.Cmd, logPath string) (*process, error) {
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s: %w", filepath.Base(cmd.Path), err)
	}
	p := &process{cmd: cmd, log: logPath, done: make(chan struct{})}
	go func() {
		_ = cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

// openLog opens a child's log for appending: a child started again after
// a kill writes after its previous life.
func openLog(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
}

// startProcess runs this binary with args and env added to the
// environment, its stderr in logPath, and waits (at most 3 minutes) for its
// Ready line.
func startProcess(ctx context.Context, exe string, args, env []string, dir, logPath string) (*process, error) {
	logFile, err := openLog(logPath)
	if err != nil {
		return nil, err
	}
	defer logFile.Close() // the child has its own descriptor
	cmd := exec.Command(exe, args...)
	cmd.Dir = dir
	cmd.Stderr = logFile
	// No Vault for the system under test: the scenario uses no connection.
	cmd.Env = append(withoutEnv(os.Environ(), "JUNCTION_VAULT_BIN"), env...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	p, err := startChild(cmd, logPath)
	if err != nil {
		return nil, err
	}
	lines := make(chan []byte, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		if sc.Scan() {
			lines <- append([]byte(nil), sc.Bytes()...)
		}
		close(lines)
		_, _ = io.Copy(io.Discard, stdout)
	}()
	timeout := time.NewTimer(3 * time.Minute)
	defer timeout.Stop()
	select {
	case line, ok := <-lines:
		if !ok {
			p.stop()
			return nil, fmt.Errorf("%s %s exited before it was ready; see %s", filepath.Base(exe), args[0], logPath)
		}
		if err := json.Unmarshal(line, &p.ready); err != nil {
			p.stop()
			return nil, fmt.Errorf("reading ready line %q: %w", line, err)
		}
		return p, nil
	case <-timeout.C:
	case <-ctx.Done():
	}
	p.stop()
	return nil, fmt.Errorf("%s %s not ready in time; see %s", filepath.Base(exe), args[0], logPath)
}

// stop asks the child to stop, and kills it after 30 s.
func (p *process) stop() {
	if p == nil || p.cmd.Process == nil {
		return
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(30 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

// kill ends the child with SIGKILL, as a crash or the OOM killer would:
// no shutdown code runs.
func (p *process) kill() {
	if p == nil || p.cmd.Process == nil {
		return
	}
	_ = p.cmd.Process.Kill()
	<-p.done
}

func withoutEnv(env []string, name string) []string {
	out := env[:0:0]
	for _, kv := range env {
		if len(kv) > len(name) && kv[:len(name)+1] == name+"=" {
			continue
		}
		out = append(out, kv)
	}
	return out
}

// apiKey is the dev account's admin key the system under test wrote.
func (p *process) apiKey() (string, error) {
	key, err := os.ReadFile(p.ready.APIKeyFile)
	if err != nil {
		return "", fmt.Errorf("reading the dev API key: %w", err)
	}
	return strings.TrimSpace(string(key)), nil
}

// api is the system under test's gateway as the dev account's admin, with
// a client for concurrency requests at a time.
func (p *process) api(concurrency int) (junctionAPI, error) {
	key, err := p.apiKey()
	if err != nil {
		return junctionAPI{}, err
	}
	return junctionAPI{hc: newHTTPClient(concurrency), gateway: p.ready.GatewayURL, apiKey: key}, nil
}
