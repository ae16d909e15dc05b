package connectors

import (
	"encoding/json"
	"fmt"
	"time"
)

// Spec declares one version of a connector. It is the connector's manifest
// (served at GET /api/v1/manifest), its documentation (docs/connectors/<id>.md
// is generated from it) and its validation (Register refuses a Spec that
// contradicts itself or its code), so none of the three can disagree with
// the others. A Spec is plain data: build it once, do not change it after
// registering.
type Spec struct {
	// ID names the connector in definitions and in activity names
	// (<id>.<action>): lowercase letters, digits and underscores. It never
	// changes across versions.
	ID string `json:"id"`
	// Name is what people read: "Shopify", "8x8 Messaging".
	Name        string `json:"name"`
	Description string `json:"description"`
	// Icon is an absolute https URL of the connector's icon, for the UIs
	// that list connectors (manifests); optional.
	Icon string `json:"icon,omitempty"`
	// Version is a semantic version (https://semver.org) without a leading
	// v. A definition names the version it uses; one that names none gets
	// the latest stable version when it is saved.
	Version string `json:"version"`
	Status  Status `json:"status"`
	// Deprecation is set exactly when Status is StatusDeprecated.
	Deprecation *Deprecation `json:"deprecation,omitempty"`
	// Auth lists the ways a connection can authenticate, at least one (use
	// NoAuth for none). A connection picks one of them.
	Auth []AuthSpec `json:"auth"`
	// Properties are a connection's other settings: non-secret values the
	// third party needs besides credentials, such as Amazon's party name or
	// a Flipkart location id.
	Properties []Field `json:"properties,omitempty"`
	// Env lists the environment variables this version reads: values set
	// per app version by whoever runs Junction, such as an OAuth client or
	// a partner key, shared by every connection.
	Env []EnvVar `json:"env,omitempty"`
	// CustomEnv lets accounts set variables of their own besides Env, each
	// saying whether it is secret: for connectors whose third party is the
	// account's own (the generic HTTP connector), so Junction cannot know
	// the names in advance. Definitions read them as {{env.NAME}}.
	CustomEnv bool          `json:"customEnv,omitempty"`
	Triggers  []TriggerSpec `json:"triggers,omitempty"`
	Actions   []ActionSpec  `json:"actions,omitempty"`
	// Channels are the channels the connector carries conversations on
	// (ChannelSpec); its message triggers say how an event maps to one.
	Channels []ChannelSpec `json:"channels,omitempty"`
	// States are the JSON schemas, by state scope (account, user,
	// conversation), that the states of definitions triggered by this
	// version keep to: pinned into such a definition when it is saved,
	// for each scope it declares no schema of its own for.
	States map[string]*Schema `json:"states,omitempty"`
}

// Status says how far a version can be relied on.
type Status string

const (
	// StatusStable versions keep their inputs, outputs and activity names
	// until deprecated; the latest stable version is the default.
	StatusStable Status = "stable"
	// StatusBeta versions may still change; a definition must name one to
	// use it.
	StatusBeta Status = "beta"
	// StatusDeprecated versions still run but are going away; Deprecation
	// says when and what replaces them.
	StatusDeprecated Status = "deprecated"
)

// Deprecation says when a deprecated version stops being supported and
// which version to move definitions to.
type Deprecation struct {
	// Date is the last day the version is supported, as YYYY-MM-DD.
	Date string `json:"date"`
	// Replacement is the version to move to; it must be a later version of
	// the same connector.
	Replacement string `json:"replacement"`
	// Note explains what changes for definitions that move.
	Note string `json:"note,omitempty"`
}

// AuthKind names a way of authenticating to a third party. The kinds are
// implemented in package connectors/auth; a Spec only declares which ones a
// connector accepts and with what fields.
type AuthKind string

