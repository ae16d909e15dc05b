package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"

	"github.com/junction-run/junction/store"
	"github.com/junction-run/junction/store/storetest"
)

// runAdmin runs `junction ARGS...` with only the admin commands and returns what it printed.
func runAdmin(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errOut bytes.Buffer
	app := &cli.App{Name: "junction", Commands: adminCommands(), Writer: &out, ErrWriter: &errOut}
	err = app.RunContext(context.Background(), append([]string{"junction"}, args...))
	return out.String(), errOut.String(), err
}

func mustRunAdmin(t *testing.T, args ...string) string {
	t.Helper()
	out, stderr, err := runAdmin(t, args...)
	if err != nil {
		t.Fatalf("junction %s: %v\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), err, out, stderr)
	}
	return out
}

// tableRows splits a table into rows of cells, checking that the columns are aligned: every cell
// of a column starts at the same offset as its header.
func tableRows(t *testing.T, table string) [][]string {
	t.Helper()
	lines := strings.Split(strings.TrimRight(table, "\n"), "\n")
	starts := regexp.MustCompile(`\S+( \S+)*`).FindAllStringIndex(lines[0], -1) // headers may hold one space
	var rows [][]string
	for _, line := range lines {
		var cells []string
		for i, s := range starts {
			end := len(line)
			if i+1 < len(starts) {
				end = starts[i+1][0]
			}
			if s[0] > 0 && line[s[0]-1] != ' ' {
				t.Fatalf("column %d not aligned in line %q of\n%s", i, line, table)
			}
			cells = append(cells, strings.TrimSpace(line[s[0]:end]))
		}
		rows = append(rows, cells)
	}
	return rows
}

func authenticate(t *testing.T, url, key string) (store.APIKey, error) {
	t.Helper()
	st, err := store.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	return st.AuthenticateAPIKey(context.Background(), key)
}

var keyLine = regexp.MustCompile(`(?m)^    (jk_[0-9a-v]{8}_[0-9A-Za-z]{32,})$`)

func TestAdminAccounts(t *testing.T) {
	url := storetest.SQLiteURL(t)
	t.Setenv("JUNCTION_DATABASE_URL", url)

	out := mustRunAdmin(t, "accounts", "create", "--name", "Acme Corp", "acme")
	if want := "Created account acme in " + url + ".\n"; out != want {
		t.Errorf("create printed %q, want %q", out, want)
	}
	mustRunAdmin(t, "accounts", "create", "globex", "--name", "Globex\tInc\n") // flags after the ID work too
	mustRunAdmin(t, "accounts", "create", "initech")

	errTests := []struct {
		name    string
		args    []string
		wantErr error  // errors.Is
		wantMsg string // in the message
	}{
		{name: "duplicate", args: []string{"accounts", "create", "acme"}, wantErr: store.ErrConflict},
		{name: "bad ID", args: []string{"accounts", "create", "acme/eu"}, wantErr: store.ErrInvalid},
		{name: "no ID", args: []string{"accounts", "create"}, wantMsg: "usage: junction accounts create [flags] ID"},
		{name: "two IDs", args: []string{"accounts", "create", "a", "b"}, wantMsg: "usage:"},
		{name: "list takes no arguments", args: []string{"accounts", "list", "acme"}, wantMsg: "usage:"},
		{name: "unknown output", args: []string{"accounts", "list", "-o", "yaml"}, wantMsg: `--output "yaml"`},
		{name: "unknown late flag", args: []string{"accounts", "create", "x", "--nmae", "X"}, wantMsg: "not defined: --nmae"},
	}
	for _, tt := range errTests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := runAdmin(t, tt.args...)
			if err == nil || (tt.wantErr != nil && !errors.Is(err, tt.wantErr)) || !strings.Contains(err.Error(), tt.wantMsg) {
				t.Errorf("junction %s: error = %v, want %v containing %q", strings.Join(tt.args, " "), err, tt.wantErr, tt.wantMsg)
			}
		})
	}

	t.Run("list as a table", func(t *testing.T) {
		rows := tableRows(t, mustRunAdmin(t, "accounts", "list"))
		if !slices.Equal(rows[0], []string{"ID", "NAME", "CREATED"}) || len(rows) != 4 {
			t.Fatalf("rows = %q, want a header and 3 accounts", rows)
		}
		// Control characters in names must not break the table or reach the terminal.
		want := [][]string{{"acme", "Acme Corp"}, {"globex", "Globex?Inc?"}, {"initech", "-"}}
		for i, w := range want {
			if r := rows[i+1]; r[0] != w[0] || r[1] != w[1] || !regexp.MustCompile(`^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$`).MatchString(r[2]) {
				t.Errorf("row %d = %q, want %q and a time", i+1, r, w)
			}
		}
	})

	t.Run("list as JSON", func(t *testing.T) {
		var got []adminAccountJSON
		if err := json.Unmarshal([]byte(mustRunAdmin(t, "accounts", "list", "-o", "json")), &got); err != nil {
			t.Fatal(err)
		}
		if len(got) != 3 || got[0].ID != "acme" || got[0].Name != "Acme Corp" || got[0].CreatedAt.IsZero() {
			t.Errorf("accounts = %+v, want acme (Acme Corp), globex, initech", got)
		}
	})

	t.Run("--database-url beats the environment", func(t *testing.T) {
		other := storetest.SQLiteURL(t)
		mustRunAdmin(t, "accounts", "create", "solo", "--database-url", other)
		var got []adminAccountJSON
		if err := json.Unmarshal([]byte(mustRunAdmin(t, "accounts", "list", "--database-url", other, "-o", "json")), &got); err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || got[0].ID != "solo" {
			t.Errorf("accounts in the other database = %+v, want solo only", got)
		}
	})

	t.Run("listing never creates a database", func(t *testing.T) {
		missing := storetest.SQLiteURL(t)
		app := &cli.App{Commands: adminCommands(), Writer: io.Discard, ErrWriter: io.Discard}
		err := app.RunContext(context.Background(), []string{"junction", "accounts", "list", "--database-url", missing})
		if err == nil || !strings.Contains(err.Error(), "no metadata database") {
			t.Fatalf("listing a missing database: %v", err)
		}
		if _, statErr := os.Stat(strings.TrimPrefix(missing, "sqlite:")); !errors.Is(statErr, os.ErrNotExist) {
			t.Fatalf("the listing created %s", missing)
		}
	})
}

