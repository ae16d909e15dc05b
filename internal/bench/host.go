package bench

import (
	"crypto/sha256"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Machine describes where the run happened, so that runs on different
// hosts can be set side by side: the CPU, what the Go runtime was told,
// the load, and a calibration figure at the start and at the end.
type Machine struct {
	CPUs     int    `json:"cpus"`
	CPUModel string `json:"cpuModel"`
	// SHAExtensions says whether the CPU hashes SHA-256 in hardware
	// (sha_ni on x86, sha2 on arm64): Go's crypto/sha256 uses them, so
	// the calibration compares only between hosts that agree on it.
	SHAExtensions bool `json:"shaExtensions"`
	// GOMAXPROCS is the load process's; the systems under test inherit
	// its environment, so Env says whether anything set it.
	GOMAXPROCS int `json:"gomaxprocs"`
	// Env holds GOMAXPROCS, GOGC and GOMEMLIMIT when they are set.
	Env         map[string]string `json:"env,omitempty"`
	MemoryGB    int               `json:"memoryGb"`
	Kernel      string            `json:"kernel"`
	Go          string            `json:"go"`
	LoadAvgFrom string            `json:"loadAvgAtStart"`
	LoadAvgTo   string            `json:"loadAvgAtEnd"`
	// CalibrationStart and CalibrationEnd are the fixed CPU loop timed
	// before the first scenario and after the last.
	CalibrationStart Calibration `json:"calibrationStart"`
	CalibrationEnd   Calibration `json:"calibrationEnd"`
}

func machine() Machine {
	m := Machine{CPUs: runtime.NumCPU(), GOMAXPROCS: runtime.GOMAXPROCS(0), Go: runtime.Version(), LoadAvgFrom: loadAvg()}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		m.CPUModel, m.SHAExtensions = parseCPUInfo(string(b))
	}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		var kb int
		fmt.Sscanf(string(b), "MemTotal: %d kB", &kb)
		m.MemoryGB = (kb + 1<<19) >> 20
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = strings.TrimSpace(string(b))
	}
	for _, k := range []string{"GOMAXPROCS", "GOGC", "GOMEMLIMIT"} {
		if v, ok := os.LookupEnv(k); ok {
			if m.Env == nil {
				m.Env = map[string]string{}
			}
			m.Env[k] = v
		}
	}
	return m
}

// parseCPUInfo reads the first processor's model and whether it has the
// SHA-256 instructions from /proc/cpuinfo.
func parseCPUInfo(cpuinfo string) (model string, sha bool) {
	flagsSeen := false
	for _, line := range strings.Split(cpuinfo, "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		switch strings.TrimSpace(k) {
		case "model name":
			if model == "" {
				model = strings.TrimSpace(v)
			}
		case "flags", "Features": // x86, arm64
			if !flagsSeen {
				flagsSeen = true
				fields := strings.Fields(v)
				sha = slices.Contains(fields, "sha_ni") || slices.Contains(fields, "sha2")
			}
		}
	}
	return model, sha
}

// The calibration loop: SHA-256 over a fixed buffer, on one goroutine,
// with no allocation and no I/O. Each repetition is calibrationOps hashes,
// 64 MiB, a few tens of milliseconds; the figure is the median of
// calibrationReps repetitions, so one preemption does not make it.
const (
	calibrationBytes = 16 << 10
	calibrationOps   = 4096
	calibrationReps  = 5
)

// CalibrationLoop says what one calibration operation is.
var CalibrationLoop = fmt.Sprintf("SHA-256 of %d KiB on one goroutine, median of %d repetitions of %d",
	calibrationBytes>>10, calibrationReps, calibrationOps)

// Calibration is the fixed CPU-bound loop timed once: how fast this host
// did a known piece of work at that moment. Two hosts' figures compare
// their single-core speed (and what else was running); two moments of
// one run show whether the machine got busier.
type Calibration struct {
	At time.Time `json:"at"`
	// OpsPerSec is the median repetition's hashes per second; Min and Max
	// are the slowest and the fastest repetition's.
	OpsPerSec    float64 `json:"opsPerSec"`
	MinOpsPerSec float64 `json:"minOpsPerSec"`
	MaxOpsPerSec float64 `json:"maxOpsPerSec"`
	LoadAvg      string  `json:"loadAvg"`
}

// cpuBusy is the share of the machine's CPU time, in percent, that went to
// anything but idle over the next d: read before a round, while no system
// under test runs, it is the rest of the machine's work. The load average
// cannot say that: it decays over minutes and still counts the bench's own
// last phase.
func cpuBusy(d time.Duration) (float64, error) {
	a, err := readCPUTimes()
	if err != nil {
		return 0, err
	}
	time.Sleep(d)
	b, err := readCPUTimes()
	if err != nil {
		return 0, err
	}
	return busyPercent(a, b), nil
}

// cpuTimes are /proc/stat's first line: the machine's CPU time, in ticks,
// split by what it went to.
type cpuTimes []uint64

func readCPUTimes() (cpuTimes, error) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return nil, fmt.Errorf("reading /proc/stat: %w", err)
	}
	return parseCPUTimes(string(b))
}

// parseCPUTimes reads the "cpu" line: user, nice, system, idle, iowait,
// irq, softirq, steal (guest time is already in user).
func parseCPUTimes(stat string) (cpuTimes, error) {
	line, _, _ := strings.Cut(stat, "\n")
	f := strings.Fields(line)
	if len(f) < 9 || f[0] != "cpu" {
		return nil, fmt.Errorf("/proc/stat: no cpu line in %q", line)
	}
	t := make(cpuTimes, 8)
	for i := range t {
		v, err := strconv.ParseUint(f[i+1], 10, 64)
		if err != nil {
			return nil, fmt.Errorf("/proc/stat: field %d of the cpu line: %w", i+1, err)
		}
		t[i] = v
	}
	return t, nil
}

// busyPercent is the share of the ticks from a to b that were neither idle
// nor waiting for I/O; steal counts as busy, as it is time another guest
// took from this one.
func busyPercent(a, b cpuTimes) float64 {
	var total, idle uint64
	for i := range a {
		d := b[i] - a[i]
		total += d
		if i == 3 || i == 4 { // idle, iowait
			idle += d
		}
	}
	if total == 0 {
		return 0
	}
	return 100 * float64(total-idle) / float64(total)
}

func calibrate() Calibration {
	c := Calibration{At: time.Now(), LoadAvg: loadAvg()}
	buf := make([]byte, calibrationBytes)
	for i := range buf {
		buf[i] = byte(i * 31)
	}
	rates := make([]float64, calibrationReps)
	for r := range rates {
		start := time.Now()
		for range calibrationOps {
			sum := sha256.Sum256(buf)
			buf[0] ^= sum[0] // each hash depends on the last
		}
		rates[r] = calibrationOps / time.Since(start).Seconds()
	}
	s := spreadOf(rates)
	c.OpsPerSec, c.MinOpsPerSec, c.MaxOpsPerSec = s.Median, s.Min, s.Max
	return c
}
