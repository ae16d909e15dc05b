package declarative

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/junction-run/junction/connectors"
)

var schemaFile = filepath.Join("..", "..", "docs", "apps.schema.json")

// The published schema is the one the Go types make (go test -update
// rewrites it), and every valid app conforms to it, while a document of
// the wrong shape does not.
func TestPublishedSchema(t *testing.T) {
	got, err := JSONSchema()
	if err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.WriteFile(schemaFile, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(schemaFile)
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("%s is stale (%v): run go test ./connectors/declarative/ -update", schemaFile, err)
	}
	schema, err := connectors.ParseSchema(want)
	if err != nil {
		t.Fatal(err)
	}
	valid, err := filepath.Glob(filepath.Join("testdata", "valid", "*.json"))
	if err != nil || len(valid) == 0 {
		t.Fatalf("no valid apps: %v", err)
	}
	for _, f := range valid {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := schema.Validate(b); err != nil {
			t.Errorf("%s does not conform to the published schema: %v", f, err)
		}
	}
	for _, bad := range []string{
		`{"key": "a", "actions": [{"request": {"method": "FETCH"}}]}`,
		`{"key": "a", "auth": [{"kind": "oauth3"}]}`,
		`{"key": 7}`,
	} {
		if err := schema.Validate([]byte(bad)); err == nil {
			t.Errorf("%s conforms to the published schema", bad)
		}
	}
}
