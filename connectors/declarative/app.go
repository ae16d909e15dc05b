// Package declarative runs apps written as data: a JSON document (App)
// that declares a connector's identity, authentication, connection
// properties, environment variables and actions, each action an HTTP
// request built from {{ }} templates and an answer read by JSONPath.
//
// Parse checks a document and reports every problem at once, each at its
// JSON path; (*App).Connector turns a parsed app into a
// *connectors.Static whose actions send their requests through package
// connectors/httpconn (httpconn.Do) with the call's authenticated client,
// so egress rules, authentication, body caps and error mapping are those
// of every other connector.
//
// Templates use package definition's expression language. An action's
// templates read three variables:
//
//   - input: the step's input, after it has been checked against the
//     action's input schema;
//   - connection: the connection's properties, by name (only the
//     properties the app declares);
//   - env: the app version's environment variables, by name (only the
//     variables the app declares).
//
// A polling trigger's request reads connection and env too, and cursor
// (where the poll starts, as its cursor rule keeps it) and page (the page
// it asks for); see Poll.
//
// docs/apps.md documents the format field by field.
package declarative

import (
	"encoding/json"

	"github.com/junction-run/junction/connectors"
)

// App is one version of an app written as data.
type App struct {
	// Key names the app in definitions and activity names
	// (<key>.<action>): lowercase letters, digits and underscores, starting
	// with a letter or digit. It is the connector's id.
	Key string `json:"key" description:"The app's id in definitions and activity names (<key>.<action>): lowercase letters, digits and _."`
	// Name is what people read, e.g. "Acme CRM".
	Name string `json:"name"`
	// Description says what the app is for.
	Description string `json:"description"`
	// Icon is an optional https URL of the app's icon, carried into the
	// connector's spec (connectors.Spec.Icon) and so into manifests.
	Icon string `json:"icon,omitempty" description:"An absolute https URL of the app's icon."`
	// Version is a semantic version without a leading v, e.g. "1.0.0".
	Version string `json:"version" description:"A semantic version without a leading v: 1.0.0, 1.1.0-beta.1."`
	// Status is stable, beta or deprecated (deprecation details are not
	// part of the format yet, so deprecated is refused by Spec.Validate).
	Status connectors.Status `json:"status" enum:"stable,beta" description:"stable versions are the default of definitions that name none; beta ones must be named."`
	// BaseURL is the absolute http(s) URL every action's path is appended
	// to. It may hold templates, e.g.
	// "https://{{connection.workspace}}.acme.example/api"; a value
	// inserted into a URL with other text around it is percent-escaped,
	// one that is the whole URL is inserted as is.
	BaseURL string `json:"baseUrl" description:"Where action paths start: an absolute http(s) URL, {{ }} over connection and env."`
	// Auth lists the ways a connection can authenticate, at least one.
	Auth []Auth `json:"auth" description:"The ways a connection authenticates, at least one."`
	// Properties are a connection's non-secret settings, read by templates
	// as {{connection.<name>}}. Same fields as connectors.Field.
	Properties []connectors.Field `json:"properties,omitempty"`
	// Env lists the environment variables the app reads, as
	// {{env.<NAME>}}. Same fields as connectors.EnvVar.
	Env []connectors.EnvVar `json:"env,omitempty"`
	// Actions are what the app can do, at least one.
	Actions []Action `json:"actions" description:"The actions, at least one."`
	// Test is the connection test: a request whose success means a
	// connection's credentials work (POST .../connections/{id}/test).
	Test *ConnectionTest `json:"test,omitempty" description:"The connection test: a request whose success means the credentials work."`
	// Defaults are what every action gets unless it says otherwise: its
	// steps' retry policy and timeout, and how statuses map.
	Defaults *Defaults `json:"defaults,omitempty" description:"Retry, timeout and status defaults of every action."`
	// Triggers are the events of the third party that start runs:
	// webhooks, each checked with the connection's webhook secret
	// (connectors.FieldWebhookSecret), which every auth kind but none then
	// has, and polling triggers, whose items Junction asks for.
	Triggers []Trigger `json:"triggers,omitempty" description:"Triggers: events the third party sends (webhook) or items Junction asks it for (polling) that start runs."`
}

// AuthKinds are the auth kinds an app can declare: every kind of
// connectors.AuthKind.
var AuthKinds = connectors.AuthKinds

// Auth is one accepted way of authenticating. The fields a connection
// fills in are those of the connectors package's constructor for the
// kind (BearerAuth's token, BasicAuth's username and password,
// APIKeyAuth's key, ...).
type Auth struct {
	// Kind is one of AuthKinds.
	Kind connectors.AuthKind `json:"kind" enum:"none,basic,bearer,api_key,digest,session,oauth2_authorization_code,oauth2_client_credentials" description:"The auth kind."`
	// Description tells people where to get the credentials.
	Description string `json:"description,omitempty"`
	// In is where an api_key goes: header, query or cookie. api_key only.
	In string `json:"in,omitempty" enum:"header,query" description:"api_key: where the key goes."`
	// Name is the header, query parameter or cookie an api_key is sent
	// as, e.g. X-Acme-Key. api_key only.
	Name string `json:"name,omitempty"`
	// Prefix goes before the key in a header, e.g. "Token ". api_key
	// only.
	Prefix string `json:"prefix,omitempty" description:"api_key: text before the key (\"Token \")."`
	// Login is a session's login request. session only.
	Login *Login `json:"login,omitempty" description:"session: the login request and where its answer carries the session."`
	// OAuth2 is the provider's OAuth 2.0 endpoints. oauth2 kinds only.
	OAuth2 *OAuth2 `json:"oauth2,omitempty" description:"oauth2 kinds: the provider's endpoints, scopes and client."`
}

