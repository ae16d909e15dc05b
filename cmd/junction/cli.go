package main

// The client verbs (apply, get, runs, trigger) drive a running Junction
// through its HTTP API, with package apiclient. This file holds what they
// share: where the server, key and account come from, output formats and
// error messages.

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/junction-run/junction/apiclient"
)

// clientCommands are the verbs that talk to a running Junction's API.
func clientCommands() []*cli.Command {
	return []*cli.Command{
		cliApplyCommand(),
		cliGetCommand(),
		cliRunsCommand(),
		cliTriggerCommand(),
		cliAppsCommand(),
		cliUpgradeAppCommand(),
	}
}

// Where the client verbs find the API when nothing else says.
const (
	cliDefaultServer = "http://127.0.0.1:8080"
	// cliDevKeyFile is written by `junction dev` (in its default data
	// directory), so the CLI run from the same directory just works.
	cliDevKeyFile   = ".junction/dev-api-key"
	cliDevAccountID = "dev"
)

// cliConnectionFlags say which server, key and account to use. Precedence:
// flag, then environment, then the config file, then the dev defaults.
func cliConnectionFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "server", Usage: "Junction API base URL (default " + cliDefaultServer + ")", EnvVars: []string{"JUNCTION_SERVER"}},
		&cli.StringFlag{Name: "api-key", Usage: "API key (prefer the env var; default: the key junction dev wrote to " + cliDevKeyFile + ")", EnvVars: []string{"JUNCTION_API_KEY"}},
		&cli.StringFlag{Name: "account", Usage: "account id (default \"" + cliDevAccountID + "\" next to " + cliDevKeyFile + ")", EnvVars: []string{"JUNCTION_ACCOUNT"}},
		&cli.StringFlag{Name: "config", Usage: `config file {"server","apiKey","account"} (default $XDG_CONFIG_HOME/junction/config.json or ~/.config/junction/config.json)`, EnvVars: []string{"JUNCTION_CONFIG"}},
	}
}

// cliOutputFlag chooses between a table for people and JSON for programs.
func cliOutputFlag() cli.Flag {
	return &cli.StringFlag{Name: "output", Aliases: []string{"o"}, Value: "table", Usage: "table or json"}
}

// cliFlags is the connection flags plus the verb's own.
func cliFlags(own ...cli.Flag) []cli.Flag {
	return append(own, cliConnectionFlags()...)
}

// cliSettings is where the API is and who is calling.
type cliSettings struct {
	Server  string `json:"server"`
	APIKey  string `json:"apiKey"`
	Account string `json:"account"`
}

// resolveCLISettings applies the precedence flag > env > config file > dev
// defaults, field by field. accountHint, when not "", is the account the
// command's argument names (a run's account/definitionId/workflowId): it
// comes before the dev default.
func resolveCLISettings(c *cli.Context, accountHint string) (cliSettings, error) {
	s := cliSettings{Server: c.String("server"), APIKey: c.String("api-key"), Account: c.String("account")}

	path, explicit := c.String("config"), true
	if path == "" {
		path, explicit = cliDefaultConfigPath(), false
	}
	if path != "" {
		file, err := readCLIConfig(path)
		switch {
		case errors.Is(err, os.ErrNotExist) && !explicit:
		case err != nil:
			return s, err
		default:
			s.Server = cmp.Or(s.Server, file.Server)
			s.APIKey = cmp.Or(s.APIKey, file.APIKey)
			s.Account = cmp.Or(s.Account, file.Account)
		}
	}

	s.Server = cmp.Or(s.Server, cliDefaultServer)
	s.Account = cmp.Or(s.Account, accountHint)
	if s.APIKey == "" || s.Account == "" {
		if b, err := os.ReadFile(cliDevKeyFile); err == nil {
			s.APIKey = cmp.Or(s.APIKey, strings.TrimSpace(string(b)))
			s.Account = cmp.Or(s.Account, cliDevAccountID)
		}
	}
	if s.Account == "" {
		return s, errors.New("no account: pass --account, set JUNCTION_ACCOUNT or \"account\" in the config file (or run from the directory of `junction dev`)")
	}
	if !strings.Contains(s.Server, "://") {
		s.Server = "http://" + s.Server
	}
	return s, nil
}

