package activities

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"golang.org/x/oauth2"

	"github.com/junction-run/junction/connectors"
	"github.com/junction-run/junction/connectors/auth"
	"github.com/junction-run/junction/credentials"
	"github.com/junction-run/junction/runs"
	"github.com/junction-run/junction/store"
	"github.com/junction-run/junction/vaultx"
)

// TokenRefresher routes a refresh through the connection's single writer.
// The default sends an update-with-start to the refresher workflow with the
// activity's own Temporal client.
type TokenRefresher interface {
	RefreshToken(ctx context.Context, req runs.OAuth2RefreshRequest) (runs.OAuth2RefreshAnswer, error)
}

// authorizationStore hands the exchange its flow; *store.Store implements it.
type authorizationStore interface {
	TakeOAuth2Authorization(ctx context.Context, stateHash string) (store.OAuth2Authorization, error)
}

// The fields of a stored token in Vault.
const (
	tokenAccess  = "access_token"
	tokenRefresh = "refresh_token"
	tokenType    = "token_type"
	tokenExpiry  = "expiry"
	// tokenRefused, when set, says why the connection needs authorizing
	// again: the provider refused its refresh token. Refreshes then fail
	// at once, without sending the provider a token it refused (some treat
	// a refused refresh token sent again as theft); a new authorization
	// writes a whole new entry without it.
	tokenRefused = "refused"
)

func tokenData(t *oauth2.Token) map[string]any {
	d := map[string]any{tokenAccess: vaultx.Secret(t.AccessToken), tokenType: t.TokenType}
	if t.RefreshToken != "" {
		d[tokenRefresh] = vaultx.Secret(t.RefreshToken)
	}
	if !t.Expiry.IsZero() {
		d[tokenExpiry] = t.Expiry.UTC().Format(time.RFC3339Nano)
	}
	return d
}

func tokenFromEntry(e credentials.Token) *oauth2.Token {
	t := &oauth2.Token{AccessToken: e.Values[tokenAccess], RefreshToken: e.Values[tokenRefresh],
		TokenType: e.Values[tokenType]}
	if x, err := time.Parse(time.RFC3339Nano, e.Values[tokenExpiry]); err == nil {
		t.Expiry = x
	}
	return t
}

// usable says whether a stored token can still be sent: it has an access
// token that is not about to expire.
func usable(t *oauth2.Token, now time.Time) bool {
	return t.AccessToken != "" && (t.Expiry.IsZero() || now.Add(auth.DefaultExpirySkew/2).Before(t.Expiry))
}

// authSpec finds the app's declaration of the connection's auth kind.
func (v *VaultConnections) authSpec(ctx context.Context, row store.Connection) (connectors.AuthSpec, error) {
	if v.Registry == nil {
		return connectors.AuthSpec{}, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("connection %s: this worker has no connector registry to read %s settings from", row.ID, row.AuthKind), runs.ErrTypeNotConfigured, nil)
	}
	// An account's own apps (declarative apps) too, as actions find them.
	c, err := v.Registry.LookupFor(ctx, row.AccountID, row.App, row.AppVersion)
	if err != nil {
		return connectors.AuthSpec{}, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("connection %s: %v", row.ID, err), runs.ErrTypeInvalidConnection, nil)
	}
	for _, a := range c.Spec().Auth {
		if string(a.Kind) == row.AuthKind {
			return a, nil
		}
	}
	return connectors.AuthSpec{}, temporal.NewNonRetryableApplicationError(
		fmt.Sprintf("connection %s: %s %s does not authenticate with %s", row.ID, row.App, row.AppVersion, row.AuthKind), runs.ErrTypeInvalidConnection, nil)
}

// oauth2Config is the connection's OAuth2 client, secret included. An app
// whose client is one per app version (OAuth2Spec.ClientIDEnv) reads it from
// the account's environment variables of that version.
func (v *VaultConnections) oauth2Config(ctx context.Context, row store.Connection, secrets connectors.SecretValues) (auth.OAuth2Config, error) {
	a, err := v.authSpec(ctx, row)
	if err != nil {
		return auth.OAuth2Config{}, err
	}
	var env connectors.EnvVars
	if a.OAuth2 != nil && a.OAuth2.ClientIDEnv != "" {
		if env, err = v.clientEnv(ctx, row); err != nil {
			return auth.OAuth2Config{}, err
		}
	}
	cfg, err := connectors.OAuth2Config(a, row.Fields, row.Properties, env)
	if err != nil {
		return auth.OAuth2Config{}, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("connection %s: %v", row.ID, err), runs.ErrTypeInvalidConnection, nil)
	}
	if cfg.ClientSecret == "" {
		cfg.ClientSecret = auth.Secret(secrets[connectors.FieldClientSecret])
	}
	return cfg, nil
}

