package connectors

import (
	"context"
	"errors"
)

// AppSource gives the apps an account keeps as data (declarative apps,
// stored per account), each as a registry of that app's versions. fresh
// asks for the versions as they are now, past any cache: a version just
// stored is found. An account without an app of that key answers an error
// that wraps ErrUnknownConnector.
type AppSource interface {
	AppRegistry(ctx context.Context, accountID, key string, fresh bool) (*Registry, error)
}

// WithAccountApps makes LookupFor, ActionFor, TriggerFor, WebhookFor and
// PollerFor find, after the built-in connectors, the apps each account
// keeps as data; it returns r.
func (r *Registry) WithAccountApps(src AppSource) *Registry {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.accountApps = src
	return r
}

// LookupFor is Lookup on behalf of an account: a built-in connector, or
// else the account's own app of that id. A built-in id always wins, so an
// account cannot shadow one.
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