// cliDefaultConfigPath is $XDG_CONFIG_HOME/junction/config.json, or
// ~/.config/junction/config.json; "" when neither can be known.
func cliDefaultConfigPath() string {
	if dir := os.Getenv("XDG_CONFIG_HOME"); dir != "" {
		return filepath.Join(dir, "junction", "config.json")
	}
	if home, err := os.UserHomeDir(); err == nil {
		return filepath.Join(home, ".config", "junction", "config.json")
	}
	return ""
}

// readCLIConfig reads a config file; an unknown field is an error, so a
// misspelt "api_key" is not silently ignored.
func readCLIConfig(path string) (cliSettings, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return cliSettings{}, fmt.Errorf("reading config file: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var s cliSettings
	if err := dec.Decode(&s); err != nil {
		return cliSettings{}, fmt.Errorf("config file %s: %w", path, err)
	}
	return s, nil
}

// cliClient builds the API client the verb's flags, env and config name
// (accountHint: see resolveCLISettings).
func cliClient(c *cli.Context, accountHint string) (*apiclient.Client, cliSettings, error) {
	s, err := resolveCLISettings(c, accountHint)
	if err != nil {
		return nil, s, err
	}
	hc := &http.Client{Timeout: 2 * time.Minute}
	return apiclient.New(s.Server, s.APIKey, s.Account, apiclient.WithHTTPClient(hc),
		apiclient.WithUserAgent("junction-cli/"+version)), s, nil
}

// cliArgs returns the verb's positional arguments, applying the flags that
// follow them: urfave/cli v2 stops reading flags at the first argument, and
// people type `junction runs logs RUN -o json`.
func cliArgs(c *cli.Context) ([]string, error) {
	var pos []string
	args := c.Args().Slice()
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			pos = append(pos, args[i+1:]...)
			break
		}
		if len(a) < 2 || a[0] != '-' {
			pos = append(pos, a)
			continue
		}
		name, value, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if name == "h" || name == "help" {
			// Show help rather than act: `junction runs terminate RUN -h`
			// must not terminate anything.
			cli.HelpPrinter(c.App.Writer, cli.CommandHelpTemplate, c.Command)
			return nil, errCLIHelpShown
		}
		f := cliLookupFlag(c.Command.Flags, name)
		if f == nil {
			return nil, fmt.Errorf("flag provided but not defined: %s", a)
		}
		if _, isBool := f.(*cli.BoolFlag); isBool && !hasValue {
			value = "true"
		} else if !hasValue {
			if i+1 == len(args) {
				return nil, fmt.Errorf("flag needs an argument: %s", a)
			}
			i++
			value = args[i]
		}
		for _, n := range f.Names() {
			if err := c.Set(n, value); err != nil {
				return nil, fmt.Errorf("invalid value %q for flag -%s: %w", value, name, err)
			}
		}
	}
	return pos, nil
}

// errCLIHelpShown ends a verb whose trailing -h printed its help;
// cliAction turns it into success.
var errCLIHelpShown = errors.New("help shown")

// cliAction wraps a verb's action.
func cliAction(fn cli.ActionFunc) cli.ActionFunc {
	return func(c *cli.Context) error {
		if err := fn(c); !errors.Is(err, errCLIHelpShown) {
			return err
		}
		return nil
	}
}

func cliLookupFlag(flags []cli.Flag, name string) cli.Flag {
	for _, f := range flags {
		for _, n := range f.Names() {
			if n == name {
				return f
			}
		}
	}
	return nil
}

// cliExactArgs reads the positional arguments and checks their number.
func cliExactArgs(c *cli.Context, n int, usage string) ([]string, error) {
	args, err := cliArgs(c)
	if err != nil {
		return nil, err
	}
	if len(args) != n {
		return nil, fmt.Errorf("usage: %s %s", c.Command.HelpName, usage)
	}
	return args, nil
}

