package main

import (
	"flag"
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
		if f.Names()[0] == "egress-allow" {
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
