package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"
	"unicode"

	"github.com/urfave/cli/v2"

	"github.com/junction-run/junction/store"
)

// adminCommands are the operator commands that work on the metadata database directly, not
// through the API: they bootstrap an installation where no API key exists yet to call the API
// with, and let an operator who holds the database revoke a leaked key.
func adminCommands() []*cli.Command {
	return []*cli.Command{adminAccountsCommand(), adminKeysCommand()}
}

func adminAccountsCommand() *cli.Command {
	return &cli.Command{
		Name:  "accounts",
		Usage: "create and list accounts in the metadata database",
		Subcommands: []*cli.Command{
			{
				Name:      "create",
				Usage:     "create an account",
				ArgsUsage: "ID",
				Flags:     adminFlags(&cli.StringFlag{Name: "name", Usage: "display name"}),
				Action: cliAction(func(c *cli.Context) error {
					args, err := adminArgs(c, []string{"ID"})
					if err != nil {
						return err
					}
					return withAdminStore(c, func(st *store.Store, out adminOutput) error {
						a, err := st.CreateAccount(c.Context, store.Account{ID: args[0], Name: c.String("name")})
						if err != nil {
							return err
						}
						if out.json {
							return out.encode(adminAccountView(a))
						}
						_, err = fmt.Fprintf(out.w, "Created account %s in %s.\n", a.ID, out.database)
						return err
					})
				}),
			},
			{
				Name:  "list",
				Usage: "list accounts",
				Flags: adminFlags(),
				Action: cliAction(func(c *cli.Context) error {
					if _, err := adminArgs(c, nil); err != nil {
						return err
					}
					return withAdminStore(c, func(st *store.Store, out adminOutput) error {
						as, err := adminListAll(func(p store.Page) ([]store.Account, error) { return st.ListAccounts(c.Context, p) })
						if err != nil {
							return err
						}
						if out.json {
							views := make([]adminAccountJSON, 0, len(as))
							for _, a := range as {
								views = append(views, adminAccountView(a))
							}
							return out.encode(views)
						}
						tw := out.table("ID", "NAME", "CREATED")
						for _, a := range as {
							adminRow(tw, a.ID, a.Name, adminTime(&a.CreatedAt))
						}
						return tw.Flush()
					})
				}),
			},
		},
	}
}

