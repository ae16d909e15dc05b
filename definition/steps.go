package definition

import "strings"

// stepSpec describes one step type: its inputs and results, which routing and nesting fields it
// takes and whether the interpreter runs it. The same table drives Validate, JSONSchema and the
// step reference in docs/definition.md, so the three cannot drift apart.
type stepSpec struct {
	Type        string
	Summary     string // one line for the schema's description
	Supported   bool   // the interpreter runs it (see IsSupportedStepType)
	Lenient     bool   // inputs are documented but not checked (types the interpreter rejects at run time)
	Inputs      []fieldSpec
	OpenInputs  bool // inputs other than those listed are allowed (and passed on)
	AnyInputs   bool // inputs are a free map of names (SetVariables)
	Results     []fieldSpec
	NeedsSelect bool    // selectNextStep is required (Branch)
	Do          doShape // what do may hold
	Connection  bool    // the step may name a connection
}

// doShape says what a step's do blocks mean.
type doShape int

const (
	doNone     doShape = iota // do must be absent or empty
	doBlocks                  // If: one or more blocks, run when the condition holds
	doBody                    // ForEach: exactly one block, the loop body
	doBranches                // Parallel: two or more blocks, run at once
)

// valueKind is what a literal (non-template) input value must be.
type valueKind int

const (
	kindString     valueKind = iota // a JSON string
	kindObject                      // a JSON object
	kindNumber                      // a JSON number
	kindInteger                     // a JSON number without a fraction
	kindBoolean                     // true or false
	kindDuration                    // a ParseDuration string or a number of days
	kindTimestamp                   // an RFC 3339 date-time string
	kindURL                         // an absolute http or https URL
	kindExpression                  // a {{ }} template (or a boolean literal)
	kindArray                       // a JSON array
	kindItems                       // an array, or a template that yields one
	kindStringMap                   // an object whose values are strings
	kindAny                         // anything
)

// fieldSpec describes one input or one result of a step.
type fieldSpec struct {
	Name        string
	Kind        valueKind
	Required    bool
	Enum        []string // allowed values, matched case-insensitively
	Min, Max    float64  // bounds for numbers; for durations, Max in days (0: none)
	Default     any
	Description string
	Alias       string // another accepted name (8x8's documents disagree on some)
	Empty       bool   // "" is a value of its own (turns something off), not a missing one
}

