package main

import (
	"errors"
	"net/url"

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

// egressProxyFlag is the proxy the worker sends third-party calls
// through; the environment's HTTP(S)_PROXY is not read.
func egressProxyFlag() cli.Flag {
	return &cli.StringFlag{
		Name:    "egress-proxy",
		Usage:   "an http:// or https:// proxy every call to a third party goes through (default none: HTTP_PROXY and HTTPS_PROXY are not read); the egress guard then checks the proxy's address only",
		EnvVars: []string{"JUNCTION_EGRESS_PROXY"},
	}
}

// egressProxy reads --egress-proxy: nil when not set.
func egressProxy(c *cli.Context) (*url.URL, error) {
	raw := c.String("egress-proxy")
	if raw == "" {
		return nil, nil
	}
	// The value is never echoed: a proxy URL may carry credentials.
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, errors.New("--egress-proxy: want an http:// or https:// URL with a host")
	}
	return u, nil
}

func egressAllow(c *cli.Context) (egress.Allow, error) {
	return egress.ParseAllow(c.String("egress-allow"))
}
