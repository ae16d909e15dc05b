package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"strings"
	"time"
)

// Results is one benchmark run: what `make bench` writes as JSON and
// markdown.
type Results struct {
	Started  time.Time     `json:"started"`
	Finished time.Time     `json:"finished"`
	Machine  Machine       `json:"machine"`
	Settings Settings      `json:"settings"`
	Phases   []PhaseResult `json:"phases"`
	Ratios   []Ratio       `json:"ratios"`
	Park     *ParkResult   `json:"park,omitempty"`
	Poll     *PollResult   `json:"poll,omitempty"`
	// Deliveries is the outbound webhooks scenario (deliveries.go).
	Deliveries *DeliveriesResult `json:"deliveries,omitempty"`
	// Conversations is the inbound SMS scenario (conversations.go).
	Conversations *ConversationsResult `json:"conversations,omitempty"`
}

// Machine describes where the run happened.
type Machine struct {
	CPUs        int    `json:"cpus"`
	CPUModel    string `json:"cpuModel"`
	MemoryGB    int    `json:"memoryGb"`
	Kernel      string `json:"kernel"`
	Go          string `json:"go"`
	LoadAvgFrom string `json:"loadAvgAtStart"`
}

// Settings are the knobs of the run.
type Settings struct {
	N            int      `json:"n"`
	Concurrency  int      `json:"concurrency"`
	MaxDuration  string   `json:"maxDuration"`
	DrainTimeout string   `json:"drainTimeout"`
	Warmup       int      `json:"warmup"`
	USMod        int      `json:"usMod"`
	Persistence  []string `json:"persistence"`
	Worker       string   `json:"worker"`
}

// Ratio compares Junction with another system on one persistence.
type Ratio struct {
	Name        string  `json:"name"`
	Persistence string  `json:"persistence"`
	Accepted    float64 `json:"acceptedPerSec"`
	Completed   float64 `json:"completedPerSec"`
	CPUPerRun   float64 `json:"cpuMsPerRun"`
	PeakRSS     float64 `json:"peakRss"`
}

// Run measures every system the config selects, one after the other.
func Run(ctx context.Context, cfg Config) (Results, error) {
	res := Results{Started: time.Now(), Machine: machine(), Settings: Settings{
		N: cfg.N, Concurrency: cfg.Concurrency, MaxDuration: cfg.MaxDuration.String(), DrainTimeout: cfg.DrainTimeout.String(),
		Warmup: cfg.Warmup, USMod: cfg.USMod, Persistence: cfg.Persistence, Worker: strings.Join(workerArgs(cfg.Worker), " "),
	}}
	if err := os.MkdirAll(cfg.WorkDir, 0o755); err != nil {
		return res, err
	}
	sink, err := StartSink()
	if err != nil {
		return res, err
	}
	defer sink.Close()
	byKey := map[string]PhaseResult{}
	for _, persistence := range cfg.Persistence {
		for _, system := range []string{SystemRaw, SystemRawLocal, SystemJunction, SystemJunctionActivities} {
			if !cfg.Systems[system] || ctx.Err() != nil {
				continue
			}
			r := cfg.RunThroughput(ctx, sink, system, persistence)
			res.Phases = append(res.Phases, r)
			byKey[system+"/"+persistence] = r
		}
	}
	if cfg.Systems[SystemN8N] && ctx.Err() == nil {
		r := cfg.RunN8N(ctx)
		res.Phases = append(res.Phases, r)
		byKey[SystemN8N] = r
	}
	measured := func(key string) (PhaseResult, bool) {
		r, ok := byKey[key]
		return r, ok && r.Error == ""
	}
	for _, persistence := range cfg.Persistence {
		for _, pair := range [][2]string{
			{SystemJunction, SystemRawLocal}, {SystemJunction, SystemRaw}, {SystemJunction, SystemN8N},
			{SystemJunctionActivities, SystemRaw}, {SystemJunctionActivities, SystemN8N},
		} {
			// n8n runs once, on its own SQLite, against every persistence.
			otherKey, label := pair[1]+"/"+persistence, persistence
			if pair[1] == SystemN8N {
				otherKey, label = SystemN8N, persistence+" vs n8n's sqlite"
			}
			j, okJ := measured(pair[0] + "/" + persistence)
			other, okOther := measured(otherKey)
			if okJ && okOther {
				res.Ratios = append(res.Ratios, ratio(systemNames[pair[0]]+" / "+systemNames[pair[1]], label, j, other))
			}
		}
	}
	if cfg.Systems["park"] && ctx.Err() == nil {
		p := cfg.Park
		if j, ok := byKey[SystemJunction+"/"+p.Persistence]; ok && j.AcceptedPerSec > 0 && p.StartRate == 0 {
			cfg.Park.StartRate = j.AcceptedPerSec * 0.7
		}
		if cfg.Park.StartRate == 0 {
			cfg.Park.StartRate = 50
		}
		pr := cfg.RunPark(ctx, sink)
		res.Park = &pr
	}
	if cfg.Systems[SystemPoll] && ctx.Err() == nil {
		pr := cfg.RunPoll(ctx, sink)
		res.Poll = &pr
	}
	if cfg.Systems[SystemDeliveries] && ctx.Err() == nil {
		dr := cfg.RunDeliveries(ctx, sink)
		res.Deliveries = &dr
	}
	if cfg.Systems[SystemConversations] && ctx.Err() == nil {
		cr := cfg.RunConversations(ctx, sink)
		res.Conversations = &cr
	}
	res.Finished = time.Now()
	return res, ctx.Err()
}

