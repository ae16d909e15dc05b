// Package vaulttest starts real, throwaway HashiCorp Vault servers for
// tests: `vault server -dev` on a free loopback port, in memory, with a
// random root token and KV version 2 mounted at "secret". Tests of vaultx
// and of everything that stores credentials use it instead of a fake of
// Vault's API.
//
// The binary comes from scripts/vault.sh (see devvault.FindBinary for where
// it is looked for). Without one, tests are skipped on a developer's
// machine and fail when the CI environment variable is set, so CI can never
// pass by silently skipping them.
package vaulttest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/junction-run/junction/internal/devvault"
)

// KVMount is where dev mode mounts KV version 2.
const KVMount = "secret"

// Server is a running dev-mode Vault.
type Server struct {
	// Addr is the URL to give a client, e.g. "http://127.0.0.1:41234".
	Addr string
	// RootToken is the server's root token.
	RootToken string

	cmd    *exec.Cmd
	out    *syncBuffer
	exited chan struct{}
	once   sync.Once
}

// Binary returns the vault executable, or skips the test when there is
// none (fails it instead when the CI environment variable is set).
func Binary(t testing.TB) string {
	t.Helper()
	bin, err := devvault.FindBinary()
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("a real Vault is required under CI: %v", err)
		}
		t.Skipf("skipping: %v", err)
	}
	return bin
}

// Start starts a dev Vault that lives until the end of the test and returns
// its address and root token.
func Start(t testing.TB) (addr, rootToken string) {
	t.Helper()
	s := StartServer(t)
	return s.Addr, s.RootToken
}

// StartServer is Start for tests that also need to stop the server early,
// e.g. to see how a client behaves when Vault goes away.
func StartServer(t testing.TB) *Server {
	t.Helper()
	bin := Binary(t)
	var lastErr error
	// A port picked as free can be taken before Vault binds it; try again.
	for range 5 {
		s, err := start(bin)
		if err == nil {
			t.Cleanup(func() {
				s.Stop()
				if t.Failed() {
					t.Logf("vault output:\n%s", s.out.String())
				}
			})
			return s
		}
		lastErr = err
	}
	t.Fatalf("starting a dev Vault: %v", lastErr)
	return nil
}

func start(bin string) (*Server, error) {
	port, err := freePortPair()
	if err != nil {
		return nil, err
	}
	token := randomToken()
	listen := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	cmd := exec.Command(bin, "server", "-dev",
		"-dev-root-token-id="+token,
		"-dev-listen-address="+listen,
		"-dev-no-store-token", // never write ~/.vault-token
		"-log-level=warn",
	)
	cmd.Env = devvault.EnvWithoutVault()
	cmd.Dir = os.TempDir()
	out := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("running %s: %w", bin, err)
	}
	s := &Server{Addr: "http://" + listen, RootToken: token, cmd: cmd, out: out, exited: make(chan struct{})}
	go func() {
		_ = cmd.Wait()
		close(s.exited)
	}()
	if err := s.waitHealthy(30 * time.Second); err != nil {
		s.Stop()
		return nil, fmt.Errorf("%w\n%s", err, out.String())
	}
	return s, nil
}

// waitHealthy polls sys/health until Vault answers 200 (initialised,
// unsealed, active). In dev mode the root token and the KV mount are set up
// before the listener starts, so a 200 means ready.
func (s *Server) waitHealthy(timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	client := &http.Client{Timeout: time.Second}
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, s.Addr+"/v1/sys/health", nil)
		if resp, err := client.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-s.exited:
			return fmt.Errorf("vault exited during start-up")
		case <-ctx.Done():
			return fmt.Errorf("vault not healthy after %s", timeout)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// Stop terminates the server and waits for it to exit. It is safe to call
// more than once; the test's cleanup calls it too.
func (s *Server) Stop() {
	s.once.Do(func() {
		_ = s.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-s.exited:
		case <-time.After(10 * time.Second):
			_ = s.cmd.Process.Kill()
			<-s.exited
		}
	})
}

// freePortPair returns a loopback port p such that p and p+1 are free: dev
// mode binds its cluster listener on the port after the API's.
func freePortPair() (int, error) {
	for range 20 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return 0, err
		}
		p := l.Addr().(*net.TCPAddr).Port
		l2, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(p+1)))
		l.Close()
		if err == nil {
			l2.Close()
			return p, nil
		}
	}
	return 0, fmt.Errorf("no pair of free loopback ports")
}

func randomToken() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	// Vault refuses custom token IDs with its own prefixes (hvs., s.…).
	return "junction-test-" + hex.EncodeToString(b)
}

type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