func TestAdminKeys(t *testing.T) {
	url := storetest.SQLiteURL(t)
	t.Setenv("JUNCTION_DATABASE_URL", url)
	mustRunAdmin(t, "accounts", "create", "acme")
	mustRunAdmin(t, "accounts", "create", "globex")

	// A key as text: printed once, on a line of its own, with the warning.
	out := mustRunAdmin(t, "keys", "create", "--account", "acme", "--name", "bootstrap")
	m := keyLine.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no key in the output of keys create:\n%s", out)
	}
	adminKey := m[1]
	if !strings.Contains(out, "cannot be shown again") || strings.Count(out, adminKey) != 1 {
		t.Errorf("keys create printed\n%s\nwant the key once and a warning that it cannot be shown again", out)
	}
	k, err := authenticate(t, url, adminKey)
	if err != nil {
		t.Fatalf("the printed key does not authenticate: %v", err)
	}
	if k.AccountID != "acme" || k.Name != "bootstrap" || !slices.Equal(k.Scopes, []string{store.ScopeAdmin}) {
		t.Errorf("printed key is %+v, want acme's admin key named bootstrap", k)
	}
	if !strings.Contains(out, k.ID) || !strings.Contains(out, k.Prefix) {
		t.Errorf("keys create output lacks the key's ID %s or prefix %s:\n%s", k.ID, k.Prefix, out)
	}

	// A key as JSON: stdout is one document holding the key; the warning goes to stderr.
	stdout, stderr, err := runAdmin(t, "keys", "create", "--account", "acme", "--name", "ci", "--scope", "runs", "--scope", "read", "-o", "json")
	if err != nil {
		t.Fatal(err)
	}
	var created adminKeyJSON
	if err := json.Unmarshal([]byte(stdout), &created); err != nil {
		t.Fatalf("keys create -o json printed %q: %v", stdout, err)
	}
	if !strings.Contains(stderr, "cannot be shown again") || strings.Contains(stderr, created.Key) {
		t.Errorf("stderr = %q, want the warning and not the key", stderr)
	}
	if k, err := authenticate(t, url, created.Key); err != nil || k.ID != created.ID || !slices.Equal(k.Scopes, []string{"read", "runs"}) {
		t.Errorf("the JSON key authenticates as %+v, %v; want %s with scopes [read runs]", k, err, created.ID)
	}
	if created.AccountID != "acme" || created.Name != "ci" || created.Prefix != created.Key[:11] || created.RevokedAt != nil {
		t.Errorf("created = %+v", created)
	}
	// Comma-separated scopes work as well.
	stdout = mustRunAdmin(t, "keys", "create", "--account", "globex", "--scope", "read,runs", "-o", "json")
	var globexKey adminKeyJSON
	if err := json.Unmarshal([]byte(stdout), &globexKey); err != nil || !slices.Equal(globexKey.Scopes, []string{"read", "runs"}) {
		t.Errorf("--scope read,runs gave %+v, %v", globexKey, err)
	}

	errTests := []struct {
		name    string
		args    []string
		wantErr error
		wantMsg string
	}{
		{name: "create for an unknown account", args: []string{"keys", "create", "--account", "nobody"}, wantErr: store.ErrNotFound},
		{name: "create with an unknown scope", args: []string{"keys", "create", "--account", "acme", "--scope", "write"}, wantErr: store.ErrInvalid},
		{name: "create without --account", args: []string{"keys", "create"}, wantMsg: "--account is required"},
		{name: "list for an unknown account", args: []string{"keys", "list", "--account", "nobody"}, wantErr: store.ErrNotFound},
		{name: "revoke another account's key", args: []string{"keys", "revoke", "--account", "globex", created.ID}, wantErr: store.ErrNotFound},
		{name: "revoke an unknown key", args: []string{"keys", "revoke", "--account", "acme", "key_nope"}, wantErr: store.ErrNotFound},
		{name: "revoke without a key ID", args: []string{"keys", "revoke", "--account", "acme"}, wantMsg: "usage: junction keys revoke [flags] KEY_ID"},
		{name: "revoke without --account", args: []string{"keys", "revoke", created.ID}, wantMsg: "--account is required"},
	}
	for _, tt := range errTests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := runAdmin(t, tt.args...)
			if err == nil || (tt.wantErr != nil && !errors.Is(err, tt.wantErr)) || !strings.Contains(err.Error(), tt.wantMsg) {
				t.Errorf("junction %s: error = %v, want %v containing %q", strings.Join(tt.args, " "), err, tt.wantErr, tt.wantMsg)
			}
		})
	}
	if _, err := authenticate(t, url, created.Key); err != nil {
		t.Errorf("acme's key after globex tried to revoke it: %v", err)
	}

	// -h after the arguments shows help and revokes nothing.
	if out, _, err := runAdmin(t, "keys", "revoke", created.ID, "--account", "acme", "-h"); err != nil || !strings.Contains(out, "revoke") {
		t.Errorf("keys revoke ... -h: %v, printed %q; want the command's help", err, out)
	}
	if _, err := authenticate(t, url, created.Key); err != nil {
		t.Errorf("the key after keys revoke ... -h: %v; -h must not act", err)
	}

	// Revoking, with the flag after the key ID.
	out = mustRunAdmin(t, "keys", "revoke", created.ID, "--account", "acme")
	if want := "Revoked API key " + created.ID + " (" + created.Prefix + ") of account acme.\n"; out != want {
		t.Errorf("revoke printed %q, want %q", out, want)
	}
	if _, err := authenticate(t, url, created.Key); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("revoked key authenticates: error = %v, want ErrNotFound", err)
	}
	var revoked adminKeyJSON
	if err := json.Unmarshal([]byte(mustRunAdmin(t, "keys", "revoke", "--account", "acme", "-o", "json", created.ID)), &revoked); err != nil {
		t.Fatalf("revoking twice: %v", err)
	}
	if revoked.ID != created.ID || revoked.RevokedAt == nil || revoked.Key != "" {
		t.Errorf("revoke -o json = %+v, want the revoked key without a secret", revoked)
	}

	t.Run("list as a table", func(t *testing.T) {
		out := mustRunAdmin(t, "keys", "list", "--account", "acme")
		for _, key := range []string{adminKey, created.Key} {
			if strings.Contains(out, key[12:]) {
				t.Errorf("keys list shows a secret:\n%s", out)
			}
		}
		rows := tableRows(t, out)
		if want := []string{"ID", "PREFIX", "NAME", "SCOPES", "CREATED", "LAST USED", "REVOKED"}; !slices.Equal(rows[0], want) {
			t.Errorf("header = %q, want %q", rows[0], want)
		}
		if len(rows) != 3 {
			t.Fatalf("rows = %q, want a header and acme's 2 keys", rows)
		}
		ci, boot := rows[1], rows[2] // newest first
		if ci[0] != created.ID || ci[1] != created.Prefix || ci[2] != "ci" || ci[3] != "read,runs" || ci[5] == "-" || ci[6] == "-" {
			t.Errorf("ci row = %q, want %s %s ci read,runs, used and revoked", ci, created.ID, created.Prefix)
		}
		if boot[0] != k.ID || boot[2] != "bootstrap" || boot[3] != "admin" || boot[5] == "-" || boot[6] != "-" {
			t.Errorf("bootstrap row = %q, want %s bootstrap admin, used and not revoked", boot, k.ID)
		}
	})

	t.Run("list as JSON", func(t *testing.T) {
		var got []adminKeyJSON
		if err := json.Unmarshal([]byte(mustRunAdmin(t, "keys", "list", "--account", "globex", "-o", "json")), &got); err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || got[0].ID != globexKey.ID || got[0].Key != "" || got[0].LastUsedAt != nil {
			t.Errorf("globex's keys = %+v, want only %s, never used, without a secret", got, globexKey.ID)
		}
	})
}