// systemNames name the systems in the ratios.
var systemNames = map[string]string{
	SystemJunction:           "Junction",
	SystemJunctionActivities: "Junction (HTTP steps as activities)",
	SystemRaw:                "raw Temporal as written by default",
	SystemRawLocal:           "raw Temporal with the same levers",
	SystemN8N:                "n8n",
}

func ratio(name, persistence string, a, b PhaseResult) Ratio {
	div := func(x, y float64) float64 {
		if y == 0 {
			return 0
		}
		return x / y
	}
	return Ratio{Name: name, Persistence: persistence,
		Accepted:  div(a.AcceptedPerSec, b.AcceptedPerSec),
		Completed: div(a.CompletedPerSec, b.CompletedPerSec),
		CPUPerRun: div(a.CPUMsPerRun, b.CPUMsPerRun),
		PeakRSS:   div(a.Usage.PeakRSSMB, b.Usage.PeakRSSMB),
	}
}

func machine() Machine {
	m := Machine{CPUs: runtime.NumCPU(), Go: runtime.Version(), LoadAvgFrom: loadAvg()}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPUModel = strings.TrimSpace(v)
				break
			}
		}
	}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		var kb int
		fmt.Sscanf(string(b), "MemTotal: %d kB", &kb)
		m.MemoryGB = (kb + 1<<19) >> 20
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = strings.TrimSpace(string(b))
	}
	return m
}

// WriteJSON writes the results, indented.
func (r Results) WriteJSON(path string) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

