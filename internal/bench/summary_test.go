package bench

import (
	"math"
	"reflect"
	"strings"
	"testing"
)

func TestSpreadOf(t *testing.T) {
	for _, tc := range []struct {
		name   string
		values []float64
		want   Spread
	}{
		{"none", nil, Spread{}},
		{"one", []float64{7}, Spread{N: 1, Median: 7, Min: 7, Max: 7}},
		{"odd count, unsorted", []float64{190, 71.4, 83.2}, Spread{N: 3, Median: 83.2, Min: 71.4, Max: 190}},
		{"even count: mean of the middle two", []float64{4, 1, 3, 2}, Spread{N: 4, Median: 2.5, Min: 1, Max: 4}},
		{"ties", []float64{5, 5, 1, 5, 9}, Spread{N: 5, Median: 5, Min: 1, Max: 9}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := append([]float64(nil), tc.values...)
			if got := spreadOf(tc.values); got != tc.want {
				t.Errorf("spreadOf(%v) = %+v, want %+v", tc.values, got, tc.want)
			}
			if !reflect.DeepEqual(in, tc.values) {
				t.Errorf("spreadOf reordered its input: %v, was %v", tc.values, in)
			}
		})
	}
}

func TestSpreadFormat(t *testing.T) {
	for _, tc := range []struct {
		s    Spread
		verb string
		want string
	}{
		{Spread{}, "%.1f", "-"},
		{Spread{N: 1, Median: 83.25, Min: 83.25, Max: 83.25}, "%.1f", "83.2"},
		{Spread{N: 3, Median: 0.924, Min: 0.77, Max: 0.981}, "%.2f", "0.92 (0.77-0.98)"},
	} {
		if got := tc.s.format(tc.verb); got != tc.want {
			t.Errorf("%+v.format(%q) = %q, want %q", tc.s, tc.verb, got, tc.want)
		}
	}
}

// phase is a measured throughput phase with the figures the summaries read.
func phase(system string, round int, completed, cpuMs float64) PhaseResult {
	return PhaseResult{System: system, Persistence: PersistenceSQLite, Round: round,
		CompletedPerSec: completed, AcceptedPerSec: completed * 2, CPUMsPerRun: cpuMs,
		Ack: Percentiles{P50: float64(round), P99: float64(10 * round)}, Usage: Usage{PeakRSSMB: 100},
		Delivery: Delivery{ExactlyOnce: true}}
}

func failed(system string, round int) PhaseResult {
	return PhaseResult{System: system, Persistence: PersistenceSQLite, Round: round, Error: "did not start"}
}

