//go:build !dev

package main

import (
	"errors"

	"github.com/urfave/cli/v2"
)

// The production build (go build ./cmd/junction, deploy/Dockerfile) links
// neither the embedded Temporal server nor its UI: `junction dev` says how
// to get a binary that has them.

const devUsage = "not in this build (a production build): make build, or go build -tags dev ./cmd/junction, gives a junction with the one-process dev stack"

func runDev(*cli.Context) error {
	return errors.New("dev: this junction is a production build, without the embedded Temporal server and UI; " +
		"build one with `make build` (go build -tags dev ./cmd/junction) to run the dev stack")
}