const (
	// AuthNone sends no credentials.
	AuthNone AuthKind = "none"
	// AuthBasic is HTTP Basic (RFC 7617): username and password.
	AuthBasic AuthKind = "basic"
	// AuthBearer sends a fixed token as Authorization: Bearer.
	AuthBearer AuthKind = "bearer"
	// AuthAPIKey sends a key in a header or query parameter that
	// AuthSpec.APIKey names.
	AuthAPIKey AuthKind = "api_key"
	// AuthDigest is HTTP Digest (RFC 7616): username and password.
	AuthDigest AuthKind = "digest"
	// AuthSession logs in with a request whose answer yields a token or
	// cookie, replays it on every call and logs in again on 401.
	AuthSession AuthKind = "session"
	// AuthOAuth2AuthorizationCode is OAuth 2.0's authorization code grant
	// (with PKCE when AuthSpec.OAuth2.PKCE): a person consents in the
	// browser; the tokens are refreshed as they expire.
	AuthOAuth2AuthorizationCode AuthKind = "oauth2_authorization_code"
	// AuthOAuth2ClientCredentials is OAuth 2.0's client credentials grant.
	AuthOAuth2ClientCredentials AuthKind = "oauth2_client_credentials"
)

// AuthKinds lists every kind, in the order the docs present them.
var AuthKinds = []AuthKind{
	AuthNone, AuthBasic, AuthBearer, AuthAPIKey, AuthDigest, AuthSession,
	AuthOAuth2AuthorizationCode, AuthOAuth2ClientCredentials,
}

// AuthSpec is one accepted way of authenticating, with the fields a
// connection of that kind fills in. Secret fields go to the credential
// store; the others are stored with the connection.
type AuthSpec struct {
	Kind AuthKind `json:"kind"`
	// Description tells people where to get the credentials.
	Description string  `json:"description,omitempty"`
	Fields      []Field `json:"fields,omitempty"`
	// APIKey places the key of an AuthAPIKey connection; nil means the
	// connection says where (fields "in" and "name"), as in the generic
	// HTTP connector.
	APIKey *APIKeySpec `json:"apiKey,omitempty"`
	// OAuth2 configures both OAuth 2.0 kinds; required for them.
	OAuth2 *OAuth2Spec `json:"oauth2,omitempty"`
	// Session declares a session kind's login (SessionSpec); nil leaves it
	// to the connection's fields (ConfigurableSessionAuth).
	Session *SessionSpec `json:"session,omitempty"`
}

// Where an API key goes.
const (
	APIKeyInHeader = "header"
	APIKeyInQuery  = "query"
	APIKeyInCookie = "cookie"
)

// APIKeySpec says where a third party expects its API key.
type APIKeySpec struct {
	// In is APIKeyInHeader, APIKeyInQuery or APIKeyInCookie.
	In string `json:"in"`
	// Name is the header, query parameter or cookie, e.g.
	// X-Shopify-Access-Token.
	Name string `json:"name"`
	// Prefix goes before the key in a header, e.g. "Token ".
	Prefix string `json:"prefix,omitempty"`
}

// OAuth2Spec describes a third party's OAuth 2.0 endpoints. URLs may hold
// {name} placeholders naming a custom property, for third parties with one
// authorization server per customer (Shopify's
// https://{shop}.myshopify.com/admin/oauth/authorize).
type OAuth2Spec struct {
	// AuthURL is where people consent; authorization code only.
	AuthURL  string   `json:"authUrl,omitempty"`
	TokenURL string   `json:"tokenUrl"`
	Scopes   []string `json:"scopes,omitempty"`
	// PKCE sends an RFC 7636 code challenge (S256); authorization code only.
	PKCE bool `json:"pkce,omitempty"`
	// ClientIDEnv and ClientSecretEnv name the environment variables that
	// hold the OAuth client's id and secret when it is one per app version
	// (the usual case for authorization code). Empty means each connection
	// brings its own in the fields client_id and client_secret.
	ClientIDEnv     string `json:"clientIdEnv,omitempty"`
	ClientSecretEnv string `json:"clientSecretEnv,omitempty"`
	// ClientAuth is how the client authenticates to the token endpoint,
	// auth.ClientSecretBasic (the default) or auth.ClientSecretPost, unless
	// the connection's field client_auth says otherwise.
	ClientAuth string `json:"clientAuth,omitempty"`
}

// FieldType is the type of a Field's value. Values travel as strings (they
// come from forms and environment variables); the type says how they must
// parse.
type FieldType string

const (
	FieldString  FieldType = "string"
	FieldInteger FieldType = "integer"
	FieldNumber  FieldType = "number"
	FieldBoolean FieldType = "boolean"
	// FieldURL is an absolute http or https URL.
	FieldURL FieldType = "url"
)

