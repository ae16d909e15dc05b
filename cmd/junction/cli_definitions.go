package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/junction-run/junction/apiclient"
)

// cliApplyCommand is `junction apply -f def.json`: update the definition
// the document names, or create it when it names none.
func cliApplyCommand() *cli.Command {
	return &cli.Command{
		Name:      "apply",
		Usage:     "create a definition, or update it when the document names its id",
		UsageText: "junction apply -f def.json [--if-match ETAG] [-o json]",
		Description: "Reads a definition document (8x8's definitionInput, as docs/definition.md describes). " +
			"A document with an id (top-level \"id\" or \"definition.id\", as `junction get definition ID -o json` prints it) " +
			"is stored as that definition's next version; one without is created as version 1.",
		Flags: cliFlags(
			&cli.StringFlag{Name: "file", Aliases: []string{"f"}, Required: true, Usage: "the definition (JSON); - reads standard input"},
			&cli.StringFlag{Name: "if-match", Usage: "update only while the definition's latest version is still this one (its ETag: v3 for version 3)"},
			cliOutputFlag(),
		),
		Action: cliAction(func(c *cli.Context) error {
			if _, err := cliExactArgs(c, 0, "-f FILE"); err != nil {
				return err
			}
			output, err := cliOutput(c)
			if err != nil {
				return err
			}
			path := c.String("file")
			doc, err := cliReadInput(c, path)
			if err != nil {
				return err
			}
			id, err := cliDocumentID(doc, path)
			if err != nil {
				return err
			}
			if id == "" && c.String("if-match") != "" {
				return fmt.Errorf("--if-match applies to updates, and %s names no definition id", cliInputName(path))
			}
			client, s, err := cliClient(c, "")
			if err != nil {
				return err
			}
			var def apiclient.Definition
			if id == "" {
				def, err = client.CreateDefinition(c.Context, doc)
			} else {
				def, err = client.UpdateDefinition(c.Context, id, doc, cliETag(c.String("if-match")))
			}
			if errors.Is(err, apiclient.ErrNotFound) && id != "" {
				return fmt.Errorf("%w\n(%s names definition %s; remove its id to create a new definition instead)", cliError(err, s), cliInputName(path), id)
			}
			if err != nil {
				return cliError(err, s)
			}
			w := c.App.Writer
			switch {
			case output == "json":
				return cliPrintJSON(w, cliDefinitionJSON(def))
			case id == "":
				_, err = fmt.Fprintf(w, "created definition %s version %d\n", def.ID, def.Version)
			default:
				_, err = fmt.Fprintf(w, "updated definition %s: version %d\n", def.ID, def.Version)
			}
			return err
		}),
	}
}

// cliDocumentID is the id a definition document names: top-level "id" or
// "definition.id" (the API writes both); "" when it names none.
func cliDocumentID(doc []byte, path string) (string, error) {
	var top struct {
		ID         json.RawMessage `json:"id"`
		Definition json.RawMessage `json:"definition"`
	}
	if err := json.Unmarshal(doc, &top); err != nil {
		return "", fmt.Errorf("%s is not a JSON object: %w", cliInputName(path), err)
	}
	var inner struct {
		ID json.RawMessage `json:"id"`
	}
	_ = json.Unmarshal(top.Definition, &inner) // not an object: the server says so
	outer, nested := cliJSONString(top.ID), cliJSONString(inner.ID)
	if outer != "" && nested != "" && outer != nested {
		return "", fmt.Errorf("%s names two ids: %q and definition.id %q", cliInputName(path), outer, nested)
	}
	if outer != "" {
		return outer, nil
	}
	return nested, nil
}

// cliETag quotes a bare --if-match value (v3 becomes "v3"): entity tags
// are quoted strings, and shells eat the quotes people type.
func cliETag(v string) string {
	if v == "" || v == "*" || strings.HasPrefix(v, `"`) || strings.HasPrefix(v, `W/"`) {
		return v
	}
	return `"` + v + `"`
}

