package main

import "github.com/urfave/cli/v2"

// localHTTPStepsFlag opts runs into local activities for short HttpRequest
// steps (gateway.RunOptions.LocalHTTPSteps; measured in docs/benchmarks.md).
func localHTTPStepsFlag() cli.Flag {
	return &cli.BoolFlag{
		Name:    "local-http-steps",
		Usage:   "run HttpRequest steps with a timeout up to 10 s as local activities: fewer history events and no activity task round trip per call (see docs/benchmarks.md for the trade-offs)",
		EnvVars: []string{"JUNCTION_LOCAL_HTTP_STEPS"},
	}
}
