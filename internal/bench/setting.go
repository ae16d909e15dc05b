package bench

import (
	"context"
	"fmt"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"syscall"
)

// Setting is one way of running the throughput systems beside the way they
// ship, measured in the same rounds (issue 17: GOMAXPROCS, GOGC and memory
// limits, the server's persistence flags, a busier host). Each round runs
// every selected system once as it ships and once with each setting, so a
// setting's effect is a median of per-round ratios like any other.
type Setting struct {
	// Name is the setting as written: "GOGC=400 -sqlite-shards=4".
	Name string
	// Env is added to the system under test's environment.
	Env []string
	// Args are added to its flags (serve's flags, as -serve-args).
	Args []string
	// Hogs is how many busy loops run beside the phase, one core each:
	// a neighbour on the host taking CPU, as a shared or slower host
	// would. n8n runs with the setting too when it has hogs: the other
	// parts of a setting mean nothing to it.
	Hogs int
}

var envName = regexp.MustCompile(`^[A-Z_][A-Z0-9_]*=`)

// ParseSetting reads a setting: space-separated tokens, each an
// environment variable (GOGC=400), a flag of serve (-sqlite-shards=4), or
// hog=N for N busy loops beside the phase.
func ParseSetting(s string) (Setting, error) {
	out := Setting{Name: strings.Join(strings.Fields(s), " ")}
	for _, tok := range strings.Fields(s) {
		switch {
		case strings.HasPrefix(tok, "hog="):
			n, err := strconv.Atoi(strings.TrimPrefix(tok, "hog="))
			if err != nil || n < 1 || n > 64 {
				return Setting{}, fmt.Errorf("setting %q: hog wants a number of busy loops from 1 to 64, got %q", s, tok)
			}
			out.Hogs = n
		case strings.HasPrefix(tok, "-"):
			out.Args = append(out.Args, tok)
		case envName.MatchString(tok):
			out.Env = append(out.Env, tok)
		default:
			return Setting{}, fmt.Errorf("setting %q: %q is neither NAME=value, -flag=value nor hog=N", s, tok)
		}
	}
	if out.Name == "" {
		return Setting{}, fmt.Errorf("an empty setting: the systems as they ship always run")
	}
	return out, nil
}

// label is the system's name in the reports under this setting.
func (s Setting) label(system string) string {
	if s.Name == "" {
		return system
	}
	return system + " [" + s.Name + "]"
}

// startHogs starts the setting's busy loops and returns what stops them.
// Each is a shell spinning on nothing: no allocation, no I/O, one core.
func (s Setting) startHogs(ctx context.Context) (stop func(), err error) {
	var cmds []*exec.Cmd
	stop = func() {
		for _, c := range cmds {
			_ = c.Process.Signal(syscall.SIGKILL)
			_ = c.Wait()
		}
	}
	for range s.Hogs {
		c := exec.CommandContext(ctx, "sh", "-c", "while :; do :; done")
		if err := c.Start(); err != nil {
			stop()
			return nil, fmt.Errorf("starting a busy loop: %w", err)
		}
		cmds = append(cmds, c)
	}
	return stop, nil
}

// settingFileSuffix tells one setting's profiles from another's:
// "GOGC=400 -sqlite-shards=4" gives "-GOGC_400_-sqlite-shards_4".
func settingFileSuffix(s Setting) string {
	if s.Name == "" {
		return ""
	}
	return "-" + strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '.':
			return r
		}
		return '_'
	}, s.Name)
}