// cliJSONString is a JSON string's value; anything else is "".
func cliJSONString(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return ""
	}
	return s
}

func cliInputName(path string) string {
	if path == "-" {
		return "standard input"
	}
	return path
}

// cliGetCommand is `junction get definitions|definition ID|runs`.
func cliGetCommand() *cli.Command {
	return &cli.Command{
		Name:  "get",
		Usage: "list definitions, a definition's versions, or runs",
		Subcommands: []*cli.Command{
			{
				Name:      "definitions",
				Aliases:   []string{"defs"},
				Usage:     "the latest version of each definition, newest first",
				UsageText: "junction get definitions [--limit N] [--offset N] [-o json]",
				Flags:     cliFlags(cliLimitFlag(), cliOffsetFlag(), cliOutputFlag()),
				Action: cliAction(func(c *cli.Context) error {
					if _, err := cliExactArgs(c, 0, ""); err != nil {
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
					defs, err := client.ListDefinitions(c.Context, apiclient.ListOptions{Limit: c.Int("limit"), Offset: c.Int("offset")})
					if err != nil {
						return cliError(err, s)
					}
					return cliPrintDefinitions(c, output, defs)
				}),
			},
			{
				Name:      "definition",
				Aliases:   []string{"def"},
				Usage:     "every version of a definition, newest first, or one version",
				ArgsUsage: "ID",
				Flags: cliFlags(
					&cli.IntFlag{Name: "version", Usage: "only this version (with -o json: the document to edit and apply)", DefaultText: "every version"},
					cliLimitFlag(), cliOffsetFlag(), cliOutputFlag()),
				Action: cliAction(func(c *cli.Context) error {
					args, err := cliExactArgs(c, 1, "ID")
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
					id := args[0]
					if v := c.Int("version"); v > 0 {
						def, err := client.GetDefinition(c.Context, id, v)
						if err != nil {
							return cliError(err, s)
						}
						if output == "json" {
							return cliPrintJSON(c.App.Writer, cliDefinitionJSON(def))
						}
						return cliPrintDefinitions(c, output, []apiclient.Definition{def})
					}
					defs, err := client.DefinitionVersions(c.Context, id, apiclient.ListOptions{Limit: c.Int("limit"), Offset: c.Int("offset")})
					if err != nil {
						return cliError(err, s)
					}
					if len(defs) == 0 && c.Int("offset") == 0 {
						return fmt.Errorf("definition %s not found in account %s", id, s.Account)
					}
					return cliPrintDefinitions(c, output, defs)
				}),
			},
			cliGetRunsCommand(),
		},
	}
}

func cliLimitFlag() cli.Flag {
	return &cli.IntFlag{Name: "limit", Usage: "at most this many (1-500)", DefaultText: "100, the server's"}
}

func cliOffsetFlag() cli.Flag {
	return &cli.IntFlag{Name: "offset", Usage: "skip this many"}
}

// cliDefinitionJSON is a definition exactly as the server sent it, so that
// what `get -o json` prints can be edited and applied without losing a
// field.
func cliDefinitionJSON(d apiclient.Definition) any {
	if len(d.Raw) > 0 {
		return d.Raw
	}
	return d
}

func cliPrintDefinitions(c *cli.Context, output string, defs []apiclient.Definition) error {
	if output == "json" {
		out := make([]any, len(defs))
		for i, d := range defs {
			out[i] = cliDefinitionJSON(d)
		}
		return cliPrintJSON(c.App.Writer, out)
	}
	t := newCLITable(c.App.Writer, "ID", "NAME", "TRIGGER", "STATUS", "VERSION", "CREATED")
	for _, d := range defs {
		t.row(d.ID, cliTruncate(d.Definition.Name, 40), d.Trigger, d.Status, strconv.Itoa(d.Version), cliTime(d.CreatedAt))
	}
	return t.flush()
}
