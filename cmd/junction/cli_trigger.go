package main

import (
	"fmt"
	"strconv"

	"github.com/urfave/cli/v2"

	"github.com/junction-run/junction/apiclient"
)

// cliTriggerCommand is `junction trigger http_request -d @payload.json`:
// raise an event as a webhook would, and say which runs it started.
func cliTriggerCommand() *cli.Command {
	return &cli.Command{
		Name:      "trigger",
		Usage:     "raise an event (http_request, inbound_sms, inbound_chat_apps) and list the runs it started",
		ArgsUsage: "TRIGGER",
		Flags: cliFlags(
			&cli.StringFlag{Name: "data", Aliases: []string{"d"}, Usage: "the event: JSON, @file or @- for standard input (default {})"},
			&cli.StringFlag{Name: "sub-account", Usage: "start only definitions of this sub-account (or of none)"},
			&cli.StringFlag{Name: "idempotency-key", Usage: "the event's id: sending it again starts nothing new"},
			cliOutputFlag(),
		),
		Action: cliAction(func(c *cli.Context) error {
			args, err := cliExactArgs(c, 1, "TRIGGER [-d @payload.json]")
			if err != nil {
				return err
			}
			output, payload, client, s, err := cliSend(c)
			if err != nil {
				return err
			}
			trigger := args[0]
			res, err := client.Trigger(c.Context, trigger, payload, apiclient.TriggerOptions{
				SubAccountID: c.String("sub-account"), IdempotencyKey: c.String("idempotency-key"),
			})
			if err != nil {
				return cliError(err, s)
			}
			w := c.App.Writer
			if output == "json" {
				return cliPrintJSON(w, res)
			}
			if len(res.Runs)+len(res.Resumed)+len(res.Skipped) == 0 {
				_, err := fmt.Fprintf(w, "event %s: no run started: account %s has no enabled %s definition for it "+
					"(a definition starts runs once its status is \"enabled\")\n", res.EventID, s.Account, trigger)
				return err
			}
			fmt.Fprintf(w, "event %s: %d started, %d resumed, %d skipped\n\n", res.EventID, len(res.Runs), len(res.Resumed), len(res.Skipped))
			t := newCLITable(w, "OUTCOME", "DEFINITION", "VERSION", "RUN", "REASON")
			for _, r := range res.Runs {
				t.row("started", r.DefinitionID, strconv.Itoa(r.Version), r.TemporalWorkflowID, "")
			}
			for _, r := range res.Resumed {
				t.row("resumed", r.DefinitionID, strconv.Itoa(r.Version), r.TemporalWorkflowID, "")
			}
			for _, r := range res.Skipped {
				t.row("skipped", r.DefinitionID, strconv.Itoa(r.Version), "", r.Reason)
			}
			return t.flush()
		}),
	}
}
