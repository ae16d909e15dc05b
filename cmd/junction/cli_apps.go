package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/junction-run/junction/apiclient"
	"github.com/junction-run/junction/connectors/declarative"
	"github.com/junction-run/junction/definition"
)

// cliAppsCommand is `junction apps`: declarative apps kept in files
// (docs/apps.md): validate them offline, push them to the account or the
// platform, and test one action of one against a live connection.
func cliAppsCommand() *cli.Command {
	platform := &cli.BoolFlag{Name: "platform", Usage: "the platform's apps, which every account can use (needs an admin key of an operators' account), not the account's"}
	return &cli.Command{
		Name:  "apps",
		Usage: "work with declarative apps kept in files (docs/apps.md)",
		Subcommands: []*cli.Command{{
			Name:      "push",
			Usage:     "store an app file as a version of the account's app (validated by the server as by validate)",
			UsageText: "junction apps push FILE [--platform]   (- reads standard input)",
			Flags:     cliFlags(platform),
			Action: cliAction(func(c *cli.Context) error {
				args, err := cliExactArgs(c, 1, "FILE")
				if err != nil {
					return err
				}
				doc, err := cliReadInput(c, args[0])
				if err != nil {
					return err
				}
				client, s, err := cliClient(c, "")
				if err != nil {
					return err
				}
				app, err := client.PushApp(c.Context, doc, apiclient.AppOptions{Platform: c.Bool("platform")})
				if err != nil {
					return cliError(err, s)
				}
				return cliPrintStored(c.App.Writer, app)
			}),
		}, {
			Name:      "validate",
			Usage:     "check app files offline, as Junction would: every problem with its JSON path",
			UsageText: "junction apps validate FILE [FILE ...]   (- reads standard input)",
			Action: cliAction(func(c *cli.Context) error {
				if c.NArg() == 0 {
					return fmt.Errorf("name at least one app file (or - for standard input)")
				}
				bad := 0
				for _, path := range c.Args().Slice() {
					data, err := cliReadInput(c, path)
					if err != nil {
						return err
					}
					app, err := cliParseApp(cliInputName(path), data)
					if _, invalid := errors.AsType[*cliInvalidApp](err); invalid {
						bad++
						fmt.Fprint(c.App.Writer, err.Error())
						continue
					}
					if err != nil {
						return err
					}
					fmt.Fprintf(c.App.Writer, "%s: app %s %s is valid (%d actions)\n", cliInputName(path), app.Key, app.Version, len(app.Actions))
				}
				if bad > 0 {
					return fmt.Errorf("%d of %d app files have problems", bad, c.NArg())
				}
				return nil
			}),
		}, cliAppsTestCommand(platform)},
	}
}

