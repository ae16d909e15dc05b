package bench

import (
	"reflect"
	"strings"
	"testing"
)

func TestThroughputSlots(t *testing.T) {
	set := func(names ...string) map[string]bool {
		m := map[string]bool{}
		for _, n := range names {
			m[n] = true
		}
		return m
	}
	for _, tc := range []struct {
		name         string
		systems      map[string]bool
		persistences []string
		settings     []Setting
		want         []string
	}{
		{"the table's order, whatever the selection's", set(SystemJunction, SystemRawLocal, "park"), []string{PersistenceSQLite}, nil,
			[]string{"temporal-raw-local/sqlite", "junction/sqlite"}},
		{"each persistence in turn, n8n once at the end", set(SystemN8N, SystemJunction, SystemRaw), []string{PersistenceSQLite, PersistencePostgres}, nil,
			[]string{"temporal-raw/sqlite", "junction/sqlite", "temporal-raw/postgres", "junction/postgres", "n8n"}},
		{"n8n alone", set(SystemN8N), []string{PersistenceSQLite}, nil, []string{"n8n"}},
		{"no throughput system", set("poll", "deliveries"), []string{PersistenceSQLite}, nil, nil},
		{"each setting after the systems as shipped, per persistence; n8n only with busy loops",
			set(SystemN8N, SystemJunction, SystemRawLocal), []string{PersistenceSQLite, PersistencePostgres},
			[]Setting{{Name: "GOGC=400", Env: []string{"GOGC=400"}}, {Name: "hog=1", Hogs: 1}},
			[]string{"temporal-raw-local/sqlite", "junction/sqlite", "temporal-raw-local [GOGC=400]/sqlite", "junction [GOGC=400]/sqlite",
				"temporal-raw-local [hog=1]/sqlite", "junction [hog=1]/sqlite",
				"temporal-raw-local/postgres", "junction/postgres", "temporal-raw-local [GOGC=400]/postgres", "junction [GOGC=400]/postgres",
				"temporal-raw-local [hog=1]/postgres", "junction [hog=1]/postgres", "n8n", "n8n [hog=1]"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := slotNames(throughputSlots(tc.systems, tc.persistences, tc.settings)); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("slots %v, want %v", got, tc.want)
			}
		})
	}
}

func TestRoundOrderTurnsEachRound(t *testing.T) {
	abc := []slot{{System: "a", Persistence: "p"}, {System: "b", Persistence: "p"}, {System: "c", Persistence: "p"}}
	for _, tc := range []struct {
		name  string
		slots []slot
		round int
		want  string
	}{
		{"first round: as listed", abc, 1, "a/p b/p c/p"},
		{"second round: one place on", abc, 2, "b/p c/p a/p"},
		{"third round", abc, 3, "c/p a/p b/p"},
		{"fourth round: back to the first", abc, 4, "a/p b/p c/p"},
		{"seventh round", abc, 7, "a/p b/p c/p"},
		{"one system", abc[:1], 5, "a/p"},
		{"two systems, second round", abc[:2], 2, "b/p a/p"},
		{"nothing to run", nil, 3, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := strings.Join(slotNames(roundOrder(tc.slots, tc.round)), " "); got != tc.want {
				t.Errorf("round %d: %q, want %q", tc.round, got, tc.want)
			}
		})
	}
}

// Over as many rounds as there are systems, each system runs in each
// position once, and the first round's list is left as it was.
func TestRoundOrderIsBalanced(t *testing.T) {
	slots := throughputSlots(map[string]bool{SystemRaw: true, SystemRawLocal: true, SystemJunction: true, SystemN8N: true}, []string{PersistenceSQLite}, nil)
	before := slotNames(slots)
	positions := map[string]map[int]bool{}
	for r := 1; r <= len(slots); r++ {
		for i, s := range roundOrder(slots, r) {
			if positions[s.String()] == nil {
				positions[s.String()] = map[int]bool{}
			}
			positions[s.String()][i] = true
		}
	}
	for name, at := range positions {
		if len(at) != len(slots) {
			t.Errorf("%s ran in positions %v over %d rounds, want each of %d", name, at, len(slots), len(slots))
		}
	}
	if !reflect.DeepEqual(slotNames(slots), before) {
		t.Errorf("roundOrder changed its input: %v, was %v", slotNames(slots), before)
	}
}

func slotNames(slots []slot) []string {
	var out []string
	for _, s := range slots {
		out = append(out, s.String())
	}
	return out
}

// Every row of the throughput tables has as many cells as its header, a
// failed phase's too, and the summary quotes the medians with their range.
func TestThroughputMarkdown(t *testing.T) {
	phases := []PhaseResult{
		phase(SystemRawLocal, 1, 200, 6), phase(SystemJunction, 1, 180, 6),
		phase(SystemJunction, 2, 160, 8), failed(SystemRawLocal, 2),
		phase(SystemRawLocal, 3, 220, 5), phase(SystemJunction, 3, 190, 6.5),
		failed(SystemN8N, 1),
	}
	phases[3].Error = "a | b"
	r := Results{Phases: phases, Summaries: summarize(phases), Ratios: ratios(phases, []string{PersistenceSQLite}, nil),
		Rounds: []Round{{Round: 1, Order: []string{"temporal-raw-local/sqlite", "junction/sqlite"}}, {Round: 2}, {Round: 3}}}
	md := r.throughputMarkdown()
	for _, want := range []string{
		"medians of 3 interleaved rounds",
		"| junction | sqlite | 3 | 180.0 (160.0-190.0) |",
		"| temporal-raw-local | sqlite | 2 (1 failed) | 210.0 (200.0-220.0) |",
		"| Junction / raw Temporal with the same levers | sqlite | 2 | 0.88 (0.86-0.90) |",
		"| n8n | sqlite | 0 (1 failed) | not measured: see the rounds |",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("the report lacks %q:\n%s", want, md)
		}
	}
	header := 0
	for _, line := range strings.Split(md, "\n") {
		if !strings.HasPrefix(line, "|") {
			header = 0
			continue
		}
		cells := strings.Count(strings.ReplaceAll(line, `\|`, ""), "|")
		if header == 0 {
			header = cells
		} else if cells != header {
			t.Errorf("%d cells, header %d: %s", cells-1, header-1, line)
		}
	}
}
