package runs

import "github.com/junction-run/junction/definition"

// HTTPRequest is the rendered input of an HttpRequest step
// (HTTPRequestActivity): every {{ }} expression has already been evaluated
// by the workflow, except {{env.NAME}} references, which Env locates.
type HTTPRequest struct {
	// StepID names the step, for error messages.
	StepID string `json:"stepId"`
	// AccountID is the run's account, whose environment variables fill the
	// step's {{env.NAME}} references.
	AccountID  string            `json:"accountId,omitempty"`
	Method     string            `json:"method"`
	URL        string            `json:"url"`
	Headers    map[string]string `json:"headers,omitempty"`
	Parameters map[string]string `json:"parameters,omitempty"`
	// Body is serialised as JSON when not nil.
	Body           any `json:"body,omitempty"`
	TimeoutSeconds int `json:"timeoutSeconds,omitempty"`
	// IdempotencyHeader names the header that carries the step's
	// idempotency key (IdempotencyKeyHeader when nil); "" sends none.
	IdempotencyHeader *string `json:"idempotencyHeader,omitempty"`
	// Env lists the strings above that reference environment variables
	// (pointers into the step's inputs: /url, /headers/..., /body/...);
	// the activity fills them in from the generic http app's environment.
	Env []definition.EnvSlot `json:"env,omitempty"`
}

// HTTPResponse is the HttpRequest step's result, which outputs read as
// step.*; field names are 8x8's.
type HTTPResponse struct {
	ResponseCode int    `json:"responseCode"`
	ReasonPhrase string `json:"reasonPhrase"`
	// ResponseBody is the decoded JSON body, or the body as a string when it
	// is not JSON, or nil when empty.
	ResponseBody any               `json:"responseBody"`
	Headers      map[string]string `json:"headers,omitempty"`
}

// SMSRequest is the rendered input of an SMS step (SendSMSActivity); names
// are 8x8's.
type SMSRequest struct {
	// StepID names the step, for error messages and logs.
	StepID string `json:"stepId"`
	// AccountID and ConnectionID name the 8x8 connection the step sends
	// with (its "connection"); without one, the worker's own 8x8 key.
	AccountID       string `json:"accountId,omitempty"`
	ConnectionID    string `json:"connection,omitempty"`
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

// ChatAppsRequest is the rendered input of a ChatAppsMessage step
// (SendChatAppsMessageActivity); names are 8x8's. User and Content go to
// the Chat Apps API as written.
type ChatAppsRequest struct {
	// StepID names the step, for error messages and logs.
	StepID string `json:"stepId"`
	// AccountID and ConnectionID name the 8x8 connection the step sends
	// with, as SMSRequest's.
	AccountID       string         `json:"accountId,omitempty"`
	ConnectionID    string         `json:"connection,omitempty"`
	SubAccountID    string         `json:"subAccountId"`
	User            map[string]any `json:"user"`
	Type            string         `json:"type"`
	Content         map[string]any `json:"content"`
	ClientMessageID string         `json:"clientMessageId,omitempty"`
}

// MessageResult is the SMS and ChatAppsMessage steps' result, which outputs
// read as step.*; field names are those steps' documented outputs. Status
// is 8x8's: QUEUED or REJECTED for SMS, queued or failed for Chat Apps. A
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

// MessagingErrorDetails ride on every messaging application error as its
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

// ConnectorCall is the input of every connector action activity
// (ConnectorActivity). It names the connection; the credentials are
// resolved inside the activity and never enter the history.
type ConnectorCall struct {
	StepID    string `json:"stepId"`
	AccountID string `json:"accountId"`
	// DefinitionID is the definition the run runs, for the record the
	// worker keeps of the calls of its latest runs (package
	// connectors/upgrade); "" outside a run of a definition.
	DefinitionID string `json:"definitionId,omitempty"`
	Connector    string `json:"connector"`
	Action       string `json:"action"`
	Version      string `json:"version,omitempty"` // "" is the latest stable
	ConnectionID string `json:"connection,omitempty"`
	// Input is the step's rendered inputs; {{env.NAME}} references are
	// still in it, and Env says where.
	Input map[string]any `json:"input"`
	// Env lists the strings of Input that reference environment variables,
	// filled in from the app version's environment (names only).
	Env []definition.EnvSlot `json:"env,omitempty"`
}

// IdempotencyKeyHeader is the header every outbound HttpRequest and
// http.call carries by default, holding a key that is the same on every
// attempt of one step in one run and differs between steps and loop
// iterations, so a receiver can drop the duplicate an at-least-once retry
// sends after a crash (the convention of Stripe and the IETF draft
// "The Idempotency-Key HTTP Header Field").
const IdempotencyKeyHeader = "Idempotency-Key"
