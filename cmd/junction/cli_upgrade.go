package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/junction-run/junction/apiclient"
)

// cliUpgradeAppCommand is `junction upgrade-app DEFINITION --app APP
// --version VERSION [--dry-run]`: move a definition to another version of
// an app it uses, or first see what would change.
func cliUpgradeAppCommand() *cli.Command {
	return &cli.Command{
		Name:      "upgrade-app",
		Usage:     "move a definition to another version of an app it uses (--dry-run: what would change)",
		UsageText: "junction upgrade-app DEFINITION --app APP --version VERSION [--dry-run] [-o json]",
		Description: "With --dry-run nothing moves and nothing is sent: it lists the schema changes that matter to the definition " +
			"and what its recent runs' calls of the app would send and return on the new version, their recorded answers standing in " +
			"(docs/apps.md, \"Upgrading a definition to a new app version\"). Without, it stores the definition's next version on the new " +
			"app version; runs already started keep theirs.",
		Flags: cliFlags(
			&cli.StringFlag{Name: "app", Usage: "the app's id (required)"},
			&cli.StringFlag{Name: "version", Usage: "the version to move to (required)"},
			&cli.BoolFlag{Name: "dry-run", Usage: "only report what would change"},
			cliOutputFlag(),
		),
		Action: cliAction(func(c *cli.Context) error {
			// Required by hand: the flags may follow DEFINITION, past
			// where urfave/cli checks (cliArgs).
			args, err := cliExactArgs(c, 1, "DEFINITION --app APP --version VERSION")
			if err == nil && (c.String("app") == "" || c.String("version") == "") {
				err = fmt.Errorf("usage: %s DEFINITION --app APP --version VERSION", c.Command.HelpName)
			}
			if err != nil {
				return err
			}
			output, err := cliOutput(c)
			if err != nil {
				return err
			}
			client, s, err := cliClient(c, "")
			if err != nil {
				return err
			}
			w := c.App.Writer
			if !c.Bool("dry-run") {
				def, err := client.UpgradeApp(c.Context, args[0], c.String("app"), c.String("version"))
				if err != nil {
					return cliError(err, s)
				}
				if output == "json" {
					return cliPrintJSON(w, cliDefinitionJSON(def))
				}
				_, err = fmt.Fprintf(w, "updated definition %s: version %d, on %s %s\n", def.ID, def.Version, c.String("app"), c.String("version"))
				return err
			}
			report, err := client.PlanAppUpgrade(c.Context, args[0], c.String("app"), c.String("version"))
			if err != nil {
				return cliError(err, s)
			}
			if output == "json" {
				return cliPrintJSON(w, report)
			}
			return cliPrintUpgradeReport(w, report)
		}),
	}
}

// cliPrintUpgradeReport writes a dry run's report: the verdict, then the
// schema changes, then each replayed run's steps and their differences.
func cliPrintUpgradeReport(w io.Writer, r apiclient.UpgradeReport) error {
	var b strings.Builder
	verdict := "differences below"
	if r.Safe {
		verdict = "nothing differs"
	}
	fmt.Fprintf(&b, "%s %s -> %s (definition version %d): %s\n", r.App, r.From, r.To, r.DefinitionVersion, verdict)
	change := func(indent string, ch apiclient.UpgradeChange) {
		fmt.Fprintf(&b, "%s%s: %s\n", indent, ch.Kind, cliCell(ch.Message))
	}
	if len(r.SchemaChanges) > 0 {
		b.WriteString("schema changes:\n")
		for _, ch := range r.SchemaChanges {
			change("  ", ch)
		}
	}
	switch {
	case r.NotReplayed != "":
		fmt.Fprintf(&b, "runs not replayed: %s\n", r.NotReplayed)
	case len(r.Runs) == 0:
		b.WriteString("no recorded run to replay\n")
	}
	for _, run := range r.Runs {
		fmt.Fprintf(&b, "run %s (%s):\n", run.WorkflowID, cliTime(run.RecordedAt))
		for _, st := range run.Steps {
			same := ""
			if len(st.Differences) == 0 {
				same = ": the same"
			}
			fmt.Fprintf(&b, "  step %s, %s on %s%s\n", st.Step, st.Action, st.Version, same)
			for _, ch := range st.Differences {
				change("    ", ch)
			}
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}
