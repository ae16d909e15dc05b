package main

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/junction-run/junction/apiclient"
)

// cliGetRunsCommand is `junction get runs --definition ID`.
func cliGetRunsCommand() *cli.Command {
	return &cli.Command{
		Name:      "runs",
		Usage:     "runs of one version of a definition (default: its latest)",
		UsageText: "junction get runs --definition ID [--version N] [--status S] [--from T] [--to T] [--limit N] [-o json]",
		Flags: cliFlags(
			&cli.StringFlag{Name: "definition", Required: true, Usage: "definition id"},
			&cli.IntFlag{Name: "version", Usage: "definition version", DefaultText: "the latest"},
			&cli.StringFlag{Name: "status", Usage: "Runnable, Suspended, Complete or Terminated"},
			&cli.StringFlag{Name: "from", Usage: "started at or after (RFC 3339, e.g. 2026-11-24T07:00:00Z)"},
			&cli.StringFlag{Name: "to", Usage: "started at or before (RFC 3339)"},
			cliLimitFlag(), cliOffsetFlag(), cliOutputFlag(),
		),
		Action: cliAction(func(c *cli.Context) error {
			if _, err := cliExactArgs(c, 0, "--definition ID"); err != nil {
				return err
			}
			output, err := cliOutput(c)
			if err != nil {
				return err
			}
			opts := apiclient.RunListOptions{Limit: c.Int("limit"), Offset: c.Int("offset"), Version: c.Int("version"), Status: c.String("status")}
			for _, bound := range []struct {
				flag string
				to   *time.Time
			}{{"from", &opts.StartTimeFrom}, {"to", &opts.StartTimeTo}} {
				if v := c.String(bound.flag); v != "" {
					t, err := time.Parse(time.RFC3339Nano, v)
					if err != nil {
						return fmt.Errorf("--%s must be an RFC 3339 time such as 2026-11-24T07:00:00Z: %w", bound.flag, err)
					}
					*bound.to = t
				}
			}
			client, s, err := cliClient(c, "")
			if err != nil {
				return err
			}
			runs, err := client.ListRuns(c.Context, c.String("definition"), opts)
			if err != nil {
				return cliError(err, s)
			}
			if output == "json" {
				return cliPrintJSON(c.App.Writer, runs)
			}
			t := newCLITable(c.App.Writer, "WORKFLOW ID", "VERSION", "STATUS", "STARTED", "COMPLETED")
			for _, r := range runs {
				t.row(r.WorkflowID, strconv.Itoa(r.Version), r.Status, cliTime(r.StartedAt), cliTime(r.CompletedAt))
			}
			return t.flush()
		}),
	}
}

// cliRunUsage is how every runs verb names its run.
const cliRunUsage = "RUN   (account/definitionId/workflowId, as triggers print it, or a workflowId with --definition)"

// cliRunsCommand is `junction runs suspend|resume|terminate|logs|errors RUN`
// and `junction runs start`.
func cliRunsCommand() *cli.Command {
	control := func(action, done, usage string) *cli.Command {
		return &cli.Command{
			Name:      action,
			Usage:     usage,
			ArgsUsage: cliRunUsage,
			Flags:     cliFlags(cliDefinitionFlag()),
			Action: cliAction(func(c *cli.Context) error {
				client, s, run, err := cliRunTarget(c)
				if err != nil {
					return err
				}
				if err := client.ControlRun(c.Context, run.definitionID, run.workflowID, action); err != nil {
					return cliError(err, s)
				}
				_, err = fmt.Fprintf(c.App.Writer, "%s run %s\n", done, run.String())
				return err
			}),
		}
	}
	return &cli.Command{
		Name:  "runs",
		Usage: "control and inspect runs",
		Subcommands: []*cli.Command{
			control(apiclient.ActionSuspend, "suspended", "pause a run before its next step"),
			control(apiclient.ActionResume, "resumed", "continue a suspended run"),
			control(apiclient.ActionTerminate, "terminated", "end a run for good"),
			{
				Name:      "logs",
				Usage:     "a run's step log (-o json: the whole run, with its data)",
				ArgsUsage: cliRunUsage,
				Flags:     cliFlags(cliDefinitionFlag(), cliOutputFlag()),
				Action: cliAction(func(c *cli.Context) error {
					client, s, run, err := cliRunTarget(c)
					if err != nil {
						return err
					}
					output, err := cliOutput(c)
					if err != nil {
						return err
					}
					inst, err := client.GetRun(c.Context, run.definitionID, run.workflowID, true)
					if err != nil {
						return cliError(err, s)
					}
					if output == "json" {
						return cliPrintJSON(c.App.Writer, inst)
					}
					status := inst.Status
					if inst.Status == apiclient.RunTerminated && inst.TemporalStatus != "" && !strings.EqualFold(inst.TemporalStatus, apiclient.RunTerminated) {
						status += " (" + inst.TemporalStatus + ")" // failed, timed out or canceled
					}
					fmt.Fprintf(c.App.Writer, "run %s  version %d  %s\n", cliRunName(inst.TemporalWorkflowID, run), inst.Version, status)
					if inst.HistoryURL != "" {
						fmt.Fprintf(c.App.Writer, "history %s\n", inst.HistoryURL)
					}
					fmt.Fprintln(c.App.Writer)
					t := newCLITable(c.App.Writer, "STEP", "TYPE", "STATUS", "ATTEMPTS", "STARTED", "COMPLETED", "ERROR")
					for _, l := range inst.Logs {
						t.row(l.StepName, l.StepType, l.Status, cliAttempts(l), cliTime(l.StartedAt), cliTime(l.CompletedAt), cliTruncate(cliCell(l.Error), 80))
					}
					return t.flush()
				}),
			},
			{
				Name:      "errors",
				Usage:     "what went wrong in a run",
				ArgsUsage: cliRunUsage,
				Flags:     cliFlags(cliDefinitionFlag(), cliOutputFlag()),
				Action: cliAction(func(c *cli.Context) error {
					client, s, run, err := cliRunTarget(c)
					if err != nil {
						return err
					}
					output, err := cliOutput(c)
					if err != nil {
						return err
					}
					errs, err := client.RunErrors(c.Context, run.definitionID, run.workflowID)
					if err != nil {
						return cliError(err, s)
					}
					if output == "json" {
						return cliPrintJSON(c.App.Writer, errs)
					}
					t := newCLITable(c.App.Writer, "STEP", "TIME", "MESSAGE")
					for _, e := range errs {
						t.row(e.Step, cliTime(e.ErrorTime), e.Message)
					}
					return t.flush()
				}),
			},
			{
				Name:      "start",
				Usage:     "start a test run of a definition, whatever its status and conditions",
				UsageText: "junction runs start --definition ID [--version N] [-d @payload.json] [-o json]",
				Flags: cliFlags(
					&cli.StringFlag{Name: "definition", Required: true, Usage: "definition id"},
					&cli.IntFlag{Name: "version", Usage: "definition version", DefaultText: "the latest"},
					&cli.StringFlag{Name: "data", Aliases: []string{"d"}, Usage: "the trigger's data: JSON, @file or @- for standard input (default {})"},
					cliOutputFlag(),
				),
				Action: cliAction(func(c *cli.Context) error {
					if _, err := cliExactArgs(c, 0, "--definition ID [-d @payload.json]"); err != nil {
						return err
					}
					output, payload, client, s, err := cliSend(c)
					if err != nil {
						return err
					}
					run, err := client.StartRun(c.Context, c.String("definition"), c.Int("version"), payload)
					if err != nil {
						return cliError(err, s)
					}
					if output == "json" {
						return cliPrintJSON(c.App.Writer, run)
					}
					_, err = fmt.Fprintf(c.App.Writer, "started run %s (definition %s version %d)\n", run.TemporalWorkflowID, run.DefinitionID, run.Version)
					return err
				}),
			},
		},
	}
}