// Field is one setting of a connection: an auth field or a custom property.
type Field struct {
	// Name is lowercase letters, digits and underscores.
	Name        string    `json:"name"`
	Type        FieldType `json:"type"`
	Description string    `json:"description"`
	Required    bool      `json:"required,omitempty"`
	// Secret fields are kept in the credential store, never shown again
	// once entered, never in a workflow history, and have no default.
	Secret  bool     `json:"secret,omitempty"`
	Default string   `json:"default,omitempty"`
	Enum    []string `json:"enum,omitempty"`
}

// EnvVar is an environment variable a connector version reads. Values are
// set per app version, not per connection.
type EnvVar struct {
	// Name is UPPER_SNAKE_CASE.
	Name        string `json:"name"`
	Description string `json:"description"`
	// Secret values are kept in the credential store and only reach the
	// action inside its activity.
	Secret   bool `json:"secret,omitempty"`
	Required bool `json:"required,omitempty"`
}

// TriggerKind says how a trigger learns of events.
type TriggerKind string

const (
	// TriggerWebhook: the third party calls Junction's gateway.
	TriggerWebhook TriggerKind = "webhook"
	// TriggerPolling: Junction asks the third party for new items at an
	// interval.
	TriggerPolling TriggerKind = "polling"
)

// SignatureNone is TriggerSpec.Signature for a webhook the third party does
// not sign; it must be said explicitly.
const SignatureNone = "none"

// TriggerSpec declares an event that can start a run.
type TriggerSpec struct {
	ID          string      `json:"id"`
	Name        string      `json:"name"`
	Kind        TriggerKind `json:"kind"`
	Description string      `json:"description"`
	// Payload is the JSON Schema of one event as a run receives it.
	Payload *Schema `json:"payload"`
	// SamplePayload is a real-looking event; it must satisfy Payload. The
	// docs show it and tests replay it.
	SamplePayload json.RawMessage `json:"samplePayload"`
	// IDPointer is the JSON pointer (RFC 6901) of the event's unique id in
	// the payload, e.g. "/id". Runs are deduplicated on it.
	IDPointer string `json:"idPointer"`
	// IDQualifiers are further JSON pointers whose values, with
	// IDPointer's, identify an event: for third parties whose events carry
	// no id of their own, only the id of an object that changes many
	// times (a waybill, scanned again and again: the waybill and the
	// scan's time). The event id is then the values, IDPointer's first,
	// joined by JoinEventID (EventIDSeparator, "~~"). Each must hold a
	// non-empty string or an integer. Only with IDPointer.
	IDQualifiers []string `json:"idQualifiers,omitempty"`
	// IDHeader is the delivery header whose value is the event's unique id,
	// for webhooks whose payload has none (an inventory level, an updated
	// order: the same object changes many times). Only when IDPointer is
	// empty. Webhooks only.
	IDHeader string `json:"idHeader,omitempty"`
	// SecretField is the connection's secret field that verifies
	// deliveries (a signing secret, or the API secret the third party signs
	// with); required when Signature is not SignatureNone. Webhooks only.
	SecretField string `json:"secretField,omitempty"`
	// Signature names the scheme that authenticates a webhook's deliveries
	// (e.g. "shopify_hmac_sha256"), or SignatureNone. Webhooks only.
	Signature string `json:"signature,omitempty"`
	// PollInterval is a polling trigger's default interval. Polling only.
	PollInterval time.Duration `json:"-"`
	// PollFromNow makes the first poll of a definition that does not say
	// where to start (its pollFrom) start from now: the items already
	// there are recorded and not run. Without it, the first poll runs
	// them. Polling only.
	PollFromNow bool `json:"pollFromNow,omitempty"`
	// AnswerWithin is how long the third party waits for the answer to a
	// delivery and reads it (Twilio's TwiML reply, Slack's 3-second
	// acknowledgement), less a margin: within it, the gateway answers with
	// the Respond step of the run the delivery started, past it with the
	// connector's own answer. Zero: the gateway answers at once. Webhooks
	// only.
	AnswerWithin time.Duration `json:"-"`
	// Reply, for a trigger whose events are messages, says how a run
	// answers one in the same conversation (a Reply step): the action that
	// sends it and where in the event its address is. Webhooks only.
	Reply *ReplySpec `json:"reply,omitempty"`
	// Message, for a trigger whose events are messages of one of the
	// connector's channels, is how an event maps to its user, its
	// conversation and its text: such events go through their
	// conversation (runs.ConversationWorkflow). Webhooks only.
	Message *MessageSpec `json:"message,omitempty"`
}

