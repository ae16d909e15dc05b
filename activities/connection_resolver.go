package activities

import (
	"context"
	"errors"
	"fmt"

	"go.temporal.io/sdk/temporal"

	"github.com/junction-run/junction/connectors"
	"github.com/junction-run/junction/connectors/auth"
	"github.com/junction-run/junction/credentials"
	"github.com/junction-run/junction/runs"
	"github.com/junction-run/junction/store"
	"github.com/junction-run/junction/vaultx"
)

// Defaults of an api_key connection that does not set the fields "in" and "name".
const (
	defaultAPIKeyIn   = auth.InHeader
	defaultAPIKeyName = "X-API-Key"
)

// connectionStore reads a connection's non-secret settings; *store.Store implements it.
type connectionStore interface {
	Connection(ctx context.Context, accountID, id string) (store.Connection, error)
}

// VaultConnections resolves connections from the metadata store (settings) and Vault (secret
// field values). It runs only inside activities, so a secret exists only in the memory of the
// activity that uses it: never in a workflow input, a history, or an error.
type VaultConnections struct {
	Store connectionStore
	// Secrets reads the connections' secret fields and OAuth2 tokens from
	// Vault, and writes the tokens.
	Secrets *credentials.Secrets
	// Registry declares the apps' OAuth2 endpoints; OAuth2 connections need it.
	Registry *connectors.Registry
	// Refresher routes OAuth2 refreshes through the connection's single
	// writer (default: its refresher workflow, through the activity's
	// Temporal client).
	Refresher TokenRefresher
	// Env reads the app version's environment variables, for apps whose
	// OAuth client is one per app version (OAuth2Spec.ClientIDEnv).
	Env EnvResolver
}

var _ ConnectionResolver = (*VaultConnections)(nil)

// Resolve reads the connection's settings from the store and its secrets from Vault and builds
// the connection an action sees and the credentials its HTTP client sends.
//
// Errors: a connection the account does not have is a non-retryable ErrTypeNotFound; Vault or
// the store being unreachable is a plain error (retried by the step's policy, and wrapping
// vaultx.ErrUnavailable for Vault); a connection that cannot make credentials is non-retryable.
// No error ever contains a secret value: messages name connections, kinds and fields only.
func (v *VaultConnections) Resolve(ctx context.Context, accountID, connectionID string) (connectors.Connection, auth.Credentials, error) {
	row, err := v.Store.Connection(ctx, accountID, connectionID)
	if errors.Is(err, store.ErrNotFound) {
		return connectors.Connection{}, nil, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("connection %s: not found", connectionID), runs.ErrTypeNotFound, nil)
	}
	if err != nil {
		return connectors.Connection{}, nil, prefixed("connection "+connectionID, err)
	}
	kind := connectors.AuthKind(row.AuthKind)
	if !needsSecrets(kind) && kind != connectors.AuthNone {
		return connectors.Connection{}, nil, unsupported(row.ID, kind)
	}
	secrets := connectors.SecretValues{}
	// A connection without secrets (auth none) does not depend on Vault being up.
	// Neither does an OAuth2 connection whose client is the app's (from
	// environment variables): its tokens have their own path.
	oauth2 := kind == connectors.AuthOAuth2AuthorizationCode || kind == connectors.AuthOAuth2ClientCredentials
	if needsSecrets(kind) && !oauth2 || len(row.SecretFields) > 0 {
		if secrets, err = v.readSecrets(ctx, row); err != nil {
			return connectors.Connection{}, nil, err
		}
	}
	var creds auth.Credentials
	switch kind {
	case connectors.AuthSession:
		creds, err = sessionCredentials(row, secrets)
	case connectors.AuthOAuth2AuthorizationCode, connectors.AuthOAuth2ClientCredentials:
		creds, err = v.oauth2Credentials(ctx, row, kind, secrets)
	default:
		creds, err = staticCredentials(row, kind, secrets)
	}
	if err != nil {
		return connectors.Connection{}, nil, err
	}
	return connectors.Connection{
		ID:         row.ID,
		AuthKind:   kind,
		Fields:     row.Fields,
		Properties: row.Properties,
		Secrets:    secrets,
	}, creds, nil
}

// needsSecrets reports whether Resolve builds credentials of kind from Vault's values.
func needsSecrets(kind connectors.AuthKind) bool {
	switch kind {
	case connectors.AuthBasic, connectors.AuthBearer, connectors.AuthAPIKey, connectors.AuthDigest,
		connectors.AuthSession, connectors.AuthOAuth2ClientCredentials, connectors.AuthOAuth2AuthorizationCode:
		return true
	}
	return false
}

