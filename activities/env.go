package activities

import (
	"context"
	"errors"
	"fmt"

	"go.temporal.io/sdk/temporal"

	"github.com/junction-run/junction/connectors"
	"github.com/junction-run/junction/connectors/httpconn"
	"github.com/junction-run/junction/credentials"
	"github.com/junction-run/junction/definition"
	"github.com/junction-run/junction/runs"
	"github.com/junction-run/junction/store"
	"github.com/junction-run/junction/vaultx"
)

// HTTPEnvApp is the app whose environment variables HttpRequest steps read: the generic HTTP
// connector's, so that an account sets a variable once for both ways of calling an HTTP API
// (HttpRequest and http.call).
const HTTPEnvApp = httpconn.ConnectorID

// EnvResolver reads the environment variables an account set for an app version, secret ones
// included. VaultEnv implements it.
type EnvResolver interface {
	Env(ctx context.Context, accountID, app, appVersion string) (connectors.EnvVars, error)
}

// envStore reads an account's variables of an app version; *store.Store implements it.
type envStore interface {
	EnvVars(ctx context.Context, accountID, app, appVersion string) ([]store.EnvVar, error)
}

// VaultEnv reads environment variables from the metadata store (non-secret values, and which
// secret ones are set) and Vault (secret values). Like VaultConnections it runs only inside
// activities, so a secret value exists only in the memory of the activity that sends it.
type VaultEnv struct {
	Store envStore
	// Secrets holds the secret values (Vault); one not configured makes a
	// secret variable that is set an error.
	Secrets *credentials.Secrets
}

var _ EnvResolver = (*VaultEnv)(nil)

// Env returns every variable the account set for the app version. Vault is read only when a
// secret variable is set. Errors name variables and app versions, never a value: the store or
// Vault being unreachable is a plain (retried) error; a secret value missing from Vault is a
// non-retryable ErrTypeInvalidEnv.
func (v *VaultEnv) Env(ctx context.Context, accountID, app, appVersion string) (connectors.EnvVars, error) {
	rows, err := v.Store.EnvVars(ctx, accountID, app, appVersion)
	if err != nil {
		return nil, prefixed("environment of "+app+" "+appVersion, err)
	}
	vars := make(connectors.EnvVars, len(rows))
	var secret []string
	for _, r := range rows {
		if r.Secret {
			secret = append(secret, r.Name)
			continue
		}
		vars[r.Name] = r.Value
	}
	if len(secret) == 0 {
		return vars, nil
	}
	if !v.Secrets.Configured() {
		return nil, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("environment of %s %s: secret variables need Vault, and this worker has none", app, appVersion), runs.ErrTypeNotConfigured, nil)
	}
	values, err := v.Secrets.Env(ctx, accountID, app, appVersion)
	switch {
	case err == nil:
	case errors.Is(err, vaultx.ErrUnavailable), ctx.Err() != nil:
		return nil, prefixed("environment of "+app+" "+appVersion+": reading its secret variables", err)
	default:
		return nil, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("environment of %s %s: reading its secret variables: %v", app, appVersion, err), runs.ErrTypeNotConfigured, nil)
	}
	for _, name := range secret {
		val, ok := values[name]
		if !ok {
			return nil, temporal.NewNonRetryableApplicationError(
				fmt.Sprintf("environment of %s %s: the secret variable %s is not in Vault; set it again", app, appVersion, name), runs.ErrTypeInvalidEnv, nil)
		}
		vars[name] = val
	}
	return vars, nil
}

// resolveEnv reads the variables of an app version when the step references some (slots) or the
// version declares some (declared), and checks that every declared required one is set.
func resolveEnv(ctx context.Context, r EnvResolver, accountID string, spec connectors.Spec, slots []definition.EnvSlot) (connectors.EnvVars, error) {
	if len(slots) == 0 && len(spec.Env) == 0 {
		return nil, nil
	}
	if r == nil {
		if len(slots) == 0 {
			return connectors.EnvVars{}, nil
		}
		return nil, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("%s %s: environment variables are not available on this worker", spec.ID, spec.Version), runs.ErrTypeNotConfigured, nil)
	}
	vars, err := r.Env(ctx, accountID, spec.ID, spec.Version)
	if err != nil {
		return nil, err
	}
	for _, e := range spec.Env {
		if e.Required && vars[e.Name] == "" {
			return nil, temporal.NewNonRetryableApplicationError(
				fmt.Sprintf("%s %s: the environment variable %s is required and not set for account %s", spec.ID, spec.Version, e.Name, accountID), runs.ErrTypeNotConfigured, nil)
		}
	}
	return vars, nil
}

// applyEnv fills the step's {{env.NAME}} references into its rendered input.
func applyEnv(input any, slots []definition.EnvSlot, vars connectors.EnvVars, spec connectors.Spec) (any, error) {
	if len(slots) == 0 {
		return input, nil
	}
	out, err := definition.ApplyEnv(input, slots, func(name string) (string, bool) {
		v, ok := vars[name]
		return v, ok
	})
	if err != nil {
		// Names only: ApplyEnv's errors never hold a value.
		return nil, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("%s %s: %v", spec.ID, spec.Version, err), runs.ErrTypeNotConfigured, nil)
	}
	return out, nil
}

// environment reads the environment of the step's app version and fills the step's references
// into its input. The version is the one the call names, or the latest stable one.
func (c *Connectors) environment(ctx context.Context, in runs.ConnectorCall) (connectors.EnvVars, any, error) {
	conn, err := c.Registry.LookupFor(ctx, in.AccountID, in.Connector, in.Version)
	if err != nil {
		return nil, nil, temporal.NewNonRetryableApplicationError(err.Error(), runs.ErrTypeBadRequest, nil)
	}
	spec := conn.Spec()
	vars, err := resolveEnv(ctx, c.Env, in.AccountID, spec, in.Env)
	if err != nil {
		return nil, nil, err
	}
	input, err := applyEnv(in.Input, in.Env, vars, spec)
	return vars, input, err
}

// withEnv fills an HttpRequest step's references from the generic http app's environment, and
// returns that environment too: its values are secrets of the step's errors.
func (a *Activities) withEnv(ctx context.Context, in runs.HTTPRequest) (runs.HTTPRequest, connectors.EnvVars, error) {
	if len(in.Env) == 0 {
		return in, nil, nil
	}
	version := a.HTTPEnvVersion
	if version == "" {
		version = httpconn.Connector().Spec().Version
	}
	spec := connectors.Spec{ID: HTTPEnvApp, Version: version}
	vars, err := resolveEnv(ctx, a.Env, in.AccountID, spec, in.Env)
	if err != nil {
		return in, nil, err
	}
	// The slots point into the step's inputs, whose names these are.
	inputs := map[string]any{"url": in.URL, "method": in.Method, "headers": anyMap(in.Headers),
		"parameters": anyMap(in.Parameters), "body": in.Body}
	out, err := applyEnv(inputs, in.Env, vars, spec)
	if err != nil {
		return in, nil, err
	}
	m, _ := out.(map[string]any)
	in.URL, _ = m["url"].(string)
	in.Method, _ = m["method"].(string)
	in.Headers, in.Parameters, in.Body = stringMap(m["headers"]), stringMap(m["parameters"]), m["body"]
	return in, vars, nil
}

func anyMap(m map[string]string) any {
	if m == nil {
		return nil
	}
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func stringMap(v any) map[string]string {
	m, _ := v.(map[string]any)
	if m == nil {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, e := range m {
		out[k], _ = e.(string)
	}
	return out
}
