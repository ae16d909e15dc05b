package activities

import (
	"context"
	"errors"
	"fmt"

	"go.temporal.io/sdk/temporal"

	"github.com/junction-run/junction/connectors"
	"github.com/junction-run/junction/runs"
)

// CheckConnection resolves the connection and runs its app's check
// (connectors.Checker). A connection that cannot be resolved, a check the
// app does not have and a refusal by the third party are answers, not
// failures; only what retrying may fix (Vault down) fails the activity.
func (c *Connectors) CheckConnection(ctx context.Context, req runs.CheckConnectionRequest) (runs.CheckConnectionResult, error) {
	if c.Connections == nil {
		return runs.CheckConnectionResult{Error: "connections are not available on this worker (no Vault)"}, nil
	}
	conn, creds, err := c.Connections.Resolve(ctx, req.AccountID, req.ConnectionID)
	if err != nil {
		if appErr, ok := errors.AsType[*temporal.ApplicationError](err); ok && appErr.NonRetryable() {
			return runs.CheckConnectionResult{Error: appErr.Error()}, nil
		}
		return runs.CheckConnectionResult{}, err
	}
	app, err := c.Registry.LookupFor(ctx, req.AccountID, req.App, req.AppVersion)
	if err != nil {
		return runs.CheckConnectionResult{Error: err.Error()}, nil
	}
	checker, ok := app.(connectors.Checker)
	if !ok {
		return runs.CheckConnectionResult{Error: connectors.ErrNoCheck.Error()}, nil
	}
	scope := newSecretScope(conn, nil)
	err = checker.Check(scope.bind(ctx), connectors.Call{Connection: conn, HTTP: c.httpClient(creds)})
	if err == nil {
		return runs.CheckConnectionResult{OK: true}, nil
	}
	return runs.CheckConnectionResult{Error: scope.clean(err.Error())}, nil
}

// RefreshOAuth2Token is the activity of a connection's refresher workflow;
// see VaultConnections.
func (c *Connectors) RefreshOAuth2Token(ctx context.Context, req runs.OAuth2RefreshRequest) (runs.OAuth2RefreshAnswer, error) {
	v, err := c.vaultConnections()
	if err != nil {
		return runs.OAuth2RefreshAnswer{}, err
	}
	return v.refreshOAuth2Token(ctx, req, c.tokenClient())
}

// ExchangeOAuth2Code is the activity of the authorization workflow.
func (c *Connectors) ExchangeOAuth2Code(ctx context.Context, req runs.OAuth2ExchangeRequest) (runs.OAuth2ExchangeAnswer, error) {
	v, err := c.vaultConnections()
	if err != nil {
		return runs.OAuth2ExchangeAnswer{}, err
	}
	return v.exchangeOAuth2Code(ctx, req, c.tokenClient())
}

func (c *Connectors) vaultConnections() (*VaultConnections, error) {
	v, ok := c.Connections.(*VaultConnections)
	if !ok {
		return nil, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("OAuth2 connections need Vault, and this worker has none (%T)", c.Connections), runs.ErrTypeNotConfigured, nil)
	}
	return v, nil
}