// clientEnv reads the environment variables of the connection's app
// version (the latest stable one when the connection names none).
func (v *VaultConnections) clientEnv(ctx context.Context, row store.Connection) (connectors.EnvVars, error) {
	if v.Env == nil {
		return nil, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("connection %s: %s takes its OAuth client from environment variables, and this worker reads none", row.ID, row.App), runs.ErrTypeNotConfigured, nil)
	}
	c, err := v.Registry.LookupFor(ctx, row.AccountID, row.App, row.AppVersion)
	if err != nil {
		return nil, temporal.NewNonRetryableApplicationError(fmt.Sprintf("connection %s: %v", row.ID, err), runs.ErrTypeInvalidConnection, nil)
	}
	return v.Env.Env(ctx, row.AccountID, row.App, c.Spec().Version)
}

// oauth2Credentials builds credentials of both OAuth2 kinds. Client
// credentials fetch their own token. An authorization-code connection uses
// the token in Vault and, when it is expired or refused, asks the
// connection's refresher for a newer one and reads that from Vault: the
// activity never refreshes, and never holds the refresh token.
func (v *VaultConnections) oauth2Credentials(ctx context.Context, row store.Connection, kind connectors.AuthKind, secrets connectors.SecretValues) (auth.Credentials, error) {
	cfg, err := v.oauth2Config(ctx, row, secrets)
	if err != nil {
		return nil, err
	}
	if kind == connectors.AuthOAuth2ClientCredentials {
		return auth.OAuth2(cfg), nil
	}
	e, err := v.Secrets.Token(ctx, row.AccountID, row.ID)
	if err != nil {
		return nil, v.tokenReadError(ctx, row.ID, err)
	}
	refresher := v.Refresher
	if refresher == nil {
		if !activity.IsActivity(ctx) {
			return nil, temporal.NewNonRetryableApplicationError(
				fmt.Sprintf("connection %s: no token refresher outside an activity", row.ID), runs.ErrTypeNotConfigured, nil)
		}
		refresher = temporalRefresher{client: activity.GetClient(ctx), taskQueue: activity.GetInfo(ctx).TaskQueue}
	}
	seen := e.Version
	cfg.Token = withoutRefreshToken(tokenFromEntry(e))
	cfg.Refresh = func(ctx context.Context, _ *oauth2.Token) (*oauth2.Token, error) {
		// Called under the credentials' own lock, one at a time.
		ans, err := refresher.RefreshToken(ctx, runs.OAuth2RefreshRequest{AccountID: row.AccountID, ConnectionID: row.ID, SeenVersion: seen})
		if err != nil {
			return nil, err
		}
		e, err := v.Secrets.FreshToken(ctx, row.AccountID, row.ID)
		if err != nil {
			return nil, v.tokenReadError(ctx, row.ID, err)
		}
		if e.Version < ans.Version {
			return nil, fmt.Errorf("connection %s: Vault answered token version %d, older than the refresher's %d", row.ID, e.Version, ans.Version)
		}
		seen = e.Version
		return withoutRefreshToken(tokenFromEntry(e)), nil
	}
	return auth.OAuth2(cfg), nil
}

func withoutRefreshToken(t *oauth2.Token) *oauth2.Token {
	cp := *t
	cp.RefreshToken = ""
	return &cp
}

func (v *VaultConnections) tokenReadError(ctx context.Context, id string, err error) error {
	switch {
	case errors.Is(err, credentials.ErrNotConfigured):
		return temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("connection %s: its OAuth2 token needs Vault, and this worker has none", id), runs.ErrTypeNotConfigured, nil)
	case errors.Is(err, vaultx.ErrNotFound):
		return temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("connection %s: not authorized yet; start its OAuth2 authorization (POST .../connections/%s/oauth2/authorize)", id, id),
			runs.ErrTypeInvalidConnection, nil)
	case errors.Is(err, vaultx.ErrUnavailable), ctx.Err() != nil:
		return prefixed("connection "+id+": reading its OAuth2 token", err)
	}
	return temporal.NewNonRetryableApplicationError(
		fmt.Sprintf("connection %s: reading its OAuth2 token: %v", id, err), runs.ErrTypeNotConfigured, nil)
}

