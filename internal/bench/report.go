package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"
)

// Results is one benchmark run: what `make bench` writes as JSON and
// markdown.
type Results struct {
	Started  time.Time `json:"started"`
	Finished time.Time `json:"finished"`
	Machine  Machine   `json:"machine"`
	Settings Settings  `json:"settings"`
	// Rounds are the interleaved passes over the throughput systems; Phases
	// holds every round's phases, in the order they ran.
	Rounds []Round       `json:"rounds"`
	Phases []PhaseResult `json:"phases"`
	// Summaries are each system's medians over the rounds, Ratios the
	// medians of Junction's per-round ratios.
	Summaries []SystemSummary `json:"summaries"`
	Ratios    []Ratio         `json:"ratios"`
	Park      *ParkResult     `json:"park,omitempty"`
	Poll      *PollResult     `json:"poll,omitempty"`
	// Deliveries is the outbound webhooks scenario (deliveries.go).
	Deliveries *DeliveriesResult `json:"deliveries,omitempty"`
	// Conversations is the inbound SMS scenario (conversations.go).
	Conversations *ConversationsResult `json:"conversations,omitempty"`
	Console       *ConsoleResult       `json:"console,omitempty"`
}

// Settings are the knobs of the run.
type Settings struct {
	Rounds       int      `json:"rounds"`
	N            int      `json:"n"`
	Concurrency  int      `json:"concurrency"`
	MaxDuration  string   `json:"maxDuration"`
	DrainTimeout string   `json:"drainTimeout"`
	Warmup       int      `json:"warmup"`
	USMod        int      `json:"usMod"`
	Persistence  []string `json:"persistence"`
	Worker       string   `json:"worker"`
	// Settings are the settings run beside the systems as they ship.
	Settings []string `json:"settings,omitempty"`
	// Calibration says what one calibration operation is.
	Calibration string `json:"calibration"`
}

// Run measures every system the config selects: the throughput systems in
// interleaved rounds (rounds.go), then each other scenario once.
func Run(ctx context.Context, cfg Config) (Results, error) {
	cfg.Rounds = max(cfg.Rounds, 1)
	m := machine()
	m.CalibrationStart = calibrate()
	res := Results{Started: time.Now(), Machine: m, Settings: Settings{
		Rounds: cfg.Rounds, N: cfg.N, Concurrency: cfg.Concurrency, MaxDuration: cfg.MaxDuration.String(), DrainTimeout: cfg.DrainTimeout.String(),
		Warmup: cfg.Warmup, USMod: cfg.USMod, Persistence: cfg.Persistence, Worker: strings.Join(workerArgs(cfg.Worker), " "),
		Calibration: CalibrationLoop,
	}}
	for _, set := range cfg.Settings {
		res.Settings.Settings = append(res.Settings.Settings, set.Name)
	}
	if err := os.MkdirAll(cfg.WorkDir, 0o755); err != nil {
		return res, err
	}
	sink, err := StartSink()
	if err != nil {
		return res, err
	}
	defer sink.Close()
	res.Phases, res.Rounds = cfg.runRounds(ctx, sink)
	res.Summaries = summarize(res.Phases)
	res.Ratios = ratios(res.Phases, cfg.Persistence, cfg.Settings)
	if cfg.Systems["park"] && ctx.Err() == nil {
		p := cfg.Park
		for _, s := range res.Summaries {
			if s.System == SystemJunction && s.Persistence == p.Persistence && s.AcceptedPerSec.Median > 0 && p.StartRate == 0 {
				cfg.Park.StartRate = s.AcceptedPerSec.Median * 0.7
			}
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
	if cfg.Systems[SystemConsole] && ctx.Err() == nil {
		cr := cfg.RunConsole(ctx, sink)
		res.Console = &cr
	}
	res.Machine.CalibrationEnd = calibrate()
	res.Machine.LoadAvgTo = loadAvg()
	res.Finished = time.Now()
	return res, ctx.Err()
}

// ratioPairs are the comparisons the report makes: Junction over each
// baseline, on the same persistence, round by round.
var ratioPairs = [][2]string{
	{SystemJunction, SystemRawLocal}, {SystemJunction, SystemRaw}, {SystemJunction, SystemN8N},
	{SystemJunctionActivities, SystemRaw}, {SystemJunctionActivities, SystemN8N},
}

// ratios are the per-round ratios of every pair measured, per persistence,
// then for each setting: each system with it over the same system as it
// ships (what the setting does), and Junction over raw Temporal with the
// same levers when both ran with it. n8n runs on its own SQLite, against
// every persistence.
func ratios(phases []PhaseResult, persistences []string, settings []Setting) []Ratio {
	byKey := map[string][]PhaseResult{}
	for _, p := range phases {
		byKey[phaseKey(p.System, p.Persistence)] = append(byKey[phaseKey(p.System, p.Persistence)], p)
	}
	var out []Ratio
	for _, persistence := range persistences {
		for _, pair := range ratioPairs {
			otherKey, label := phaseKey(pair[1], persistence), persistence
			if pair[1] == SystemN8N {
				otherKey, label = phaseKey(SystemN8N, n8nPersistence), persistence+" vs n8n's sqlite"
			}
			r := ratioOver(systemNames[pair[0]]+" / "+systemNames[pair[1]], label, byKey[phaseKey(pair[0], persistence)], byKey[otherKey])
			if len(r.Rounds) > 0 {
				out = append(out, r)
			}
		}
	}
	for _, set := range settings {
		for _, persistence := range append(slices.Clone(persistences), n8nPersistence) {
			for _, system := range append(slices.Clone(throughputSystems), SystemN8N) {
				if (system == SystemN8N) != (persistence == n8nPersistence) {
					continue
				}
				r := ratioOver(set.label(systemNames[system])+" / as shipped", persistence,
					byKey[phaseKey(set.label(system), persistence)], byKey[phaseKey(system, persistence)])
				if len(r.Rounds) > 0 {
					out = append(out, r)
				}
			}
			r := ratioOver(set.label(systemNames[SystemJunction]+" / "+systemNames[SystemRawLocal]), persistence,
				byKey[phaseKey(set.label(SystemJunction), persistence)], byKey[phaseKey(set.label(SystemRawLocal), persistence)])
			if len(r.Rounds) > 0 {
				out = append(out, r)
			}
		}
	}
	return out
}

// systemNames name the systems in the ratios.
var systemNames = map[string]string{
	SystemJunction:           "Junction",
	SystemJunctionActivities: "Junction (HTTP steps as activities)",
	SystemRaw:                "raw Temporal as written by default",
	SystemRawLocal:           "raw Temporal with the same levers",
	SystemN8N:                "n8n",
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
	b.WriteString(r.Machine.Markdown(r.Settings.Calibration))
	fmt.Fprintf(&b, "Load: N=%d events, concurrency %d, at most %s per phase, drain at most %s, warm-up %d, every %dth event filtered.",
		r.Settings.N, r.Settings.Concurrency, r.Settings.MaxDuration, r.Settings.DrainTimeout, r.Settings.Warmup, r.Settings.USMod)
	if r.Settings.Worker != "" {
		fmt.Fprintf(&b, " Worker: %s.", r.Settings.Worker)
	}
	b.WriteString("\n")
	b.WriteString(r.throughputMarkdown())
	notes := phaseNotes(r.Phases)
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
	if r.Console != nil {
		b.WriteString(r.Console.Markdown())
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
