package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"time"
)

// N8NConfig says how to run n8n through the team's script
// (scripts/n8n-bench.sh, a copy of ../shared/bench/n8n-bench.sh).
type N8NConfig struct {
	Script string
	// Dir is the script's BENCH_DIR, where n8n is installed (/tmp/n8n-probe).
	Dir string
	// Warmup requests before the measured run (the script's WARMUP).
	Warmup int
}

// n8nLoad is the part of the script's load-tool JSON this report reads.
type n8nLoad struct {
	Label       string         `json:"label"`
	Sent        int64          `json:"sent"`
	OK          int64          `json:"ok_2xx"`
	Errors      int64          `json:"transport_errors"`
	Status      map[string]int `json:"status_codes"`
	DurationS   float64        `json:"load_duration_s"`
	AcceptedRPS float64        `json:"accepted_per_s"`
	LatP50      float64        `json:"lat_p50_ms"`
	LatP90      float64        `json:"lat_p90_ms"`
	LatP99      float64        `json:"lat_p99_ms"`
	LatMax      float64        `json:"lat_max_ms"`
	Expected    int64          `json:"expected_sink"`
	SinkCount   int64          `json:"sink_count"`
	SinkUnique  int            `json:"sink_unique"`
	SinkDups    int64          `json:"sink_dups"`
	E2ERate     float64        `json:"e2e_completed_per_s_from_load_start"`
	Complete    bool           `json:"sink_complete"`
	E2EP50      float64        `json:"e2e_p50_ms"`
	E2EP90      float64        `json:"e2e_p90_ms"`
	E2EP99      float64        `json:"e2e_p99_ms"`
	E2EMax      float64        `json:"e2e_max_ms"`
	CPUSec      float64        `json:"n8n_cpu_seconds_load_plus_drain"`
	CPUms       float64        `json:"n8n_cpu_ms_per_accepted_request"`
	RSSPeakMB   float64        `json:"n8n_rss_peak_mb"`
	RSSEndMB    float64        `json:"n8n_rss_end_mb"`
}

// N8NInstalled reports whether the script's n8n is there; the benchmark
// never installs it (that takes minutes and 2.3 GB: ACTION=install does).
func (c N8NConfig) N8NInstalled() bool {
	_, err := os.Stat(filepath.Join(c.Dir, "node_modules", "n8n", "package.json"))
	return err == nil
}

// RunN8N runs the script for the same N, concurrency and time cap, in the
// "respond immediately" mode (n8n acknowledges, then runs), and reads its
// result; round is the throughput round it belongs to. The script starts
// n8n on a fresh database every time, as each round does the others.
func (c Config) RunN8N(ctx context.Context, round int) PhaseResult {
	res := PhaseResult{System: SystemN8N, Persistence: n8nPersistence, Round: round, N: c.N, Concurrency: c.Concurrency,
		Measured: "n8n's main process and its task runner", LoadAvgBefore: loadAvg()}
	if !c.N8N.N8NInstalled() {
		res.Error = fmt.Sprintf("n8n is not installed in %s (ACTION=install bash %s installs it)", c.N8N.Dir, c.N8N.Script)
		return res
	}
	since := time.Now()
	drain := int(c.DrainTimeout / time.Second)
	cmd := exec.CommandContext(ctx, "bash", c.N8N.Script)
	cmd.Env = append(os.Environ(),
		"BENCH_DIR="+c.N8N.Dir,
		"N="+strconv.Itoa(c.N),
		"C="+strconv.Itoa(c.Concurrency),
		"MAXDUR="+c.MaxDuration.String(),
		"WAIT="+strconv.Itoa(drain)+"s",
		"WARMUP="+strconv.Itoa(c.N8N.Warmup),
		"MODES=async",
		"US_MOD="+strconv.Itoa(c.USMod),
		// The machine is shared; waiting for it to be quiet could take the
		// whole budget. The load average goes into the report instead.
		"QUIET_BUSY=100",
	)
	logPath := filepath.Join(c.WorkDir, "n8n.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		res.Error = err.Error()
		return res
	}
	defer logFile.Close()
	cmd.Stdout, cmd.Stderr = logFile, logFile
	// WaitDelay: if the context ends, the script's trap still gets to stop
	// the n8n it started.
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 30 * time.Second
	c.logf("n8n: running %s (log %s)", c.N8N.Script, logPath)
	if err := cmd.Run(); err != nil {
		res.Error = fmt.Sprintf("%s failed: %v; see %s", c.N8N.Script, err, logPath)
		return res
	}
	path, err := newestResult(filepath.Join(c.N8N.Dir, "results"), since, fmt.Sprintf("async-c%d.json", c.Concurrency))
	if err != nil {
		res.Error = err.Error()
		return res
	}
	b, err := os.ReadFile(path)
	if err != nil {
		res.Error = err.Error()
		return res
	}
	var l n8nLoad
	if err := json.Unmarshal(b, &l); err != nil {
		res.Error = fmt.Sprintf("reading %s: %v", path, err)
		return res
	}
	res.LoadSeconds = l.DurationS
	res.AcceptedPerSec = l.AcceptedRPS
	res.CompletedPerSec = l.E2ERate
	res.Ack = Percentiles{Count: int(l.OK), P50: l.LatP50, P90: l.LatP90, P99: l.LatP99, Max: l.LatMax}
	res.E2E = Percentiles{Count: l.SinkUnique, P50: l.E2EP50, P90: l.E2EP90, P99: l.E2EP99, Max: l.E2EMax}
	res.Load = LoadResult{Sent: int(l.Sent), Accepted: int(l.OK), Errors: int(l.Sent - l.OK), Ack: res.Ack}
	res.Usage = Usage{CPUSeconds: l.CPUSec, PeakRSSMB: l.RSSPeakMB, EndRSSMB: l.RSSEndMB}
	res.CPUMsPerRun = l.CPUms
	missing := max(0, int(l.Expected)-l.SinkUnique)
	res.Delivery = Delivery{
		Expected:   int(l.Expected),
		Delivered:  l.SinkUnique - int(min(l.SinkDups, int64(l.SinkUnique))),
		Missing:    missing,
		Duplicated: int(l.SinkDups),
		Posts:      l.SinkCount,
		// The script's sink counts calls, not ids of filtered events: more
		// calls than expected, without duplicates, would be filtered (or
		// unacknowledged) events arriving.
		Filtered:    max(0, int(l.SinkCount-l.SinkDups)-int(l.Expected)),
		ExactlyOnce: l.Complete && l.SinkDups == 0 && l.SinkCount == l.Expected,
	}
	res.LoadAvg = loadAvg()
	res.Notes = append(res.Notes, "from "+path,
		"webhook responds immediately (onReceived), executions saved (n8n's default); the check counts calls per id, and filtered events only through the total")
	c.logf("n8n: %.1f accepted/s, %.1f completed/s", res.AcceptedPerSec, res.CompletedPerSec)
	return res
}

// newestResult finds the script's result file written after since.
func newestResult(dir string, since time.Time, name string) (string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return "", fmt.Errorf("no n8n results in %s: %w", dir, err)
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].Name() > entries[j].Name() })
	for _, e := range entries {
		p := filepath.Join(dir, e.Name(), name)
		if st, err := os.Stat(p); err == nil && st.ModTime().After(since) {
			return p, nil
		}
	}
	return "", fmt.Errorf("the n8n script wrote no %s in %s", name, dir)
}
