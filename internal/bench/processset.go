package bench

import (
	"fmt"
	"sync"
	"time"
)

// processSet is the named processes of a multi-process stack (chaos.go,
// cluster.go), which the load's kills and the stack's restarts reach from
// more than one goroutine.
type processSet struct {
	mu    sync.Mutex
	procs map[string]*process
}

func newProcessSet() *processSet { return &processSet{procs: map[string]*process{}} }

func (s *processSet) put(name string, p *process) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.procs[name] = p
}

func (s *processSet) get(name string) *process {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.procs[name]
}

// kill ends name with SIGKILL and notes it in its log ("<scenario>:
// SIGKILL <name> (pid N) at <time><after>"), where one life ends and, when
// the caller starts it again, the next begins; it answers when. forget
// drops it from the set, for a process killed for good.
func (s *processSet) kill(scenario, name, after string, forget bool) (time.Time, error) {
	s.mu.Lock()
	p := s.procs[name]
	if forget {
		delete(s.procs, name)
	}
	s.mu.Unlock()
	if p == nil {
		return time.Time{}, fmt.Errorf("no process %s to kill", name)
	}
	killed := time.Now()
	p.kill()
	if f, err := openLog(p.log); err == nil {
		fmt.Fprintf(f, "%s: SIGKILL %s (pid %d) at %s%s\n", scenario, name, p.cmd.Process.Pid, killed.Format(time.RFC3339Nano), after)
		_ = f.Close()
	}
	return killed, nil
}

// stop stops the processes named, in order (the front first, the servers
// last, as an operator would); a name not in the set is skipped.
func (s *processSet) stop(names ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, name := range names {
		s.procs[name].stop()
	}
}

// workerPartArgs and gatewayPartArgs are a production Junction process's flags in
// the multi-process stacks: Temporal at temporal, the metadata store at
// metaURL, an ops listener on a free port, egress to the loopback sink.
func workerPartArgs(temporal, metaURL string) []string {
	return []string{"worker", "--temporal-address", temporal, "--database-url", metaURL, "--egress-allow", "127.0.0.1", "--ops-address", "127.0.0.1:0"}
}

func gatewayPartArgs(temporal, metaURL, httpAddress string) []string {
	return []string{"gateway", "--temporal-address", temporal, "--database-url", metaURL, "--http-address", httpAddress, "--ops-address", "127.0.0.1:0"}
}
