package manage

import (
	"context"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/junction-run/junction/connectors"
	"github.com/junction-run/junction/connectors/declarative"
	"github.com/junction-run/junction/definition"
	"github.com/junction-run/junction/store"
)

// appStore keeps the versions of the apps written as data, an account's
// and the platform's; *store.Store implements it.
type appStore interface {
	CreateAppVersion(ctx context.Context, a store.AppVersion) (store.AppVersion, error)
	AppVersion(ctx context.Context, owner store.AppOwner, key, version string) (store.AppVersion, error)
	AppVersions(ctx context.Context, owner store.AppOwner, key string, page store.Page) ([]store.AppVersion, error)
	ListApps(ctx context.Context, owner store.AppOwner, page store.Page) ([]store.AppVersion, error)
	DeprecateAppVersion(ctx context.Context, owner store.AppOwner, key, version string, d *store.AppDeprecation) (store.AppVersion, error)
	AccountsWithApp(ctx context.Context, key string) (int, error)
	DeleteAppVersion(ctx context.Context, owner store.AppOwner, key, version string) error
	DeleteApp(ctx context.Context, owner store.AppOwner, key string) error
}

// Apps manages the apps written as data (package connectors/declarative,
// docs/apps.md): immutable versions of JSON documents, each checked as the
// connector it makes before it is stored, kept by an account for itself or
// by the platform for every account (store.AppOwner).
//
// A key has one owner: a built-in connector's key cannot be taken, an
// account cannot take a platform app's key, nor the platform one that an
// account keeps. The connector registry finds stored apps for the accounts
// that may use them (connectors.Registry.LookupFor, internal/app's
// storedApps), and Apps makes it forget what it cached of an app it
// changes, so the change shows at once in this process.
type Apps struct {
	store appStore
	// connectors are the built-in connectors, whose keys an app may not
	// take, and the lookups of stored apps.
	connectors *connectors.Registry
}

// NewApps returns the service; registry holds the built-in connectors.
func NewApps(st appStore, registry *connectors.Registry) *Apps {
	return &Apps{store: st, connectors: registry}
}

// Create checks body as a declarative app and stores it as a version of
// owner's app of its key. A body that is not a valid app is a
// *definition.ValidationError listing every problem by JSON path. A key
// that a built-in connector, or another owner, has is a store.ErrConflict
// naming key; so is a version already stored with another document.
// Storing a version again with the same document changes nothing: Create
// returns the stored one with created false.
func (as *Apps) Create(ctx context.Context, owner store.AppOwner, body []byte) (saved store.AppVersion, created bool, err error) {
	app, err := parseApp(body)
	if err != nil {
		return saved, false, err
	}
	return as.create(ctx, owner, app, body)
}

// Put stores body as version version of owner's app key, as Create does;
// the document must say that key and version (a store.ErrInvalid naming
// key or version otherwise), so that a PUT names what it stores.
func (as *Apps) Put(ctx context.Context, owner store.AppOwner, key, version string, body []byte) (saved store.AppVersion, created bool, err error) {
	app, err := parseApp(body)
	if err != nil {
		return saved, false, err
	}
	var problems []FieldError
	if app.Key != key {
		problems = append(problems, FieldError{Path: "key", Code: definition.CodeInvalidValue,
			Message: fmt.Sprintf("is %q, but the path names app %q", app.Key, key)})
	}
	if app.Version != version {
		problems = append(problems, FieldError{Path: "version", Code: definition.CodeInvalidValue,
			Message: fmt.Sprintf("is %q, but the path names version %q", app.Version, version)})
	}
	if len(problems) > 0 {
		return saved, false, invalid(problems)
	}
	return as.create(ctx, owner, app, body)
}

// parseApp parses and checks a declarative app.
func parseApp(body []byte) (*declarative.App, error) {
	app, err := declarative.Parse(body)
	if err != nil {
		return nil, err
	}
	// Parse checks what Connector builds from; building it is the proof
	// that the app can run once the registry loads it.
	if _, err := app.Connector(); err != nil {
		return nil, err
	}
	return app, nil
}

