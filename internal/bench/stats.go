package bench

import (
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Percentiles summarise a set of latencies, in milliseconds.
type Percentiles struct {
	Count int     `json:"count"`
	P50   float64 `json:"p50"`
	P90   float64 `json:"p90"`
	P99   float64 `json:"p99"`
	Max   float64 `json:"max"`
}

// percentiles uses the nearest-rank method on a sorted copy.
func percentiles(ds []time.Duration) Percentiles {
	if len(ds) == 0 {
		return Percentiles{}
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	at := func(p float64) float64 {
		i := int(p*float64(len(s))+0.5) - 1
		i = max(0, min(i, len(s)-1))
		return ms(s[i])
	}
	return Percentiles{Count: len(s), P50: at(0.50), P90: at(0.90), P99: at(0.99), Max: ms(s[len(s)-1])}
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// clockTicks is USER_HZ, the unit of /proc/<pid>/stat's CPU times; it is
// 100 on every Linux this runs on.
const clockTicks = 100

// procUsage is the CPU time and resident memory of a process and all its
// descendants.
type procUsage struct {
	CPU time.Duration
	RSS int64 // bytes
}

func readUsage(pid int) (procUsage, error) {
	var u procUsage
	pids := append([]int{pid}, descendants(pid)...)
	for i, p := range pids {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", p))
		if err != nil {
			if i == 0 {
				return u, fmt.Errorf("reading /proc/%d/stat: %w", p, err)
			}
			continue // a child that just exited
		}
		// Fields after the command (which may hold spaces) in ")": state is
		// [0], utime [11], stime [12], rss in pages [21].
		s := string(b)
		f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
		if len(f) < 22 {
			continue
		}
		ut, _ := strconv.ParseInt(f[11], 10, 64)
		st, _ := strconv.ParseInt(f[12], 10, 64)
		rss, _ := strconv.ParseInt(f[21], 10, 64)
		u.CPU += time.Duration(ut+st) * time.Second / clockTicks
		u.RSS += rss * int64(os.Getpagesize())
	}
	return u, nil
}

func descendants(pid int) []int {
	var out []int
	for _, c := range children(pid) {
		out = append(out, c)
		out = append(out, descendants(c)...)
	}
	return out
}

// children lists the direct children of pid, from every one of its threads.
func children(pid int) []int {
	var out []int
	tasks, _ := os.ReadDir(fmt.Sprintf("/proc/%d/task", pid))
	for _, t := range tasks {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%s/children", pid, t.Name()))
		if err != nil {
			continue
		}
		for _, f := range strings.Fields(string(b)) {
			if c, err := strconv.Atoi(f); err == nil {
				out = append(out, c)
			}
		}
	}
	return out
}

// meter follows one process tree through a phase: CPU time from start to
// stop, and the highest RSS seen on a 250 ms sampling.
type meter struct {
	pid   int
	start procUsage
	peak  int64
	stop  chan struct{}
	done  chan struct{}
	mu    sync.Mutex
}

func startMeter(pid int) (*meter, error) {
	u, err := readUsage(pid)
	if err != nil {
		return nil, err
	}
	m := &meter{pid: pid, start: u, peak: u.RSS, stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(m.done)
		t := time.NewTicker(250 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-m.stop:
				return
			case <-t.C:
				m.sample()
			}
		}
	}()
	return m, nil
}

func (m *meter) sample() int64 {
	u, err := readUsage(m.pid)
	if err != nil {
		return 0
	}
	m.mu.Lock()
	m.peak = max(m.peak, u.RSS)
	m.mu.Unlock()
	return u.RSS
}

// Usage is what a phase cost the system under test.
type Usage struct {
	CPUSeconds float64 `json:"cpuSeconds"`
	PeakRSSMB  float64 `json:"peakRssMb"`
	EndRSSMB   float64 `json:"endRssMb"`
}

func (m *meter) finish() Usage {
	close(m.stop)
	<-m.done
	end, _ := readUsage(m.pid)
	m.mu.Lock()
	defer m.mu.Unlock()
	m.peak = max(m.peak, end.RSS)
	return Usage{
		CPUSeconds: (end.CPU - m.start.CPU).Seconds(),
		PeakRSSMB:  float64(m.peak) / 1e6,
		EndRSSMB:   float64(end.RSS) / 1e6,
	}
}