func adminKeysCommand() *cli.Command {
	accountFlag := func() cli.Flag {
		return &cli.StringFlag{Name: "account", Usage: "account ID (required)"}
	}
	return &cli.Command{
		Name:  "keys",
		Usage: "create, list and revoke API keys in the metadata database",
		Subcommands: []*cli.Command{
			{
				Name:  "create",
				Usage: "create an API key and print it (once: it is not stored and cannot be shown again)",
				Flags: adminFlags(
					accountFlag(),
					&cli.StringFlag{Name: "name", Usage: "what the key is for"},
					&cli.StringSliceFlag{Name: "scope", Usage: "read, runs or admin; repeat for several (default: admin)"},
				),
				Action: cliAction(func(c *cli.Context) error {
					if _, err := adminArgs(c, nil, "account"); err != nil {
						return err
					}
					return withAdminStore(c, func(st *store.Store, out adminOutput) error {
						k, key, err := st.CreateAPIKey(c.Context, c.String("account"), c.String("name"), c.StringSlice("scope"))
						if err != nil {
							return err
						}
						const warning = "This is the only time the key is shown: it is not stored and cannot be shown again."
						if out.json {
							v := adminKeyView(k)
							v.Key = key
							// The warning goes to stderr so that stdout stays one JSON document.
							fmt.Fprintln(c.App.ErrWriter, warning)
							return out.encode(v)
						}
						_, err = fmt.Fprintf(out.w, "Created API key %s (%s) for account %s with scopes %s.\n\n    %s\n\n%s\nSend it as: Authorization: Bearer <key>\n",
							k.ID, k.Prefix, k.AccountID, strings.Join(k.Scopes, ","), key, warning)
						return err
					})
				}),
			},
			{
				Name:  "list",
				Usage: "list the API keys of an account, revoked ones included",
				Flags: adminFlags(accountFlag()),
				Action: cliAction(func(c *cli.Context) error {
					if _, err := adminArgs(c, nil, "account"); err != nil {
						return err
					}
					return withAdminStore(c, func(st *store.Store, out adminOutput) error {
						accountID := c.String("account")
						// An unknown account is an error, not an empty list: it is most likely a typo.
						if _, err := st.Account(c.Context, accountID); err != nil {
							return err
						}
						ks, err := adminListAll(func(p store.Page) ([]store.APIKey, error) { return st.ListAPIKeys(c.Context, accountID, p) })
						if err != nil {
							return err
						}
						if out.json {
							views := make([]adminKeyJSON, 0, len(ks))
							for _, k := range ks {
								views = append(views, adminKeyView(k))
							}
							return out.encode(views)
						}
						tw := out.table("ID", "PREFIX", "NAME", "SCOPES", "CREATED", "LAST USED", "REVOKED")
						for _, k := range ks {
							adminRow(tw, k.ID, k.Prefix, k.Name, strings.Join(k.Scopes, ","),
								adminTime(&k.CreatedAt), adminTime(k.LastUsedAt), adminTime(k.RevokedAt))
						}
						return tw.Flush()
					})
				}),
			},
			{
				Name:      "revoke",
				Usage:     "revoke an API key at once (revoking a revoked key is fine)",
				ArgsUsage: "KEY_ID",
				Flags:     adminFlags(accountFlag()),
				Action: cliAction(func(c *cli.Context) error {
					args, err := adminArgs(c, []string{"KEY_ID"}, "account")
					if err != nil {
						return err
					}
					return withAdminStore(c, func(st *store.Store, out adminOutput) error {
						accountID := c.String("account")
						if err := st.RevokeAPIKey(c.Context, accountID, args[0]); err != nil {
							return err
						}
						k, err := st.APIKey(c.Context, accountID, args[0])
						if err != nil {
							return err
						}
						if out.json {
							return out.encode(adminKeyView(k))
						}
						_, err = fmt.Fprintf(out.w, "Revoked API key %s (%s) of account %s.\n", k.ID, k.Prefix, k.AccountID)
						return err
					})
				}),
			},
		},
	}
}

// adminFlags returns the flags every admin command has, followed by extra.
func adminFlags(extra ...cli.Flag) []cli.Flag {
	return append([]cli.Flag{
		&cli.StringFlag{Name: "database-url", Value: "sqlite:.junction/junction.db", Usage: "metadata store: sqlite:PATH or postgres://...", EnvVars: []string{"JUNCTION_DATABASE_URL"}},
		&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Value: "table", Usage: "table or json"},
	}, extra...)
}

// adminArgs returns the positional arguments, which must be exactly the ones named, after
// applying any flags typed among them (see cliArgs: people type `junction keys revoke KEY_ID
// --account acme`). Then it checks that the flags named in required are set (urfave's own check
// would run before the late flags are read).
func adminArgs(c *cli.Context, names []string, required ...string) ([]string, error) {
	pos, err := cliArgs(c)
	if err != nil {
		return nil, err
	}
	if len(pos) != len(names) {
		return nil, fmt.Errorf("usage: %s [flags] %s", c.Command.HelpName, strings.Join(names, " "))
	}
	for _, name := range required {
		if c.String(name) == "" {
			return nil, fmt.Errorf("%s: --%s is required", c.Command.HelpName, name)
		}
	}
	return pos, nil
}

// adminOutput is where and how a command prints its result.
type adminOutput struct {
	w        io.Writer
	json     bool
	database string // the database URL with any password masked, for messages
}