// cliAppsTestCommand is `junction apps test`: validate an app file
// offline, store its version (PUT: nothing changes when it is there with
// the same document, and a version stored with another document is
// refused, so the version tested is the file), then run one of its actions
// through the API against a live connection and print the output or the
// error.
func cliAppsTestCommand(platform cli.Flag) *cli.Command {
	return &cli.Command{
		Name:  "test",
		Usage: "validate an app file, push its version, and run one of its actions against a live connection",
		UsageText: "junction apps test FILE --action ID [--connection ID] [--input JSON|@FILE] [--platform] [-o json]\n" +
			"   (without --input, the action's sampleInput)",
		Flags: cliFlags(
			&cli.StringFlag{Name: "action", Usage: "the action's id in the app (create_contact); required"},
			&cli.StringFlag{Name: "connection", Usage: "the id of the account's connection to the app; none for an app without credentials"},
			&cli.StringFlag{Name: "input", Usage: "the action's input: a JSON object, inline, @file or @- (default: the action's sampleInput)"},
			&cli.DurationFlag{Name: "timeout", Value: 5 * time.Minute, Usage: "how long to wait for the action's run"},
			platform,
			cliOutputFlag(),
		),
		Action: cliAction(func(c *cli.Context) error {
			args, err := cliExactArgs(c, 1, "FILE")
			if err != nil {
				return err
			}
			output, err := cliOutput(c)
			if err != nil {
				return err
			}
			doc, err := cliReadInput(c, args[0])
			if err != nil {
				return err
			}
			app, err := cliParseApp(cliInputName(args[0]), doc)
			if invalid, ok := errors.AsType[*cliInvalidApp](err); ok {
				fmt.Fprint(c.App.Writer, invalid.Error())
				return fmt.Errorf("%s has %d problems: nothing was sent", invalid.name, len(invalid.err.Errors))
			}
			if err != nil {
				return err
			}
			if c.String("action") == "" {
				return fmt.Errorf("--action is required: the id of the action to run")
			}
			i := slices.IndexFunc(app.Actions, func(a declarative.Action) bool { return a.ID == c.String("action") })
			if i < 0 {
				ids := make([]string, len(app.Actions))
				for j, a := range app.Actions {
					ids[j] = a.ID
				}
				return fmt.Errorf("app %s %s has no action %q; it has %v", app.Key, app.Version, c.String("action"), ids)
			}
			input := app.Actions[i].SampleInput
			if c.String("input") != "" {
				if input, err = cliPayload(c, c.String("input"), "--input"); err != nil {
					return err
				}
			}
			client, s, err := cliClient(c, "")
			if err != nil {
				return err
			}
			log := c.App.Writer
			if output == "json" {
				log = io.Discard // only the run, for programs
			}
			stored, err := client.PutAppVersion(c.Context, app.Key, app.Version, doc, apiclient.AppOptions{Platform: c.Bool("platform")})
			if apiErr, ok := errors.AsType[*apiclient.APIError](err); ok && apiErr.StatusCode == http.StatusConflict {
				return fmt.Errorf("%w\n(a version cannot change: give the file a new \"version\" to test this document)", cliError(err, s))
			}
			if err != nil {
				return cliError(err, s)
			}
			if err := cliPrintStored(log, stored); err != nil {
				return err
			}
			action := app.Key + "." + app.Actions[i].ID
			run, err := cliRunAction(c, client, action, apiclient.ActionRequest{
				Connection: c.String("connection"), Inputs: input, Version: app.Version})
			if err != nil {
				return cliError(err, s)
			}
			if output == "json" {
				if err := cliPrintJSON(c.App.Writer, run); err != nil {
					return err
				}
			} else {
				fmt.Fprintf(log, "ran %s %s: %s (workflow %s)\n", action, app.Version, run.Status, run.TemporalWorkflowID)
				if run.Status == apiclient.ActionCompleted {
					if err := cliPrintJSON(log, json.RawMessage(outputOrNull(run.Output))); err != nil {
						return err
					}
				}
			}
			if run.Status == apiclient.ActionFailed && run.Error != nil {
				return fmt.Errorf("%s failed: %s: %s", action, run.Error.Type, run.Error.Message)
			}
			return nil
		}),
	}
}

// cliRunAction runs an action and waits for its run to end, up to
// --timeout.
func cliRunAction(c *cli.Context, client *apiclient.Client, action string, req apiclient.ActionRequest) (apiclient.ActionRun, error) {
	const wait = 30 * time.Second // per request, within the server's limit of 60s
	req.Wait = wait
	run, err := client.RunAction(c.Context, action, req)
	deadline := time.Now().Add(c.Duration("timeout"))
	for err == nil && run.Status == apiclient.ActionRunning {
		if time.Now().After(deadline) {
			return run, fmt.Errorf("%s is still running after %s (workflow %s)", action, c.Duration("timeout"), run.TemporalWorkflowID)
		}
		run, err = client.ActionRun(c.Context, action, run.WorkflowID, wait)
	}
	return run, err
}

// outputOrNull is an action's output, or null when it has none.
func outputOrNull(b json.RawMessage) json.RawMessage {
	if len(b) == 0 {
		return json.RawMessage("null")
	}
	return b
}

// cliPrintStored says what pushing a version did.
func cliPrintStored(w io.Writer, app apiclient.App) error {
	what := "stored"
	if !app.Created {
		what = "already stored, unchanged:"
	}
	whose := ""
	if app.Owner == "platform" {
		whose = ", for every account"
	}
	_, err := fmt.Fprintf(w, "%s app %s %s%s\n", what, app.Key, app.Version, whose)
	return err
}

// cliInvalidApp lists an app file's problems, one per line with its path.
type cliInvalidApp struct {
	name string
	err  *definition.ValidationError
}

func (e *cliInvalidApp) Error() string {
	out := fmt.Sprintf("%s: %d problems\n", e.name, len(e.err.Errors))
	for _, p := range e.err.Errors {
		out += fmt.Sprintf("  %s [%s]: %s\n", p.Path, p.Code, p.Message)
	}
	return out
}

// cliParseApp checks an app file's content offline, as the server will:
// the format, and the connector it makes. An invalid app is a
// *cliInvalidApp.
func cliParseApp(name string, data []byte) (*declarative.App, error) {
	app, err := declarative.Parse(data)
	if err == nil {
		_, err = app.Connector()
	}
	if verr, ok := errors.AsType[*definition.ValidationError](err); ok {
		return nil, &cliInvalidApp{name: name, err: verr}
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return app, nil
}
