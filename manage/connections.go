package manage

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"

	"github.com/google/uuid"

	"github.com/junction-run/junction/connectors"
	"github.com/junction-run/junction/credentials"
	"github.com/junction-run/junction/store"
)

// connectionStore is what Connections needs of the metadata store;
// *store.Store implements it.
type connectionStore interface {
	CreateConnection(ctx context.Context, c store.Connection) (store.Connection, error)
	Connection(ctx context.Context, accountID, id string) (store.Connection, error)
	ListConnections(ctx context.Context, accountID, app string, page store.Page) ([]store.Connection, error)
	UpdateConnection(ctx context.Context, c store.Connection, expectedVersion int) (store.Connection, error)
	DeleteConnection(ctx context.Context, accountID, id string) error
}

// connectionSecrets is what Connections needs of the secrets in Vault;
// *credentials.Secrets implements it.
type connectionSecrets interface {
	Configured() bool
	CreateConnection(ctx context.Context, accountID, connectionID string, values map[string]any) error
	UpdateConnection(ctx context.Context, accountID, connectionID string, set map[string]any, unset []string) error
	DeleteConnection(ctx context.Context, accountID, connectionID string) error
}

// Connections manages an account's connections to apps: the non-secret
// fields in the metadata store, the secret ones in Vault, written first so
// that a connection never points at secrets that are not there. Nothing
// here reads a secret value.
type Connections struct {
	store      connectionStore
	secrets    connectionSecrets
	connectors *connectors.Registry
}

// NewConnections returns the connections service over the metadata store,
// the secrets in Vault and the registry of apps connections are for.
func NewConnections(st connectionStore, secrets connectionSecrets, registry *connectors.Registry) *Connections {
	return &Connections{store: st, secrets: secrets, connectors: registry}
}

// NewConnection is what a connection is created with.
type NewConnection struct {
	App, AppVersion, Name, AuthKind string
	// Fields are the auth kind's fields, secret ones included.
	Fields     map[string]string
	Properties map[string]string
}

// ConnectionUpdate is what an update changes; what it leaves nil or empty
// keeps its value.
type ConnectionUpdate struct {
	// App, AppVersion and AuthKind cannot change; given, they must be the
	// connection's.
	App, AppVersion, AuthKind *string
	Name                      *string
	// Fields, when not nil, replace the non-secret fields. Each value is a
	// JSON string, the new value, or {"set": true}, what a read shows of a
	// secret, which keeps it; an omitted secret keeps its value too, and an
	// empty one clears it unless it is required.
	Fields     map[string]json.RawMessage
	Properties map[string]string
	// Version, when set, must be the connection's current version.
	Version int
}

// Create stores a new connection of the account.
func (cs *Connections) Create(ctx context.Context, accountID string, in NewConnection) (store.Connection, error) {
	if !cs.secrets.Configured() {
		return store.Connection{}, failed(credentials.ErrNotConfigured, "Could not store the connection")
	}
	conn, err := cs.connectors.LookupFor(ctx, accountID, in.App, in.AppVersion)
	if err != nil {
		return store.Connection{}, &Error{What: "Unknown app or app version: " + err.Error(), Err: store.ErrInvalid,
			Fields: []FieldError{{Path: "app", Code: "invalid_value", Message: err.Error()}}}
	}
	spec := conn.Spec()
	authSpec := findAuthSpec(spec, in.AuthKind)
	if authSpec == nil {
		return store.Connection{}, &Error{What: fmt.Sprintf("%s %s does not authenticate with %q.", spec.ID, spec.Version, in.AuthKind), Err: store.ErrInvalid,
			Fields: []FieldError{{Path: "authKind", Code: "invalid_value", Message: fmt.Sprintf("must be one of %v", authKinds(spec))}}}
	}
	plain, secrets, _, problems := checkAuthFields(authSpec, in.AuthKind, in.Fields, nil, nil)
	if len(problems) > 0 {
		return store.Connection{}, invalid(problems)
	}
	if authSpec.APIKey != nil {
		// The app says where its key goes; the activity that builds the
		// credentials reads it from the connection.
		apiKeyPlace(plain, authSpec.APIKey)
	}
	rec := store.Connection{AccountID: accountID, ID: uuid.NewString(), App: spec.ID, AppVersion: spec.Version,
		Name: in.Name, AuthKind: in.AuthKind, Fields: plain, Properties: in.Properties}
	for name := range secrets {
		rec.SecretFields = append(rec.SecretFields, name)
	}
	if len(secrets) > 0 {
		// Secrets first: a connection row never points at secrets that are
		// not there.
		if err := cs.secrets.CreateConnection(ctx, rec.AccountID, rec.ID, secrets); err != nil {
			return store.Connection{}, failed(err, "Could not store the connection's secrets")
		}
	}
	saved, err := cs.store.CreateConnection(ctx, rec)
	if err != nil {
		if len(secrets) > 0 {
			_ = cs.secrets.DeleteConnection(context.WithoutCancel(ctx), rec.AccountID, rec.ID)
		}
		return store.Connection{}, failed(err, "Could not store the connection")
	}
	return saved, nil
}

