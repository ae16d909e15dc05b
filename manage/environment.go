package manage

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/junction-run/junction/connectors"
	"github.com/junction-run/junction/store"
)

// envStore is what Environment needs of the metadata store; *store.Store
// implements it.
type envStore interface {
	EnvVars(ctx context.Context, accountID, app, appVersion string) ([]store.EnvVar, error)
	SetEnvVars(ctx context.Context, accountID, app, appVersion string, vars []store.EnvVar) error
	DeleteEnvVar(ctx context.Context, accountID, app, appVersion, name string) error
}

// envSecrets is what Environment needs of the secrets in Vault;
// *credentials.Secrets implements it.
type envSecrets interface {
	UpdateEnv(ctx context.Context, accountID, app, appVersion string, set map[string]string, unset []string) error
	DeleteEnv(ctx context.Context, accountID, app, appVersion string) error
}

// Environment manages an account's environment variables per app version:
// non-secret values in the metadata store, secret ones in Vault in one
// entry per account, app and version, written with check-and-set. Nothing
// here reads a secret value.
type Environment struct {
	store      envStore
	secrets    envSecrets
	connectors *connectors.Registry
}

// NewEnvironment returns the environment variables service over the
// metadata store, the secrets in Vault and the registry of apps.
func NewEnvironment(st envStore, secrets envSecrets, registry *connectors.Registry) *Environment {
	return &Environment{store: st, secrets: secrets, connectors: registry}
}

// Env is an app version's environment in an account: the variables it
// declares (Spec.Env) and those set. A secret variable's Value is empty.
type Env struct {
	Spec connectors.Spec
	Vars []store.EnvVar
}

// EnvValue is a variable as a request sets it; Secret, for a variable the
// app does not declare, says whether it is secret.
type EnvValue struct {
	Value  *string
	Secret *bool
}

// app finds the app version, which must be registered, or one the
// account keeps as data.
func (env *Environment) app(ctx context.Context, accountID, app, version string) (connectors.Spec, error) {
	conn, err := env.connectors.LookupFor(ctx, accountID, app, version)
	if err != nil || version == "" {
		return connectors.Spec{}, notFound("No app %q with version %q: GET /api/v1/manifest lists them.", app, version)
	}
	return conn.Spec(), nil
}

// Get returns the account's environment of an app version.
func (env *Environment) Get(ctx context.Context, accountID, app, version string) (Env, error) {
	spec, err := env.app(ctx, accountID, app, version)
	if err != nil {
		return Env{}, err
	}
	return env.read(ctx, accountID, spec)
}

func (env *Environment) read(ctx context.Context, accountID string, spec connectors.Spec) (Env, error) {
	vars, err := env.store.EnvVars(ctx, accountID, spec.ID, spec.Version)
	if err != nil {
		return Env{}, failed(err, "Could not read the environment variables")
	}
	return Env{Spec: spec, Vars: vars}, nil
}

