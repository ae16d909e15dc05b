package catalog_test

import (
	"testing"

	"github.com/junction-run/junction/connectors"
	"github.com/junction-run/junction/connectors/catalog"
)

func TestCatalogIsValid(t *testing.T) {
	r := catalog.New()
	if err := r.Check(); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, a := range r.Activities() {
		names = append(names, a.Name)
	}
	if len(names) == 0 || names[0] != connectors.ActivityName("http", "call") {
		t.Fatalf("activities %v, want http.call among them", names)
	}
}