func cliDefinitionFlag() cli.Flag {
	return &cli.StringFlag{Name: "definition", Usage: "definition id, when RUN is a bare workflowId"}
}

// cliRunRef names one run.
type cliRunRef struct {
	account, definitionID, workflowID string
}

// String is the run's Temporal workflow id, the form triggers print.
func (r cliRunRef) String() string {
	return r.account + "/" + r.definitionID + "/" + r.workflowID
}

// cliRunName is the run's Temporal workflow id as the server gave it, or
// as the CLI would write it.
func cliRunName(temporalID string, r cliRunRef) string {
	if temporalID != "" {
		return temporalID
	}
	return r.String()
}

// parseCLIRun reads RUN: account/definitionId/workflowId, or a bare
// workflowId with definition (--definition). account is "" for a bare id.
func parseCLIRun(arg, definition string) (cliRunRef, error) {
	parts := strings.Split(arg, "/")
	switch {
	case len(parts) == 1 && definition == "":
		return cliRunRef{}, fmt.Errorf("run %q names no definition: pass --definition ID, or give the run as account/definitionId/workflowId", arg)
	case len(parts) == 1:
		return cliRunRef{definitionID: definition, workflowID: arg}, nil
	case len(parts) != 3 || parts[0] == "" || parts[1] == "" || parts[2] == "":
		return cliRunRef{}, fmt.Errorf("run %q must be a workflowId or account/definitionId/workflowId", arg)
	case definition != "" && definition != parts[1]:
		return cliRunRef{}, fmt.Errorf("run %q is of definition %s, not --definition %s", arg, parts[1], definition)
	}
	return cliRunRef{account: parts[0], definitionID: parts[1], workflowID: parts[2]}, nil
}

// cliRunTarget reads the RUN argument of a runs verb and builds the client
// of its account: the one configured, or else the one RUN names.
func cliRunTarget(c *cli.Context) (*apiclient.Client, cliSettings, cliRunRef, error) {
	args, err := cliExactArgs(c, 1, cliRunUsage)
	if err != nil {
		return nil, cliSettings{}, cliRunRef{}, err
	}
	run, err := parseCLIRun(args[0], c.String("definition"))
	if err != nil {
		return nil, cliSettings{}, cliRunRef{}, err
	}
	client, s, err := cliClient(c, run.account)
	if err != nil {
		return nil, s, cliRunRef{}, err
	}
	switch {
	case run.account == "":
		run.account = s.Account
	case run.account != s.Account:
		return nil, s, cliRunRef{}, fmt.Errorf("run %s is in account %s, but the CLI is using account %s (--account)", args[0], run.account, s.Account)
	}
	return client, s, run, nil
}

// cliAttempts is a step's call's latest attempt against its bound, "3/15",
// with the time of the next one while it waits out its backoff; "-" for a
// step that makes no call.
func cliAttempts(l apiclient.StepLog) string {
	if l.Attempts == 0 {
		return "-"
	}
	s := strconv.Itoa(l.Attempts)
	if l.MaximumAttempts > 0 {
		s += "/" + strconv.Itoa(l.MaximumAttempts)
	}
	if l.NextAttemptAt != "" {
		s += ", next " + cliTime(l.NextAttemptAt)
	}
	return s
}
