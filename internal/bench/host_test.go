package bench

import (
	"os"
	"path/filepath"
	"testing"
)

func TestParseCPUInfo(t *testing.T) {
	for _, tc := range []struct {
		file  string
		model string
		sha   bool
	}{
		{"cpuinfo-epyc.txt", "AMD EPYC", true},
		{"cpuinfo-old-xeon.txt", "Intel(R) Xeon(R) CPU E5-2680 v2 @ 2.80GHz", false},
		{"cpuinfo-arm64.txt", "", true},
	} {
		t.Run(tc.file, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join("testdata", tc.file))
			if err != nil {
				t.Fatal(err)
			}
			model, sha := parseCPUInfo(string(b))
			if model != tc.model || sha != tc.sha {
				t.Errorf("model %q, SHA extensions %v; want %q, %v", model, sha, tc.model, tc.sha)
			}
		})
	}
}

func TestCalibrate(t *testing.T) {
	c := calibrate()
	if !(c.OpsPerSec > 0 && c.MinOpsPerSec <= c.OpsPerSec && c.OpsPerSec <= c.MaxOpsPerSec) {
		t.Errorf("calibration %+v: want 0 < min <= median <= max", c)
	}
}

func TestBusyPercent(t *testing.T) {
	for _, tc := range []struct {
		name   string
		before string
		after  string
		want   float64
	}{
		// user nice system idle iowait irq softirq steal guest guest_nice
		{"a quarter busy", "cpu  100 0 100 800 0 0 0 0 0 0\ncpu0 1 2 3\n", "cpu  150 0 150 1100 0 0 0 0 0 0\n", 25},
		{"iowait is idle, steal is busy", "cpu  0 0 0 0 0 0 0 0 0 0\n", "cpu  10 0 0 50 30 0 0 10 0 0\n", 20},
		{"no time passed", "cpu  5 5 5 5 5 5 5 5 0 0\n", "cpu  5 5 5 5 5 5 5 5 0 0\n", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, err := parseCPUTimes(tc.before)
			if err != nil {
				t.Fatal(err)
			}
			b, err := parseCPUTimes(tc.after)
			if err != nil {
				t.Fatal(err)
			}
			if got := busyPercent(a, b); got != tc.want {
				t.Errorf("busy %v %%, want %v %%", got, tc.want)
			}
		})
	}
	if _, err := parseCPUTimes("intr 1 2 3\n"); err == nil {
		t.Error("a /proc/stat without its cpu line must be an error")
	}
}
