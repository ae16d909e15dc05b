// Package devvault runs a real, persistent Vault server for `junction dev`:
// raft storage under the data directory, initialised on first start with
// one unseal key that is kept next to it, unsealed on every start, and a
// KV v2 engine at "secret". A restart keeps every stored credential, so a
// developer's connections keep working from one `junction dev` to the next.
//
// This is development convenience only: keeping the unseal key and the root
// token in a file beside the data defeats Vault's protection. Production
// runs an official Vault that Junction is pointed at, never this.
//
// The binary is HashiCorp's Vault built from tools/vault (scripts/vault.sh);
// see FindBinary.
package devvault

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/hashicorp/vault/api"
	"go.uber.org/zap"

	"github.com/junction-run/junction/vaultx"
)

// DefaultAddress is where the dev Vault listens unless told otherwise.
const DefaultAddress = "127.0.0.1:8200"

// KVMount is the path of the KV v2 engine the dev server provides.
const KVMount = "secret"

// Config says where the dev Vault keeps its data and listens.
type Config struct {
	// DataDir holds Vault's raft storage (DataDir/vault) and its unseal key
	// and root token (DataDir/vault-keys.json, mode 0600). Created if
	// missing.
	DataDir string
	// Address is the host:port to listen on, without TLS (default
	// 127.0.0.1:8200). Port 0 picks a free port. Vault's cluster listener
	// takes the next port when it is free, another free one otherwise.
	Address string
	// Binary is the vault executable (default: FindBinary).
	Binary string
	// Logger receives Vault's own log lines and this package's progress.
	Logger *zap.Logger
}

// Server is a running dev Vault. Stop must be called to shut it down.
type Server struct {
	// Address is the URL clients use, e.g. "http://127.0.0.1:8200".
	Address string
	// RootToken is the root token created at initialisation.
	RootToken vaultx.Secret

	cmd      *exec.Cmd
	pidFile  string
	log      *zap.Logger
	exited   chan struct{}
	waitErr  error
	stopOnce sync.Once
	stopErr  error
}

// keys is the content of vault-keys.json.
type keys struct {
	UnsealKeys []string `json:"unseal_keys_b64"`
	RootToken  string   `json:"root_token"`
}

// Start starts the dev Vault, initialising it on first use, and returns once
// it is unsealed, active and serving the KV engine. ctx bounds the start-up
// only; the server runs until Stop.
func Start(ctx context.Context, cfg Config) (*Server, error) {
	if cfg.DataDir == "" {
		return nil, errors.New("devvault: DataDir is required")
	}
	if cfg.Address == "" {
		cfg.Address = DefaultAddress
	}
	if cfg.Logger == nil {
		cfg.Logger = zap.NewNop()
	}
	log := cfg.Logger.Named("vault")
	if cfg.Binary == "" {
		bin, err := FindBinary()
		if err != nil {
			return nil, err
		}
		cfg.Binary = bin
	}
	dataDir, err := filepath.Abs(cfg.DataDir)
	if err != nil {
		return nil, fmt.Errorf("devvault: data directory: %w", err)
	}
	vaultDir := filepath.Join(dataDir, "vault")
	raftDir := filepath.Join(vaultDir, "raft")
	if err := os.MkdirAll(raftDir, 0o700); err != nil {
		return nil, fmt.Errorf("devvault: creating %s: %w", raftDir, err)
	}
	keysFile := filepath.Join(dataDir, "vault-keys.json")
	configFile := filepath.Join(vaultDir, "config.hcl")
	pidFile := filepath.Join(vaultDir, "vault.pid")

	// A `junction dev` that crashed leaves its Vault running, holding the
	// port and the raft lock.
	stopOrphan(pidFile, configFile, log)

	host, apiPort, clusterPort, err := ports(cfg.Address)
	if err != nil {
		return nil, err
	}
	hostPort := func(p int) string { return net.JoinHostPort(host, strconv.Itoa(p)) }
	conf := hclConfig(raftDir, hostPort(apiPort), hostPort(clusterPort))
	if err := os.WriteFile(configFile, []byte(conf), 0o600); err != nil {
		return nil, fmt.Errorf("devvault: writing %s: %w", configFile, err)
	}

	cmd := exec.Command(cfg.Binary, "server", "-config="+configFile)
	cmd.Env = EnvWithoutVault()
	cmd.Dir = vaultDir
	setProcAttr(cmd)
	out := &lineLogger{log: log}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("devvault: starting %s: %w", cfg.Binary, err)
	}
	s := &Server{
		Address: "http://" + hostPort(apiPort),
		cmd:     cmd,
		pidFile: pidFile,
		log:     log,
		exited:  make(chan struct{}),
	}
	go func() {
		s.waitErr = cmd.Wait()
		close(s.exited)
	}()
	if err := os.WriteFile(pidFile, []byte(strconv.Itoa(cmd.Process.Pid)), 0o600); err != nil {
		log.Warn("cannot write the pid file", zap.Error(err))
	}

	if err := s.prepare(ctx, keysFile); err != nil {
		_ = s.Stop()
		return nil, fmt.Errorf("devvault: %w (recent Vault output: %s)", err, out.tail())
	}
	log.Info("dev Vault ready", zap.String("address", s.Address), zap.String("data", vaultDir))
	return s, nil
}

