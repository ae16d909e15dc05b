package activities

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"

	"github.com/junction-run/junction/connectors"
	"github.com/junction-run/junction/connectors/auth"
	"github.com/junction-run/junction/connectors/httpconn"
	"github.com/junction-run/junction/egress"
	"github.com/junction-run/junction/metrics"
	"github.com/junction-run/junction/runs"
)

// ConnectionResolver finds a connection's non-secret settings and builds its
// credentials. The Vault-backed store implements it; without one, only
// connections-free calls (auth kind none) run.
type ConnectionResolver interface {
	Resolve(ctx context.Context, accountID, connectionID string) (connectors.Connection, auth.Credentials, error)
}

// Connectors runs connector actions.
type Connectors struct {
	Registry    *connectors.Registry
	Connections ConnectionResolver
	// Env reads the app version's environment variables for Call.Env and
	// {{env.NAME}}; nil gives actions an empty environment and fails steps
	// that reference one.
	Env EnvResolver
	// Egress is the process's client to third parties (nil:
	// egress.Default()): every connector call, poll, check and token
	// request goes through it.
	Egress *egress.Client
	// Transport, when set, replaces Egress's transport as the base that
	// credentials wrap; tests point it at fakes.
	Transport http.RoundTripper
	// MaxPollBytes bounds the payloads one poll returns (default
	// DefaultMaxPollBytes); see Poll.
	MaxPollBytes int
	// MaxResponseBytes is the operator's maximum for the answer size a
	// step may ask for (connectors.Call.MaxResponseBytes); 0 means
	// httpconn.DefaultMaxResponseBytesLimit.
	MaxResponseBytes int64
	// Recorder, when set, keeps what the steps of apps kept as data sent
	// and got, for dry runs of app upgrades (see callClient).
	Recorder CallRecorder
	// Metrics counts calls and polls (nil: none).
	Metrics *metrics.Metrics
}

// Run runs one action of one connector. The activity's name says which; the
// input says it again so a misrouted call fails loudly.
func (c *Connectors) Run(ctx context.Context, in runs.ConnectorCall) (_ any, err error) {
	if name := activity.GetInfo(ctx).ActivityType.Name; name != runs.ConnectorActivity(in.Connector, in.Action) {
		return nil, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("activity %s was called for %s.%s", name, in.Connector, in.Action), runs.ErrTypeBadRequest, nil)
	}
	action, err := c.Registry.ActionFor(ctx, in.AccountID, in.Connector, in.Version, in.Action)
	if err != nil {
		return nil, temporal.NewNonRetryableApplicationError(fmt.Sprintf("step %s: %v", in.StepID, err), runs.ErrTypeBadRequest, nil)
	}
	// Counted from here: the app and the action exist, so their keys are
	// bounded labels.
	defer func(start time.Time) { c.observeCall(in.Connector, in.Action, start, err) }(time.Now())
	conn, creds := connectors.Connection{AuthKind: connectors.AuthNone}, auth.None()
	if in.ConnectionID != "" {
		if c.Connections == nil {
			return nil, temporal.NewNonRetryableApplicationError(
				fmt.Sprintf("step %s: connection %s: connections are not available yet", in.StepID, in.ConnectionID), runs.ErrTypeNotConfigured, nil)
		}
		if conn, creds, err = c.Connections.Resolve(ctx, in.AccountID, in.ConnectionID); err != nil {
			return nil, prefixed(fmt.Sprintf("step %s: resolving connection %s", in.StepID, in.ConnectionID), err)
		}
	}
	env, rendered, err := c.environment(ctx, in)
	if err != nil {
		return nil, prefixed("step "+in.StepID, err)
	}
	scope := newSecretScope(conn, env)
	ctx = scope.bind(ctx)
	input, err := json.Marshal(rendered)
	if err != nil {
		return nil, temporal.NewNonRetryableApplicationError(fmt.Sprintf("step %s: encoding input: %v", in.StepID, err), runs.ErrTypeBadRequest, nil)
	}
	client, rec := c.callClient(ctx, in, creds)
	out, err := action.Run(ctx, connectors.Call{
		Input:            input,
		Connection:       conn,
		Env:              env,
		HTTP:             client,
		IdempotencyKey:   idempotencyKey(ctx),
		MaxResponseBytes: cmp.Or(c.MaxResponseBytes, httpconn.DefaultMaxResponseBytesLimit),
	})
	c.record(ctx, in, rec, scope, input, conn, env, out, err)
	if err != nil {
		return nil, connectorFailure(in, scope, err)
	}
	return out, nil
}

// connectorFailure is the one mapping from connector errors to Temporal:
// answers that cannot change are not retried and carry the third party's
// message, scrubbed of the secrets in scope; 408, 429, 5xx and network
// failures are retried by the step's policy, after Retry-After when the
// third party gave one.
func connectorFailure(in runs.ConnectorCall, scope secretScope, err error) error {
	return mapConnectorError(scope.clean(fmt.Sprintf("step %s: %s.%s: %v", in.StepID, in.Connector, in.Action, err)), err)
}