// refreshOAuth2Token is the refresher's activity. It refreshes only if the
// token in Vault is still the one the caller saw (or is unusable), writes
// the new one back with check-and-set on the version it read, and answers
// the version that holds the current token.
func (v *VaultConnections) refreshOAuth2Token(ctx context.Context, req runs.OAuth2RefreshRequest, hc *http.Client) (runs.OAuth2RefreshAnswer, error) {
	row, err := v.Store.Connection(ctx, req.AccountID, req.ConnectionID)
	if errors.Is(err, store.ErrNotFound) {
		return runs.OAuth2RefreshAnswer{}, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("connection %s: not found", req.ConnectionID), runs.ErrTypeNotFound, nil)
	}
	if err != nil {
		return runs.OAuth2RefreshAnswer{}, prefixed("connection "+req.ConnectionID, err)
	}
	if row.AuthKind != string(connectors.AuthOAuth2AuthorizationCode) {
		return runs.OAuth2RefreshAnswer{}, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("connection %s: auth kind %s has no refresh token", row.ID, row.AuthKind), runs.ErrTypeInvalidConnection, nil)
	}
	e, err := v.Secrets.FreshToken(ctx, row.AccountID, row.ID)
	if err != nil {
		return runs.OAuth2RefreshAnswer{}, v.tokenReadError(ctx, row.ID, err)
	}
	cur := tokenFromEntry(e)
	if e.Version != req.SeenVersion && usable(cur, time.Now()) {
		return runs.OAuth2RefreshAnswer{Version: e.Version}, nil // someone refreshed since the caller read
	}
	if why := e.Values[tokenRefused]; why != "" {
		return runs.OAuth2RefreshAnswer{}, needsAuthorization(row.ID, why)
	}
	if cur.RefreshToken == "" {
		return runs.OAuth2RefreshAnswer{}, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("connection %s: the OAuth2 token expired and there is no refresh token; authorize the connection again", row.ID),
			runs.ErrTypeUnauthorized, nil)
	}
	secrets := connectors.SecretValues{}
	if len(row.SecretFields) > 0 {
		if secrets, err = v.readSecrets(ctx, row); err != nil {
			return runs.OAuth2RefreshAnswer{}, err
		}
	}
	cfg, err := v.oauth2Config(ctx, row, secrets)
	if err != nil {
		return runs.OAuth2RefreshAnswer{}, err
	}
	cfg.HTTPClient = hc
	next, err := auth.RefreshToken(ctx, cfg, auth.Secret(cur.RefreshToken))
	if err != nil {
		if errors.Is(err, auth.ErrRejected) {
			// Revoked, expired, or rotated by a refresh whose answer was
			// lost (a worker killed between the provider's answer and the
			// write below): no retry can bring a usable refresh token
			// back. Say so in the entry, so that the runs after this one
			// fail at once instead of sending the refused token again.
			why := fmt.Sprintf("the provider refused its refresh token at %s (%v)", time.Now().UTC().Format(time.RFC3339), err)
			v.markRefused(ctx, row, e, why)
			return runs.OAuth2RefreshAnswer{}, needsAuthorization(row.ID, why)
		}
		return runs.OAuth2RefreshAnswer{}, prefixed("connection "+row.ID+": refreshing its OAuth2 token", err)
	}
	if next.RefreshToken == "" {
		next.RefreshToken = cur.RefreshToken // the provider keeps the old one
	}
	ver, err := v.Secrets.RefreshToken(ctx, row.AccountID, row.ID, tokenData(next), e.Version)
	if errors.Is(err, credentials.ErrConflict) {
		// Only a new authorization writes here besides this workflow: its
		// token is the current one.
		if e, err = v.Secrets.FreshToken(ctx, row.AccountID, row.ID); err != nil {
			return runs.OAuth2RefreshAnswer{}, v.tokenReadError(ctx, row.ID, err)
		}
		return runs.OAuth2RefreshAnswer{Version: e.Version}, nil
	}
	if err != nil {
		// The provider may have retired the old refresh token already;
		// nothing can bring the new one back. Fail loudly.
		return runs.OAuth2RefreshAnswer{}, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("connection %s: storing the refreshed OAuth2 token: %v", row.ID, err), runs.ErrTypeUnavailable, nil)
	}
	activity.GetLogger(ctx).Info("refreshed an OAuth2 token", "connection", row.ID, "version", ver)
	return runs.OAuth2RefreshAnswer{Version: ver, Refreshed: true}, nil
}

