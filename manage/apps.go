package manage

import (
	"context"
	"errors"
	"fmt"

	"github.com/junction-run/junction/connectors"
	"github.com/junction-run/junction/connectors/declarative"
	"github.com/junction-run/junction/store"
)

// appStore keeps the versions of an account's declarative apps; *store.Store implements it.
type appStore interface {
	CreateAppVersion(ctx context.Context, a store.AppVersion) (store.AppVersion, error)
	AppVersion(ctx context.Context, accountID, key, version string) (store.AppVersion, error)
	AppVersions(ctx context.Context, accountID, key string, page store.Page) ([]store.AppVersion, error)
	ListApps(ctx context.Context, accountID string, page store.Page) ([]store.AppVersion, error)
	DeleteAppVersion(ctx context.Context, accountID, key, version string) error
	DeleteApp(ctx context.Context, accountID, key string) error
}

// Apps manages the apps an account writes as data (package
// connectors/declarative, docs/apps.md): immutable versions of JSON
// documents, each checked as the connector it makes before it is stored.
//
// The connector registry finds stored apps for the account that keeps them
// (connectors.Registry.LookupFor, internal/app's storedApps).
type Apps struct {
	store appStore
	// connectors are the built-in connectors, whose keys an app may not
	// take.
	connectors *connectors.Registry
}

// NewApps returns the service; registry holds the built-in connectors.
func NewApps(st appStore, registry *connectors.Registry) *Apps {
	return &Apps{store: st, connectors: registry}
}

// Create checks body as a declarative app and stores it as a version of
// the account's app of its key. A body that is not a valid app is a
// *definition.ValidationError listing every problem by JSON path. A key a
// built-in connector has is a store.ErrConflict naming key; so is a version
// already stored with another document. Storing a version again with the
// same document changes nothing: Create returns the stored one with created
// false.
func (as *Apps) Create(ctx context.Context, accountID string, body []byte) (saved store.AppVersion, created bool, err error) {
	app, err := declarative.Parse(body)
	if err != nil {
		return saved, false, err
	}
	// Parse checks what Connector builds from; building it is the proof
	// that the app can run once the registry loads it.
	if _, err := app.Connector(); err != nil {
		return saved, false, err
	}
	if as.builtIn(app.Key) {
		return saved, false, &Error{What: fmt.Sprintf("App key %s is a built-in connector's; choose another key.", app.Key),
			Err: store.ErrConflict, Fields: []FieldError{{Path: "key", Code: "conflict", Message: "is a built-in connector's key"}}}
	}
	// Whether the version is new decides the status; the store decides
	// whether a version already there is the same document.
	_, err = as.store.AppVersion(ctx, accountID, app.Key, app.Version)
	switch {
	case err == nil:
	case errors.Is(err, store.ErrNotFound):
		created = true
	default:
		return saved, false, failed(err, "Could not store the app")
	}
	saved, err = as.store.CreateAppVersion(ctx, store.AppVersion{AccountID: accountID, Key: app.Key, Version: app.Version,
		Name: app.Name, Status: string(app.Status), Body: body})
	switch {
	case errors.Is(err, store.ErrConflict):
		return saved, false, &Error{What: fmt.Sprintf("App %s version %s is already stored with another document; a version cannot change: store it as a new version.", app.Key, app.Version),
			Err: err, Fields: []FieldError{{Path: "version", Code: "conflict", Message: "already stored with another document"}}}
	case err != nil:
		return saved, false, failed(err, "Could not store the app")
	}
	return saved, created, nil
}

// builtIn reports whether a built-in connector has the key, whatever its
// versions' status.
func (as *Apps) builtIn(key string) bool {
	if as.connectors == nil {
		return false
	}
	_, err := as.connectors.Lookup(key, "")
	return err == nil || errors.Is(err, connectors.ErrUnknownVersion) // known, but no stable version
}

// List lists the account's apps, one per key, each as its latest version,
// without documents, ordered by key.
func (as *Apps) List(ctx context.Context, accountID string, page store.Page) ([]store.AppVersion, error) {
	apps, err := as.store.ListApps(ctx, accountID, page)
	if err != nil {
		return nil, failed(err, "Could not list apps")
	}
	return apps, nil
}

// Versions lists the versions of an app, newest first, without documents.
func (as *Apps) Versions(ctx context.Context, accountID, key string, page store.Page) ([]store.AppVersion, error) {
	versions, err := as.store.AppVersions(ctx, accountID, key, page)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return nil, notFound("App %s not found.", key)
	case err != nil:
		return nil, failed(err, "Could not list the app's versions")
	}
	return versions, nil
}

// Get reads one version of an app, with its document as it was sent.
func (as *Apps) Get(ctx context.Context, accountID, key, version string) (store.AppVersion, error) {
	a, err := as.store.AppVersion(ctx, accountID, key, version)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return a, notFound("App %s version %s not found.", key, version)
	case err != nil:
		return a, failed(err, "Could not read the app")
	}
	return a, nil
}

// DeleteVersion deletes one version of an app.
func (as *Apps) DeleteVersion(ctx context.Context, accountID, key, version string) error {
	err := as.store.DeleteAppVersion(ctx, accountID, key, version)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return notFound("App %s version %s not found.", key, version)
	case err != nil:
		return failed(err, "Could not delete the app version")
	}
	return nil
}

// Delete deletes every version of an app.
func (as *Apps) Delete(ctx context.Context, accountID, key string) error {
	err := as.store.DeleteApp(ctx, accountID, key)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return notFound("App %s not found.", key)
	case err != nil:
		return failed(err, "Could not delete the app")
	}
	return nil
}
