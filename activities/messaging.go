package activities

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/junction-run/junction/connectors"
	"github.com/junction-run/junction/connectors/eightbyeight"
	"github.com/junction-run/junction/runs"
)

// Messaging holds the 8x8 messaging activities. It is separate from
// Activities so a worker without an 8x8 key still runs every other step.
type Messaging struct {
	// Client calls 8x8 with the worker's own key, for steps that name no
	// connection. Nil means the worker has none: such steps fail with
	// ErrTypeNotConfigured.
	Client *eightbyeight.Client
	// Connectors resolves the 8x8 connection a step names, and sends
	// through the eightbyeight connector's client (eightbyeight.ClientFor)
	// with its credentials, as eightbyeight.send_sms does.
	Connectors *Connectors
}

// client is the 8x8 client a step sends with: its connection's, or the
// worker's own; and the secrets in scope of the step (the connection's).
func (m *Messaging) client(ctx context.Context, stepID, accountID, connectionID string) (*eightbyeight.Client, secretScope, error) {
	if connectionID == "" {
		if m == nil || m.Client == nil {
			return nil, secretScope{}, notConfigured(stepID)
		}
		return m.Client, secretScope{}, nil
	}
	if m == nil || m.Connectors == nil || m.Connectors.Connections == nil {
		return nil, secretScope{}, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("step %s: connection %s: connections are not available on this worker", stepID, connectionID), runs.ErrTypeNotConfigured, nil)
	}
	conn, creds, err := m.Connectors.Connections.Resolve(ctx, accountID, connectionID)
	if err != nil {
		return nil, secretScope{}, prefixed(fmt.Sprintf("step %s: resolving connection %s", stepID, connectionID), err)
	}
	scope := newSecretScope(conn, nil)
	c, err := eightbyeight.ClientFor(connectors.Call{Connection: conn, HTTP: m.Connectors.httpClient(creds)})
	if err != nil {
		return nil, scope, mapConnectorError(scope.clean(fmt.Sprintf("step %s: connection %s: %v", stepID, connectionID, err)), err)
	}
	return c, scope, nil
}

// SendSMS sends the SMS step's message through 8x8's SMS API.
func (m *Messaging) SendSMS(ctx context.Context, in runs.SMSRequest) (runs.MessageResult, error) {
	client, scope, err := m.client(ctx, in.StepID, in.AccountID, in.ConnectionID)
	if err != nil {
		return runs.MessageResult{}, err
	}
	ctx = scope.bind(ctx)
	res, err := client.SendSMS(ctx, in.SubAccountID, eightbyeight.SMSMessage{
		Destination:     strings.TrimSpace(in.Destination),
		Text:            in.Text,
		Source:          in.Source,
		ClientMessageID: in.ClientMessageID,
		Encoding:        strings.ToUpper(strings.TrimSpace(in.Encoding)),
		Country:         strings.TrimSpace(in.Country),
		Scheduled:       in.Scheduled,
		Expiry:          in.Expiry,
		DLRCallbackURL:  in.DLRCallbackURL,
	})
	if err != nil {
		return runs.MessageResult{}, messagingError(in.StepID, res.RequestID, scope, err)
	}
	return sent(ctx, in.StepID, "sms", in.SubAccountID, res), nil
}

// SendChatAppsMessage sends the ChatAppsMessage step's message through 8x8's
// Chat Apps API.
func (m *Messaging) SendChatAppsMessage(ctx context.Context, in runs.ChatAppsRequest) (runs.MessageResult, error) {
	client, scope, err := m.client(ctx, in.StepID, in.AccountID, in.ConnectionID)
	if err != nil {
		return runs.MessageResult{}, err
	}
	ctx = scope.bind(ctx)
	res, err := client.SendChatAppsMessage(ctx, in.SubAccountID, eightbyeight.ChatAppsMessage{
		User:            in.User,
		Type:            strings.TrimSpace(in.Type),
		Content:         in.Content,
		ClientMessageID: in.ClientMessageID,
	})
	if err != nil {
		return runs.MessageResult{}, messagingError(in.StepID, res.RequestID, scope, err)
	}
	return sent(ctx, in.StepID, "chatapps", in.SubAccountID, res), nil
}

