package bench

import (
	"context"
	"slices"
	"time"
)

// throughputSystems are the systems of the throughput table, in the order
// of a first round. n8n comes last and once per round: it runs on its own
// SQLite whatever the persistences.
var throughputSystems = []string{SystemRaw, SystemRawLocal, SystemJunction, SystemJunctionActivities}

// n8nPersistence labels n8n's phases: its own SQLite, not Temporal's.
const n8nPersistence = "sqlite (n8n's own)"

// slot is one throughput phase of a round: a system on a persistence.
type slot struct {
	System      string
	Persistence string
	Setting     Setting
}

func (s slot) String() string {
	if s.System == SystemN8N {
		return s.Setting.label(s.System)
	}
	return s.Setting.label(s.System) + "/" + s.Persistence
}

// throughputSlots are the phases one round runs, in the order of the first
// round: every selected Temporal-based system on each persistence, as it
// ships and then with each setting, then n8n (again with each setting that
// has busy loops beside it: no other part of a setting applies to n8n).
func throughputSlots(systems map[string]bool, persistences []string, settings []Setting) []slot {
	var out []slot
	asShipped := append([]Setting{{}}, settings...)
	for _, p := range persistences {
		for _, set := range asShipped {
			for _, s := range throughputSystems {
				if systems[s] {
					out = append(out, slot{System: s, Persistence: p, Setting: set})
				}
			}
		}
	}
	if systems[SystemN8N] {
		for _, set := range asShipped {
			if set.Name == "" || set.Hogs > 0 {
				out = append(out, slot{System: SystemN8N, Persistence: n8nPersistence, Setting: Setting{Name: set.Name, Hogs: set.Hogs}})
			}
		}
	}
	return out
}

// roundOrder is the order of round r (from 1): the first round's order
// turned left by r-1 places, so that A B C is followed by B C A and then
// C A B. Over as many rounds as there are phases, each system runs in each
// position once, so none always runs first on a quiet machine, or always
// right after n8n's drain or after the system that warmed the page cache.
func roundOrder(slots []slot, r int) []slot {
	if len(slots) == 0 {
		return nil
	}
	k := (r - 1) % len(slots)
	return append(append([]slot{}, slots[k:]...), slots[:k]...)
}

// Round is one pass over every throughput phase, and the machine around it.
type Round struct {
	Round int `json:"round"`
	// Order is the phases as they ran: system/persistence.
	Order    []string  `json:"order"`
	Started  time.Time `json:"started"`
	Finished time.Time `json:"finished"`
	// LoadAvgStart and LoadAvgEnd are /proc/loadavg's 1, 5 and 15 minute
	// averages before the round's first phase and after its last.
	LoadAvgStart string `json:"loadAvgStart"`
	LoadAvgEnd   string `json:"loadAvgEnd"`
	// CPUBusyBefore is the machine's CPU busy share, in percent, over the
	// second before the round (cpuBusy): what else the machine was doing.
	CPUBusyBefore float64 `json:"cpuBusyBeforePct"`
	// Calibration is the fixed CPU loop, timed just before the round.
	Calibration Calibration `json:"calibration"`
}

// runRounds runs the throughput phases cfg.Rounds times, interleaved, and
// returns every phase with its round, and the rounds.
func (c Config) runRounds(ctx context.Context, sink *Sink) ([]PhaseResult, []Round) {
	slots := throughputSlots(c.Systems, c.Persistence, c.Settings)
	// Without n8n installed, its row says so once, after the rounds, not
	// in every round: most machines have no n8n.
	noN8N := c.Systems[SystemN8N] && !c.N8N.N8NInstalled()
	if noN8N {
		slots = slices.DeleteFunc(slots, func(s slot) bool { return s.System == SystemN8N })
	}
	var phases []PhaseResult
	var rounds []Round
	for r := 1; r <= max(c.Rounds, 1) && len(slots) > 0 && ctx.Err() == nil; r++ {
		order := roundOrder(slots, r)
		round := Round{Round: r, Started: time.Now(), LoadAvgStart: loadAvg()}
		busy, err := cpuBusy(time.Second)
		if err != nil {
			c.logf("round %d: %v", r, err)
		}
		round.CPUBusyBefore, round.Calibration = busy, calibrate()
		c.logf("round %d of %d: %v; CPU busy %.0f%% before it, calibration %.0f ops/s, load average %s",
			r, c.Rounds, order, round.CPUBusyBefore, round.Calibration.OpsPerSec, round.LoadAvgStart)
		for _, s := range order {
			if ctx.Err() != nil {
				break
			}
			round.Order = append(round.Order, s.String())
			phases = append(phases, c.runSlot(ctx, sink, s, r))
		}
		round.Finished, round.LoadAvgEnd = time.Now(), loadAvg()
		rounds = append(rounds, round)
	}
	if noN8N {
		phases = append(phases, c.RunN8N(ctx, 1))
	}
	return phases, rounds
}

// runSlot runs one phase of round r, with its setting's busy loops beside
// it, and labels it with its setting.
func (c Config) runSlot(ctx context.Context, sink *Sink, s slot, r int) PhaseResult {
	stopHogs, err := s.Setting.startHogs(ctx)
	if err != nil {
		return PhaseResult{System: s.Setting.label(s.System), Persistence: s.Persistence, Round: r, Error: err.Error()}
	}
	var p PhaseResult
	if s.System == SystemN8N {
		p = c.RunN8N(ctx, r)
	} else {
		p = c.RunThroughput(ctx, sink, s.System, s.Persistence, s.Setting, r)
	}
	stopHogs()
	p.System, p.Setting = s.Setting.label(s.System), s.Setting.Name
	return p
}
