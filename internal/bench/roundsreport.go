package bench

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Markdown is the host's paragraph of the report: what to compare another
// host's run with.
func (m Machine) Markdown(calibrationLoop string) string {
	var b strings.Builder
	sha := "no SHA extensions"
	if m.SHAExtensions {
		sha = "SHA extensions"
	}
	fmt.Fprintf(&b, "Machine: %d CPUs (%s, %s), GOMAXPROCS %d, %d GB, Linux %s, %s.",
		m.CPUs, m.CPUModel, sha, m.GOMAXPROCS, m.MemoryGB, m.Kernel, m.Go)
	if len(m.Env) > 0 {
		var env []string
		for k, v := range m.Env {
			env = append(env, k+"="+v)
		}
		slices.Sort(env)
		fmt.Fprintf(&b, " Environment: %s.", strings.Join(env, " "))
	}
	fmt.Fprintf(&b, " Load average %s at the start", m.LoadAvgFrom)
	if m.LoadAvgTo != "" {
		fmt.Fprintf(&b, ", %s at the end", m.LoadAvgTo)
	}
	fmt.Fprintf(&b, ".  \nCalibration (%s): %.0f ops/s at the start", calibrationLoop, m.CalibrationStart.OpsPerSec)
	if m.CalibrationEnd.OpsPerSec > 0 {
		fmt.Fprintf(&b, ", %.0f at the end", m.CalibrationEnd.OpsPerSec)
	}
	b.WriteString(".  \n")
	return b.String()
}

// throughputMarkdown is the throughput scenario's part of the report: the
// medians, the ratios, the rounds, and every phase.
func (r Results) throughputMarkdown() string {
	if len(r.Phases) == 0 {
		return ""
	}
	var b strings.Builder
	fmt.Fprintf(&b, "\n### Throughput: medians of %s\n\n", plural(len(r.Rounds), "interleaved round"))
	b.WriteString("Each figure is the median over the rounds, the lowest and the highest round in brackets.\n\n")
	b.WriteString("| system | persistence | rounds | completed/s | accepted/s | CPU-ms per run | ack p50 ms | ack p99 ms | end-to-end p50 ms | peak RSS MB | exactly once |\n")
	b.WriteString("|---|---|---|---|---|---|---|---|---|---|---|\n")
	for _, s := range r.Summaries {
		once := fmt.Sprintf("%d of %d", s.ExactlyOnce, s.Rounds)
		if s.ExactlyOnce < s.Rounds {
			once = "**" + once + "**"
		}
		rounds := strconv.Itoa(s.Rounds)
		if s.Failed > 0 {
			rounds += fmt.Sprintf(" (%d failed)", s.Failed)
		}
		if s.Rounds == 0 {
			fmt.Fprintf(&b, "| %s | %s | %s | not measured: see the rounds ||||||||\n", s.System, s.Persistence, rounds)
			continue
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n",
			s.System, s.Persistence, rounds, s.CompletedPerSec, s.AcceptedPerSec, s.CPUMsPerRun.format("%.2f"),
			s.AckP50, s.AckP99, s.E2EP50, s.PeakRSSMB.format("%.0f"), once)
	}
	if len(r.Ratios) > 0 {
		b.WriteString("\n| ratio: median of per-round ratios | persistence | rounds | completed/s | CPU-ms per run | accepted/s | peak RSS |\n|---|---|---|---|---|---|---|\n")
		for _, x := range r.Ratios {
			fmt.Fprintf(&b, "| %s | %s | %d | %s | %s | %s | %s |\n", x.Name, x.Persistence, len(x.Rounds),
				x.Completed.format("%.2f"), x.CPUPerRun.format("%.2f"), x.Accepted.format("%.2f"), x.PeakRSS.format("%.2f"))
		}
	}
	b.WriteString("\n| round | order | CPU busy before | load average at start / end | calibration ops/s |\n|---|---|---|---|---|\n")
	for _, rd := range r.Rounds {
		fmt.Fprintf(&b, "| %d | %s | %.0f %% | %s / %s | %.0f |\n", rd.Round, strings.Join(rd.Order, ", "), rd.CPUBusyBefore,
			rd.LoadAvgStart, rd.LoadAvgEnd, rd.Calibration.OpsPerSec)
	}
	b.WriteString("\n| round | system | persistence | accepted/s | completed/s | ack p50 / p99 ms | end-to-end p50 / p99 ms | CPU-ms per run | peak RSS MB | exactly once | load avg before / after |\n")
	b.WriteString("|---|---|---|---|---|---|---|---|---|---|---|\n")
	for _, p := range r.Phases {
		if p.Error != "" {
			fmt.Fprintf(&b, "| %d | %s | %s | not measured: %s ||||||||\n", p.Round, p.System, p.Persistence, mdEscape(p.Error))
			continue
		}
		fmt.Fprintf(&b, "| %d | %s | %s | %.1f | %.1f | %.1f / %.1f | %.1f / %.1f | %.2f | %.0f | %s | %s / %s |\n",
			p.Round, p.System, p.Persistence, p.AcceptedPerSec, p.CompletedPerSec, p.Ack.P50, p.Ack.P99, p.E2E.P50, p.E2E.P99,
			p.CPUMsPerRun, p.Usage.PeakRSSMB, exactlyOnce(p.Delivery), p.LoadAvgBefore, p.LoadAvg)
	}
	return b.String()
}

// phaseNotes are the phases' notes, each once: a note every round of a
// system made stands alone, one that only some rounds made names them.
func phaseNotes(phases []PhaseResult) []string {
	type noteKey struct{ system, note string }
	var order []noteKey
	roundsOf := map[noteKey][]int{}
	phasesOf := map[string]int{}
	for _, p := range phases {
		sys := fmt.Sprintf("%s (%s)", p.System, p.Persistence)
		phasesOf[sys]++
		for _, n := range p.Notes {
			k := noteKey{sys, n}
			if _, seen := roundsOf[k]; !seen {
				order = append(order, k)
			}
			roundsOf[k] = append(roundsOf[k], p.Round)
		}
	}
	out := make([]string, 0, len(order))
	for _, k := range order {
		rounds := roundsOf[k]
		if len(rounds) == phasesOf[k.system] {
			out = append(out, k.system+": "+k.note)
			continue
		}
		rs := make([]string, len(rounds))
		for i, r := range rounds {
			rs[i] = strconv.Itoa(r)
		}
		out = append(out, fmt.Sprintf("%s, %s %s: %s", k.system, pluralWord(len(rounds), "round"), strings.Join(rs, ", "), k.note))
	}
	return out
}

func plural(n int, word string) string { return strconv.Itoa(n) + " " + pluralWord(n, word) }

func pluralWord(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}