// prepare initialises (first start), unseals and mounts.
func (s *Server) prepare(ctx context.Context, keysFile string) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	vc, err := api.NewClient(&api.Config{Address: s.Address, Timeout: 30 * time.Second, MaxRetries: 0})
	if err != nil {
		return err
	}
	vc.ClearToken()
	vc.ClearNamespace()

	var status *api.SealStatusResponse
	if err := s.poll(ctx, "the HTTP listener", func() (bool, error) {
		status, err = vc.Sys().SealStatusWithContext(ctx)
		return err == nil, nil
	}); err != nil {
		return err
	}

	var k keys
	if !status.Initialized {
		s.log.Info("initialising the dev Vault (first start)")
		res, err := vc.Sys().InitWithContext(ctx, &api.InitRequest{SecretShares: 1, SecretThreshold: 1})
		if err != nil {
			return fmt.Errorf("initialising: %w", err)
		}
		k = keys{UnsealKeys: res.KeysB64, RootToken: res.RootToken}
		if err := writeKeys(keysFile, k); err != nil {
			return fmt.Errorf("vault was initialised but its keys could not be saved, delete %s and start again: %w",
				filepath.Dir(s.pidFile), err)
		}
	} else {
		b, err := os.ReadFile(keysFile)
		if err != nil {
			return fmt.Errorf("vault is initialised but its keys are missing (%w); delete %s to start over with an empty Vault",
				err, filepath.Dir(s.pidFile))
		}
		if err := json.Unmarshal(b, &k); err != nil || len(k.UnsealKeys) == 0 || k.RootToken == "" {
			return fmt.Errorf("%s is not a valid key file", keysFile)
		}
	}
	s.RootToken = vaultx.Secret(k.RootToken)

	for _, key := range k.UnsealKeys {
		st, err := vc.Sys().UnsealWithContext(ctx, key)
		if err != nil {
			// The Vault client's message does not contain the key.
			return fmt.Errorf("unsealing: %w", err)
		}
		if !st.Sealed {
			break
		}
	}

	// Raft elects the single node leader a moment after unsealing.
	if err := s.poll(ctx, "an active, unsealed node", func() (bool, error) {
		h, err := vc.Sys().HealthWithContext(ctx)
		return err == nil && h.Initialized && !h.Sealed && !h.Standby, nil
	}); err != nil {
		return err
	}

	vc.SetToken(k.RootToken)
	mounts, err := vc.Sys().ListMountsWithContext(ctx)
	if err != nil {
		return fmt.Errorf("listing secret engines: %w", err)
	}
	if m, ok := mounts[KVMount+"/"]; !ok {
		err := vc.Sys().MountWithContext(ctx, KVMount, &api.MountInput{
			Type:        "kv",
			Description: "Junction's credentials (dev)",
			Options:     map[string]string{"version": "2"},
		})
		if err != nil {
			return fmt.Errorf("enabling KV v2 at %s/: %w", KVMount, err)
		}
	} else if m.Type != "kv" || m.Options["version"] != "2" {
		return fmt.Errorf("%s/ is mounted as %s version %q, not KV version 2", KVMount, m.Type, m.Options["version"])
	}
	// A new KV v2 engine answers "upgrading" errors for a moment.
	return s.poll(ctx, "the KV engine", func() (bool, error) {
		_, err := vc.Logical().ReadWithContext(ctx, KVMount+"/config")
		return err == nil, nil
	})
}

