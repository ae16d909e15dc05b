package main

import (
	"github.com/urfave/cli/v2"

	"github.com/junction-run/junction/egress"
)

// egressAllowFlag is the egress address guard's allow list
// (egress.ParseAllow) for the commands that run activities, with each
// one's default: none for `junction worker`, loopback for `junction dev`.
func egressAllowFlag(def string) cli.Flag {
	return &cli.StringFlag{
		Name:  "egress-allow",
		Value: def,
		Usage: "addresses HttpRequest steps and connectors may reach although they are not public (the egress guard refuses loopback, private, link-local and metadata, CGNAT, unique-local, multicast, reserved and documentation addresses): " +
			"comma-separated CIDRs (10.0.0.0/8), addresses (::1) and host names (api.internal, matched before resolution); none for public addresses only",
		EnvVars: []string{"JUNCTION_EGRESS_ALLOW"},
	}
}

func egressAllow(c *cli.Context) (egress.Allow, error) {
	return egress.ParseAllow(c.String("egress-allow"))
}
