package declarative_test

import (
	"encoding/json"
	"fmt"
	"os"
	"testing"

	"github.com/junction-run/junction/connectors"
	"github.com/junction-run/junction/connectors/connectortest/example"
	"github.com/junction-run/junction/connectors/connectortest/example/exampletest"
	"github.com/junction-run/junction/connectors/declarative"
)

// BenchmarkCreateContact is the cost of interpreting an app written as
// data against the Go connector it mirrors (Acme CRM's create_contact):
// the same input, connection and loopback fake, one call an iteration,
// each with an email of its own (the fake refuses a second contact of one
// email). The difference is the interpretation: checking the input,
// rendering the templates, reading the answer by JSONPath.
func BenchmarkCreateContact(b *testing.B) {
	data, err := os.ReadFile("testdata/valid/acme_crm.json")
	if err != nil {
		b.Fatal(err)
	}
	app, err := declarative.Parse(data)
	if err != nil {
		b.Fatal(err)
	}
	asData, err := app.Connector()
	if err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct {
		name string
		conn connectors.Connector
	}{{"app", asData}, {"go", example.New()}} {
		var action connectors.Action
		for _, a := range bc.conn.Actions() {
			if a.Spec().ID == "create_contact" {
				action = a
			}
		}
		b.Run(bc.name, func(b *testing.B) {
			// A fake of its own each run: the fake looks for an email among
			// the contacts it holds, so a shared one slows whatever runs later.
			fake := exampletest.New(b)
			call := acmeOptions().Call(b, fake.BaseURL(), `{}`)
			b.ReportAllocs()
			seq := 0
			for b.Loop() {
				seq++
				call.Input = json.RawMessage(fmt.Sprintf(`{"email": "%s-%d@example.com", "lifecycle": "customer", "tags": ["vip"]}`, bc.name, seq))
				if _, err := action.Run(b.Context(), call); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
