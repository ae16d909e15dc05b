package store

import (
	"context"
	"errors"
	"testing"
)

func TestDefinitionsOnAppVersion(t *testing.T) {
	forEachDB(t, func(t *testing.T, url string) {
		ctx := context.Background()
		s, _ := newTestStore(t, url)
		def := func(account, id string, apps map[string]string) Definition {
			return Definition{AccountID: account, ID: id, Trigger: "http_request", Status: StatusEnabled, Name: id,
				Body: []byte(`{}`), Apps: apps}
		}
		on := func(account, app, version string, page Page) []string {
			t.Helper()
			ds, err := s.DefinitionsOnAppVersion(ctx, account, app, version, page)
			if err != nil {
				t.Fatal(err)
			}
			return idsOf(ds)
		}
		same := func(got []string, want ...string) {
			t.Helper()
			if len(got) != len(want) {
				t.Fatalf("definitions %v, want %v", got, want)
			}
			for i := range got {
				if got[i] != want[i] {
					t.Fatalf("definitions %v, want %v", got, want)
				}
			}
		}

		mustCreate(t, s, def("acme", "a", map[string]string{"shopify": "1.0.0", "slack": "1.0.0"}))
		mustCreate(t, s, def("acme", "b", map[string]string{"shopify": "1.0.0"}))
		mustCreate(t, s, def("acme", "c", map[string]string{"shopify": "2.0.0"}))
		mustCreate(t, s, def("acme", "d", nil))
		mustCreate(t, s, def("globex", "e", map[string]string{"shopify": "1.0.0"}))

		same(on("acme", "shopify", "1.0.0", Page{}), "a", "b")
		same(on("acme", "shopify", "1.0.0", Page{Limit: 1, Offset: 1}), "b")
		same(on("acme", "slack", "1.0.0", Page{}), "a")
		same(on("acme", "shopify", "3.0.0", Page{}))
		same(on("globex", "shopify", "1.0.0", Page{}), "e")

		// Moving b to 2.0.0 takes it off 1.0.0: only the latest version counts.
		mustUpdate(t, s, def("acme", "b", map[string]string{"shopify": "2.0.0"}))
		same(on("acme", "shopify", "1.0.0", Page{}), "a")
		same(on("acme", "shopify", "2.0.0", Page{}), "b", "c")

		// Deleting b's latest version puts it back on 1.0.0; deleting a takes it away.
		if err := s.DeleteDefinition(ctx, "acme", "b", 2); err != nil {
			t.Fatal(err)
		}
		same(on("acme", "shopify", "1.0.0", Page{}), "a", "b")
		if err := s.DeleteDefinition(ctx, "acme", "a", 0); err != nil {
			t.Fatal(err)
		}
		same(on("acme", "shopify", "1.0.0", Page{}), "b")
		same(on("acme", "slack", "1.0.0", Page{}))

		if _, err := s.CreateDefinition(ctx, def("acme", "f", map[string]string{"shopify": ""})); !errors.Is(err, ErrInvalid) {
			t.Errorf("an empty app version: %v, want ErrInvalid", err)
		}
		if _, err := s.DefinitionsOnAppVersion(ctx, "acme", "shopify", "1.0.0", Page{Limit: -1}); !errors.Is(err, ErrInvalid) {
			t.Errorf("a negative limit: %v, want ErrInvalid", err)
		}
	})
}