// poll calls ready every 50ms until it reports true, the server exits or ctx
// is done.
func (s *Server) poll(ctx context.Context, what string, ready func() (bool, error)) error {
	t := time.NewTicker(50 * time.Millisecond)
	defer t.Stop()
	for {
		ok, err := ready()
		if err != nil {
			return err
		}
		if ok {
			return nil
		}
		select {
		case <-s.exited:
			return fmt.Errorf("vault exited while waiting for %s: %v", what, s.waitErr)
		case <-ctx.Done():
			return fmt.Errorf("waiting for %s: %w", what, ctx.Err())
		case <-t.C:
		}
	}
}

// Stop shuts Vault down gracefully (SIGTERM, then SIGKILL after 15s) and
// waits for it. It is safe to call more than once.
func (s *Server) Stop() error {
	s.stopOnce.Do(func() {
		defer os.Remove(s.pidFile)
		select {
		case <-s.exited:
			return
		default:
		}
		if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
			_ = s.cmd.Process.Kill()
		}
		select {
		case <-s.exited:
		case <-time.After(15 * time.Second):
			s.log.Warn("vault did not stop within 15s; killing it")
			_ = s.cmd.Process.Kill()
			<-s.exited
			s.stopErr = errors.New("devvault: vault had to be killed")
		}
	})
	return s.stopErr
}

// Done is closed when the Vault process exits, whether through Stop or not.
func (s *Server) Done() <-chan struct{} { return s.exited }

// hclConfig is Vault's server configuration: one node, raft storage, a
// plain-HTTP listener on loopback, no UI.
func hclConfig(raftDir, apiAddr, clusterAddr string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# Generated by junction dev (internal/devvault); rewritten on every start.\n")
	fmt.Fprintf(&b, "ui            = false\n")
	fmt.Fprintf(&b, "disable_mlock = true\n")
	fmt.Fprintf(&b, "log_level     = \"warn\"\n")
	fmt.Fprintf(&b, "api_addr      = %q\n", "http://"+apiAddr)
	fmt.Fprintf(&b, "cluster_addr  = %q\n\n", "https://"+clusterAddr)
	// performance_multiplier 1: Raft's tightest timings, which make the
	// first leader election take under a second instead of about five.
	fmt.Fprintf(&b, "storage \"raft\" {\n  path                   = %q\n  node_id                = \"junction-dev\"\n  performance_multiplier = 1\n}\n\n", raftDir)
	fmt.Fprintf(&b, "listener \"tcp\" {\n  address         = %q\n  cluster_address = %q\n  tls_disable     = true\n}\n",
		apiAddr, clusterAddr)
	return b.String()
}

// ports resolves the API port (picking one for port 0) and a cluster port.
func ports(address string) (host string, api, cluster int, err error) {
	host, p, err := net.SplitHostPort(address)
	if err != nil {
		return "", 0, 0, fmt.Errorf("devvault: address %q: %w", address, err)
	}
	if host == "" {
		host = "127.0.0.1"
	}
	api, err = strconv.Atoi(p)
	if err != nil || api < 0 || api > 65535 {
		return "", 0, 0, fmt.Errorf("devvault: address %q: bad port", address)
	}
	if api == 0 {
		if api, err = freePort(host, 0); err != nil {
			return "", 0, 0, err
		}
	}
	if api < 65535 {
		if c, err := freePort(host, api+1); err == nil {
			return host, api, c, nil
		}
	}
	cluster, err = freePort(host, 0)
	return host, api, cluster, err
}

