package catalog_test

import (
	"slices"
	"testing"

	"github.com/junction-run/junction/connectors/catalog"
	"github.com/junction-run/junction/runs"
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
	if !slices.Contains(names, runs.ConnectorActivity("http", "call")) || !slices.Contains(names, runs.ConnectorActivity("eightbyeight", "send_sms")) {
		t.Fatalf("activities %v, want http.call and eightbyeight.send_sms among them", names)
	}
}
