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

	"github.com/junction-run/junction/connectors/eightbyeight"
)

// Activity names of the 8x8 messaging steps. Like HTTPRequestName, they are
// part of every recorded history and never change once released.
const (
	// SendSMSName is the activity behind the SMS step.
	SendSMSName = "8x8.send_sms"
	// SendChatAppsMessageName is the activity behind the ChatAppsMessage
	// step.
	SendChatAppsMessageName = "8x8.send_chatapps_message"
)

// Error types of the messaging activities, beside the ErrType* constants of
// http_request.go (BadRequest, RateLimited, Timeout, Unavailable), which
// they share.
const (
	// ErrTypeUnauthorized marks 401 and 403 answers: the API key is wrong,
	// revoked or not allowed this subaccount. Not retried.
	ErrTypeUnauthorized = "Unauthorized"
	// ErrTypeNotConfigured marks a worker with no 8x8 API key (or a bad
	// base URL). Not retried: the worker needs configuring first.
	ErrTypeNotConfigured = "NotConfigured"
	// ErrTypeUnexpectedResponse marks a 2xx answer whose body is not 8x8's
	// JSON. Not retried, because 8x8 may have accepted the message and a
	// retry could send it twice.
	ErrTypeUnexpectedResponse = "UnexpectedResponse"
)

// Messaging holds the 8x8 messaging activities. It is separate from
// Activities so a worker without an 8x8 key still runs every other step.
type Messaging struct {
	// Client calls 8x8. Nil means 8x8 is not configured: every send fails
	// with ErrTypeNotConfigured.
	Client *eightbyeight.Client
}

// SMSRequest is the rendered input of an SMS step; names are 8x8's.
type SMSRequest struct {
	// StepID names the step, for error messages and logs.
	StepID          string `json:"stepId"`
	SubAccountID    string `json:"subAccountId"`
	Destination     string `json:"destination"`
	Text            string `json:"text"`
	Country         string `json:"country,omitempty"`
	Source          string `json:"source,omitempty"`
	ClientMessageID string `json:"clientMessageId,omitempty"`
	// Encoding is AUTO, GSM7 or UCS2, in any case ("Auto" appears in 8x8's
	// own examples).
	Encoding       string `json:"encoding,omitempty"`
	Scheduled      string `json:"scheduled,omitempty"`
	Expiry         string `json:"expiry,omitempty"`
	DLRCallbackURL string `json:"dlrCallbackUrl,omitempty"`
}

// ChatAppsRequest is the rendered input of a ChatAppsMessage step; names
// are 8x8's. User and Content go to the Chat Apps API as written.
type ChatAppsRequest struct {
	// StepID names the step, for error messages and logs.
	StepID          string         `json:"stepId"`
	SubAccountID    string         `json:"subAccountId"`
	User            map[string]any `json:"user"`
	Type            string         `json:"type"`
	Content         map[string]any `json:"content"`
	ClientMessageID string         `json:"clientMessageId,omitempty"`
}

// MessageResult is the step result that outputs read as step.*; field names
// are the SMS and ChatAppsMessage steps' documented outputs. Status is
// 8x8's: QUEUED or REJECTED for SMS, queued or failed for Chat Apps. A
// rejected message still completes the step, as in 8x8, so a definition can
// branch on it.
type MessageResult struct {
	UMID            string `json:"umid"`
	Status          string `json:"status"`
	Description     string `json:"description"`
	Destination     string `json:"destination,omitempty"`
	Encoding        string `json:"encoding,omitempty"`
	ClientMessageID string `json:"clientMessageId,omitempty"`
	RequestID       string `json:"requestId"`
}

// MessagingErrorDetails ride on every messaging ApplicationError as its
// details, so onError handlers and support staff can read 8x8's own ids
// without parsing the message.
type MessagingErrorDetails struct {
	// StatusCode is the HTTP status 8x8 answered, 0 if none.
	StatusCode int `json:"statusCode,omitempty"`
	// Code is 8x8's error code (e.g. 1002 invalid MSISDN), 0 if none.
	Code int `json:"code,omitempty"`
	// Message is 8x8's error message.
	Message string `json:"message,omitempty"`
	// ErrorID is 8x8's id for the error, to quote to 8x8 support.
	ErrorID string `json:"errorId,omitempty"`
	// RequestID identifies the HTTP request, as MessageResult.RequestID.
	RequestID string `json:"requestId,omitempty"`
}

