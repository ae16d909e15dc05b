package main

import "github.com/urfave/cli/v2"

// localHTTPStepsFlag lets an operator turn off local activities for short
// HttpRequest steps (intake.Options.NoLocalHTTPSteps; measured in
// docs/benchmarks.md).
func localHTTPStepsFlag() cli.Flag {
	return &cli.BoolFlag{
		Name:    "local-http-steps",
		Value:   true,
		Usage:   "run HttpRequest steps with a timeout up to 10 s as local activities: fewer history events and no activity task round trip per call; --local-http-steps=false runs every step as a regular activity (see docs/benchmarks.md)",
		EnvVars: []string{"JUNCTION_LOCAL_HTTP_STEPS"},
	}
}