// stepSpecs lists every built-in step type in the order the documentation presents them.
var stepSpecs = []*stepSpec{
	{
		Type:       StepSMS,
		Summary:    "Send an SMS through the 8x8 SMS API.",
		Supported:  true,
		Connection: true,
		OpenInputs: true,
		Inputs: []fieldSpec{
			{Name: "subAccountId", Kind: kindString, Required: true, Description: "SMS-enabled 8x8 subaccount to send from."},
			{Name: "destination", Kind: kindString, Required: true, Description: "Recipient phone number (MSISDN), e.g. +6512345678."},
			{Name: "text", Kind: kindString, Required: true, Description: "Message body."},
			{Name: "country", Kind: kindString, Description: "Two-letter ISO country code of the destination."},
			{Name: "source", Kind: kindString, Description: "Sender id or virtual number."},
			{Name: "clientMessageId", Kind: kindString, Description: "Your own id for the message."},
			{Name: "encoding", Kind: kindString, Enum: []string{"AUTO", "GSM7", "UCS2"}, Default: "AUTO", Description: "Message encoding: AUTO (detect), GSM7 or UCS2; any letter case."},
			{Name: "scheduled", Kind: kindTimestamp, Description: "ISO 8601 date and time at which to send."},
			{Name: "expiry", Kind: kindTimestamp, Description: "ISO 8601 date and time after which the message is not sent."},
			{Name: "dlrCallbackUrl", Kind: kindURL, Description: "URL that receives delivery receipts."},
		},
		Results: []fieldSpec{
			{Name: "requestId", Kind: kindString, Description: "Id of the request to the SMS API."},
			{Name: "umid", Kind: kindString, Description: "Unique message id assigned by 8x8."},
			{Name: "status", Kind: kindString, Description: "Last known status of the message."},
			{Name: "description", Kind: kindString, Description: "Detail of the status."},
			{Name: "destination", Kind: kindString, Description: "Phone number the message was sent to."},
			{Name: "encoding", Kind: kindString, Description: "Encoding used."},
			{Name: "clientMessageId", Kind: kindString, Description: "The clientMessageId sent."},
		},
	},
	{
		Type:       StepChatAppsMessage,
		Summary:    "Send a message through 8x8 Chat Apps (WhatsApp, Viber, LINE, RCS, ...).",
		Supported:  true,
		Connection: true,
		OpenInputs: true,
		Inputs: []fieldSpec{
			{Name: "subAccountId", Kind: kindString, Required: true, Description: "Chat-apps-enabled 8x8 subaccount."},
			{Name: "user", Kind: kindObject, Required: true, Description: "Recipient as in the Chat Apps API, e.g. {\"msisdn\": \"{{data.payload.user.channelUserId}}\"}."},
			{Name: "type", Kind: kindString, Required: true, Description: "Content type as in the Chat Apps API, e.g. text or template."},
			{Name: "content", Kind: kindObject, Required: true, Description: "Content for the type, e.g. {\"text\": \"Hello\"}."},
			{Name: "clientMessageId", Kind: kindString, Description: "Your own id for the message."},
		},
		Results: []fieldSpec{
			{Name: "requestId", Kind: kindString, Description: "Id of the Chat Apps request (useful when it failed before a umid was assigned)."},
			{Name: "umid", Kind: kindString, Description: "Unique message id assigned by 8x8."},
			{Name: "status", Kind: kindString, Description: "Last known status of the message."},
			{Name: "description", Kind: kindString, Description: "Detail of the status."},
		},
	},
	{
		Type:       StepHTTPRequest,
		Summary:    "Call an HTTP endpoint; the body is sent as JSON.",
		Supported:  true,
		OpenInputs: true,
		Inputs: []fieldSpec{
			{Name: "url", Kind: kindURL, Required: true, Description: "Absolute http or https URL, path parameters inline."},
			{Name: "method", Kind: kindString, Required: true, Enum: httpMethods, Description: "HTTP method, any letter case."},
			{Name: "headers", Kind: kindStringMap, Description: "Request headers by name."},
			{Name: "parameters", Kind: kindObject, Description: "Query-string parameters by name."},
			{Name: "body", Kind: kindAny, Description: "Request body, sent as JSON; expressions may appear at any depth."},
			{Name: "timeoutSeconds", Kind: kindNumber, Min: MinHTTPTimeoutSeconds, Max: MaxHTTPTimeoutSeconds, Default: 5, Description: "Request timeout in seconds."},
			{Name: "idempotencyHeader", Kind: kindString, Empty: true, Default: "Idempotency-Key", Description: "The header that carries the step's idempotency key, the same on every retry of the step in a run (a Junction extension); an empty string sends none."},
		},
		Results: []fieldSpec{
			{Name: "responseCode", Kind: kindInteger, Description: "HTTP status code."},
			{Name: "reasonPhrase", Kind: kindString, Description: "HTTP reason phrase."},
			{Name: "responseBody", Kind: kindAny, Description: "Response body, parsed when it is JSON."},
		},
	},
	{
		Type:      StepWait,
		Summary:   "Pause the run for a duration.",
		Supported: true,
		Inputs: []fieldSpec{
			{Name: "duration", Kind: kindDuration, Required: true, Max: 365, Description: "How long to wait: d.HH:mm:ss (1.06:30:15), a number of days (\"2\"), a Go duration (90m) or ISO 8601 (PT15M); at most 365 days."},
			{Name: "minutes", Kind: kindNumber, Min: 0, Max: 365 * 24 * 60, Description: "Alias from older 8x8 documents: the duration in minutes. Use duration or minutes, not both."},
		},
		Results: []fieldSpec{
			{Name: "waited", Kind: kindString, Description: "The duration waited, e.g. 2m0s."},
		},
	},
	{
		Type:        StepBranch,
		Summary:     "Route to every step whose condition is true; a null condition is the default branch.",
		Supported:   true,
		NeedsSelect: true,
	},
	{
		Type:      StepIf,
		Summary:   "Run the nested do blocks when a condition holds, then continue with nextStepId.",
		Supported: true,
		Do:        doBlocks,
		Inputs: []fieldSpec{
			{Name: "condition", Kind: kindExpression, Required: true, Description: "A {{ }} expression; the blocks run when it is truthy."},
		},
		Results: []fieldSpec{
			{Name: "condition", Kind: kindBoolean, Description: "Whether the condition held."},
		},
	},
	{
		Type:      StepWaitForReply,
		Summary:   "Wait until the user replies on a channel, or until the timeout.",
		Supported: true,
		Inputs: []fieldSpec{
			{Name: "from", Kind: kindString, Required: true, Description: "Who to wait for: the msisdn on SMS, the channel user id on chat apps."},
			{Name: "channel", Kind: kindString, Required: true, Description: "Channel the reply must arrive on: sms, whatsapp, viber, line, RCS, ..."},
			{Name: "timeout", Kind: kindDuration, Max: 365, Default: "1.00:00:00", Description: "How long to wait for the reply, as for Wait's duration; default 1 day."},
		},
		Results: []fieldSpec{
			{Name: "reply", Kind: kindObject, Description: "The inbound message event (as the trigger's data), or null on timeout."},
		},
	},
	{
		Type:       StepVoiceMessage,
		Summary:    "Place a voice call (8x8 Voice Messaging API). Accepted, but fails at run time until a connector provides it.",
		Lenient:    true,
		Connection: true,
		OpenInputs: true,
		Inputs: []fieldSpec{
			{Name: "subAccountId", Alias: "subaccountId", Kind: kindString, Description: "Voice-enabled subaccount."},
			{Name: "clientRequestId", Kind: kindString, Description: "Your id for the call; {{uuid()}} is the usual value."},
			{Name: "action", Kind: kindString, Enum: []string{"say", "say&capture", "playFile"}, Default: "say", Description: "say, say&capture or playFile."},
			{Name: "params", Kind: kindObject, Description: "Parameters of the action as in the voice API."},
		},
		Results: []fieldSpec{
			{Name: "response", Kind: kindObject, Description: "The voice API's response."},
		},
	},
	{
		Type:       StepWaitForDTMF,
		Summary:    "Wait for keypad input after a say&capture call. Accepted, but fails at run time until a connector provides it.",
		Lenient:    true,
		OpenInputs: true,
		Inputs: []fieldSpec{
			{Name: "dtmfRequestId", Alias: "correlationId", Kind: kindString, Description: "The clientRequestId (or uid) of the VoiceMessage call."},
			{Name: "timeout", Kind: kindDuration, Default: "1.00:00:00", Description: "How long to wait, as for Wait's duration; default 1 day."},
		},
		Results: []fieldSpec{
			{Name: "dtmfData", Kind: kindObject, Description: "The voice API's DTMF callback, or null on timeout."},
		},
	},
	{
		Type:       StepSendToConverse,
		Summary:    "Hand the conversation to a live agent in 8x8 Converse. Accepted, but fails at run time until a connector provides it.",
		Lenient:    true,
		Connection: true,
		OpenInputs: true,
		Inputs: []fieldSpec{
			{Name: "payload", Kind: kindAny, Description: "The conversation to hand over, usually {{data.payload}}."},
		},
		Results: []fieldSpec{
			{Name: "ticketId", Kind: kindString, Description: "Id of the Converse ticket."},
		},
	},
	{
		Type:      StepForEach,
		Summary:   "Junction: run the do block once for every element of an array, at most parallelism at a time.",
		Supported: true,
		Do:        doBody,
		Inputs: []fieldSpec{
			{Name: "items", Kind: kindItems, Required: true, Description: "The array to iterate: a {{ }} expression such as {{data.order.line_items}} or a literal array."},
			{Name: "parallelism", Kind: kindInteger, Min: 1, Max: MaxForEachParallelism, Default: 1, Description: "How many iterations may run at once."},
		},
		Results: []fieldSpec{
			{Name: "results", Kind: kindArray, Description: "The result of each iteration's last step, in the order of items."},
			{Name: "count", Kind: kindInteger, Description: "How many items there were."},
		},
	},
	{
		Type:      StepParallel,
		Summary:   "Junction: run every do block at once and continue when all have finished.",
		Supported: true,
		Do:        doBranches,
		Results: []fieldSpec{
			{Name: "branches", Kind: kindArray, Description: "The result of each branch's last step, in the order of the blocks."},
		},
	},
	{
		Type:      StepSetVariables,
		Summary:   "Junction: save values into data: every input name becomes data.<name>.",
		Supported: true,
		AnyInputs: true,
		Results: []fieldSpec{
			{Name: "<name>", Kind: kindAny, Description: "Each value set, under its name."},
		},
	},
	{
		Type: StepWebhook,
		Summary: "Junction: send a webhook, EddyDesk's way: a JSON, XML or form body built from tags, basic, bearer or a connection's auth; " +
			"a 2xx or 3xx answer succeeds, 410 fails at once, 429/502/503/504 wait for Retry-After, anything else is tried again every 30 minutes for 24 hours (or on the step's own schedule).",
		Supported: true,
		Inputs: []fieldSpec{
			{Name: "url", Kind: kindURL, Required: true, Description: "Absolute http or https URL; tags fill it in."},
			{Name: "method", Kind: kindString, Enum: WebhookMethods, Default: "POST", Description: "GET, POST, PUT, PATCH or DELETE, any letter case."},
			{Name: "format", Kind: kindString, Enum: WebhookFormats, Default: "json", Description: "How the body is encoded: json, xml (an <event> root, or XML text as written) or form (fields joined with &, nested ones in brackets)."},
			{Name: "headers", Kind: kindStringMap, Description: "Request headers by name."},
			{Name: "body", Kind: kindAny, Description: "The body, built from tags at any depth; GET sends none."},
			{Name: "auth", Kind: kindObject, Description: `{"type": "basic", "username": …, "password": …}, {"type": "bearer", "token": …} or {"type": "connection", "connection": "<id>"}; secrets as {{env.NAME}}.`},
			{Name: "retry", Kind: kindObject, Description: `{"schedule": ["30m", "1h", …]}: the delays before each further attempt; default every 30 minutes for 24 hours, ±20 % jitter.`},
			{Name: "timeoutSeconds", Kind: kindNumber, Min: 1, Max: 30, Default: 30, Description: "Each attempt's timeout in seconds (at most 30)."},
			{Name: "wait", Kind: kindBoolean, Default: true, Description: "Wait for the answer (default); false hands the webhook to a workflow of its own and goes on."},
		},
		Results: []fieldSpec{
			{Name: "statusCode", Kind: kindInteger, Description: "HTTP status of the answer that succeeded."},
			{Name: "headers", Kind: kindObject, Description: "The answer's headers (first value of each)."},
			{Name: "body", Kind: kindAny, Description: "The answer's body, parsed when it is JSON."},
			{Name: "attempts", Kind: kindInteger, Description: "Attempts it took."},
			{Name: "workflowId", Kind: kindString, Description: "With wait false: the workflow sending the webhook."},
		},
	},
	{
		Type: StepRespond,
		Summary: "Junction: answer the request that started the run, when its caller waits for the answer (?wait=10s or Prefer: wait=10 on a trigger): " +
			"the first Respond step answers, the run goes on.",
		Supported: true,
		Inputs: []fieldSpec{
			{Name: "status", Kind: kindInteger, Min: 100, Max: 599, Default: 200, Description: "HTTP status of the answer."},
			{Name: "headers", Kind: kindStringMap, Description: "Headers of the answer by name."},
			{Name: "body", Kind: kindAny, Description: "The answer's body: sent as JSON, or as it is when it is a string."},
		},
		Results: []fieldSpec{
			{Name: "status", Kind: kindInteger, Description: "The status answered."},
			{Name: "headers", Kind: kindObject, Description: "The headers answered."},
			{Name: "body", Kind: kindAny, Description: "The body answered."},
			{Name: "answered", Kind: kindBoolean, Description: "Whether this step made the answer (false for a Respond step after the first)."},
		},
	},
	{
		Type: StepSetState,
		Summary: "Junction: write values into a state that outlives the run: the account's, or the user's (the sender of the message that started the run). " +
			"Expressions in values are evaluated when the write happens, against the state as it is then, so concurrent runs lose no update.",
		Supported: true,
		Inputs: []fieldSpec{
			{Name: "scope", Kind: kindString, Required: true, Enum: StateScopes, Description: "account, user or conversation (the user and the conversation of the message that started the run)."},
			{Name: "values", Kind: kindObject, Required: true, Description: "Names and values to set; a null value removes the name. {{state.user.count + 1}} reads the value the write replaces."},
			{Name: "expiresIn", Kind: kindDuration, Max: 365, Description: "The state expires (all its values) this long after the write; none by default."},
		},
		Results: []fieldSpec{
			{Name: "state", Kind: kindObject, Description: "The scope's state after the write."},
		},
	},
	{
		Type: StepReply,
		Summary: "Junction: answer the message that started the run, in the same conversation, through its channel (an SMS by SMS, a Slack message in its thread, a Telegram message in its chat, a Twilio SMS by SMS), " +
			"without naming the action that sends it.",
		Supported: true,
		Inputs: []fieldSpec{
			{Name: "text", Kind: kindString, Required: true, Description: "The reply's text (an image's or a file's caption, a choice's question)."},
			{Name: "type", Kind: kindString, Enum: ReplyTypes, Default: "text", Description: "text, markdown, image, file or choice. A channel that cannot send the type gets it as text: markdown as written, an image or a file as its url after the text, a choice as numbered options."},
			{Name: "url", Kind: kindURL, Description: "The image's or the file's URL (type image or file)."},
			{Name: "choices", Kind: kindItems, Description: "The options of a choice, as strings (type choice)."},
		},
		Results: []fieldSpec{
			{Name: "<result>", Kind: kindAny, Description: "The result of the action that sent it (slack.post_message's ts, send_sms's sid, …)."},
		},
	},
}

// ReplyTypes are the message types a Reply step sends (a channel declares
// which of them it sends natively).
var ReplyTypes = []string{"text", "markdown", "image", "file", "choice"}

// StateScopes are the scopes a state has: the account's (global), the
// user's (the sender of the message that started the run) and the
// conversation's (the one that message was written in).
var StateScopes = []string{"account", "user", "conversation"}

// WebhookMethods and WebhookFormats are what a Webhook step (and a
// subscription) may use.
var (
	WebhookMethods = []string{"GET", "POST", "PUT", "PATCH", "DELETE"}
	WebhookFormats = []string{"json", "xml", "form"}
)

// MaxForEachParallelism bounds ForEach's parallelism input.
const MaxForEachParallelism = 50

// specFor returns the specification of a built-in step type, matched case-insensitively, or nil.
func specFor(stepType string) *stepSpec {
	return stepTypes[strings.ToLower(stepType)]
}