// needsAuthorization is the error of a connection whose refresh token the
// provider refused: only a person authorizing it again can fix it.
func needsAuthorization(id, why string) error {
	return temporal.NewNonRetryableApplicationError(fmt.Sprintf(
		"connection %s needs authorization: %s; authorize it again (POST /connections/%s/oauth2/authorize)", id, why, id),
		runs.ErrTypeUnauthorized, nil)
}

// markRefused writes why into the token entry e, check-and-set on the
// version read, without the refused refresh token. Losing the race to a
// new authorization is fine: its token is the current one. Failing to
// write at all only costs the next refresh one more refusal.
func (v *VaultConnections) markRefused(ctx context.Context, row store.Connection, e credentials.Token, why string) {
	data := map[string]any{tokenRefused: why}
	for k, val := range e.Values {
		switch k {
		case tokenRefresh, tokenRefused:
		case tokenAccess:
			data[k] = vaultx.Secret(val)
		default:
			data[k] = val
		}
	}
	if _, err := v.Secrets.RefreshToken(ctx, row.AccountID, row.ID, data, e.Version); err != nil && !errors.Is(err, credentials.ErrConflict) {
		activity.GetLogger(ctx).Warn("could not mark an OAuth2 connection as needing authorization", "connection", row.ID, "error", err)
	}
}

// exchangeOAuth2Code completes an authorization the callback claimed:
// it takes the flow (code and PKCE verifier, which never enter a history),
// exchanges the code and writes the tokens to Vault with check-and-set.
func (v *VaultConnections) exchangeOAuth2Code(ctx context.Context, req runs.OAuth2ExchangeRequest, hc *http.Client) (runs.OAuth2ExchangeAnswer, error) {
	st, ok := v.Store.(authorizationStore)
	if !ok {
		return runs.OAuth2ExchangeAnswer{}, temporal.NewNonRetryableApplicationError("this worker's store keeps no OAuth2 authorizations", runs.ErrTypeNotConfigured, nil)
	}
	flow, err := st.TakeOAuth2Authorization(ctx, req.StateHash)
	if errors.Is(err, store.ErrNotFound) {
		return runs.OAuth2ExchangeAnswer{}, temporal.NewNonRetryableApplicationError("the authorization was already completed or has expired; start it again", runs.ErrTypeNotFound, nil)
	}
	if err != nil {
		return runs.OAuth2ExchangeAnswer{}, prefixed("reading the authorization", err)
	}
	ans := runs.OAuth2ExchangeAnswer{AccountID: flow.AccountID, ConnectionID: flow.ConnectionID}
	row, err := v.Store.Connection(ctx, flow.AccountID, flow.ConnectionID)
	if err != nil {
		return ans, temporal.NewNonRetryableApplicationError(fmt.Sprintf("connection %s: %v", flow.ConnectionID, err), runs.ErrTypeNotFound, nil)
	}
	secrets := connectors.SecretValues{}
	if len(row.SecretFields) > 0 {
		if secrets, err = v.readSecrets(ctx, row); err != nil {
			return ans, err
		}
	}
	cfg, err := v.oauth2Config(ctx, row, secrets)
	if err != nil {
		return ans, err
	}
	cfg.RedirectURL = flow.RedirectURL
	cfg.HTTPClient = hc
	tok, err := auth.Exchange(ctx, cfg, flow.Code, flow.Verifier)
	if err != nil {
		// The code works once: whatever failed, the flow must start again.
		return ans, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("connection %s: exchanging the authorization code: %v", row.ID, auth.Scrub(err.Error(), flow.Code, flow.Verifier)), runs.ErrTypeUnauthorized, nil)
	}
	ans.Version, err = v.Secrets.AuthorizeToken(ctx, row.AccountID, row.ID, tokenData(tok))
	if err != nil {
		return ans, temporal.NewNonRetryableApplicationError(fmt.Sprintf("connection %s: storing its OAuth2 token: %v", row.ID, err), runs.ErrTypeUnavailable, nil)
	}
	return ans, nil
}

// temporalRefresher sends the refresh to the connection's refresher
// workflow with update-with-start: the workflow is started if it is not
// running, and Temporal runs one update handler's refresh at a time.
type temporalRefresher struct {
	client    client.Client
	taskQueue string
}

