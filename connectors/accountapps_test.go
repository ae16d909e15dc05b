package connectors_test

import (
	"context"
	"errors"
	"testing"

	"github.com/junction-run/junction/connectors"
	"github.com/junction-run/junction/connectors/connectortest/example"
)

// appSource serves one account's registry of the example app under the
// key "crm", a version at a time: the cached registry lacks a version
// stored since, which only a fresh read has.
type appSource struct {
	cached, fresh *connectors.Registry
	freshReads    int
}

func (s *appSource) AppRegistry(_ context.Context, accountID, key string, fresh bool) (*connectors.Registry, error) {
	if accountID != "acme" || key != example.ID {
		return nil, connectors.ErrUnknownConnector
	}
	if fresh {
		s.freshReads++
		return s.fresh, nil
	}
	return s.cached, nil
}

func TestLookupForAnAccountsApps(t *testing.T) {
	cached, all := connectors.NewRegistry(), connectors.NewRegistry()
	cached.MustRegister(example.NewV0())
	all.MustRegister(example.NewV0())
	all.MustRegister(example.New())
	newest := all.Connectors()[len(all.Connectors())-1].Version
	src := &appSource{cached: cached, fresh: all}
	builtIns := connectors.NewRegistry()
	builtIns.MustRegister(example.NewV0())
	r := connectors.NewRegistry()
	r.WithAccountApps(src)

	// No built-in of the id: the account's app, fresh when a named
	// version is not in the cached registry.
	if _, err := r.LookupFor(context.Background(), "acme", example.ID, newest); err != nil || src.freshReads != 1 {
		t.Fatalf("named version: %v (%d fresh reads)", err, src.freshReads)
	}
	if _, err := r.ActionFor(context.Background(), "acme", example.ID, newest, "create_contact"); err != nil {
		t.Errorf("action: %v", err)
	}
	// Another account has no such app.
	if _, err := r.LookupFor(context.Background(), "globex", example.ID, ""); !errors.Is(err, connectors.ErrUnknownConnector) {
		t.Errorf("another account: %v", err)
	}
	// A built-in id is always the built-in's: an account cannot shadow it.
	builtIns.WithAccountApps(src)
	c, err := builtIns.LookupFor(context.Background(), "acme", example.ID, "0.9.0")
	if err != nil || c.Spec().Version != "0.9.0" {
		t.Errorf("built-in: %v %v", c, err)
	}
	// The built-in has no such version: still not the account's.
	if _, err := builtIns.LookupFor(context.Background(), "acme", example.ID, newest); !errors.Is(err, connectors.ErrUnknownVersion) {
		t.Errorf("built-in: %v %v", c, err)
	}
}