// sent logs the accepted message (without its destination, which is
// personal data) and turns it into the step result.
func sent(ctx context.Context, stepID, channel, subAccountID string, res eightbyeight.SendResult) runs.MessageResult {
	activity.GetLogger(ctx).Info("8x8 accepted message",
		"stepId", stepID, "channel", channel, "subAccountId", subAccountID,
		"umid", res.UMID, "status", res.Status, "requestId", res.RequestID)
	return runs.MessageResult{
		UMID:            res.UMID,
		Status:          res.Status,
		Description:     res.Description,
		Destination:     res.Destination,
		Encoding:        res.Encoding,
		ClientMessageID: res.ClientMessageID,
		RequestID:       res.RequestID,
	}
}

func notConfigured(stepID string) error {
	return temporal.NewNonRetryableApplicationError(
		fmt.Sprintf("step %s: 8x8 is not configured: the 8x8 API key is not configured on this worker", stepID),
		runs.ErrTypeNotConfigured, nil)
}

// messagingError is where 8x8 failures become Temporal retry behaviour:
// answers that cannot change (400, 404, 422, any other 4xx; 401/403) fail
// for good; 408, 429, 5xx and network failures are retried by the step's
// policy, after 8x8's Retry-After when it sent one. The client guarantees no
// error text holds the API key, so messages quote 8x8 freely.
func messagingError(stepID, requestID string, scope secretScope, err error) error {
	details := runs.MessagingErrorDetails{RequestID: requestID}
	var apiErr *eightbyeight.APIError
	if errors.As(err, &apiErr) {
		details = runs.MessagingErrorDetails{
			StatusCode: apiErr.StatusCode, Code: apiErr.Code, Message: scope.clean(apiErr.Message),
			ErrorID: apiErr.ErrorID, RequestID: apiErr.RequestID,
		}
	}
	// The client's errors already say what was sent through which
	// subaccount.
	msg := scope.clean(fmt.Sprintf("step %s: %v", stepID, err))
	opts := temporal.ApplicationErrorOptions{Details: []any{details}}
	var errType string

	switch {
	case errors.Is(err, eightbyeight.ErrNotConfigured):
		errType, opts.NonRetryable = runs.ErrTypeNotConfigured, true
	case errors.Is(err, eightbyeight.ErrInvalidRequest):
		errType, opts.NonRetryable = runs.ErrTypeBadRequest, true
	case errors.Is(err, eightbyeight.ErrUnexpectedResponse):
		errType, opts.NonRetryable = runs.ErrTypeUnexpectedResponse, true
	case apiErr != nil:
		switch retryable, t := retryableStatus(apiErr.StatusCode); {
		case retryable:
			errType, opts.NextRetryDelay = t, apiErr.RetryAfter
		case apiErr.StatusCode == http.StatusUnauthorized || apiErr.StatusCode == http.StatusForbidden:
			errType, opts.NonRetryable = runs.ErrTypeUnauthorized, true
		default:
			errType, opts.NonRetryable = runs.ErrTypeBadRequest, true
		}
	case errors.Is(err, context.DeadlineExceeded) || isTimeout(err):
		errType = runs.ErrTypeTimeout
	default:
		errType = runs.ErrTypeUnavailable
	}
	return temporal.NewApplicationErrorWithOptions(msg, errType, opts)
}

// isTimeout reports a client-side timeout (http.Client.Timeout, a dial or
// TLS handshake deadline).
func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// retryableStatus says whether an HTTP status may succeed when sent again,
// and the error type it fails with: 429, 408 and 5xx.
func retryableStatus(code int) (bool, string) {
	switch {
	case code == http.StatusTooManyRequests:
		return true, runs.ErrTypeRateLimited
	case code == http.StatusRequestTimeout:
		return true, runs.ErrTypeTimeout
	case code >= 500:
		return true, runs.ErrTypeUnavailable
	}
	return false, ""
}
