package connectors

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// AppSource gives the apps written as data (declarative apps) that an
// account can use besides the built-in connectors: its own, and the
// platform's, which every account can use. An account's own app of a key
// comes before the platform's of the same key (manage.Apps keeps the two
// apart, so this only settles a race); a built-in connector comes before
// both (Registry.LookupFor).
type AppSource interface {
	// AppRegistry is the registry of the versions of the app key that
	// accountID uses: its own app, else the platform's. fresh asks for the
	// versions as they are now, past any cache: a version just stored is
	// found. An app neither has answers an error that wraps
	// ErrUnknownConnector.
	AppRegistry(ctx context.Context, accountID, key string, fresh bool) (*Registry, error)
}

// AppLister is an AppSource that lists what an account can use, for
// ManifestFor.
type AppLister interface {
	// Apps lists the apps accountID can use as data, by key, each once:
	// an account's own app hides the platform's of the same key.
	Apps(ctx context.Context, accountID string) ([]StoredApp, error)
}

// AppForgetter is an AppSource that caches, for ForgetApp.
type AppForgetter interface {
	// Forget drops what is cached of app key, so that the next lookup
	// reads it afresh: the account's, or, with accountID "", the
	// platform's and every account's.
	Forget(accountID, key string)
}

// AppOwner says who keeps an app written as data.
type AppOwner string

// Owners of apps written as data.
const (
	// OwnerAccount apps are an account's own, usable by it alone.
	OwnerAccount AppOwner = "account"
	// OwnerPlatform apps are kept by the platform's operators and usable
	// by every account.
	OwnerPlatform AppOwner = "platform"
)

// StoredApp is an app written as data that an account can use.
type StoredApp struct {
	Key   string
	Owner AppOwner
}

// WithAccountApps makes LookupFor, ActionFor, TriggerFor, WebhookFor and
// PollerFor find, after the built-in connectors, the apps each account can
// use as data (its own, then the platform's); it returns r.
func (r *Registry) WithAccountApps(src AppSource) *Registry {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.accountApps = src
	return r
}

// appSource is the source WithAccountApps set, or nil.
func (r *Registry) appSource() AppSource {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.accountApps
}

// ForgetApp makes the next lookup of app key read it afresh: the
// account's, or, with accountID "", the platform's and every account's.
// Call it after storing, deleting or deprecating a version, so that this
// process sees the change at once.
func (r *Registry) ForgetApp(accountID, key string) {
	if f, ok := r.appSource().(AppForgetter); ok {
		f.Forget(accountID, key)
	}
}

// ManifestFor is Manifest on behalf of an account: the built-in connectors
// and, marked with their Owner, the apps written as data that the account
// can use (its own and the platform's), sorted by id, when the AppSource is
// an AppLister.
func (r *Registry) ManifestFor(ctx context.Context, accountID string) (ManifestDoc, error) {
	doc := r.Manifest()
	src := r.appSource()
	lister, ok := src.(AppLister)
	if !ok || accountID == "" {
		return doc, nil
	}
	apps, err := lister.Apps(ctx, accountID)
	if err != nil {
		return ManifestDoc{}, fmt.Errorf("listing the apps of account %s: %w", accountID, err)
	}
	seen := map[string]bool{}
	for _, c := range doc.Connectors {
		seen[c.ID] = true
	}
	for _, app := range apps {
		if seen[app.Key] {
			continue // a built-in connector's key, or listed already
		}
		seen[app.Key] = true
		reg, err := src.AppRegistry(ctx, accountID, app.Key, false)
		if errors.Is(err, ErrUnknownConnector) {
			continue // deleted meanwhile
		}
		if err != nil {
			return ManifestDoc{}, fmt.Errorf("reading app %s of account %s: %w", app.Key, accountID, err)
		}
		for _, c := range reg.Manifest().Connectors {
			c.Owner = app.Owner
			doc.Connectors = append(doc.Connectors, c)
		}
	}
	slices.SortFunc(doc.Connectors, func(a, b ManifestConnector) int { return strings.Compare(a.ID, b.ID) })
	return doc, nil
}

// WithDeprecation marks the version deprecated with d, as its Spec then
// says: for a stored app's version, whose deprecation is set after its
// document was written. It returns s.
func (s *Static) WithDeprecation(d Deprecation) *Static {
	s.spec.Status = StatusDeprecated
	s.spec.Deprecation = &d
	return s
}

// LookupFor is Lookup on behalf of an account: a built-in connector, or
// else the account's own app of that id, or else the platform's. A
// built-in id always wins, so no stored app can shadow one.
func (r *Registry) LookupFor(ctx context.Context, accountID, id, version string) (Connector, error) {
	reg, err := r.forAccount(ctx, accountID, id, version)
	if err != nil {
		return nil, err
	}
	return reg.Lookup(id, version)
}

// ActionFor is Action on behalf of an account, as LookupFor finds the
// connector.
func (r *Registry) ActionFor(ctx context.Context, accountID, id, version, action string) (Action, error) {
	reg, err := r.forAccount(ctx, accountID, id, version)
	if err != nil {
		return nil, err
	}
	return reg.Action(id, version, action)
}

// BuiltIn reports whether id is a connector registered in r itself, not
// an app an account keeps as data.
func (r *Registry) BuiltIn(id string) bool {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return len(r.byID[id]) > 0
}

// forAccount is the registry that has id for the account: r itself for a
// built-in connector, else the account's app registry, read afresh when a
// named version is not in the cached one.
func (r *Registry) forAccount(ctx context.Context, accountID, id, version string) (*Registry, error) {
	r.mu.RLock()
	_, builtIn := r.byID[id]
	src := r.accountApps
	r.mu.RUnlock()
	if builtIn || src == nil || accountID == "" {
		return r, nil
	}
	reg, err := src.AppRegistry(ctx, accountID, id, false)
	if err != nil {
		return nil, err
	}
	// A cached registry may lack a version stored since, by this process
	// or another one: a version the caller names is looked for afresh.
	if version != "" {
		if _, err := reg.Lookup(id, version); errors.Is(err, ErrUnknownVersion) {
			return src.AppRegistry(ctx, accountID, id, true)
		}
	}
	return reg, nil
}

// TriggerFor is Trigger on behalf of an account, as LookupFor finds the
// connector.
func (r *Registry) TriggerFor(ctx context.Context, accountID, id, version, trigger string) (TriggerSpec, Spec, error) {
	reg, err := r.forAccount(ctx, accountID, id, version)
	if err != nil {
		return TriggerSpec{}, Spec{}, err
	}
	return reg.Trigger(id, version, trigger)
}

// WebhookFor is Webhook on behalf of an account, as LookupFor finds the
// connector.
func (r *Registry) WebhookFor(ctx context.Context, accountID, id, version, trigger string) (Webhook, TriggerSpec, error) {
	reg, err := r.forAccount(ctx, accountID, id, version)
	if err != nil {
		return nil, TriggerSpec{}, err
	}
	return reg.Webhook(id, version, trigger)
}

// PollerFor is Poller on behalf of an account, as LookupFor finds the
// connector: the poll activity of an account's app ("<app>.<trigger>")
// finds its code here.
func (r *Registry) PollerFor(ctx context.Context, accountID, id, version, trigger string) (Poller, TriggerSpec, error) {
	reg, err := r.forAccount(ctx, accountID, id, version)
	if err != nil {
		return nil, TriggerSpec{}, err
	}
	return reg.Poller(id, version, trigger)
}