// SendSMS sends the SMS step's message through 8x8's SMS API.
func (m *Messaging) SendSMS(ctx context.Context, in SMSRequest) (MessageResult, error) {
	if m == nil || m.Client == nil {
		return MessageResult{}, notConfigured(in.StepID)
	}
	res, err := m.Client.SendSMS(ctx, in.SubAccountID, eightbyeight.SMSMessage{
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
		return MessageResult{}, messagingError(in.StepID, res.RequestID, err)
	}
	return sent(ctx, in.StepID, "sms", in.SubAccountID, res), nil
}

// SendChatAppsMessage sends the ChatAppsMessage step's message through 8x8's
// Chat Apps API.
func (m *Messaging) SendChatAppsMessage(ctx context.Context, in ChatAppsRequest) (MessageResult, error) {
	if m == nil || m.Client == nil {
		return MessageResult{}, notConfigured(in.StepID)
	}
	res, err := m.Client.SendChatAppsMessage(ctx, in.SubAccountID, eightbyeight.ChatAppsMessage{
		User:            in.User,
		Type:            strings.TrimSpace(in.Type),
		Content:         in.Content,
		ClientMessageID: in.ClientMessageID,
	})
	if err != nil {
		return MessageResult{}, messagingError(in.StepID, res.RequestID, err)
	}
	return sent(ctx, in.StepID, "chatapps", in.SubAccountID, res), nil
}

// sent logs the accepted message (without its destination, which is
// personal data) and turns it into the step result.
func sent(ctx context.Context, stepID, channel, subAccountID string, res eightbyeight.SendResult) MessageResult {
	activity.GetLogger(ctx).Info("8x8 accepted message",
		"stepId", stepID, "channel", channel, "subAccountId", subAccountID,
		"umid", res.UMID, "status", res.Status, "requestId", res.RequestID)
	return MessageResult{
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
		ErrTypeNotConfigured, nil)
}

// messagingError is where 8x8 failures become Temporal retry behaviour:
// answers that cannot change (400, 404, 422, any other 4xx; 401/403) fail
// for good; 408, 429, 5xx and network failures are retried by the step's
// policy, after 8x8's Retry-After when it sent one. The client guarantees no
// error text holds the API key, so messages quote 8x8 freely.
func messagingError(stepID, requestID string, err error) error {
	details := MessagingErrorDetails{RequestID: requestID}
	var apiErr *eightbyeight.APIError
	if errors.As(err, &apiErr) {
		details = MessagingErrorDetails{
			StatusCode: apiErr.StatusCode, Code: apiErr.Code, Message: apiErr.Message,
			ErrorID: apiErr.ErrorID, RequestID: apiErr.RequestID,
		}
	}
	// The client's errors already say what was sent through which
	// subaccount.
	msg := fmt.Sprintf("step %s: %v", stepID, err)
	opts := temporal.ApplicationErrorOptions{Details: []any{details}}
	var errType string

	switch {
	case errors.Is(err, eightbyeight.ErrNotConfigured):
		errType, opts.NonRetryable = ErrTypeNotConfigured, true
	case errors.Is(err, eightbyeight.ErrInvalidRequest):
		errType, opts.NonRetryable = ErrTypeBadRequest, true
	case errors.Is(err, eightbyeight.ErrUnexpectedResponse):
		errType, opts.NonRetryable = ErrTypeUnexpectedResponse, true
	case apiErr != nil:
		switch retryable, t := retryableStatus(apiErr.StatusCode); {
		case retryable:
			errType, opts.NextRetryDelay = t, apiErr.RetryAfter
		case apiErr.StatusCode == http.StatusUnauthorized || apiErr.StatusCode == http.StatusForbidden:
			errType, opts.NonRetryable = ErrTypeUnauthorized, true
		default:
			errType, opts.NonRetryable = ErrTypeBadRequest, true
		}
	case errors.Is(err, context.DeadlineExceeded) || isTimeout(err):
		errType = ErrTypeTimeout
	default:
		errType = ErrTypeUnavailable
	}
	return temporal.NewApplicationErrorWithOptions(msg, errType, opts)
}

// isTimeout reports a client-side timeout (http.Client.Timeout, a dial or
// TLS handshake deadline).
func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