func TestRatioOverIsTheMedianOfPerRoundRatios(t *testing.T) {
	for _, tc := range []struct {
		name       string
		junction   []PhaseResult
		raw        []PhaseResult
		wantRounds []int
		completed  Spread
		cpu        Spread
	}{
		{
			// The machine slowed in round 2 for both systems: the per-round
			// ratios hold (1.0, 0.5, 1.0), where the ratio of the medians
			// (90 / 100 = 0.9) mixes rounds.
			name:       "paired by round, not by rank",
			junction:   []PhaseResult{phase(SystemJunction, 1, 100, 6), phase(SystemJunction, 2, 25, 16), phase(SystemJunction, 3, 90, 8)},
			raw:        []PhaseResult{phase(SystemRawLocal, 1, 100, 6), phase(SystemRawLocal, 2, 50, 8), phase(SystemRawLocal, 3, 90, 8)},
			wantRounds: []int{1, 2, 3},
			completed:  Spread{N: 3, Median: 1, Min: 0.5, Max: 1},
			cpu:        Spread{N: 3, Median: 1, Min: 1, Max: 2},
		},
		{
			name:       "a round either side failed gives no ratio",
			junction:   []PhaseResult{phase(SystemJunction, 1, 90, 6), failed(SystemJunction, 2), phase(SystemJunction, 3, 80, 8), phase(SystemJunction, 4, 60, 6)},
			raw:        []PhaseResult{phase(SystemRawLocal, 1, 100, 6), phase(SystemRawLocal, 2, 100, 6), phase(SystemRawLocal, 3, 100, 8), failed(SystemRawLocal, 4)},
			wantRounds: []int{1, 3},
			completed:  Spread{N: 2, Median: 0.85, Min: 0.8, Max: 0.9},
			cpu:        Spread{N: 2, Median: 1, Min: 1, Max: 1},
		},
		{
			name:     "the other system never measured",
			junction: []PhaseResult{phase(SystemJunction, 1, 90, 6)},
			raw:      nil,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := ratioOver("Junction / raw", PersistenceSQLite, tc.junction, tc.raw)
			if !reflect.DeepEqual(got.Rounds, tc.wantRounds) {
				t.Errorf("rounds %v, want %v", got.Rounds, tc.wantRounds)
			}
			if !spreadNear(got.Completed, tc.completed) {
				t.Errorf("completed/s ratio %+v, want %+v", got.Completed, tc.completed)
			}
			if !spreadNear(got.CPUPerRun, tc.cpu) {
				t.Errorf("CPU per run ratio %+v, want %+v", got.CPUPerRun, tc.cpu)
			}
		})
	}
}

func spreadNear(a, b Spread) bool {
	near := func(x, y float64) bool { return math.Abs(x-y) < 1e-9 }
	return a.N == b.N && near(a.Median, b.Median) && near(a.Min, b.Min) && near(a.Max, b.Max)
}