func (as *Apps) create(ctx context.Context, owner store.AppOwner, app *declarative.App, body []byte) (saved store.AppVersion, created bool, err error) {
	if err := as.keyFree(ctx, owner, app.Key); err != nil {
		return saved, false, err
	}
	// Whether the version is new decides the status; the store decides
	// whether a version already there is the same document.
	_, err = as.store.AppVersion(ctx, owner, app.Key, app.Version)
	switch {
	case err == nil:
	case errors.Is(err, store.ErrNotFound):
		created = true
	default:
		return saved, false, failed(err, "Could not store the app")
	}
	saved, err = as.store.CreateAppVersion(ctx, store.AppVersion{Owner: owner, Key: app.Key, Version: app.Version,
		Name: app.Name, Status: string(app.Status), Body: body})
	switch {
	case errors.Is(err, store.ErrConflict):
		return saved, false, &Error{What: fmt.Sprintf("App %s version %s is already stored with another document; a version cannot change: store it as a new version.", app.Key, app.Version),
			Err: err, Fields: []FieldError{{Path: "version", Code: definition.CodeConflict, Message: "already stored with another document"}}}
	case errors.Is(err, store.ErrNotFound):
		return saved, false, notFound("Account %s not found.", owner.AccountID)
	case err != nil:
		return saved, false, failed(err, "Could not store the app")
	}
	if created {
		as.forget(owner, app.Key)
	}
	return saved, created, nil
}

// keyFree refuses a key that a built-in connector has, or that an owner
// other than owner keeps an app of. Two owners racing to take a key can
// both win; the lookup order (the account's own app before the
// platform's) then decides, as connectors.AppSource says.
func (as *Apps) keyFree(ctx context.Context, owner store.AppOwner, key string) error {
	taken := func(why string) error {
		return &Error{What: fmt.Sprintf("App key %s %s; choose another key.", key, why),
			Err: store.ErrConflict, Fields: []FieldError{{Path: "key", Code: definition.CodeConflict, Message: why}}}
	}
	if as.builtIn(key) {
		return taken("is a built-in connector's key")
	}
	if owner.Platform {
		n, err := as.store.AccountsWithApp(ctx, key)
		if err != nil {
			return failed(err, "Could not store the app")
		}
		if n > 0 {
			return taken(fmt.Sprintf("is the key of an app %d accounts keep for themselves", n))
		}
		return nil
	}
	_, err := as.store.AppVersions(ctx, store.PlatformApps(), key, store.Page{Limit: 1})
	switch {
	case err == nil:
		return taken("is a platform app's key: every account can use that app already")
	case !errors.Is(err, store.ErrNotFound):
		return failed(err, "Could not store the app")
	}
	return nil
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

// forget makes the registry read owner's app key afresh.
func (as *Apps) forget(owner store.AppOwner, key string) {
	if as.connectors != nil {
		as.connectors.ForgetApp(owner.AccountID, key) // "" for the platform: every account's
	}
}

// List lists owner's apps, one per key, each as its latest version,
// without documents, ordered by key.
func (as *Apps) List(ctx context.Context, owner store.AppOwner, page store.Page) ([]store.AppVersion, error) {
	apps, err := as.store.ListApps(ctx, owner, page)
	if err != nil {
		return nil, failed(err, "Could not list apps")
	}
	return apps, nil
}

// Versions lists the versions of an app, newest first, without documents.
func (as *Apps) Versions(ctx context.Context, owner store.AppOwner, key string, page store.Page) ([]store.AppVersion, error) {
	versions, err := as.store.AppVersions(ctx, owner, key, page)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return nil, notFound("App %s not found.", key)
	case err != nil:
		return nil, failed(err, "Could not list the app's versions")
	}
	return versions, nil
}

// Get reads one version of an app, with its document as it was sent.
func (as *Apps) Get(ctx context.Context, owner store.AppOwner, key, version string) (store.AppVersion, error) {
	a, err := as.store.AppVersion(ctx, owner, key, version)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return a, notFound("App %s version %s not found.", key, version)
	case err != nil:
		return a, failed(err, "Could not read the app")
	}
	return a, nil
}