// mapConnectorError is connectorFailure's mapping, with msg as the error's
// message; polls share it.
func mapConnectorError(msg string, err error) error {
	var ce *connectors.Error
	if !errors.As(err, &ce) {
		if errors.Is(err, egress.ErrRefused) {
			// A connector's own call (or its token request or login) that
			// the address guard refused: nothing was sent, and a retry
			// would be refused again.
			return temporal.NewNonRetryableApplicationError(msg, runs.ErrTypeDestinationRefused, nil)
		}
		if errors.Is(err, auth.ErrRejected) {
			return temporal.NewNonRetryableApplicationError(msg, runs.ErrTypeUnauthorized, nil)
		}
		// egress's own failures, from a connector that passed them on:
		// what can never succeed is not retried.
		switch {
		case errors.Is(err, egress.ErrResponseTooLarge):
			return temporal.NewNonRetryableApplicationError(msg, runs.ErrTypeResponseTooLarge, nil)
		case errors.Is(err, egress.ErrUnexpectedResponse):
			// The third party acted; sending again may act twice.
			return temporal.NewNonRetryableApplicationError(msg, runs.ErrTypeUnexpectedResponse, nil)
		case errors.Is(err, egress.ErrInvalidRequest), errors.Is(err, egress.ErrTooManyRedirects):
			return temporal.NewNonRetryableApplicationError(msg, runs.ErrTypeBadRequest, nil)
		case errors.Is(err, egress.ErrTimeout):
			return temporal.NewApplicationError(msg, runs.ErrTypeTimeout)
		}
		return temporal.NewApplicationError(msg, runs.ErrTypeUnavailable)
	}
	if !ce.Kind.Retryable() {
		return temporal.NewNonRetryableApplicationError(msg, string(ce.Kind), nil)
	}
	return temporal.NewApplicationErrorWithOptions(msg, string(ce.Kind),
		temporal.ApplicationErrorOptions{NextRetryDelay: ce.RetryAfter})
}

// httpClient is what a connector's call sends through: the connection's
// credentials over the egress client's transport, with its redirect
// policy (a hop to another origin leaves the credentials behind).
func (c *Connectors) httpClient(creds auth.Credentials) *http.Client {
	return c.egressClient().WithTransport(creds.Transport(c.baseTransport()))
}

// tokenClient sends an OAuth2 token request: no connection credentials of
// its own (the OAuth2 library adds the client's), bounded by egress's
// default timeout.
func (c *Connectors) tokenClient() *http.Client {
	hc := c.egressClient().WithTransport(c.baseTransport())
	hc.Timeout = egress.DefaultTimeout
	return hc
}

func (c *Connectors) egressClient() *egress.Client {
	if c.Egress == nil {
		return egress.Default()
	}
	return c.Egress
}

func (c *Connectors) baseTransport() http.RoundTripper {
	if c.Transport != nil {
		return c.Transport
	}
	return c.egressClient().Transport()
}

// RunStored is the worker's dynamic activity, for the apps accounts keep
// as data (connectors.Registry.LookupFor), whose activity types the worker
// could not register when it started: it runs a step of one
// ("<app>.<action>", as Run), or polls one of its polling triggers
// ("<app>.<trigger>", as Poll). The account's app says which the type is:
// a polling trigger and an action never share an id. A type that is
// neither fails for good, as Run does.
func (c *Connectors) RunStored(ctx context.Context, args converter.EncodedValues) (any, error) {
	name := activity.GetInfo(ctx).ActivityType.Name
	var probe struct {
		AccountID string `json:"accountId"`
		Connector string `json:"connector"`
		Version   string `json:"version"`
	}
	if err := args.Get(&probe); err != nil {
		return nil, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("activity %s: its input is not a connector call or a poll: %v", name, err), runs.ErrTypeBadRequest, nil)
	}
	if app, id, ok := strings.Cut(name, "."); ok && app == probe.Connector {
		spec, _, err := c.Registry.TriggerFor(ctx, probe.AccountID, app, probe.Version, id)
		if err == nil && spec.Kind == connectors.TriggerPolling {
			var in runs.PollCall
			if err := args.Get(&in); err != nil {
				return nil, temporal.NewNonRetryableApplicationError(
					fmt.Sprintf("activity %s: its input is not a poll: %v", name, err), runs.ErrTypeBadRequest, nil)
			}
			return c.Poll(ctx, in)
		}
	}
	var in runs.ConnectorCall
	if err := args.Get(&in); err != nil {
		return nil, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("activity %s: its input is not a connector call: %v", name, err), runs.ErrTypeBadRequest, nil)
	}
	return c.Run(ctx, in)
}
