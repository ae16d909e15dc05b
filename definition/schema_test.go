package definition

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// schemaFile is where the generated JSON Schema is published.
var schemaFile = filepath.Join("..", "docs", "definition.schema.json")

// TestJSONSchemaFile fails when docs/definition.schema.json is not what JSONSchema generates;
// go test -update rewrites it.
func TestJSONSchemaFile(t *testing.T) {
	got := JSONSchema()
	if *update {
		if err := os.WriteFile(schemaFile, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(schemaFile)
	if err != nil {
		t.Fatalf("reading %s (run go test -update to create it): %v", schemaFile, err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s is stale: run go test ./definition/ -update", schemaFile)
	}
}

func TestJSONSchemaShape(t *testing.T) {
	var s map[string]any
	if err := json.Unmarshal(JSONSchema(), &s); err != nil {
		t.Fatalf("JSONSchema is not JSON: %v", err)
	}
	if s["$schema"] != "https://json-schema.org/draft/2020-12/schema" {
		t.Errorf("$schema = %v", s["$schema"])
	}
	defs := s["$defs"].(map[string]any)
	for _, spec := range stepSpecs {
		if _, ok := defs["step"+spec.Type]; !ok {
			t.Errorf("no $defs entry for %s", spec.Type)
		}
	}
	text := string(JSONSchema())
	for _, want := range []string{"retryPolicy", "onError", "conditions", "connection", `[a-z][a-z0-9_]*\\.[a-z][a-z0-9_]*`} {
		if !strings.Contains(text, want) {
			t.Errorf("schema lacks %s", want)
		}
	}
	// Every $ref points at a definition.
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if r, ok := v["$ref"].(string); ok {
				if _, ok := defs[strings.TrimPrefix(r, "#/$defs/")]; !ok || !strings.HasPrefix(r, "#/$defs/") {
					t.Errorf("dangling $ref %s", r)
				}
			}
			for _, e := range v {
				walk(e)
			}
		case []any:
			for _, e := range v {
				walk(e)
			}
		}
	}
	walk(s)
}