func (o adminOutput) encode(v any) error {
	enc := json.NewEncoder(o.w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// table starts an aligned table with a header row; the caller adds rows and flushes.
func (o adminOutput) table(header ...string) *tabwriter.Writer {
	tw := tabwriter.NewWriter(o.w, 0, 8, 3, ' ', 0)
	fmt.Fprintln(tw, strings.Join(header, "\t"))
	return tw
}

// adminRow writes one table row. Cells are made safe for a terminal: names come from API callers.
func adminRow(tw *tabwriter.Writer, cells ...string) {
	for i, c := range cells {
		if c == "" {
			c = "-"
		}
		cells[i] = strings.Map(func(r rune) rune {
			if unicode.IsControl(r) {
				return '?'
			}
			return r
		}, c)
	}
	fmt.Fprintln(tw, strings.Join(cells, "\t"))
}

// withAdminStore opens the metadata database named by --database-url, migrating it if needed,
// runs fn, and closes it.
func withAdminStore(c *cli.Context, fn func(*store.Store, adminOutput) error) error {
	out := adminOutput{w: c.App.Writer, database: redactURL(c.String("database-url"))}
	switch format := c.String("output"); format {
	case "table":
	case "json":
		out.json = true
	default:
		return fmt.Errorf("--output %q: want table or json", format)
	}
	// Only bootstrapping (accounts create) may make a new database: any
	// other command run in the wrong directory would otherwise answer from
	// an empty database it just created.
	if path, isFile := sqliteFile(c.String("database-url")); isFile && !(c.Command.Name == "create" && c.Lineage()[1].Command != nil && c.Lineage()[1].Command.Name == "accounts") {
		if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("no metadata database at %s: run this where junction dev or junction gateway keeps it, or pass --database-url", path)
		}
	}
	st, err := store.Open(c.Context, c.String("database-url"))
	if err != nil {
		return fmt.Errorf("opening metadata database %s: %w", out.database, err)
	}
	defer st.Close()
	return fn(st, out)
}

// adminListAll pages through a store listing until it is exhausted.
func adminListAll[T any](list func(store.Page) ([]T, error)) ([]T, error) {
	const limit = 500
	var all []T
	for offset := 0; ; offset += limit {
		page, err := list(store.Page{Limit: limit, Offset: offset})
		if err != nil {
			return nil, err
		}
		all = append(all, page...)
		if len(page) < limit {
			return all, nil
		}
	}
}

// adminTime formats a time for a table: UTC to the second, like the API client's tables; "-" for
// none.
func adminTime(t *time.Time) string {
	if t == nil {
		return "-"
	}
	return t.UTC().Format("2006-01-02 15:04:05")
}

// adminAccountJSON and adminKeyJSON are the -o json shapes, in the API's camelCase.
type adminAccountJSON struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"createdAt"`
}

func adminAccountView(a store.Account) adminAccountJSON {
	return adminAccountJSON{ID: a.ID, Name: a.Name, CreatedAt: a.CreatedAt}
}

type adminKeyJSON struct {
	ID         string     `json:"id"`
	AccountID  string     `json:"accountId"`
	Name       string     `json:"name"`
	Prefix     string     `json:"prefix"`
	Scopes     []string   `json:"scopes"`
	CreatedAt  time.Time  `json:"createdAt"`
	LastUsedAt *time.Time `json:"lastUsedAt"`
	RevokedAt  *time.Time `json:"revokedAt"`
	Key        string     `json:"key,omitempty"` // the full key; only when it was just created
}

func adminKeyView(k store.APIKey) adminKeyJSON {
	return adminKeyJSON{ID: k.ID, AccountID: k.AccountID, Name: k.Name, Prefix: k.Prefix, Scopes: k.Scopes,
		CreatedAt: k.CreatedAt, LastUsedAt: k.LastUsedAt, RevokedAt: k.RevokedAt}
}

// sqliteFile returns the file a SQLite database URL names (the forms
// store.Open accepts), or false for other databases and in-memory ones.
func sqliteFile(url string) (string, bool) {
	switch {
	case strings.HasPrefix(url, "postgres://"), strings.HasPrefix(url, "postgresql://"), strings.Contains(url, ":memory:"):
		return "", false
	case strings.HasPrefix(url, "sqlite://"):
		return strings.TrimPrefix(url, "sqlite://"), true
	case strings.HasPrefix(url, "sqlite:"):
		return strings.TrimPrefix(url, "sqlite:"), true
	}
	return url, url != ""
}