// Set sets the variables named and leaves the others as they are.
func (env *Environment) Set(ctx context.Context, accountID, app, version string, values map[string]EnvValue) (Env, error) {
	spec, err := env.app(ctx, accountID, app, version)
	if err != nil {
		return Env{}, err
	}
	declared := map[string]connectors.EnvVar{}
	var names []string
	for _, e := range spec.Env {
		declared[e.Name] = e
		names = append(names, e.Name)
	}
	var problems []FieldError
	bad := func(name, code, format string, args ...any) {
		problems = append(problems, FieldError{Path: "variables." + name, Code: code, Message: fmt.Sprintf(format, args...)})
	}
	if len(values) == 0 {
		problems = append(problems, FieldError{Path: "variables", Code: "required", Message: "must set at least one variable"})
	}
	var vars []store.EnvVar
	secrets := map[string]string{}
	for name, in := range values {
		d, isDeclared := declared[name]
		switch {
		case !store.ValidEnvName(name):
			bad(name, "invalid_value", "is not a valid name: UPPER_SNAKE_CASE, a letter first, at most %d characters", store.MaxEnvNameLen)
			continue
		case !isDeclared && !spec.CustomEnv:
			bad(name, "not_allowed", "is not an environment variable of %s %s (it has: %s)", spec.ID, spec.Version, listOrNone(names))
			continue
		case in.Value == nil || *in.Value == "":
			bad(name, "required", "value is required (delete a variable with DELETE .../env/%s)", name)
			continue
		case len(*in.Value) > store.MaxEnvValueLen:
			bad(name, "invalid_value", "value is longer than %d bytes", store.MaxEnvValueLen)
			continue
		}
		secret := d.Secret
		if !isDeclared {
			secret = in.Secret != nil && *in.Secret
		} else if in.Secret != nil && *in.Secret != d.Secret {
			bad(name, "invalid_value", "secret must be %t: %s %s declares it so", d.Secret, spec.ID, spec.Version)
			continue
		}
		v := store.EnvVar{AccountID: accountID, App: spec.ID, AppVersion: spec.Version, Name: name, Secret: secret}
		if secret {
			secrets[name] = *in.Value
		} else {
			v.Value = *in.Value
		}
		vars = append(vars, v)
	}
	if len(problems) > 0 {
		sort.Slice(problems, func(i, j int) bool { return problems[i].Path < problems[j].Path })
		return Env{}, invalid(problems)
	}

	existing, err := env.read(ctx, accountID, spec)
	if err != nil {
		return Env{}, err
	}
	// A custom variable that stops being secret leaves Vault.
	var unset []string
	for _, old := range existing.Vars {
		for _, v := range vars {
			if v.Name == old.Name && old.Secret && !v.Secret {
				unset = append(unset, old.Name)
			}
		}
	}
	// Vault first: a row that says a secret is set never points at a value
	// that is not there. When no secret variable is left, the entry goes.
	if len(secrets) > 0 || len(unset) > 0 {
		var err error
		if len(secrets) == 0 && secretsLeft(existing.Vars, unset) == 0 {
			err = env.secrets.DeleteEnv(ctx, accountID, spec.ID, spec.Version)
		} else {
			err = env.secrets.UpdateEnv(ctx, accountID, spec.ID, spec.Version, secrets, unset)
		}
		if err != nil {
			return Env{}, failed(err, "Could not store the secret environment variables")
		}
	}
	if err := env.store.SetEnvVars(ctx, accountID, spec.ID, spec.Version, vars); err != nil {
		return Env{}, failed(err, "Could not store the environment variables")
	}
	return env.read(ctx, accountID, spec)
}

// Delete deletes one variable, its Vault value included.
func (env *Environment) Delete(ctx context.Context, accountID, app, version, name string) error {
	spec, err := env.app(ctx, accountID, app, version)
	if err != nil {
		return err
	}
	existing, err := env.read(ctx, accountID, spec)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(existing.Vars, func(v store.EnvVar) bool { return v.Name == name })
	if i < 0 {
		return notFound("Environment variable %s is not set for %s %s.", name, spec.ID, spec.Version)
	}
	if existing.Vars[i].Secret {
		var err error
		if secretsLeft(existing.Vars, []string{name}) == 0 {
			// The last one: its entry goes, not only its value.
			err = env.secrets.DeleteEnv(ctx, accountID, spec.ID, spec.Version)
		} else {
			err = env.secrets.UpdateEnv(ctx, accountID, spec.ID, spec.Version, nil, []string{name})
		}
		if err != nil {
			return failed(err, "Could not delete the secret environment variable")
		}
	}
	if err := env.store.DeleteEnvVar(ctx, accountID, spec.ID, spec.Version, name); err != nil && !errors.Is(err, store.ErrNotFound) {
		return failed(err, "Could not delete the environment variable")
	}
	return nil
}

// secretsLeft counts the secret variables of existing that remain when the
// ones named in gone are no longer secret or no longer set.
func secretsLeft(existing []store.EnvVar, gone []string) int {
	n := 0
	for _, v := range existing {
		if v.Secret && !slices.Contains(gone, v.Name) {
			n++
		}
	}
	return n
}

func listOrNone(names []string) string {
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}