func TestSummarize(t *testing.T) {
	lost := phase(SystemJunction, 2, 150, 7)
	lost.Delivery.ExactlyOnce = false
	phases := []PhaseResult{
		phase(SystemRawLocal, 1, 200, 6), phase(SystemJunction, 1, 180, 6.5),
		lost, phase(SystemRawLocal, 2, 220, 5.5),
		failed(SystemRawLocal, 3), phase(SystemJunction, 3, 170, 7.5),
	}
	got := summarize(phases)
	want := []SystemSummary{
		{System: SystemRawLocal, Persistence: PersistenceSQLite, Rounds: 2, Failed: 1, ExactlyOnce: 2,
			CompletedPerSec: Spread{N: 2, Median: 210, Min: 200, Max: 220},
			AcceptedPerSec:  Spread{N: 2, Median: 420, Min: 400, Max: 440},
			CPUMsPerRun:     Spread{N: 2, Median: 5.75, Min: 5.5, Max: 6},
			AckP50:          Spread{N: 2, Median: 1.5, Min: 1, Max: 2},
			AckP99:          Spread{N: 2, Median: 15, Min: 10, Max: 20},
			E2EP50:          Spread{N: 2}, E2EP99: Spread{N: 2},
			PeakRSSMB: Spread{N: 2, Median: 100, Min: 100, Max: 100}},
		{System: SystemJunction, Persistence: PersistenceSQLite, Rounds: 3, ExactlyOnce: 2,
			CompletedPerSec: Spread{N: 3, Median: 170, Min: 150, Max: 180},
			AcceptedPerSec:  Spread{N: 3, Median: 340, Min: 300, Max: 360},
			CPUMsPerRun:     Spread{N: 3, Median: 7, Min: 6.5, Max: 7.5},
			AckP50:          Spread{N: 3, Median: 2, Min: 1, Max: 3},
			AckP99:          Spread{N: 3, Median: 20, Min: 10, Max: 30},
			E2EP50:          Spread{N: 3}, E2EP99: Spread{N: 3},
			PeakRSSMB: Spread{N: 3, Median: 100, Min: 100, Max: 100}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("summaries\n%+v\nwant\n%+v", got, want)
	}
}

func TestRatiosPairEveryPersistenceAndN8N(t *testing.T) {
	on := func(p PhaseResult, persistence string) PhaseResult {
		p.Persistence = persistence
		return p
	}
	phases := []PhaseResult{
		on(phase(SystemJunction, 1, 180, 6), PersistenceSQLite), on(phase(SystemRawLocal, 1, 200, 6), PersistenceSQLite),
		on(phase(SystemJunction, 1, 100, 6), PersistencePostgres), on(phase(SystemRawLocal, 1, 125, 6), PersistencePostgres),
		on(phase(SystemN8N, 1, 50, 12), n8nPersistence),
	}
	got := map[string]float64{}
	for _, r := range ratios(phases, []string{PersistenceSQLite, PersistencePostgres}, nil) {
		got[r.Name+" on "+r.Persistence] = r.Completed.Median
	}
	want := map[string]float64{
		"Junction / raw Temporal with the same levers on sqlite":   0.9,
		"Junction / n8n on sqlite vs n8n's sqlite":                 3.6,
		"Junction / raw Temporal with the same levers on postgres": 0.8,
		"Junction / n8n on postgres vs n8n's sqlite":               2,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ratios %v, want %v", got, want)
	}
}

// A setting is compared with each system as it ships, and Junction with
// raw Temporal under the same setting, round by round.
func TestRatiosOfASetting(t *testing.T) {
	gogc := Setting{Name: "GOGC=400", Env: []string{"GOGC=400"}}
	hog := Setting{Name: "hog=1", Hogs: 1}
	labelled := func(p PhaseResult, set Setting) PhaseResult {
		p.System, p.Setting = set.label(p.System), set.Name
		return p
	}
	phases := []PhaseResult{
		phase(SystemJunction, 1, 180, 6), phase(SystemRawLocal, 1, 200, 6),
		labelled(phase(SystemJunction, 1, 198, 5), gogc), labelled(phase(SystemRawLocal, 1, 200, 5), gogc),
		labelled(phase(SystemJunction, 1, 90, 6), hog), // raw Temporal failed under hog=1 in this round
		phase(SystemN8N, 1, 50, 12), labelled(phase(SystemN8N, 1, 40, 12), hog),
	}
	for i := range phases {
		if phases[i].Persistence == "" {
			phases[i].Persistence = PersistenceSQLite
		}
		if strings.HasPrefix(phases[i].System, SystemN8N) {
			phases[i].Persistence = n8nPersistence
		}
	}
	got := map[string]float64{}
	for _, r := range ratios(phases, []string{PersistenceSQLite}, []Setting{gogc, hog}) {
		got[r.Name+" on "+r.Persistence] = math.Round(r.Completed.Median*100) / 100
	}
	want := map[string]float64{
		"Junction / raw Temporal with the same levers on sqlite":              0.9,
		"Junction / n8n on sqlite vs n8n's sqlite":                            3.6,
		"Junction [GOGC=400] / as shipped on sqlite":                          1.1,
		"raw Temporal with the same levers [GOGC=400] / as shipped on sqlite": 1,
		"Junction / raw Temporal with the same levers [GOGC=400] on sqlite":   0.99,
		"Junction [hog=1] / as shipped on sqlite":                             0.5,
		"n8n [hog=1] / as shipped on " + n8nPersistence:                       0.8,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ratios\n%v\nwant\n%v", got, want)
	}
}

func TestPhaseNotesOnceEach(t *testing.T) {
	p := func(round int, notes ...string) PhaseResult {
		return PhaseResult{System: SystemJunction, Persistence: PersistenceSQLite, Round: round, Notes: notes}
	}
	got := phaseNotes([]PhaseResult{p(1, "how it is sent"), p(2, "how it is sent", "3 events failed"), p(3, "how it is sent", "3 events failed")})
	want := []string{
		"junction (sqlite): how it is sent",
		"junction (sqlite), rounds 2, 3: 3 events failed",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("notes %q, want %q", got, want)
	}
}
