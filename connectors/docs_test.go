package connectors_test

import (
	"flag"
	"path/filepath"
	"testing"

	"github.com/junction-run/junction/connectors"
	"github.com/junction-run/junction/connectors/catalog"
)

var update = flag.Bool("update", false, "rewrite the generated pages in docs/connectors")

var docsDir = filepath.Join("..", "docs", "connectors")

// documented is the registry whose pages docs/connectors holds: the
// connectors Junction ships (package catalog). The example connector has
// its own tests; it is not a connector users can pick.
func documented(t *testing.T) *connectors.Registry {
	t.Helper()
	r := catalog.New()
	if err := r.Check(); err != nil {
		t.Fatal(err)
	}
	return r
}

// TestDocsUpToDate fails when a page of docs/connectors differs from what
// the manifest renders, is missing, or belongs to a connector no longer
// registered; go test ./connectors/ -update rewrites them.
func TestDocsUpToDate(t *testing.T) {
	r := documented(t)
	if *update {
		if err := r.WriteDocs(docsDir); err != nil {
			t.Fatal(err)
		}
		return
	}
	stale, err := connectors.StaleDocs(docsDir, r.Docs())
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range stale {
		t.Errorf("%s is stale: run go test ./connectors/ -update", filepath.Join(docsDir, name))
	}
}
