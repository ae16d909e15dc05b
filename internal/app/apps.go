package app

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/junction-run/junction/connectors"
	"github.com/junction-run/junction/connectors/declarative"
	"github.com/junction-run/junction/store"
)

// storedApps is the connectors.AppSource of the apps kept as data
// (manage.Apps stores them): each account's own, and the platform's that
// every account can use. Each app's versions are parsed and built into a
// registry of their own, kept for storedAppsTTL: the platform's once for
// every account, and which registry an account's key resolves to (its
// own app, else the platform's) as well. Versions are immutable, so a
// cached one is never wrong; the TTL bounds how long a deletion, a
// deprecation or a new latest version made by another process takes to
// show (this process's are Forget at once).
type storedApps struct {
	store *store.Store
	mu    sync.Mutex
	// apps are the registries of apps by owner and key; resolved is the
	// registry each account's key resolved to.
	apps     map[storedAppKey]cachedApp
	resolved map[storedAppKey]cachedApp
	now      func() time.Time
}

// storedAppKey is an app of an owner, or, in resolved, a key as an
// account uses it.
type storedAppKey struct {
	owner store.AppOwner
	key   string
}

type cachedApp struct {
	reg  *connectors.Registry
	read time.Time
}

const storedAppsTTL = 30 * time.Second

// storedAppsPage bounds what one read of an owner's apps or an app's
// versions takes.
var storedAppsPage = store.Page{Limit: 1000}

var (
	_ connectors.AppSource    = (*storedApps)(nil)
	_ connectors.AppLister    = (*storedApps)(nil)
	_ connectors.AppForgetter = (*storedApps)(nil)
)

func newStoredApps(st *store.Store) *storedApps {
	return &storedApps{store: st, apps: map[storedAppKey]cachedApp{}, resolved: map[storedAppKey]cachedApp{}, now: time.Now}
}

// AppRegistry implements connectors.AppSource: the account's own app of
// key, else the platform's.
func (s *storedApps) AppRegistry(ctx context.Context, accountID, key string, fresh bool) (*connectors.Registry, error) {
	id := storedAppKey{store.AccountApps(accountID), key}
	if reg, ok := s.cached(s.resolved, id, fresh); ok {
		return reg, nil
	}
	reg, err := s.app(ctx, id, fresh)
	if errors.Is(err, connectors.ErrUnknownConnector) {
		reg, err = s.app(ctx, storedAppKey{store.PlatformApps(), key}, fresh)
	}
	if err != nil {
		return nil, err
	}
	s.keep(s.resolved, id, reg)
	return reg, nil
}

// Apps implements connectors.AppLister.
func (s *storedApps) Apps(ctx context.Context, accountID string) ([]connectors.StoredApp, error) {
	var out []connectors.StoredApp
	seen := map[string]bool{}
	for _, o := range []struct {
		owner store.AppOwner
		as    connectors.AppOwner
	}{{store.AccountApps(accountID), connectors.OwnerAccount}, {store.PlatformApps(), connectors.OwnerPlatform}} {
		apps, err := s.store.ListApps(ctx, o.owner, storedAppsPage)
		if err != nil {
			return nil, err
		}
		for _, a := range apps {
			if !seen[a.Key] {
				seen[a.Key] = true
				out = append(out, connectors.StoredApp{Key: a.Key, Owner: o.as})
			}
		}
	}
	return out, nil
}

// Forget implements connectors.AppForgetter.
func (s *storedApps) Forget(accountID, key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if accountID != "" {
		id := storedAppKey{store.AccountApps(accountID), key}
		delete(s.apps, id)
		delete(s.resolved, id)
		return
	}
	for _, m := range []map[storedAppKey]cachedApp{s.apps, s.resolved} {
		for id := range m {
			if id.key == key {
				delete(m, id)
			}
		}
	}
}

func (s *storedApps) cached(m map[storedAppKey]cachedApp, id storedAppKey, fresh bool) (*connectors.Registry, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := m[id]
	if !ok || fresh || s.now().Sub(c.read) >= storedAppsTTL {
		return nil, false
	}
	return c.reg, true
}

func (s *storedApps) keep(m map[storedAppKey]cachedApp, id storedAppKey, reg *connectors.Registry) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m[id] = cachedApp{reg: reg, read: s.now()}
}

// app is the registry of one owner's app, from the cache or the store.
func (s *storedApps) app(ctx context.Context, id storedAppKey, fresh bool) (*connectors.Registry, error) {
	if reg, ok := s.cached(s.apps, id, fresh); ok {
		return reg, nil
	}
	reg, err := s.read(ctx, id.owner, id.key)
	if err != nil {
		return nil, err
	}
	s.keep(s.apps, id, reg)
	return reg, nil
}

// read builds the registry of every stored version of the app, each
// deprecated as stored.
func (s *storedApps) read(ctx context.Context, owner store.AppOwner, key string) (*connectors.Registry, error) {
	versions, err := s.store.AppVersionsWithDocuments(ctx, owner, key, storedAppsPage)
	if errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("%w %q", connectors.ErrUnknownConnector, key)
	}
	if err != nil {
		return nil, fmt.Errorf("reading the versions of app %s of %s: %w", key, owner, err)
	}
	reg := connectors.NewRegistry()
	for _, v := range versions {
		conn, err := buildStoredApp(v)
		if err == nil {
			err = reg.Register(conn)
		}
		if err != nil {
			return nil, fmt.Errorf("app %s %s of %s as stored: %w", key, v.Version, owner, err)
		}
	}
	return reg, nil
}

// buildStoredApp is the connector of a stored version, with its
// deprecation.
func buildStoredApp(v store.AppVersion) (connectors.Connector, error) {
	app, err := declarative.Parse(v.Body)
	if err != nil {
		return nil, err
	}
	conn, err := app.Connector()
	if err != nil || v.Deprecation == nil {
		return conn, err
	}
	// A declarative app's connector is a *connectors.Static, or one that
	// embeds it (an app that subscribes to webhooks); WithDeprecation marks
	// the spec they share, so the connector keeps what it is.
	static, ok := conn.(interface {
		WithDeprecation(connectors.Deprecation) *connectors.Static
	})
	if !ok {
		return nil, fmt.Errorf("the connector of a declarative app is a %T, which cannot be deprecated", conn)
	}
	static.WithDeprecation(connectors.Deprecation{Date: v.Deprecation.Date, Replacement: v.Deprecation.Replacement, Note: v.Deprecation.Note})
	return conn, nil
}