// Action is one thing the app can do: one HTTP request.
type Action struct {
	// ID names the action: lowercase letters, digits and underscores.
	ID string `json:"id"`
	// Name is what people read.
	Name string `json:"name"`
	// Kind is create, update, search, delete or other.
	Kind        connectors.ActionKind `json:"kind" enum:"create,update,search,delete,other" description:"What the action does."`
	Description string                `json:"description"`
	// Input is the JSON Schema of the step's input, an object. Input is
	// checked against it before anything is sent.
	Input json.RawMessage `json:"input" description:"The JSON Schema of the action's input."`
	// Output is the JSON Schema of the action's result. Optional: when
	// absent it is an object with one property per Response.Outputs
	// entry, or any value when there are no outputs.
	Output json.RawMessage `json:"output,omitempty" description:"The JSON Schema of its output."`
	// Idempotent actions can be sent twice with the same effect as once.
	Idempotent bool `json:"idempotent,omitempty"`
	// SampleInput is a valid input, shown in the docs and sent by tests.
	SampleInput json.RawMessage `json:"sampleInput"`
	// Properties are the action's own custom properties: settings the
	// client fills in per connection for this action only, read by the
	// action's templates as {{connection.<name>}} (see properties.go).
	Properties []connectors.Field `json:"properties,omitempty" description:"The action's own connection properties, set as <action>__<name>."`
	// Defaults override the app's step defaults for this action.
	Defaults *connectors.StepDefaults `json:"defaults,omitempty" description:"This action's step timeout and retry, over the app's."`
	// Pagination, for a search, fetches page after page and returns
	// their items as one list.
	Pagination *SearchPagination `json:"pagination,omitempty" description:"search: fetch every page and return the items as one list."`
	// Request is the HTTP request the action sends.
	Request Request `json:"request"`
	// Response says how the answer becomes the action's result.
	Response Response `json:"response,omitempty"`
}

// Request is an HTTP request, every string of it a template.
type Request struct {
	// Method is GET, POST, PUT, PATCH or DELETE.
	Method string `json:"method" enum:"GET,POST,PUT,PATCH,DELETE" description:"The HTTP method."`
	// Path is appended to the app's BaseURL and starts with "/". Values
	// its templates insert are percent-escaped as path text, so an input
	// cannot add segments, a query or a fragment.
	Path string `json:"path" description:"The path after baseUrl, starting with /; {{ }} values are escaped."`
	// Query parameters, by name. A parameter whose value is a single
	// template that renders to null (an optional input not given) is left
	// out.
	Query map[string]string `json:"query,omitempty"`
	// Headers, by name; a header that renders to null is left out.
	// Credentials belong to the connection's auth, not here.
	Headers map[string]string `json:"headers,omitempty"`
	// IdempotencyHeader, when set, is the header that carries the step's
	// idempotency key (the same on every retry of a step in a run).
	IdempotencyHeader string `json:"idempotencyHeader,omitempty"`
	// Body is the request's body; none when absent.
	Body *Body `json:"body,omitempty"`
}

// Body formats.
const (
	FormatJSON = "json"
	FormatXML  = "xml"
	FormatForm = "form"
)

// Body is a request body: a JSON value whose strings are templates,
// encoded as Format says (see package connectors/httpconn for each
// encoding). Object keys whose value renders to null are left out.
type Body struct {
	// Format is json, xml or form.
	Format string `json:"format" enum:"json,xml,form" description:"How the body is encoded."`
	// Value is the body. For xml, an object with one key (the root
	// element) or any object with Root set.
	Value any `json:"value"`
	// Root names the root element of an xml body.
	Root string `json:"root,omitempty"`
}

// Response says which statuses are a success, and how a success answer
// becomes the action's result.
type Response struct {
	// Outputs maps each output field to a JSONPath into the answer's
	// JSON, e.g. "$.data.id", or an XPath into its XML, e.g.
	// "/order/id/text()". With no outputs the result is the whole decoded
	// answer.
	Outputs map[string]string `json:"outputs,omitempty" description:"Output fields by name, each a JSONPath into a JSON answer ($.data.id) or an XPath into an XML one (/order/id/text())."`
	// NotFound lists further 4xx statuses that mean "not found" for this
	// action (404 and 410 always do).
	NotFound []int `json:"notFound,omitempty" description:"Statuses that mean not found, besides 404."`
	// Success lists the statuses that are a success: classes ("2xx"),
	// codes ("201") or ranges ("200-299"); 2xx when empty.
	Success []string `json:"success,omitempty" description:"Statuses that are a success: 2xx, 201 or 200-299; 2xx when not given."`
	// Retry lists further statuses that are worth sending again (a 409
	// the third party uses for a lock held briefly); 408, 429 and 5xx
	// always are.
	Retry []int `json:"retry,omitempty" description:"Statuses worth sending again, besides 408, 429 and 5xx."`
}
