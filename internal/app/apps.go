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

// storedApps is the connectors.AppSource of the apps accounts keep as data
// (manage.Apps stores them): each account's versions of an app, parsed and
// built into a registry of their own, kept for storedAppsTTL. Versions are
// immutable, so a cached one is never wrong; the TTL bounds how long a
// deleted one, or a new latest, takes to show.
type storedApps struct {
	store *store.Store
	mu    sync.Mutex
	cache map[[2]string]cachedApp // account, key
	now   func() time.Time
}

type cachedApp struct {
	reg  *connectors.Registry
	read time.Time
}

const storedAppsTTL = 30 * time.Second

func newStoredApps(st *store.Store) *storedApps {
	return &storedApps{store: st, cache: map[[2]string]cachedApp{}, now: time.Now}
}

// AppRegistry implements connectors.AppSource.
func (s *storedApps) AppRegistry(ctx context.Context, accountID, key string, fresh bool) (*connectors.Registry, error) {
	id := [2]string{accountID, key}
	s.mu.Lock()
	c, ok := s.cache[id]
	s.mu.Unlock()
	if ok && !fresh && s.now().Sub(c.read) < storedAppsTTL {
		return c.reg, nil
	}
	reg, err := s.read(ctx, accountID, key)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.cache[id] = cachedApp{reg: reg, read: s.now()}
	s.mu.Unlock()
	return reg, nil
}

// read builds the registry of every stored version of the app.
func (s *storedApps) read(ctx context.Context, accountID, key string) (*connectors.Registry, error) {
	versions, err := s.store.AppVersions(ctx, accountID, key, store.Page{Limit: 1000})
	if errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("%w %q", connectors.ErrUnknownConnector, key)
	}
	if err != nil {
		return nil, fmt.Errorf("reading the versions of app %s: %w", key, err)
	}
	reg := connectors.NewRegistry()
	for _, v := range versions {
		full, err := s.store.AppVersion(ctx, accountID, key, v.Version)
		if errors.Is(err, store.ErrNotFound) {
			continue // deleted meanwhile
		}
		if err != nil {
			return nil, fmt.Errorf("reading app %s %s: %w", key, v.Version, err)
		}
		app, err := declarative.Parse(full.Body)
		if err != nil {
			return nil, fmt.Errorf("app %s %s as stored: %w", key, v.Version, err)
		}
		conn, err := app.Connector()
		if err == nil {
			err = reg.Register(conn)
		}
		if err != nil {
			return nil, fmt.Errorf("app %s %s as stored: %w", key, v.Version, err)
		}
	}
	return reg, nil
}