// freePort checks that port (or, for 0, any port) can be bound on host.
func freePort(host string, port int) (int, error) {
	l, err := net.Listen("tcp", net.JoinHostPort(host, strconv.Itoa(port)))
	if err != nil {
		return 0, fmt.Errorf("devvault: finding a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func writeKeys(path string, k keys) error {
	b, err := json.MarshalIndent(k, "", "  ")
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, append(b, '\n'), 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// stopOrphan stops a Vault left running by an earlier process with the same
// configuration file, found through its pid file. It only acts when the
// process's command line names that file (Linux /proc); elsewhere it does
// nothing and a port conflict surfaces as a start-up error.
func stopOrphan(pidFile, configFile string, log *zap.Logger) {
	b, err := os.ReadFile(pidFile)
	if err != nil {
		return
	}
	defer os.Remove(pidFile)
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 0 {
		return
	}
	cmdline, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "cmdline"))
	if err != nil || !bytes.Contains(cmdline, []byte("-config="+configFile)) {
		return
	}
	p, err := os.FindProcess(pid)
	if err != nil {
		return
	}
	log.Warn("stopping a dev Vault left running by an earlier process", zap.Int("pid", pid))
	_ = p.Signal(syscall.SIGTERM)
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		if _, err := os.Stat(filepath.Join("/proc", strconv.Itoa(pid))); err != nil {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	_ = p.Kill()
}

// EnvWithoutVault is this process's environment minus VAULT_* variables,
// which would change what the server does (VAULT_ADDR, VAULT_TOKEN…).
func EnvWithoutVault() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "VAULT_") {
			env = append(env, kv)
		}
	}
	return env
}

// lineLogger forwards Vault's output to zap line by line and remembers the
// last lines for start-up errors. Vault's own warnings and errors keep their
// level; its start-up banner, known-benign warnings and everything it says
// while shutting down go to debug.
type lineLogger struct {
	log *zap.Logger

	mu       sync.Mutex
	buf      []byte
	last     []string
	stopping bool
}

// benign are Vault warnings that every healthy single-node start prints.
var benign = []string{
	"heartbeat timeout reached, starting election",
}

func (l *lineLogger) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf = append(l.buf, p...)
	for {
		i := bytes.IndexByte(l.buf, '\n')
		if i < 0 {
			break
		}
		line := strings.TrimSpace(string(l.buf[:i]))
		l.buf = l.buf[i+1:]
		if line == "" {
			continue
		}
		if l.last = append(l.last, line); len(l.last) > 10 {
			l.last = l.last[1:]
		}
		if strings.Contains(line, "shutdown triggered") {
			l.stopping = true
		}
		switch {
		case l.stopping || isBenign(line):
			l.log.Debug(line)
		case strings.Contains(line, "[ERROR]"):
			l.log.Error(line)
		case strings.Contains(line, "[WARN]"):
			l.log.Warn(line)
		default:
			l.log.Debug(line)
		}
	}
	return len(p), nil
}

func isBenign(line string) bool {
	for _, b := range benign {
		if strings.Contains(line, b) {
			return true
		}
	}
	return false
}

func (l *lineLogger) tail() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.last) == 0 {
		return "none"
	}
	return strings.Join(l.last, " | ")
}

// FindBinary locates the vault executable: $JUNCTION_VAULT_BIN if set, else
// .junction/bin/vault under the repository root (the nearest directory
// upwards from the working directory that holds a go.mod), else vault on
// PATH. scripts/vault.sh builds the first two.
func FindBinary() (string, error) {
	if p := os.Getenv("JUNCTION_VAULT_BIN"); p != "" {
		if err := executable(p); err != nil {
			return "", fmt.Errorf("devvault: JUNCTION_VAULT_BIN: %w", err)
		}
		return p, nil
	}
	if root, err := RepoRoot(); err == nil {
		p := filepath.Join(root, ".junction", "bin", "vault")
		if executable(p) == nil {
			return p, nil
		}
	}
	if p, err := exec.LookPath("vault"); err == nil {
		return p, nil
	}
	return "", errors.New("devvault: no vault binary: run scripts/vault.sh to build one (or set JUNCTION_VAULT_BIN)")
}

// RepoRoot returns the nearest directory upwards from the working directory
// that contains a go.mod.
func RepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("devvault: no go.mod above the working directory")
		}
		dir = parent
	}
}

func executable(p string) error {
	fi, err := os.Stat(p)
	if err != nil {
		return err
	}
	if fi.IsDir() || fi.Mode()&0o111 == 0 {
		return fmt.Errorf("%s is not an executable file", p)
	}
	return nil
}

// Interface guard: lineLogger is the process's stdout and stderr.
var _ io.Writer = (*lineLogger)(nil)
