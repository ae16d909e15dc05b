package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/urfave/cli/v2"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.uber.org/zap"

	"github.com/junction-run/junction/worker"
)

// Worker versioning (worker/versioning.go): `junction worker
// --deployment-name --build-id` runs a versioned worker, and `junction
// worker-deployment` is the operator's step of an upgrade, against
// Temporal directly: which build new runs go to (docs/operations.md,
// "Upgrades").

func deploymentFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "deployment-name", Usage: "Temporal worker deployment this worker belongs to; with --build-id it turns worker versioning on (default off: an unversioned worker)", EnvVars: []string{"JUNCTION_DEPLOYMENT_NAME"}},
		&cli.StringFlag{Name: "build-id", Usage: "this build's id in the worker deployment, e.g. the image tag; runs stay on the build they started on", EnvVars: []string{"JUNCTION_BUILD_ID"}},
	}
}

func deploymentOf(c *cli.Context) (worker.Deployment, error) {
	d := worker.Deployment{Name: c.String("deployment-name"), BuildID: c.String("build-id")}
	if err := d.Validate(); err != nil {
		return d, fmt.Errorf("--deployment-name, --build-id: %w", err)
	}
	return d, nil
}

func workerDeploymentCommand() *cli.Command {
	flags := func(extra ...cli.Flag) []cli.Flag {
		return append(append(temporalConnectionFlags(),
			&cli.StringFlag{Name: "deployment-name", Usage: "the worker deployment (as the workers' --deployment-name)", EnvVars: []string{"JUNCTION_DEPLOYMENT_NAME"}},
		), extra...)
	}
	return &cli.Command{
		Name:  "worker-deployment",
		Usage: "see and choose which build of a versioned worker new runs go to (Temporal worker deployments)",
		Subcommands: []*cli.Command{
			{
				Name:  "describe",
				Usage: "the deployment's current and ramping builds, and each build's drainage",
				Flags: flags(cliOutputFlag()),
				Action: cliAction(func(c *cli.Context) error {
					return withDeployment(c, nil, func(tc client.Client) error {
						h := tc.WorkerDeploymentClient().GetHandle(c.String("deployment-name"))
						d, err := h.Describe(c.Context, client.WorkerDeploymentDescribeOptions{})
						if err != nil {
							return deploymentError(c, err)
						}
						return printDeployment(c, d.Info)
					})
				}),
			},
			{
				Name: "set-current",
				Usage: "send new runs (and AutoUpgrade workflows' next tasks) to this build; runs in flight stay on theirs. " +
					"A worker of the build must have polled first",
				Flags: flags(&cli.StringFlag{Name: "build-id", Usage: "the build to make current", EnvVars: []string{"JUNCTION_BUILD_ID"}}),
				Action: cliAction(func(c *cli.Context) error {
					return withDeployment(c, []string{"build-id"}, func(tc client.Client) error {
						// Bounded: a change Temporal never finishes spreading
						// is reported, not waited for forever.
						ctx, cancel := context.WithTimeout(c.Context, time.Minute)
						defer cancel()
						build := c.String("build-id")
						was, err := worker.SetCurrentBuild(ctx, tc, c.String("namespace"), c.String("deployment-name"), build)
						if err != nil {
							return deploymentError(c, err)
						}
						_, err = fmt.Fprintf(c.App.Writer, "Build %s is the current version of deployment %s (was %s): new runs go to it.\n",
							build, c.String("deployment-name"), cmp.Or(was, "unversioned workers"))
						return err
					})
				}),
			},
		},
	}
}

// withDeployment checks the flags, dials Temporal and calls fn.
func withDeployment(c *cli.Context, required []string, fn func(client.Client) error) error {
	if _, err := adminArgs(c, nil, append([]string{"deployment-name"}, required...)...); err != nil {
		return err
	}
	if format := c.String("output"); c.IsSet("output") && format != "table" && format != "json" {
		return fmt.Errorf("--output %q: want table or json", format)
	}
	// Only the SDK's warnings: the command prints its own answer.
	log, err := newLogger(c, false)
	if err != nil {
		return err
	}
	tc, err := worker.Dial(c.Context, clientConfig(c), log.WithOptions(zap.IncreaseLevel(zap.WarnLevel)))
	if err != nil {
		return err
	}
	defer tc.Close()
	return fn(tc)
}

