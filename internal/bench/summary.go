package bench

import (
	"fmt"
	"slices"
)

// Spread is one figure over the rounds of a run: its median and the range
// it moved in. With three to five rounds a quartile range says no more
// than the extremes, so the extremes are what is reported.
type Spread struct {
	// N is the number of values: the rounds that measured the figure.
	N      int     `json:"n"`
	Median float64 `json:"median"`
	Min    float64 `json:"min"`
	Max    float64 `json:"max"`
}

// spreadOf summarises values; no values give the zero Spread.
func spreadOf(values []float64) Spread {
	if len(values) == 0 {
		return Spread{}
	}
	s := slices.Clone(values)
	slices.Sort(s)
	return Spread{N: len(s), Median: median(s), Min: s[0], Max: s[len(s)-1]}
}

// median of sorted values: the middle one, or the mean of the two middle
// ones for an even count.
func median(sorted []float64) float64 {
	n := len(sorted)
	if n == 0 {
		return 0
	}
	if n%2 == 1 {
		return sorted[n/2]
	}
	return (sorted[n/2-1] + sorted[n/2]) / 2
}

// String is the median with its range, as the markdown tables show it.
func (s Spread) String() string { return s.format("%.1f") }

func (s Spread) format(verb string) string {
	if s.N == 0 {
		return "-"
	}
	if s.N == 1 {
		return fmt.Sprintf(verb, s.Median)
	}
	return fmt.Sprintf(verb+" ("+verb+"-"+verb+")", s.Median, s.Min, s.Max)
}

// SystemSummary is one throughput system on one persistence over the
// rounds: the medians the report quotes, each with its range.
type SystemSummary struct {
	System      string `json:"system"`
	Persistence string `json:"persistence"`
	// Rounds counts the rounds that measured the system; Failed, those
	// that could not (their error is in the round's phase).
	Rounds int `json:"rounds"`
	Failed int `json:"failed,omitempty"`
	// ExactlyOnce counts the measured rounds in which every acknowledged
	// event that passes the condition reached the sink exactly once.
	ExactlyOnce     int    `json:"exactlyOnce"`
	CompletedPerSec Spread `json:"completedPerSec"`
	AcceptedPerSec  Spread `json:"acceptedPerSec"`
	CPUMsPerRun     Spread `json:"cpuMsPerRun"`
	AckP50          Spread `json:"ackP50Ms"`
	AckP99          Spread `json:"ackP99Ms"`
	E2EP50          Spread `json:"e2eP50Ms"`
	E2EP99          Spread `json:"e2eP99Ms"`
	PeakRSSMB       Spread `json:"peakRssMb"`
}

// phaseKey names a throughput phase's system and persistence, whatever the
// round.
func phaseKey(system, persistence string) string { return system + "/" + persistence }

// summarize folds the rounds' phases into one summary per system and
// persistence, in the order they first appear.
func summarize(phases []PhaseResult) []SystemSummary {
	var order []string
	byKey := map[string][]PhaseResult{}
	for _, p := range phases {
		k := phaseKey(p.System, p.Persistence)
		if _, seen := byKey[k]; !seen {
			order = append(order, k)
		}
		byKey[k] = append(byKey[k], p)
	}
	out := make([]SystemSummary, 0, len(order))
	for _, k := range order {
		ps := byKey[k]
		s := SystemSummary{System: ps[0].System, Persistence: ps[0].Persistence}
		var measured []PhaseResult
		for _, p := range ps {
			if p.Error != "" {
				s.Failed++
				continue
			}
			measured = append(measured, p)
			if p.Delivery.ExactlyOnce {
				s.ExactlyOnce++
			}
		}
		s.Rounds = len(measured)
		of := func(f func(PhaseResult) float64) Spread {
			vs := make([]float64, len(measured))
			for i, p := range measured {
				vs[i] = f(p)
			}
			return spreadOf(vs)
		}
		s.CompletedPerSec = of(func(p PhaseResult) float64 { return p.CompletedPerSec })
		s.AcceptedPerSec = of(func(p PhaseResult) float64 { return p.AcceptedPerSec })
		s.CPUMsPerRun = of(func(p PhaseResult) float64 { return p.CPUMsPerRun })
		s.AckP50 = of(func(p PhaseResult) float64 { return p.Ack.P50 })
		s.AckP99 = of(func(p PhaseResult) float64 { return p.Ack.P99 })
		s.E2EP50 = of(func(p PhaseResult) float64 { return p.E2E.P50 })
		s.E2EP99 = of(func(p PhaseResult) float64 { return p.E2E.P99 })
		s.PeakRSSMB = of(func(p PhaseResult) float64 { return p.Usage.PeakRSSMB })
		out = append(out, s)
	}
	return out
}

// Ratio compares Junction with another system: per round, Junction's
// figure over the other's from the same round, and then the median of
// those ratios. A round in which either system failed gives no ratio.
// The median of per-round ratios, unlike a ratio of medians, keeps each
// comparison inside one stretch of the machine's time, so a round the
// machine was busy for moves both sides of its ratio.
type Ratio struct {
	Name        string `json:"name"`
	Persistence string `json:"persistence"`
	// Rounds are the rounds that gave a ratio, in order.
	Rounds    []int  `json:"rounds"`
	Completed Spread `json:"completedPerSec"`
	Accepted  Spread `json:"acceptedPerSec"`
	CPUPerRun Spread `json:"cpuMsPerRun"`
	PeakRSS   Spread `json:"peakRss"`
}

// ratioOver pairs phases a and b by round and summarises a / b.
func ratioOver(name, persistence string, a, b []PhaseResult) Ratio {
	r := Ratio{Name: name, Persistence: persistence}
	byRound := map[int]PhaseResult{}
	for _, p := range b {
		if p.Error == "" {
			byRound[p.Round] = p
		}
	}
	var completed, accepted, cpu, rss []float64
	for _, x := range a {
		y, ok := byRound[x.Round]
		if x.Error != "" || !ok {
			continue
		}
		r.Rounds = append(r.Rounds, x.Round)
		completed = append(completed, div(x.CompletedPerSec, y.CompletedPerSec))
		accepted = append(accepted, div(x.AcceptedPerSec, y.AcceptedPerSec))
		cpu = append(cpu, div(x.CPUMsPerRun, y.CPUMsPerRun))
		rss = append(rss, div(x.Usage.PeakRSSMB, y.Usage.PeakRSSMB))
	}
	r.Completed, r.Accepted, r.CPUPerRun, r.PeakRSS = spreadOf(completed), spreadOf(accepted), spreadOf(cpu), spreadOf(rss)
	return r
}

// div is x / y, and 0 when y is: a system that measured nothing gives no
// ratio rather than an infinite one.
func div(x, y float64) float64 {
	if y == 0 {
		return 0
	}
	return x / y
}