// Markdown renders the results as the tables docs/benchmarks.md shows.
func (r Results) Markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "## Run of %s\n\n", r.Started.UTC().Format("2006-01-02 15:04 MST"))
	fmt.Fprintf(&b, "Machine: %d CPUs (%s), %d GB, Linux %s, %s; load average at start %s.  \n",
		r.Machine.CPUs, r.Machine.CPUModel, r.Machine.MemoryGB, r.Machine.Kernel, r.Machine.Go, r.Machine.LoadAvgFrom)
	fmt.Fprintf(&b, "Load: N=%d events, concurrency %d, at most %s per phase, drain at most %s, warm-up %d, every %dth event filtered.",
		r.Settings.N, r.Settings.Concurrency, r.Settings.MaxDuration, r.Settings.DrainTimeout, r.Settings.Warmup, r.Settings.USMod)
	if r.Settings.Worker != "" {
		fmt.Fprintf(&b, " Worker: %s.", r.Settings.Worker)
	}
	b.WriteString("\n\n")
	b.WriteString("| system | persistence | accepted/s | completed/s | ack p50 / p99 ms | end-to-end p50 / p99 ms | CPU-ms per run | peak RSS MB | exactly once | load avg after |\n")
	b.WriteString("|---|---|---|---|---|---|---|---|---|---|\n")
	for _, p := range r.Phases {
		if p.Error != "" {
			fmt.Fprintf(&b, "| %s | %s | not measured: %s |||||||||\n", p.System, p.Persistence, mdEscape(p.Error))
			continue
		}
		fmt.Fprintf(&b, "| %s | %s | %.1f | %.1f | %.1f / %.1f | %.1f / %.1f | %.2f | %.0f | %s | %s |\n",
			p.System, p.Persistence, p.AcceptedPerSec, p.CompletedPerSec, p.Ack.P50, p.Ack.P99, p.E2E.P50, p.E2E.P99,
			p.CPUMsPerRun, p.Usage.PeakRSSMB, exactlyOnce(p.Delivery), p.LoadAvg)
	}
	if len(r.Ratios) > 0 {
		b.WriteString("\n| ratio | persistence | accepted/s | completed/s | CPU-ms per run | peak RSS |\n|---|---|---|---|---|---|\n")
		for _, x := range r.Ratios {
			fmt.Fprintf(&b, "| %s | %s | %.2f | %.2f | %.2f | %.2f |\n", x.Name, x.Persistence, x.Accepted, x.Completed, x.CPUPerRun, x.PeakRSS)
		}
	}
	var notes []string
	for _, p := range r.Phases {
		for _, n := range p.Notes {
			notes = append(notes, fmt.Sprintf("%s (%s): %s", p.System, p.Persistence, n))
		}
	}
	if p := r.Park; p != nil {
		b.WriteString("\n### Parked runs\n\n")
		if p.Error != "" {
			fmt.Fprintf(&b, "Not measured: %s\n", mdEscape(p.Error))
		} else {
			b.WriteString("| runs | persistence | started in s | all parked (after s) | worker RSS idle / parked / peak MB | server RSS parked / peak MB | resume all in s | resumed/s | exactly once |\n|---|---|---|---|---|---|---|---|---|\n")
			fmt.Fprintf(&b, "| %d | %s | %.1f | %v (%.0f) | %.0f / %.0f / %.0f | %.0f / %.0f | %.1f | %.1f | %s |\n",
				p.N, p.Persistence, p.StartSeconds, p.AllParked, p.ParkSeconds, p.WorkerIdleRSSMB, p.WorkerRSSParkedMB, p.WorkerPeakRSSMB,
				p.ServerRSSParkedMB, p.ServerPeakRSSMB, p.ResumeSeconds, p.ResumedPerSec, exactlyOnce(p.Delivery))
		}
		for _, n := range p.Notes {
			notes = append(notes, "park: "+n)
		}
	}
	if r.Poll != nil {
		b.WriteString(r.Poll.Markdown())
	}
	if r.Deliveries != nil {
		b.WriteString(r.Deliveries.Markdown())
	}
	if r.Conversations != nil {
		b.WriteString(r.Conversations.Markdown())
	}
	if len(notes) > 0 {
		b.WriteString("\nNotes:\n\n")
		for _, n := range notes {
			fmt.Fprintf(&b, "- %s\n", mdEscape(n))
		}
	}
	return b.String()
}

func exactlyOnce(d Delivery) string {
	if d.ExactlyOnce {
		return fmt.Sprintf("yes (%d/%d)", d.Delivered, d.Expected)
	}
	return fmt.Sprintf("**no**: %d/%d, missing %d, duplicated %d, filtered arrived %d", d.Delivered, d.Expected, d.Missing, d.Duplicated, d.Filtered)
}

func mdEscape(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "|", "\\|"), "\n", " ")
}
