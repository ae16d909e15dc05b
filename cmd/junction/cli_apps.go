package main

import (
	"errors"
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/junction-run/junction/connectors/declarative"
	"github.com/junction-run/junction/definition"
)

// cliAppsCommand is `junction apps`: declarative apps kept in files
// (docs/apps.md): validate them offline, push them to the account. Testing
// one of an app's actions against a live connection is not built.
func cliAppsCommand() *cli.Command {
	return &cli.Command{
		Name:  "apps",
		Usage: "work with declarative apps kept in files (docs/apps.md)",
		Subcommands: []*cli.Command{{
			Name:      "push",
			Usage:     "store an app file as a version of the account's app (validated by the server as by validate)",
			UsageText: "junction apps push FILE   (- reads standard input)",
			Flags:     cliFlags(),
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
				app, err := client.PushApp(c.Context, doc)
				if err != nil {
					return cliError(err, s)
				}
				what := "stored"
				if !app.Created {
					what = "already stored, unchanged:"
				}
				_, err = fmt.Fprintf(c.App.Writer, "%s app %s %s\n", what, app.Key, app.Version)
				return err
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
					app, err := declarative.Parse(data)
					if err == nil {
						_, err = app.Connector()
					}
					if verr, ok := errors.AsType[*definition.ValidationError](err); ok {
						bad++
						fmt.Fprintf(c.App.Writer, "%s: %d problems\n", cliInputName(path), len(verr.Errors))
						for _, p := range verr.Errors {
							fmt.Fprintf(c.App.Writer, "  %s [%s]: %s\n", p.Path, p.Code, p.Message)
						}
						continue
					}
					if err != nil {
						return fmt.Errorf("%s: %w", cliInputName(path), err)
					}
					fmt.Fprintf(c.App.Writer, "%s: app %s %s is valid (%d actions)\n", cliInputName(path), app.Key, app.Version, len(app.Actions))
				}
				if bad > 0 {
					return fmt.Errorf("%d of %d app files have problems", bad, c.NArg())
				}
				return nil
			}),
		}},
	}
}