func (r temporalRefresher) RefreshToken(ctx context.Context, req runs.OAuth2RefreshRequest) (runs.OAuth2RefreshAnswer, error) {
	id := runs.RefresherWorkflowID(req.AccountID, req.ConnectionID)
	var lastErr error
	// A refresher that is just finishing (idle) refuses the update; the
	// next attempt starts a new run.
	for attempt := range 3 {
		if attempt > 0 {
			select {
			case <-ctx.Done():
				return runs.OAuth2RefreshAnswer{}, ctx.Err()
			case <-time.After(time.Duration(attempt) * 200 * time.Millisecond):
			}
		}
		start := r.client.NewWithStartWorkflowOperation(client.StartWorkflowOptions{
			ID:                       id,
			TaskQueue:                r.taskQueue,
			WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		}, runs.OAuth2RefresherWorkflow, runs.OAuth2RefresherInput{AccountID: req.AccountID, ConnectionID: req.ConnectionID})
		h, err := r.client.UpdateWithStartWorkflow(ctx, client.UpdateWithStartWorkflowOptions{
			StartWorkflowOperation: start,
			UpdateOptions: client.UpdateWorkflowOptions{
				UpdateName:   runs.OAuth2RefreshUpdate,
				Args:         []any{req},
				WaitForStage: client.WorkflowUpdateStageCompleted,
			},
		})
		if err == nil {
			var ans runs.OAuth2RefreshAnswer
			if err = h.Get(ctx, &ans); err == nil {
				return ans, nil
			}
		}
		if appErr, ok := errors.AsType[*temporal.ApplicationError](err); ok {
			// The refresher's own answer: do not ask again.
			if appErr.Type() == runs.ErrTypeUnauthorized {
				return runs.OAuth2RefreshAnswer{}, fmt.Errorf("%w: %s", auth.ErrRejected, appErr.Error())
			}
			return runs.OAuth2RefreshAnswer{}, fmt.Errorf("the connection's token refresher: %s", appErr.Error())
		}
		lastErr = err
	}
	return runs.OAuth2RefreshAnswer{}, fmt.Errorf("reaching the connection's token refresher: %w", lastErr)
}

// sessionCredentials builds session credentials: from the login the app
// declares (connectors.SessionSpec), or else from the connection's fields
// (then properties): where to log in, and how the session travels.
func (v *VaultConnections) sessionCredentials(ctx context.Context, row store.Connection, secrets connectors.SecretValues) (auth.Credentials, error) {
	setting := func(name string) string {
		if v := row.Fields[name]; v != "" {
			return v
		}
		return row.Properties[name]
	}
	user := auth.Secret(setting(connectors.FieldUsername))
	if user == "" {
		user = auth.Secret(secrets[connectors.FieldUsername])
	}
	invalid := func(msg string) error {
		return temporal.NewNonRetryableApplicationError(fmt.Sprintf("connection %s: session auth: %s", row.ID, msg), runs.ErrTypeInvalidConnection, nil)
	}
	if v.Registry != nil {
		a, err := v.authSpec(ctx, row)
		if err != nil {
			return nil, err
		}
		if a.Session != nil {
			if user == "" {
				return nil, invalid("the field " + connectors.FieldUsername + " is not set")
			}
			cfg, err := connectors.SessionConfig(a, row.Fields, row.Properties, user, auth.Secret(secrets[connectors.FieldPassword]))
			if err != nil {
				return nil, invalid(err.Error())
			}
			return auth.Session(cfg), nil
		}
	}
	cfg := auth.SessionConfig{
		LoginURL:     setting(connectors.FieldLoginURL),
		ContentType:  setting(connectors.FieldLoginContentType),
		Body:         setting(connectors.FieldLoginBody),
		Username:     user,
		Password:     auth.Secret(secrets[connectors.FieldPassword]),
		TokenPointer: setting(connectors.FieldTokenPointer),
		TokenHeader:  setting(connectors.FieldTokenHeader),
		TokenCookie:  setting(connectors.FieldTokenCookie),
		SendHeader:   setting(connectors.FieldSendHeader),
		SendScheme:   setting(connectors.FieldSendScheme),
	}
	switch {
	case cfg.LoginURL == "":
		return nil, invalid("the field " + connectors.FieldLoginURL + " is not set")
	case cfg.Username == "":
		return nil, invalid("the field " + connectors.FieldUsername + " is not set")
	}
	set := 0
	for _, s := range []string{cfg.TokenPointer, cfg.TokenHeader, cfg.TokenCookie} {
		if s != "" {
			set++
		}
	}
	if set != 1 {
		return nil, invalid("set exactly one of " + strings.Join([]string{connectors.FieldTokenPointer, connectors.FieldTokenHeader, connectors.FieldTokenCookie}, ", "))
	}
	return auth.Session(cfg), nil
}
