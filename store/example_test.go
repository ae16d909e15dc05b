package store_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log"

	"github.com/junction-run/junction/store"
)

func ExampleOpen() {
	ctx := context.Background()
	s, err := store.Open(ctx, "sqlite::memory:") // or "sqlite:/var/lib/junction/junction.db", "postgres://..."
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()

	d, err := s.CreateDefinition(ctx, store.Definition{
		AccountID: "acme",
		Trigger:   "http_request",
		Status:    store.StatusEnabled,
		Name:      "Post new leads to Slack",
		Body:      json.RawMessage(`{"steps":[]}`),
	})
	if err != nil {
		log.Fatal(err)
	}
	if _, err := s.UpdateDefinition(ctx, store.Definition{AccountID: "acme", ID: d.ID,
		Trigger: "http_request", Status: store.StatusDisabled, Name: d.Name, Body: d.Body}); err != nil {
		log.Fatal(err)
	}

	// Routing an inbound HTTP request: version 2 is disabled, so nothing runs.
	ds, err := s.EnabledDefinitions(ctx, "acme", "http_request", "")
	if err != nil {
		log.Fatal(err)
	}
	latest, err := s.Definition(ctx, "acme", d.ID, 0)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(s.Dialect(), latest.Version, latest.Status, len(ds))
	// Output: sqlite 2 disabled 0
}