// ReplySpec is how a message a trigger receives is answered where it came
// from: the connector's Action, given the reply's text as TextInput and,
// as each of Inputs, the first of its JSON pointers (RFC 6901) that holds
// a value in the event (Slack's thread_ts, else the message's own ts).
type ReplySpec struct {
	Action    string              `json:"action"`
	TextInput string              `json:"textInput"`
	Inputs    map[string][]string `json:"inputs"`
	// Types are the message types beyond text (MessageTypes) the action
	// sends natively, each with the constant inputs that make it do so
	// (Telegram's markdown: parse_mode Markdown; Slack's: none, its text
	// is mrkdwn). A Reply of another type is sent as text.
	Types map[string]map[string]any `json:"types,omitempty"`
}

// ReplyInputs are the inputs of a reply to the event payload, but its text:
// each input's first pointer that holds a value that is not null or "".
func (r ReplySpec) ReplyInputs(payload []byte) map[string]any {
	inputs := map[string]any{}
	for name, pointers := range r.Inputs {
		for _, p := range pointers {
			if v, err := Pointer(payload, p); err == nil && v != nil && v != "" {
				inputs[name] = v
				break
			}
		}
	}
	return inputs
}

type triggerJSON TriggerSpec

// MarshalJSON writes PollInterval as a Go duration string ("5m0s").
func (t TriggerSpec) MarshalJSON() ([]byte, error) {
	out := struct {
		triggerJSON
		PollInterval string `json:"pollInterval,omitempty"`
		AnswerWithin string `json:"answerWithin,omitempty"`
	}{triggerJSON: triggerJSON(t)}
	if t.PollInterval != 0 {
		out.PollInterval = t.PollInterval.String()
	}
	if t.AnswerWithin != 0 {
		out.AnswerWithin = t.AnswerWithin.String()
	}
	return json.Marshal(out)
}

// UnmarshalJSON reads what MarshalJSON writes.
func (t *TriggerSpec) UnmarshalJSON(b []byte) error {
	var in struct {
		triggerJSON
		PollInterval string `json:"pollInterval,omitempty"`
		AnswerWithin string `json:"answerWithin,omitempty"`
	}
	if err := json.Unmarshal(b, &in); err != nil {
		return err
	}
	*t = TriggerSpec(in.triggerJSON)
	for _, d := range []struct {
		name, text string
		to         *time.Duration
	}{{"pollInterval", in.PollInterval, &t.PollInterval}, {"answerWithin", in.AnswerWithin, &t.AnswerWithin}} {
		if d.text == "" {
			continue
		}
		v, err := time.ParseDuration(d.text)
		if err != nil {
			return fmt.Errorf("%s: %w", d.name, err)
		}
		*d.to = v
	}
	return nil
}

// ActionKind says what an action does to the third party's data, so
// builders can group actions and reviewers can spot writes.
type ActionKind string

const (
	ActionCreate ActionKind = "create"
	ActionUpdate ActionKind = "update"
	// ActionSearch reads without changing anything.
	ActionSearch ActionKind = "search"
	ActionDelete ActionKind = "delete"
	// ActionOther is for the rest: sending a message, running a report.
	ActionOther ActionKind = "other"
)

// ActionSpec declares one thing a connector can do, which runs as the
// Temporal activity runs.ConnectorActivity(connector, ID).
type ActionSpec struct {
	ID          string     `json:"id"`
	Name        string     `json:"name"`
	Kind        ActionKind `json:"kind"`
	Description string     `json:"description"`
	// Input is the JSON Schema of the step's input, an object. NewAction
	// derives it from the Go type the code decodes.
	Input *Schema `json:"input"`
	// Output is the JSON Schema of the step's result. NewAction derives it
	// from the Go type the code returns.
	Output *Schema `json:"output"`
	// Idempotent actions can be sent twice with the same effect as once, so
	// a retry after a lost answer is harmless.
	Idempotent bool `json:"idempotent"`
	// SampleInput is a valid input: the docs show it and the conformance
	// kit sends it to the connector's fake.
	SampleInput json.RawMessage `json:"sampleInput"`
	// StepDefaults are the retry policy and timeout of steps of this
	// action that set none themselves (StepDefaults); nil means the
	// engine's.
	StepDefaults *StepDefaults `json:"stepDefaults,omitempty"`
}