func unsupported(id string, kind connectors.AuthKind) error {
	if kind == connectors.AuthSession || kind == connectors.AuthOAuth2AuthorizationCode || kind == connectors.AuthOAuth2ClientCredentials {
		return temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("connection %s: auth kind %s is not supported yet", id, kind), runs.ErrTypeUnsupported, nil)
	}
	return temporal.NewNonRetryableApplicationError(
		fmt.Sprintf("connection %s: unknown auth kind %q", id, kind), runs.ErrTypeInvalidConnection, nil)
}

// readSecrets reads the connection's Vault entry. The path is built from the stored row, whose
// account and connection IDs the store validated, never from the caller's strings.
func (v *VaultConnections) readSecrets(ctx context.Context, row store.Connection) (connectors.SecretValues, error) {
	values, err := v.Secrets.Connection(ctx, row.AccountID, row.ID)
	switch {
	case err == nil:
	case errors.Is(err, vaultx.ErrNotFound):
		return nil, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("connection %s: its secrets are not in Vault; enter its credentials again", row.ID), runs.ErrTypeInvalidConnection, nil)
	case errors.Is(err, credentials.ErrNotConfigured):
		return nil, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("connection %s: its secrets need Vault, and this worker has none", row.ID), runs.ErrTypeNotConfigured, nil)
	case errors.Is(err, vaultx.ErrPermissionDenied):
		return nil, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("connection %s: reading its secrets: %v", row.ID, err), runs.ErrTypeNotConfigured, nil)
	case errors.Is(err, vaultx.ErrUnavailable), ctx.Err() != nil:
		// vaultx errors carry a path and Vault's (redacted) messages, never a value.
		return nil, prefixed("connection "+row.ID+": reading its secrets", err)
	default:
		// A missing mount, a bad path: the worker's Vault configuration, which retrying will not fix.
		return nil, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("connection %s: reading its secrets: %v", row.ID, err), runs.ErrTypeNotConfigured, nil)
	}
	return connectors.SecretValues(values), nil
}

// staticCredentials builds the credentials of kind from the connection's fields and secrets.
func staticCredentials(row store.Connection, kind connectors.AuthKind, secrets connectors.SecretValues) (auth.Credentials, error) {
	invalid := func(format string, args ...any) error {
		return temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("connection %s: %s auth: ", row.ID, kind)+fmt.Sprintf(format, args...), runs.ErrTypeInvalidConnection, nil)
	}
	secret := func(name string) auth.Secret { return auth.Secret(secrets[name]) }
	// The user name is normally a plain field, but an API that takes a key as the user name
	// may keep it secret.
	username := func() auth.Secret {
		if u := row.Fields[connectors.FieldUsername]; u != "" {
			return auth.Secret(u)
		}
		return secret(connectors.FieldUsername)
	}
	switch kind {
	case connectors.AuthNone:
		return auth.None(), nil
	case connectors.AuthBasic, connectors.AuthDigest:
		user := username()
		if user == "" {
			return nil, invalid("the field %s is not set", connectors.FieldUsername)
		}
		if kind == connectors.AuthDigest {
			if secret(connectors.FieldPassword) == "" {
				return nil, invalid("the secret field %s is not set", connectors.FieldPassword)
			}
			return auth.Digest(user, secret(connectors.FieldPassword)), nil
		}
		// An empty password is allowed: some APIs take a key as the user name and no password.
		return auth.Basic(user, secret(connectors.FieldPassword)), nil
	case connectors.AuthBearer:
		if secret(connectors.FieldToken) == "" {
			return nil, invalid("the secret field %s is not set", connectors.FieldToken)
		}
		return auth.Bearer(secret(connectors.FieldToken)), nil
	case connectors.AuthAPIKey:
		in, name := row.Fields["in"], row.Fields["name"]
		if in == "" {
			in = defaultAPIKeyIn
		}
		if name == "" {
			name = defaultAPIKeyName
		}
		switch in {
		case auth.InHeader, auth.InQuery, auth.InCookie:
		default:
			return nil, invalid("in is %q, want %s, %s or %s", in, auth.InHeader, auth.InQuery, auth.InCookie)
		}
		if secret(connectors.FieldKey) == "" {
			return nil, invalid("the secret field %s is not set", connectors.FieldKey)
		}
		// A header key may go after text the app names (Authorization:
		// Token <key>).
		return auth.APIKey(in, name, auth.Secret(row.Fields["prefix"])+secret(connectors.FieldKey)), nil
	}
	return nil, unsupported(row.ID, kind)
}