// Deprecate deprecates one version of an app, or changes its deprecation:
// d.Date is the last day it is supported (YYYY-MM-DD), d.Replacement the
// later version of the app to move to, stored and not deprecated itself,
// and d.Note, optional, what changes for those who move. These are the
// rules of a built-in connector's deprecation (connectors.Deprecation).
// Definitions that pin the version are warned when saved until the date
// and refused after it; runs already started are not affected. Every
// problem is a store.ErrInvalid naming its field (date, replacement,
// note).
func (as *Apps) Deprecate(ctx context.Context, owner store.AppOwner, key, version string, d connectors.Deprecation) (store.AppVersion, error) {
	if _, err := as.Get(ctx, owner, key, version); err != nil {
		return store.AppVersion{}, err
	}
	var problems []FieldError
	problem := func(path, code, format string, args ...any) {
		problems = append(problems, FieldError{Path: path, Code: code, Message: fmt.Sprintf(format, args...)})
	}
	switch _, err := time.Parse(time.DateOnly, d.Date); {
	case d.Date == "":
		problem("date", definition.CodeRequired, "is required: the last day the version is supported, as YYYY-MM-DD")
	case err != nil:
		problem("date", definition.CodeInvalidValue, "%q is not a date as YYYY-MM-DD", d.Date)
	}
	if n := utf8.RuneCountInString(d.Note); n > store.MaxAppNoteLen {
		problem("note", definition.CodeInvalidValue, "is %d characters, more than %d", n, store.MaxAppNoteLen)
	}
	if d.Replacement == "" {
		problem("replacement", definition.CodeRequired, "is required: the later version to move to")
	} else if connectors.CompareVersions(d.Replacement, version) <= 0 {
		problem("replacement", definition.CodeInvalidValue, "%s is not a version later than %s", d.Replacement, version)
	} else {
		rep, err := as.store.AppVersion(ctx, owner, key, d.Replacement)
		switch {
		case errors.Is(err, store.ErrNotFound):
			problem("replacement", definition.CodeInvalidValue, "app %s has no version %s: store it first", key, d.Replacement)
		case err != nil:
			return store.AppVersion{}, failed(err, "Could not deprecate the app version")
		case rep.Deprecation != nil:
			problem("replacement", definition.CodeInvalidValue, "%s is deprecated itself; name the version after it (%s)", d.Replacement, rep.Deprecation.Replacement)
		}
	}
	if len(problems) > 0 {
		return store.AppVersion{}, invalid(problems)
	}
	saved, err := as.store.DeprecateAppVersion(ctx, owner, key, version, &store.AppDeprecation{Date: d.Date, Replacement: d.Replacement, Note: d.Note})
	if err != nil {
		return store.AppVersion{}, as.versionError(err, key, version, "Could not deprecate the app version")
	}
	as.forget(owner, key)
	return saved, nil
}

// Undeprecate takes a version's deprecation back, if it has one.
func (as *Apps) Undeprecate(ctx context.Context, owner store.AppOwner, key, version string) error {
	if _, err := as.store.DeprecateAppVersion(ctx, owner, key, version, nil); err != nil {
		return as.versionError(err, key, version, "Could not take the deprecation back")
	}
	as.forget(owner, key)
	return nil
}

// DeleteVersion deletes one version of an app. Definitions that pin it can
// no longer be saved, and their runs fail at its steps: list them first
// (Definitions.OnAppVersion).
func (as *Apps) DeleteVersion(ctx context.Context, owner store.AppOwner, key, version string) error {
	if err := as.store.DeleteAppVersion(ctx, owner, key, version); err != nil {
		return as.versionError(err, key, version, "Could not delete the app version")
	}
	as.forget(owner, key)
	return nil
}

func (as *Apps) versionError(err error, key, version, what string) error {
	if errors.Is(err, store.ErrNotFound) {
		return notFound("App %s version %s not found.", key, version)
	}
	return failed(err, "%s", what)
}

// Delete deletes every version of an app.
func (as *Apps) Delete(ctx context.Context, owner store.AppOwner, key string) error {
	err := as.store.DeleteApp(ctx, owner, key)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return notFound("App %s not found.", key)
	case err != nil:
		return failed(err, "Could not delete the app")
	}
	as.forget(owner, key)
	return nil
}

// Manifest is the manifest of what the account can connect to: the
// built-in connectors, its own apps and the platform's
// (connectors.Registry.ManifestFor).
func (as *Apps) Manifest(ctx context.Context, accountID string) (connectors.ManifestDoc, error) {
	doc, err := as.connectors.ManifestFor(ctx, accountID)
	if err != nil {
		return connectors.ManifestDoc{}, failed(err, "Could not list the apps")
	}
	return doc, nil
}
