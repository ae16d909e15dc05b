package main

import (
	"flag"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"

	"github.com/junction-run/junction/egress"
)

// `junction worker` lets public addresses only unless told otherwise;
// `junction dev` lets loopback through too; both read the environment,
// and a bad entry is an error that names it.
func TestEgressAllowFlag(t *testing.T) {
	defaults := []struct {
		cmd  *cli.Command
		env  string
		want string
	}{
		{workerCommand(), "", "none"},
		{devCommand(), "", egress.AllowLoopback},
		{workerCommand(), "10.0.0.0/8,api.internal", "10.0.0.0/8,api.internal"},
		{devCommand(), "none", "none"},
	}
	for _, tt := range defaults {
		if tt.env != "" {
			t.Setenv("JUNCTION_EGRESS_ALLOW", tt.env)
		}
		got := parseEgressAllow(t, tt.cmd, nil)
		if got != tt.want {
			t.Errorf("%s with JUNCTION_EGRESS_ALLOW=%q: %q, want %q", tt.cmd.Name, tt.env, got, tt.want)
		}
	}
	t.Setenv("JUNCTION_EGRESS_ALLOW", "")
	if got := parseEgressAllow(t, workerCommand(), []string{"--egress-allow", "::1"}); got != "::1" {
		t.Errorf("--egress-allow ::1: %q", got)
	}
	set := flagSet(t, workerCommand(), []string{"--egress-allow", "10.0.0.0/33"})
	if _, err := egressAllow(cli.NewContext(cli.NewApp(), set, nil)); err == nil {
		t.Error("a bad entry was taken")
	}
}

func flagSet(t *testing.T, cmd *cli.Command, args []string) *flag.FlagSet {
	t.Helper()
	set := flag.NewFlagSet(cmd.Name, flag.ContinueOnError)
	for _, f := range cmd.Flags {
		if name := f.Names()[0]; name == "egress-allow" || name == "egress-proxy" {
			if err := f.Apply(set); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := set.Parse(args); err != nil {
		t.Fatal(err)
	}
	return set
}

func parseEgressAllow(t *testing.T, cmd *cli.Command, args []string) string {
	t.Helper()
	a, err := egressAllow(cli.NewContext(cli.NewApp(), flagSet(t, cmd, args), nil))
	if err != nil {
		t.Fatal(err)
	}
	return a.String()
}

// --egress-proxy is the only way to a proxy: HTTPS_PROXY in the
// environment is not read, and a bad value is refused without echoing it
// (a proxy URL may carry credentials).
func TestEgressProxyFlag(t *testing.T) {
	t.Setenv("HTTPS_PROXY", "http://env-proxy.internal:3128")
	t.Setenv("JUNCTION_EGRESS_PROXY", "")
	for _, tt := range []struct {
		args    []string
		want    string
		wantErr bool
	}{
		{nil, "", false},
		{[]string{"--egress-proxy", "http://proxy.internal:3128"}, "http://proxy.internal:3128", false},
		{[]string{"--egress-proxy", "socks5://user:pw@proxy:1080"}, "", true},
		{[]string{"--egress-proxy", "proxy.internal:3128"}, "", true},
	} {
		got, err := egressProxy(cli.NewContext(cli.NewApp(), flagSet(t, workerCommand(), tt.args), nil))
		if (err != nil) != tt.wantErr {
			t.Errorf("%q: error %v", tt.args, err)
			continue
		}
		if err != nil && strings.Contains(err.Error(), "pw") {
			t.Errorf("%q: the error echoes the value: %v", tt.args, err)
		}
		s := ""
		if got != nil {
			s = got.String()
		}
		if s != tt.want {
			t.Errorf("%q: proxy %q, want %q", tt.args, s, tt.want)
		}
	}
}
