package connectors_test

import (
	"context"
	"errors"
	"slices"
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
	forgotten     []string
}

func (s *appSource) Apps(_ context.Context, accountID string) ([]connectors.StoredApp, error) {
	if accountID != "acme" {
		return nil, nil
	}
	return []connectors.StoredApp{{Key: example.ID, Owner: connectors.OwnerPlatform}}, nil
}

func (s *appSource) Forget(accountID, key string) {
	s.forgotten = append(s.forgotten, accountID+"/"+key)
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

// The manifest of an account adds, after the built-in connectors, the apps
// it can use as data, each marked with who keeps it; a built-in key is the
// built-in's.
func TestManifestForAnAccount(t *testing.T) {
	all := connectors.NewRegistry()
	all.MustRegister(example.NewV0())
	all.MustRegister(example.New())
	src := &appSource{cached: all, fresh: all}
	builtIns := catalogOf(t)
	builtIns.WithAccountApps(src)

	doc, err := builtIns.ManifestFor(context.Background(), "acme")
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, c := range doc.Connectors {
		ids = append(ids, c.ID+"/"+string(c.Owner))
	}
	if want := []string{"acme/platform", "other/"}; !slices.Equal(ids, want) {
		t.Errorf("manifest of acme: %v, want %v", ids, want)
	}
	if got := doc.Connectors[0]; got.DefaultVersion != "1.0.0" || len(got.Versions) != 2 {
		t.Errorf("the stored app in the manifest: %+v", got)
	}
	if doc, _ := builtIns.ManifestFor(context.Background(), "globex"); len(doc.Connectors) != 1 {
		t.Errorf("manifest of an account without apps: %+v", doc.Connectors)
	}
	if doc := builtIns.Manifest(); len(doc.Connectors) != 1 || doc.Connectors[0].Owner != "" {
		t.Errorf("the manifest of no account: %+v", doc.Connectors)
	}

	// A built-in of the same key hides the stored app.
	shadow := connectors.NewRegistry()
	shadow.MustRegister(example.New())
	shadow.WithAccountApps(src)
	if doc, _ := shadow.ManifestFor(context.Background(), "acme"); len(doc.Connectors) != 1 || doc.Connectors[0].Owner != "" {
		t.Errorf("a stored app of a built-in key: %+v", doc.Connectors)
	}

	builtIns.ForgetApp("acme", example.ID)
	builtIns.ForgetApp("", example.ID)
	if want := []string{"acme/" + example.ID, "/" + example.ID}; !slices.Equal(src.forgotten, want) {
		t.Errorf("forgotten %v, want %v", src.forgotten, want)
	}
}

// catalogOf is a registry of one built-in connector, "other".
func catalogOf(t *testing.T) *connectors.Registry {
	t.Helper()
	spec := example.New().Spec()
	spec.ID, spec.Triggers, spec.States = "other", nil, nil
	r := connectors.NewRegistry()
	r.MustRegister(connectors.New(spec, example.New().Actions()...))
	return r
}

// A stored version deprecated after it was written says so in its spec,
// and is no longer the default.
func TestWithDeprecation(t *testing.T) {
	r := connectors.NewRegistry()
	dep := connectors.Deprecation{Date: "2027-06-30", Replacement: "2.0.0", Note: "moved"}
	r.MustRegister(example.New().WithDeprecation(dep))
	c, err := r.Lookup(example.ID, "1.0.0")
	if err != nil {
		t.Fatal(err)
	}
	if s := c.Spec(); s.Status != connectors.StatusDeprecated || s.Deprecation == nil || *s.Deprecation != dep {
		t.Errorf("spec %s %+v", s.Status, s.Deprecation)
	}
	if _, err := r.Lookup(example.ID, ""); !errors.Is(err, connectors.ErrUnknownVersion) {
		t.Errorf("the default of an app whose one version is deprecated: %v", err)
	}
}
