package connectors

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"reflect"
	"strconv"
)

// Connector is one version of a connector: its declaration and the code
// behind it. Most connectors are built with New; Register checks that the
// two agree.
type Connector interface {
	// Spec declares the version. Its Actions match Actions() one to one,
	// by ID and content.
	Spec() Spec
	// Actions are the implementations of Spec().Actions.
	Actions() []Action
}

// Action is the code behind one declared action. Run is called inside a
// Temporal activity, once per attempt: it makes its calls through
// call.HTTP, returns a value that encodes as JSON matching the declared
// Output, and reports what the third party refused as an *Error. It never
// retries; Temporal does.
type Action interface {
	Spec() ActionSpec
	Run(ctx context.Context, call Call) (any, error)
}

// Typed is implemented by actions whose input and output are Go types, so
// Register and the conformance kit can check that the declared schemas are
// those of the types. NewAction's actions implement it.
type Typed interface {
	Types() (input, output reflect.Type)
}

// Call is everything one run of an action gets. The activity builds it
// after resolving the connection's secrets; it never leaves the activity
// (and never enters a workflow history).
type Call struct {
	// Input is the step's input, already rendered from its {{ }}
	// expressions.
	Input json.RawMessage
	// Connection is the connection the step names.
	Connection Connection
	// Env holds the environment variables the version declares, as set for
	// the app version.
	Env EnvVars
	// HTTP is the client to call the third party with. Its transport
	// already authenticates every request as the connection says (see
	// package connectors/auth), and tests point it at a fake.
	HTTP *http.Client
	// IdempotencyKey is the same on every attempt of this step in this run
	// and differs between steps and loop iterations: an action whose API
	// takes an idempotency key sends it, so a retry after a lost answer
	// is dropped by the third party instead of acting twice.
	IdempotencyKey string
	// MaxResponseBytes is the operator's maximum for a size the step's
	// input sets (http.call's maxResponseBytes): an action reads no more
	// of one answer than this when its input asks for more. 0 means no
	// maximum beyond the action's own.
	MaxResponseBytes int64
}

// Connection is a connection as an action sees it.
type Connection struct {
	// ID identifies the connection in Junction's store, for logs.
	ID string `json:"id,omitempty"`
	// AuthKind is the kind of authentication the connection chose among
	// the Spec's Auth.
	AuthKind AuthKind `json:"authKind"`
	// Fields are the non-secret values of the chosen AuthSpec's fields.
	Fields map[string]string `json:"fields,omitempty"`
	// Properties are the values of the Spec's custom properties.
	Properties map[string]string `json:"properties,omitempty"`
	// Secrets reads the secret fields. It is set only inside an activity,
	// from the credential store; it is nil everywhere else, so a secret can
	// reach neither a workflow history nor an API answer.
	Secrets Secrets `json:"-"`
}

// Secrets reads a connection's secret values by field name.
type Secrets interface {
	Secret(name string) (string, bool)
}

// SecretValues is Secrets over a map, for activities that have resolved
// the values and for tests. Printing it never shows a value.
type SecretValues map[string]string

var (
	_ Secrets        = SecretValues(nil)
	_ fmt.Formatter  = SecretValues(nil)
	_ slog.LogValuer = SecretValues(nil)
	_ json.Marshaler = SecretValues(nil)
)

// Secret returns the value of the named secret.
func (s SecretValues) Secret(name string) (string, bool) {
	v, ok := s[name]
	return v, ok
}

// Format prints only how many secrets there are, under every verb.
func (s SecretValues) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, redactedCount(len(s))) }

// LogValue keeps values out of slog records.
func (s SecretValues) LogValue() slog.Value { return slog.StringValue(redactedCount(len(s))) }

// MarshalJSON writes each name with a redacted value.
func (s SecretValues) MarshalJSON() ([]byte, error) { return redactedJSON(s) }

// EnvVars holds the environment variables of an app version, secret ones
// included. Printing it never shows a value.
type EnvVars map[string]string

var (
	_ fmt.Formatter  = EnvVars(nil)
	_ slog.LogValuer = EnvVars(nil)
	_ json.Marshaler = EnvVars(nil)
)

