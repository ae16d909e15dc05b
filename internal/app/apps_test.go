package app

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/junction-run/junction/connectors"
	"github.com/junction-run/junction/store"
	"github.com/junction-run/junction/store/storetest"
)

// storeApp stores the declarative format's example app as version version
// of owner's app key.
func storeApp(t *testing.T, st *store.Store, owner store.AppOwner, key, version string) {
	t.Helper()
	doc, err := os.ReadFile(filepath.Join("..", "..", "connectors", "declarative", "testdata", "valid", "acme_crm.json"))
	if err != nil {
		t.Fatal(err)
	}
	doc = bytes.Replace(doc, []byte(`"key": "acme"`), []byte(`"key": "`+key+`"`), 1)
	doc = bytes.Replace(doc, []byte(`"version": "1.0.0"`), []byte(`"version": "`+version+`"`), 1)
	if _, err := st.CreateAppVersion(context.Background(), store.AppVersion{Owner: owner, Key: key, Version: version,
		Name: "Acme CRM", Status: "stable", Body: doc}); err != nil {
		t.Fatal(err)
	}
}

// versionsOf lists the versions the registry has of key, with their
// status.
func versionsOf(t *testing.T, reg *connectors.Registry, err error) []string {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, s := range reg.Connectors() {
		out = append(out, s.Version+" "+string(s.Status))
	}
	return out
}

// The stored apps an account finds: its own app of a key before the
// platform's, the platform's otherwise; cached until forgotten or stale;
// a deprecation as stored.
func TestStoredApps(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, storetest.SQLiteURL(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	for _, id := range []string{"acme", "globex"} {
		if _, err := st.CreateAccount(ctx, store.Account{ID: id, Name: id}); err != nil {
			t.Fatal(err)
		}
	}
	now := time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)
	src := newStoredApps(st)
	src.now = func() time.Time { return now }

	lookup := func(account string, fresh bool) []string {
		t.Helper()
		reg, err := src.AppRegistry(ctx, account, "crm", fresh)
		return versionsOf(t, reg, err)
	}

	storeApp(t, st, store.PlatformApps(), "crm", "1.0.0")
	if got := lookup("acme", false); !slices.Equal(got, []string{"1.0.0 stable"}) {
		t.Errorf("acme's crm: %v, want the platform's", got)
	}
	if _, err := src.AppRegistry(ctx, "acme", "nope", false); !errors.Is(err, connectors.ErrUnknownConnector) {
		t.Errorf("an app no one keeps: %v", err)
	}

	// acme's own app of the key comes first, once what was cached is
	// forgotten; globex still gets the platform's.
	storeApp(t, st, store.AccountApps("acme"), "crm", "2.0.0")
	if got := lookup("acme", false); !slices.Equal(got, []string{"1.0.0 stable"}) {
		t.Errorf("acme's crm, cached: %v", got)
	}
	src.Forget("acme", "crm")
	if got := lookup("acme", false); !slices.Equal(got, []string{"2.0.0 stable"}) {
		t.Errorf("acme's crm after Forget: %v, want its own", got)
	}
	if got := lookup("globex", false); !slices.Equal(got, []string{"1.0.0 stable"}) {
		t.Errorf("globex's crm: %v", got)
	}

	// A platform version stored and deprecated: every account's lookups
	// see it once the platform's key is forgotten.
	storeApp(t, st, store.PlatformApps(), "crm", "1.1.0")
	if _, err := st.DeprecateAppVersion(ctx, store.PlatformApps(), "crm", "1.0.0", &store.AppDeprecation{Date: "2027-06-30", Replacement: "1.1.0"}); err != nil {
		t.Fatal(err)
	}
	src.Forget("", "crm")
	reg, err := src.AppRegistry(ctx, "globex", "crm", false)
	if got := versionsOf(t, reg, err); !slices.Equal(got, []string{"1.0.0 deprecated", "1.1.0 stable"}) {
		t.Errorf("globex's crm after the deprecation: %v", got)
	}
	if c, err := reg.Lookup("crm", "1.0.0"); err != nil || c.Spec().Deprecation == nil || c.Spec().Deprecation.Replacement != "1.1.0" {
		t.Errorf("the deprecated version: %v", err)
	}

	// Without Forget, a change shows once the cache is stale, or at once
	// to a fresh read.
	storeApp(t, st, store.PlatformApps(), "crm", "1.2.0")
	if got := lookup("globex", true); len(got) != 3 {
		t.Errorf("a fresh read: %v", got)
	}
	storeApp(t, st, store.PlatformApps(), "crm", "1.3.0")
	now = now.Add(storedAppsTTL)
	if got := lookup("globex", false); len(got) != 4 {
		t.Errorf("after the TTL: %v", got)
	}

	apps, err := src.Apps(ctx, "acme")
	if err != nil || !slices.Equal(apps, []connectors.StoredApp{{Key: "crm", Owner: connectors.OwnerAccount}}) {
		t.Errorf("acme's apps: %v %v, want its own crm only", apps, err)
	}
	if apps, _ := src.Apps(ctx, "globex"); !slices.Equal(apps, []connectors.StoredApp{{Key: "crm", Owner: connectors.OwnerPlatform}}) {
		t.Errorf("globex's apps: %v", apps)
	}
}
