package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/junction-run/junction/connectors/connectortest"
	"github.com/junction-run/junction/connectors/connectortest/example/exampletest"
	"github.com/junction-run/junction/internal/devstack"
)

// `junction apps test` against a whole dev stack (embedded Temporal, Vault,
// SQLite) and the example third party's fake: the first test of a file
// pushes its version and runs the action on a live connection, printing
// its output; the second finds the version stored and unchanged, and the
// third party's refusal (a contact that exists already) is printed and
// fails the command. The same file as a platform app is pushed with the
// operators' key.
func TestCLIAppsTestAgainstADevStack(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "..", "connectors", "declarative", "testdata", "valid", "acme_crm.json"))
	if err != nil {
		t.Fatal(err)
	}
	fake := exampletest.New(t)
	base, err := url.Parse(fake.BaseURL())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	s, err := devstack.Start(ctx, devstack.Config{
		DataDir: t.TempDir(), TemporalAddress: "127.0.0.1:0", UIAddress: "-", HTTPAddress: "127.0.0.1:0", VaultListen: "127.0.0.1:0",
		Logger: zaptest.NewLogger(t),
		// Every workspace's host goes to the fake, the Host header intact.
		ConnectorTransport: connectortest.Redirect(base, http.DefaultTransport),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Stop(context.Background()) })
	if s.Vault == nil {
		t.Fatal("no Vault: build it with make vault (CI builds it)")
	}
	cliTestEnv(t, s.GatewayURL)
	t.Setenv("JUNCTION_API_KEY", s.DevAPIKey)
	t.Setenv("JUNCTION_ACCOUNT", devstack.DevAccountID)

	// "acme" is a built-in connector's key in some catalogs; not in this
	// stack's, but the file gets a key of its own anyway.
	doc = bytes.Replace(doc, []byte(`"key": "acme"`), []byte(`"key": "acme_cli"`), 1)
	cliWriteFile(t, "app.json", string(doc))

	if out, err := cliRun(t, "", "apps", "push", "app.json"); err != nil || out != "stored app acme_cli 1.0.0\n" {
		t.Fatalf("push: %v\n%s", err, out)
	}
	conn := cliCreateConnection(t, s, `{"app":"acme_cli","authKind":"api_key","fields":{"key":"`+exampletest.APIKey+`"},"properties":{"workspace":"northwind"}}`)

	out, err := cliRun(t, "", "apps", "test", "app.json", "--action", "create_contact", "--connection", conn)
	if err != nil {
		t.Fatalf("apps test: %v\n%s", err, out)
	}
	contacts := fake.Contacts("northwind")
	if len(contacts) != 1 || contacts[0].Email != "grace@example.com" {
		t.Fatalf("the fake's contacts %+v", contacts)
	}
	for _, want := range []string{"already stored, unchanged: app acme_cli 1.0.0\n", "ran acme_cli.create_contact 1.0.0: completed",
		`"id": "` + contacts[0].ID + `"`, `"email": "grace@example.com"`} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}

	// The same sample input again: Acme refuses a second contact with
	// the same email, and the command says so and fails.
	out, err = cliRun(t, "", "apps", "test", "app.json", "--action", "create_contact", "--connection", conn, "-o", "json")
	if err == nil || !strings.Contains(err.Error(), "acme_cli.create_contact failed: ") || !strings.Contains(err.Error(), "already exists") {
		t.Fatalf("a refused action: error %v\n%s", err, out)
	}
	var run struct {
		Status string
		Error  struct{ Type, Message string }
	}
	if jerr := json.Unmarshal([]byte(out), &run); jerr != nil || run.Status != "failed" || run.Error.Type != "Unprocessable" {
		t.Errorf("-o json printed %s (%v)", out, jerr)
	}

	// Another input, and a version of the file not pushed yet: pushed first.
	v11 := bytes.Replace(doc, []byte(`"version": "1.0.0"`), []byte(`"version": "1.1.0"`), 1)
	cliWriteFile(t, "app.json", string(v11))
	out, err = cliRun(t, "", "apps", "test", "app.json", "--action", "create_contact", "--connection", conn, "--input", `{"email": "ada@example.com"}`)
	if err != nil || !strings.HasPrefix(out, "stored app acme_cli 1.1.0\nran acme_cli.create_contact 1.1.0: completed") {
		t.Fatalf("a new version: %v\n%s", err, out)
	}
	if contacts := fake.Contacts("northwind"); len(contacts) != 2 || contacts[1].Email != "ada@example.com" {
		t.Errorf("the fake's contacts %+v", contacts)
	}
	// The file changed under a stored version: refused, nothing runs.
	cliWriteFile(t, "app.json", strings.Replace(string(v11), `"name": "Acme CRM"`, `"name": "Acme"`, 1))
	if out, err := cliRun(t, "", "apps", "test", "app.json", "--action", "create_contact", "--connection", conn); err == nil || !strings.Contains(err.Error(), "a version cannot change") {
		t.Errorf("a changed version: %v\n%s", err, out)
	}

	// The dev account is the operators' account: its key pushes platform
	// apps.
	platform := bytes.Replace(doc, []byte(`"key": "acme_cli"`), []byte(`"key": "acme_shared"`), 1)
	cliWriteFile(t, "shared.json", string(platform))
	if out, err := cliRun(t, "", "apps", "push", "--platform", "shared.json"); err != nil || out != "stored app acme_shared 1.0.0, for every account\n" {
		t.Errorf("push --platform: %v\n%s", err, out)
	}
}

// cliCreateConnection creates a connection of the dev account through the
// API and returns its id.
func cliCreateConnection(t *testing.T, s *devstack.Stack, body string) string {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, s.GatewayURL+"/api/v1/accounts/"+devstack.DevAccountID+"/connections", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+s.DevAPIKey)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var conn struct{ ID string }
	if err := json.NewDecoder(resp.Body).Decode(&conn); err != nil || resp.StatusCode != http.StatusCreated {
		t.Fatalf("connection: %d %v", resp.StatusCode, err)
	}
	return conn.ID
}