// deploymentError says what the operator can do about the usual refusals.
func deploymentError(c *cli.Context, err error) error {
	name := c.String("deployment-name")
	switch {
	case errors.Is(err, worker.ErrNoDeployment):
		return fmt.Errorf("no worker deployment %q in namespace %s: start a worker with --deployment-name %s --build-id BUILD first (%w)",
			name, c.String("namespace"), name, err)
	case errors.Is(err, worker.ErrBuildIncomplete):
		return fmt.Errorf("build %q does not poll every task queue the current build polls yet: wait until its workers are up, then try again (%w)",
			c.String("build-id"), err)
	case errors.Is(err, worker.ErrBuildNotSeen):
		build := c.String("build-id")
		return fmt.Errorf("build %q is not in worker deployment %q: start a worker with --build-id %s, wait for it to poll, then try again (%w)",
			build, name, build, err)
	}
	if _, ok := errors.AsType[*serviceerror.NotFound](err); ok {
		return fmt.Errorf("no worker deployment %q in namespace %s: start a worker with --deployment-name %s --build-id BUILD first (%w)",
			name, c.String("namespace"), name, err)
	}
	return err
}

// deploymentJSON is describe's -o json shape.
type deploymentJSON struct {
	Name              string              `json:"name"`
	CurrentBuildID    string              `json:"currentBuildId"`
	RampingBuildID    string              `json:"rampingBuildId,omitempty"`
	RampingPercentage float32             `json:"rampingPercentage,omitempty"`
	Versions          []deploymentVersion `json:"versions"`
}

type deploymentVersion struct {
	BuildID string `json:"buildId"`
	// Status is current, ramping, draining (open pinned workflows still
	// run on it), drained (none: its workers may go) or inactive.
	Status    string    `json:"status"`
	CreatedAt time.Time `json:"createdAt"`
}

func deploymentView(info client.WorkerDeploymentInfo) deploymentJSON {
	v := deploymentJSON{Name: info.Name, Versions: []deploymentVersion{}}
	rc := info.RoutingConfig
	if rc.CurrentVersion != nil {
		v.CurrentBuildID = rc.CurrentVersion.BuildID
	}
	if rc.RampingVersion != nil {
		v.RampingBuildID, v.RampingPercentage = rc.RampingVersion.BuildID, rc.RampingVersionPercentage
	}
	for _, s := range info.VersionSummaries {
		status := "inactive"
		switch {
		case s.Version.BuildID == v.CurrentBuildID:
			status = "current"
		case s.Version.BuildID == v.RampingBuildID:
			status = "ramping"
		case s.DrainageStatus == client.WorkerDeploymentVersionDrainageStatusDraining:
			status = "draining"
		case s.DrainageStatus == client.WorkerDeploymentVersionDrainageStatusDrained:
			status = "drained"
		}
		v.Versions = append(v.Versions, deploymentVersion{BuildID: s.Version.BuildID, Status: status, CreatedAt: s.CreateTime.UTC()})
	}
	return v
}

func printDeployment(c *cli.Context, info client.WorkerDeploymentInfo) error {
	v := deploymentView(info)
	out := adminOutput{w: c.App.Writer, json: c.String("output") == "json"}
	if out.json {
		return out.encode(v)
	}
	tw := out.table("BUILD ID", "STATUS", "CREATED")
	for _, ver := range v.Versions {
		status := ver.Status
		if status == "ramping" {
			status = fmt.Sprintf("ramping %g%%", v.RampingPercentage)
		}
		adminRow(tw, ver.BuildID, status, adminTime(&ver.CreatedAt))
	}
	return tw.Flush()
}
