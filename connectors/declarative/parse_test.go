package declarative

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/junction-run/junction/definition"
)

var update = flag.Bool("update", false, "rewrite testdata/invalid/*.golden")

func fixtures(t *testing.T, dir string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", dir, "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no fixtures in testdata/%s: %v", dir, err)
	}
	var names []string
	for _, f := range files {
		names = append(names, strings.TrimSuffix(filepath.Base(f), ".json"))
	}
	return names
}

func TestParseValid(t *testing.T) {
	for _, name := range fixtures(t, "valid") {
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", "valid", name+".json"))
			if err != nil {
				t.Fatal(err)
			}
			app, err := Parse(data)
			if err != nil {
				t.Fatal(err)
			}
			c, err := app.Connector()
			if err != nil {
				t.Fatal(err)
			}
			if err := c.Spec().Validate(); err != nil {
				t.Error(err)
			}
			if len(c.Actions()) != len(app.Actions) {
				t.Errorf("%d actions, want %d", len(c.Actions()), len(app.Actions))
			}
		})
	}
}

// TestParseInvalid parses every testdata/invalid/*.json and compares the
// problems, one "path [code]: message" per line, with
// testdata/invalid/*.golden (go test -update rewrites them).
func TestParseInvalid(t *testing.T) {
	for _, name := range fixtures(t, "invalid") {
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", "invalid", name+".json"))
			if err != nil {
				t.Fatal(err)
			}
			app, err := Parse(data)
			if err == nil {
				t.Fatalf("Parse succeeded: %+v", app)
			}
			if app != nil {
				t.Error("Parse returned an app with an error")
			}
			var ve *definition.ValidationError
			if !errors.As(err, &ve) || len(ve.Errors) == 0 {
				t.Fatalf("error is %T, want *definition.ValidationError with problems: %v", err, err)
			}
			var b strings.Builder
			for _, fe := range ve.Errors {
				if fe.Code == "" {
					t.Errorf("problem without a code: %v", fe)
				}
				fmt.Fprintf(&b, "%s [%s]: %s\n", fe.Path, fe.Code, fe.Message)
			}
			golden := filepath.Join("testdata", "invalid", name+".golden")
			if *update {
				if err := os.WriteFile(golden, []byte(b.String()), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if b.String() != string(want) {
				t.Errorf("problems differ from %s:\n got:\n%s\nwant:\n%s", golden, b.String(), want)
			}
		})
	}
}

func TestRewriteExpr(t *testing.T) {
	tests := []struct {
		src, want string
		vars      *templateVars // actionVars when nil
		refs      []ref
		problems  int
	}{
		{src: "input.email", want: "data.input.email", refs: []ref{{"input", "email"}}},
		{src: "connection.workspace", want: "data.connection.workspace", refs: []ref{{"connection", "workspace"}}},
		{src: `env["ACME_KEY"]`, want: `data.env["ACME_KEY"]`, refs: []ref{{"env", "ACME_KEY"}}},
		{src: "upper(input.name) + 'input.x'", want: "upper(data.input.name) + 'input.x'", refs: []ref{{"input", "name"}}},
		{src: "{input: input.a}", want: "{input: data.input.a}", refs: []ref{{"input", "a"}}},
		{src: "input.ok ? input : {}", want: "data.input.ok ? data.input : {}", refs: []ref{{"input", "ok"}, {"input", ""}}},
		{src: "input.a.input", want: "data.input.a.input", refs: []ref{{"input", "a"}}},
		{src: "len(input.items) > 1.5", want: "len(data.input.items) > 1.5", refs: []ref{{"input", "items"}}},
		{src: "steps.a.id", want: "steps.a.id", problems: 1},
		{src: "webhook.url", want: "data.webhook.url", vars: &subscriptionVars, refs: []ref{{"webhook", "url"}}},
		{src: `subscription["id"]`, want: `data.subscription["id"]`, vars: &subscriptionVars, refs: []ref{{"subscription", "id"}}},
		{src: "webhook.url", want: "webhook.url", problems: 1},
		{src: "cursor", want: "data.cursor", vars: &pollVars, refs: []ref{{"cursor", ""}}},
	}
	for _, tt := range tests {
		vars := actionVars
		if tt.vars != nil {
			vars = *tt.vars
		}
		got, refs, problems := rewriteExpr(tt.src, vars)
		if got != tt.want || fmt.Sprint(refs) != fmt.Sprint(tt.refs) || len(problems) != tt.problems {
			t.Errorf("rewriteExpr(%q) = %q, %v, %v; want %q, %v, %d problems", tt.src, got, refs, problems, tt.want, tt.refs, tt.problems)
		}
	}
}