// cliOutput is the chosen output format.
func cliOutput(c *cli.Context) (string, error) {
	switch o := c.String("output"); o {
	case "table", "json":
		return o, nil
	default:
		return "", fmt.Errorf("--output must be table or json, not %q", o)
	}
}

// cliPrintJSON writes v indented, as the API sent it where it can.
func cliPrintJSON(w io.Writer, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "%s\n", b)
	return err
}

// cliTable writes aligned columns; its header is upper case.
type cliTable struct{ tw *tabwriter.Writer }

func newCLITable(w io.Writer, header ...string) *cliTable {
	t := &cliTable{tw: tabwriter.NewWriter(w, 0, 8, 3, ' ', 0)}
	t.row(header...)
	return t
}

func (t *cliTable) row(cells ...string) {
	for i, c := range cells {
		if c == "" {
			c = "-"
		}
		cells[i] = cliCell(c)
	}
	fmt.Fprintln(t.tw, strings.Join(cells, "\t"))
}

func (t *cliTable) flush() error { return t.tw.Flush() }

// cliCell keeps a cell on one line and one column.
func cliCell(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// cliTruncate shortens s to n runes, marking the cut.
func cliTruncate(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

// cliTime shows an API timestamp to the second; "" stays "" (shown as -).
func cliTime(s string) string {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return s
	}
	return t.UTC().Format("2006-01-02 15:04:05")
}

// cliPayload reads a JSON value given as @file, @- (stdin) or inline; ""
// is no payload.
// cliSend reads what a command that sends an event needs: the output
// format, the --data payload and the API client.
func cliSend(c *cli.Context) (output string, payload json.RawMessage, client *apiclient.Client, s cliSettings, err error) {
	if output, err = cliOutput(c); err != nil {
		return "", nil, nil, s, err
	}
	if payload, err = cliPayload(c, c.String("data"), "--data"); err != nil {
		return "", nil, nil, s, err
	}
	client, s, err = cliClient(c, "")
	return output, payload, client, s, err
}

func cliPayload(c *cli.Context, arg, what string) (json.RawMessage, error) {
	if arg == "" {
		return nil, nil
	}
	b := []byte(arg)
	name := what
	if file, ok := strings.CutPrefix(arg, "@"); ok {
		var err error
		b, err = cliReadInput(c, file)
		if err != nil {
			return nil, err
		}
		name = file
	}
	if !json.Valid(b) {
		return nil, fmt.Errorf("%s is not valid JSON", name)
	}
	return bytes.TrimSpace(b), nil
}

// cliReadInput reads a file, or the command's input for "-".
func cliReadInput(c *cli.Context, path string) ([]byte, error) {
	if path == "-" {
		r := c.App.Reader
		if r == nil {
			r = os.Stdin
		}
		b, err := io.ReadAll(r)
		if err != nil {
			return nil, fmt.Errorf("reading standard input: %w", err)
		}
		return b, nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return b, nil
}

// cliError turns a client error into what a person at a terminal needs:
// the API's message with its code and errorId, one line per field at fault,
// when to retry; or why the server could not be reached.
func cliError(err error, s cliSettings) error {
	if err == nil {
		return nil
	}
	var apiErr *apiclient.APIError
	if errors.As(err, &apiErr) {
		return &cliAPIError{apiErr}
	}
	if errors.Is(err, syscall.ECONNREFUSED) {
		return fmt.Errorf("cannot reach the Junction API at %s (is `junction dev` running? --server sets the address): %w", s.Server, err)
	}
	return err
}

// cliAPIError prints an *apiclient.APIError over several lines.
type cliAPIError struct{ err *apiclient.APIError }

func (e *cliAPIError) Unwrap() error { return e.err }

func (e *cliAPIError) Error() string {
	var b strings.Builder
	b.WriteString(e.err.Error())
	if e.err.RetryAfter > 0 {
		fmt.Fprintf(&b, "; retry after %s", e.err.RetryAfter)
	}
	for _, f := range e.err.Errors {
		fmt.Fprintf(&b, "\n  %s: %s", f.Path, f.Message)
	}
	return b.String()
}
