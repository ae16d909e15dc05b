package store

import (
	"context"
	"errors"
	"testing"
)

func TestUpdateDefinitionIfLatest(t *testing.T) {
	forEachDB(t, func(t *testing.T, url string) {
		ctx := context.Background()
		s := openStore(t, url)
		d, err := s.CreateDefinition(ctx, Definition{AccountID: "acme", Trigger: "http_request", Status: "enabled", Name: "a", Body: []byte(`{}`)})
		if err != nil {
			t.Fatal(err)
		}
		v2, err := s.UpdateDefinitionIfLatest(ctx, d, 1)
		if err != nil || v2.Version != 2 {
			t.Fatalf("update on the latest version: %v, version %d", err, v2.Version)
		}
		// A client that read version 1 loses: its change would overwrite v2.
		if _, err := s.UpdateDefinitionIfLatest(ctx, d, 1); !errors.Is(err, ErrConflict) {
			t.Fatalf("stale update: %v, want ErrConflict", err)
		}
		if vs, _ := s.DefinitionVersions(ctx, "acme", d.ID, Page{}); len(vs) != 2 {
			t.Fatalf("%d versions after a refused update, want 2", len(vs))
		}
		if _, err := s.UpdateDefinitionIfLatest(ctx, Definition{AccountID: "globex", ID: d.ID, Trigger: "http_request", Status: "enabled", Name: "x", Body: []byte(`{}`)}, 2); !errors.Is(err, ErrNotFound) {
			t.Fatalf("another account's definition: %v, want ErrNotFound", err)
		}
	})
}