// The standard auth fields. Package connectors/auth reads these names, so
// the helpers below and Validate insist on them.
const (
	FieldUsername     = "username"
	FieldPassword     = "password"
	FieldToken        = "token"
	FieldKey          = "key"
	FieldClientID     = "client_id"
	FieldClientSecret = "client_secret"
	// FieldWebhookSecret is the usual TriggerSpec.SecretField: the secret
	// the third party signs webhook deliveries with, when it is not one of
	// the credentials.
	FieldWebhookSecret = "webhook_secret"
)

// WebhookSecretField is the optional secret auth field FieldWebhookSecret,
// described for a third party: where its signing secret is found.
func WebhookSecretField(description string) Field {
	return Field{Name: FieldWebhookSecret, Type: FieldString, Secret: true, Description: description}
}

// NoAuth accepts connections without credentials.
func NoAuth() AuthSpec { return AuthSpec{Kind: AuthNone} }

// BasicAuth accepts HTTP Basic credentials. Some APIs take a key as the
// user name and no password: set the password field's Required to false.
func BasicAuth() AuthSpec {
	return AuthSpec{Kind: AuthBasic, Fields: []Field{usernameField(), passwordField()}}
}

// BearerAuth accepts a fixed bearer token.
func BearerAuth() AuthSpec {
	return AuthSpec{Kind: AuthBearer, Fields: []Field{
		{Name: FieldToken, Type: FieldString, Description: "The access token, sent as Authorization: Bearer.", Required: true, Secret: true},
	}}
}

// APIKeyAuth accepts an API key sent in the header, query parameter or
// cookie name (in is APIKeyInHeader, APIKeyInQuery or APIKeyInCookie).
func APIKeyAuth(in, name string) AuthSpec {
	return AuthSpec{Kind: AuthAPIKey, APIKey: &APIKeySpec{In: in, Name: name}, Fields: []Field{
		{Name: FieldKey, Type: FieldString, Description: "The API key.", Required: true, Secret: true},
	}}
}

// DigestAuth accepts HTTP Digest credentials.
func DigestAuth() AuthSpec {
	return AuthSpec{Kind: AuthDigest, Fields: []Field{usernameField(), passwordField()}}
}

// SessionAuth accepts credentials for a login request; with no fields it
// asks for a username and a password.
func SessionAuth(fields ...Field) AuthSpec {
	if len(fields) == 0 {
		fields = []Field{usernameField(), passwordField()}
	}
	return AuthSpec{Kind: AuthSession, Fields: fields}
}

// OAuth2AuthorizationCode accepts connections made through OAuth 2.0
// consent. Unless o names environment variables for the client, each
// connection brings its own client_id and client_secret.
func OAuth2AuthorizationCode(o OAuth2Spec) AuthSpec {
	return AuthSpec{Kind: AuthOAuth2AuthorizationCode, OAuth2: &o, Fields: clientFields(o)}
}

// OAuth2ClientCredentials accepts connections that get tokens with OAuth
// 2.0's client credentials grant.
func OAuth2ClientCredentials(o OAuth2Spec) AuthSpec {
	return AuthSpec{Kind: AuthOAuth2ClientCredentials, OAuth2: &o, Fields: clientFields(o)}
}

func usernameField() Field {
	return Field{Name: FieldUsername, Type: FieldString, Description: "The user name.", Required: true}
}

func passwordField() Field {
	return Field{Name: FieldPassword, Type: FieldString, Description: "The password.", Required: true, Secret: true}
}

func clientFields(o OAuth2Spec) []Field {
	if o.ClientIDEnv != "" {
		return nil
	}
	return []Field{
		{Name: FieldClientID, Type: FieldString, Description: "The OAuth client's id.", Required: true},
		{Name: FieldClientSecret, Type: FieldString, Description: "The OAuth client's secret.", Required: true, Secret: true},
	}
}