// Get returns the variable's value, "" when unset.
func (e EnvVars) Get(name string) string { return e[name] }

// Format prints only how many variables there are, under every verb.
func (e EnvVars) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, redactedCount(len(e))) }

// LogValue keeps values out of slog records.
func (e EnvVars) LogValue() slog.Value { return slog.StringValue(redactedCount(len(e))) }

// MarshalJSON writes each name with a redacted value.
func (e EnvVars) MarshalJSON() ([]byte, error) { return redactedJSON(e) }

func redactedCount(n int) string { return "[" + strconv.Itoa(n) + " redacted]" }

func redactedJSON(m map[string]string) ([]byte, error) {
	out := make(map[string]string, len(m))
	for k := range m {
		out[k] = "[redacted]"
	}
	return json.Marshal(out)
}

// Static is a Connector made of fixed values; New builds it.
type Static struct {
	spec     Spec
	actions  []Action
	webhooks []Webhook
	check    func(ctx context.Context, call Call) error // see WithCheck
	pollers  []Poller
}

var _ WebhookConnector = (*Static)(nil)

// New assembles a connector version from its spec and the actions that
// implement it. When spec.Actions is empty it is filled from the actions'
// own specs, so each action is declared once, beside its code. New does no
// checking: Register does.
func New(spec Spec, actions ...Action) *Static {
	if len(spec.Actions) == 0 {
		for _, a := range actions {
			spec.Actions = append(spec.Actions, a.Spec())
		}
	}
	return &Static{spec: spec, actions: actions}
}

// Spec returns the declaration.
func (s *Static) Spec() Spec { return s.spec }

// Actions returns the implementations.
func (s *Static) Actions() []Action { return s.actions }

// Func is an action whose input and output are Go types; see NewAction.
type Func[In, Out any] struct {
	spec ActionSpec
	run  func(ctx context.Context, call Call, in In) (Out, error)
}

var (
	_ Action = (*Func[struct{}, struct{}])(nil)
	_ Typed  = (*Func[struct{}, struct{}])(nil)
)

// NewAction makes an action from a function of Go types. The spec's Input
// and Output, when nil, are derived from In and Out (see SchemaOf); if a
// type has no schema they stay nil and Register reports why. Run checks the
// input against the schema and decodes it into In before calling run, so
// run only ever sees input that matches its declaration; a mismatch is a
// BadRequest *Error.
func NewAction[In, Out any](spec ActionSpec, run func(ctx context.Context, call Call, in In) (Out, error)) *Func[In, Out] {
	if spec.Input == nil {
		spec.Input, _ = SchemaFor[In]()
	}
	if spec.Output == nil {
		spec.Output, _ = SchemaFor[Out]()
	}
	return &Func[In, Out]{spec: spec, run: run}
}

// Spec returns the declaration.
func (f *Func[In, Out]) Spec() ActionSpec { return f.spec }

// Types returns In and Out.
func (f *Func[In, Out]) Types() (input, output reflect.Type) {
	return reflect.TypeFor[In](), reflect.TypeFor[Out]()
}

// Run validates and decodes the input, then runs the action.
func (f *Func[In, Out]) Run(ctx context.Context, call Call) (any, error) {
	in, err := f.Decode(call.Input)
	if err != nil {
		return nil, err
	}
	return f.run(ctx, call, in)
}

// Decode checks raw input against the declared Input schema and decodes
// it, as Run does; a mismatch is a BadRequest *Error naming every problem.
func (f *Func[In, Out]) Decode(raw json.RawMessage) (In, error) {
	var in In
	if len(bytes.TrimSpace(raw)) == 0 {
		raw = json.RawMessage("{}")
	}
	if err := f.spec.Input.Validate(raw); err != nil {
		return in, Errorf(BadRequest, "input of %s: %v", f.spec.ID, err)
	}
	if err := json.Unmarshal(raw, &in); err != nil {
		return in, Errorf(BadRequest, "input of %s: %v", f.spec.ID, err)
	}
	return in, nil
}