// Get reads a connection of the account.
func (cs *Connections) Get(ctx context.Context, accountID, id string) (store.Connection, error) {
	conn, err := cs.store.Connection(ctx, accountID, id)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return conn, notFound("Connection %s not found.", id)
	case err != nil:
		return conn, failed(err, "Could not read the connection")
	}
	return conn, nil
}

// List lists the account's connections, of app when it is not "".
func (cs *Connections) List(ctx context.Context, accountID, app string, page store.Page) ([]store.Connection, error) {
	conns, err := cs.store.ListConnections(ctx, accountID, app, page)
	if err != nil {
		return nil, failed(err, "Could not list connections")
	}
	return conns, nil
}

// Update changes a connection's name, fields, properties and secret
// fields. Secrets are patched in Vault with check-and-set on the version
// read, so no secret value is read to keep it.
func (cs *Connections) Update(ctx context.Context, accountID, id string, in ConnectionUpdate) (store.Connection, error) {
	if !cs.secrets.Configured() {
		return store.Connection{}, failed(credentials.ErrNotConfigured, "Could not update the connection")
	}
	row, err := cs.Get(ctx, accountID, id)
	if err != nil {
		return row, err
	}
	if in.Version != 0 && in.Version != row.Version {
		return row, &Error{What: fmt.Sprintf("The connection is at version %d, not %d; read it again and retry.", row.Version, in.Version),
			Err: store.ErrConflict, Fields: []FieldError{{Path: "version", Code: "conflict", Message: "not the current version"}}}
	}
	for _, fixed := range []struct {
		path    string
		given   *string
		current string
	}{{"app", in.App, row.App}, {"appVersion", in.AppVersion, row.AppVersion}, {"authKind", in.AuthKind, row.AuthKind}} {
		if fixed.given != nil && *fixed.given != fixed.current {
			return row, &Error{What: fixed.path + " cannot change; create a new connection instead.", Err: store.ErrInvalid,
				Fields: []FieldError{{Path: fixed.path, Code: "not_allowed", Message: fmt.Sprintf("must be %q or omitted", fixed.current)}}}
		}
	}
	conn, err := cs.connectors.LookupFor(ctx, row.AccountID, row.App, row.AppVersion)
	if err != nil {
		return row, &Error{What: "The connection's app is no longer available: " + err.Error(), Err: store.ErrInvalid,
			Fields: []FieldError{{Path: "app", Code: "invalid_value", Message: err.Error()}}}
	}
	authSpec := findAuthSpec(conn.Spec(), row.AuthKind)
	if authSpec == nil {
		return row, &Error{What: fmt.Sprintf("%s %s no longer authenticates with %q; create a new connection.", row.App, row.AppVersion, row.AuthKind),
			Err: store.ErrInvalid, Fields: []FieldError{{Path: "authKind", Code: "invalid_value", Message: "no longer supported by the app"}}}
	}

	isSet := map[string]bool{}
	for _, name := range row.SecretFields {
		isSet[name] = true
	}
	rec := row
	if in.Name != nil {
		rec.Name = *in.Name
	}
	if in.Properties != nil {
		rec.Properties = in.Properties
	}
	var secrets map[string]any
	var clear []string
	if in.Fields != nil {
		given, keep, problems := splitFieldValues(in.Fields)
		if a := authSpec.APIKey; a != nil && given["in"] == a.In && given["name"] == a.Name && given["prefix"] == a.Prefix {
			// Sent back as a read showed them; the app decides these.
			delete(given, "in")
			delete(given, "name")
			delete(given, "prefix")
		}
		var plain map[string]string
		var more []FieldError
		plain, secrets, clear, more = checkAuthFields(authSpec, row.AuthKind, given, keep, isSet)
		if problems = append(problems, more...); len(problems) > 0 {
			return row, invalid(problems)
		}
		if authSpec.APIKey != nil {
			apiKeyPlace(plain, authSpec.APIKey)
		}
		rec.Fields = plain
		for name := range secrets {
			isSet[name] = true
		}
		for _, name := range clear {
			delete(isSet, name)
		}
		rec.SecretFields = rec.SecretFields[:0:0]
		for name := range isSet {
			rec.SecretFields = append(rec.SecretFields, name)
		}
		slices.Sort(rec.SecretFields)
	}

	if len(secrets) > 0 || len(clear) > 0 {
		if err := cs.secrets.UpdateConnection(ctx, accountID, id, secrets, clear); err != nil {
			return row, failed(err, "Could not store the connection's secrets")
		}
	}
	saved, err := cs.store.UpdateConnection(ctx, rec, row.Version)
	if errors.Is(err, store.ErrConflict) {
		// Vault already has the new secrets: they are what this request
		// asked for, and what the winner's row may not list is only a
		// field's "set" mark, fixed by the retry this answer asks for.
		return row, &Error{What: "The connection changed while it was being updated; read it again and retry.", Err: err,
			Fields: []FieldError{{Path: "version", Code: "conflict", Message: "changed concurrently"}}}
	}
	if err != nil {
		return row, failed(err, "Could not update the connection")
	}
	return saved, nil
}

// Delete deletes a connection and its secrets, OAuth2 tokens included.
// Runs that name it fail their next step with a clear "not found".
func (cs *Connections) Delete(ctx context.Context, accountID, id string) error {
	conn, err := cs.Get(ctx, accountID, id)
	if err != nil {
		return err
	}
	if len(conn.SecretFields) > 0 || isOAuth2(conn.AuthKind) {
		if err := cs.secrets.DeleteConnection(ctx, accountID, id); err != nil {
			return failed(err, "Could not delete the connection's secrets")
		}
	}
	if err := cs.store.DeleteConnection(ctx, accountID, id); err != nil && !errors.Is(err, store.ErrNotFound) {
		return failed(err, "Could not delete the connection")
	}
	return nil
}

// splitFieldValues reads an update's fields: a string is a new value, and
// {"set": true} (what a read shows for a secret) keeps the current one.
func splitFieldValues(raw map[string]json.RawMessage) (given map[string]string, keep map[string]bool, problems []FieldError) {
	given, keep = map[string]string{}, map[string]bool{}
	for name, v := range raw {
		var s string
		if err := json.Unmarshal(v, &s); err == nil {
			given[name] = s
			continue
		}
		var marker struct {
			Set bool `json:"set"`
		}
		dec := json.NewDecoder(bytes.NewReader(v))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&marker); err == nil && marker.Set {
			keep[name] = true
			continue
		}
		problems = append(problems, FieldError{Path: "fields." + name, Code: "invalid_type",
			Message: `must be a string, or {"set": true} to keep a secret's value`})
	}
	return given, keep, problems
}

// FindAuthSpec is how the app of spec authenticates with kind, or nil.
func FindAuthSpec(spec connectors.Spec, kind string) *connectors.AuthSpec {
	return findAuthSpec(spec, kind)
}

func findAuthSpec(spec connectors.Spec, kind string) *connectors.AuthSpec {
	for i := range spec.Auth {
		if string(spec.Auth[i].Kind) == kind {
			return &spec.Auth[i]
		}
	}
	return nil
}

func isOAuth2(kind string) bool {
	return kind == string(connectors.AuthOAuth2AuthorizationCode) || kind == string(connectors.AuthOAuth2ClientCredentials)
}

// checkAuthFields checks a request's auth fields against the kind's spec,
// as create and update both do, and sorts them: plain values for the
// store, secret values for Vault, and secret fields to clear. isSet names
// the secret fields the connection already has (nil when creating): an
// omitted secret, or one named in keep, keeps its value and satisfies
// Required; an empty one clears it unless it is required.
func checkAuthFields(authSpec *connectors.AuthSpec, kind string, given map[string]string, keep, isSet map[string]bool) (
	plain map[string]string, secrets map[string]any, clear []string, problems []FieldError) {
	plain, secrets = map[string]string{}, map[string]any{}
	known := map[string]bool{}
	for _, f := range authSpec.Fields {
		known[f.Name] = true
		v, set := given[f.Name]
		switch {
		case f.Secret && (!set || keep[f.Name]) && isSet[f.Name]:
			// kept as it is in Vault
		case f.Secret && set && v == "" && isSet[f.Name] && !f.Required:
			clear = append(clear, f.Name)
		case !set || v == "" || keep[f.Name]:
			if f.Required {
				msg := "is required"
				if f.Secret && isSet[f.Name] {
					msg = "is required; omit it to keep the current value"
				}
				problems = append(problems, FieldError{Path: "fields." + f.Name, Code: "required", Message: msg})
			}
		case f.Secret:
			secrets[f.Name] = v
		default:
			plain[f.Name] = v
		}
	}
	for name := range given {
		if !known[name] {
			problems = append(problems, FieldError{Path: "fields." + name, Code: "not_allowed", Message: "is not a field of " + kind})
		}
	}
	for name := range keep {
		if !known[name] {
			problems = append(problems, FieldError{Path: "fields." + name, Code: "not_allowed", Message: "is not a field of " + kind})
		}
	}
	sort.Slice(problems, func(i, j int) bool { return problems[i].Path < problems[j].Path })
	return plain, secrets, clear, problems
}

// apiKeyPlace records in a connection's plain fields where the app sends
// its API key: in, name and, when the key goes after text in a header
// (Delhivery's "Token "), prefix.
func apiKeyPlace(plain map[string]string, k *connectors.APIKeySpec) {
	plain["in"], plain["name"] = k.In, k.Name
	if k.Prefix != "" {
		plain["prefix"] = k.Prefix
	}
}
