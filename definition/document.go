package definition

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Where a polling trigger's first poll starts (Document.PollFrom).
const (
	PollFromOldest = "oldest"
	PollFromNow    = "now"
)

// MinPollInterval is the shortest interval a polling trigger is polled at
// (Document.PollInterval, and an app's own default).
const MinPollInterval = time.Minute

// Trigger and status values (8x8).
const (
	TriggerHTTPRequest     = "http_request"
	TriggerInboundSMS      = "inbound_sms"
	TriggerInboundChatApps = "inbound_chat_apps"
	// An app's trigger is "<app>.<trigger>", e.g. "shopify.orders_create" (see IsAppTrigger); its
	// definitions name the connection whose events they take in Document.TriggerConnection.

	StatusEnabled  = "enabled"
	StatusDisabled = "disabled"
)

// Step types known from the 8x8 documentation and Junction's extensions, in their canonical
// spelling. Validate accepts all of them; IsSupportedStepType says which ones the interpreter
// runs (VoiceMessage, WaitForDTMF and SendToConverse validate, so 8x8 definitions using them can be
// stored, but fail at run time until a connector provides them).
const (
	StepHTTPRequest     = "HttpRequest"
	StepSMS             = "SMS"
	StepChatAppsMessage = "ChatAppsMessage"
	StepWait            = "Wait"
	StepBranch          = "Branch"
	StepIf              = "If"
	StepWaitForReply    = "WaitForReply"
	StepVoiceMessage    = "VoiceMessage"
	StepWaitForDTMF     = "WaitForDTMF"
	StepSendToConverse  = "SendToConverse"

	// Junction extensions.
	StepForEach      = "ForEach"
	StepParallel     = "Parallel"
	StepSetVariables = "SetVariables"
	// StepWebhook sends a webhook with EddyDesk's semantics (issue 14).
	StepWebhook = "Webhook"
	// StepRespond answers the request that started the run, for a caller
	// who waits for it (issue 15).
	StepRespond = "Respond"
	// StepSetState writes values into a state (issue 15).
	StepSetState = "SetState"
	// StepReply answers the message that started the run, in its
	// conversation and through its channel (issue 15).
	StepReply = "Reply"
)

// stepTypes maps the lower-case spelling of every known step type to its specification.
var stepTypes = func() map[string]*stepSpec {
	m := map[string]*stepSpec{}
	for _, spec := range stepSpecs {
		m[strings.ToLower(spec.Type)] = spec
	}
	return m
}()

// HasStepType reports whether steps, or a block nested in one of them, hold
// a step of type stepType (matched as Validate matches it, in any case).
func HasStepType(steps []Step, stepType string) bool {
	for _, s := range steps {
		if strings.EqualFold(s.StepType, stepType) {
			return true
		}
		for _, block := range s.Do {
			if HasStepType(block, stepType) {
				return true
			}
		}
	}
	return false
}

// CanonicalStepType returns the canonical spelling of a known step type, matched
// case-insensitively (8x8 examples contain "branch" as well as "Branch"), or "" if the type is
// unknown. A connector action ("shopify.update_order") is returned unchanged.
func CanonicalStepType(stepType string) string {
	if spec := stepTypes[strings.ToLower(stepType)]; spec != nil {
		return spec.Type
	}
	if IsConnectorAction(stepType) {
		return stepType
	}
	return ""
}

// IsSupportedStepType reports whether the interpreter runs steps of this type (matched
// case-insensitively). Connector actions are not supported until connectors exist.
func IsSupportedStepType(stepType string) bool {
	spec := stepTypes[strings.ToLower(stepType)]
	return spec != nil && spec.Supported
}

// IsConnectorAction reports whether stepType names a connector action: a lower-case app id, a
// dot and a lower-case action name, such as "shopify.update_order".
func IsConnectorAction(stepType string) bool {
	app, action, ok := strings.Cut(stepType, ".")
	return ok && lowerIdent(app) && lowerIdent(action)
}

// IsAppTrigger reports whether trigger names an app's trigger, "<app>.<trigger>" in lower case,
// such as "shopify.orders_create"; AppTrigger splits it.
func IsAppTrigger(trigger string) bool { return IsConnectorAction(trigger) }

// AppTrigger splits an app trigger into its app and trigger ids.
func AppTrigger(trigger string) (app, id string, ok bool) { return ConnectorAction(trigger) }

// ConnectorAction splits a connector-action step type into its app and action.
func ConnectorAction(stepType string) (app, action string, ok bool) {
	if !IsConnectorAction(stepType) {
		return "", "", false
	}
	app, action, _ = strings.Cut(stepType, ".")
	return app, action, true
}

// lowerIdent reports whether s is a lower-case identifier: [a-z][a-z0-9_]*.
func lowerIdent(s string) bool {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return false
	}
	for i := 1; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// Document is a definition as a client sends it (8x8 definitionInput) and as the API returns it.
type Document struct {
	AccountID    string   `json:"accountId,omitempty"`    // set by server on output; ignored on input
	SubAccountID string   `json:"subAccountId,omitempty"` // input also accepts the spelling "subaccountId"
	Trigger      string   `json:"trigger"`
	Status       string   `json:"status"` // default "disabled" when absent
	Definition   Workflow `json:"definition"`
	// Conditions (a Junction extension) are boolean {{ }} expressions over the trigger's data;
	// an event starts a run only when every one is true.
	Conditions []string `json:"conditions,omitempty"`
	// TriggerConnection (a Junction extension) is the connection whose events start runs: required
	// with an app trigger ("shopify.orders_create"), refused with the others.
	TriggerConnection string `json:"triggerConnection,omitempty"`
	// PollFrom (a Junction extension) says where a polling trigger's first poll starts:
	// PollFromOldest runs the items the app already lists (a backfill), PollFromNow only those
	// that appear after it, as n8n's and Zapier's polling triggers do. Empty is the trigger's
	// default: oldest for the built-in connectors' triggers, now for those of declarative apps.
	PollFrom string `json:"pollFrom,omitempty"`
	// PollInterval (a Junction extension) is how often a polling trigger is polled, a duration
	// (ParseDuration) of at least MinPollInterval; empty is the trigger's default interval.
	PollInterval string `json:"pollInterval,omitempty"`
	// Apps (a Junction extension) pins the connector versions the steps and trigger use, by
	// connector id: {"shopify": "1.0.0"}. When the definition is saved, every app it uses that is
	// not named gets the latest stable version, and the stored document names them all; runs of
	// this version then call exactly these connector versions.
	Apps map[string]string `json:"apps,omitempty"`
	// States (a Junction extension) declares, per scope (StateScopes), the JSON schema its state
	// keeps to and how long it lasts: a SetState step that would break the schema fails, and its
	// write is not made.
	States map[string]StateDeclaration `json:"states,omitempty"`
	// Output-only mirrors of the schema form (set by server).
	ID        string `json:"id,omitempty"`
	Version   int    `json:"version,omitempty"`
	CreatedAt string `json:"createdAt,omitempty"`
	// AppSubscription (set by server) is the state of the definition's app
	// subscription, when its trigger has one.
	AppSubscription *AppSubscription `json:"appSubscription,omitempty"`
}

// Workflow is the definition proper: a name and the steps. The first step is the entry point;
// execution then follows nextStepId and selectNextStep.
type Workflow struct {
	ID      string `json:"id,omitempty"` // ignored on input (server assigns)
	Name    string `json:"name"`
	Version int    `json:"version,omitempty"` // ignored on input
	Steps   []Step `json:"steps"`
}

// Step is one step of a workflow. Every string in Inputs, Outputs and SelectNextStep values may
// contain {{ }} expressions.
type Step struct {
	ID             string             `json:"id"`
	StepType       string             `json:"stepType"`
	Inputs         map[string]any     `json:"inputs,omitempty"`
	Outputs        map[string]any     `json:"outputs,omitempty"`
	NextStepID     string             `json:"nextStepId,omitempty"` // null accepted on input
	SelectNextStep map[string]*string `json:"selectNextStep,omitempty"`
	Do             [][]Step           `json:"do,omitempty"`

	// Junction extensions.

	// Connection names the connection a connector-action step (stepType "app.action") uses.
	Connection string `json:"connection,omitempty"`
	// Retry overrides the step's default retry policy.
	Retry *RetryPolicy `json:"retry,omitempty"`
	// Timeout bounds one attempt of the step (a Go duration such as "30s" or 8x8's d.HH:mm:ss).
	Timeout string `json:"timeout,omitempty"`
	// OnError says what a step failure does once its retries are spent; nil means fail the run.
	OnError *OnError `json:"onError,omitempty"`
}

// RetryPolicy is a Temporal retry policy in definition form. Durations are Go durations
// ("1s", "30m") or 8x8's d.HH:mm:ss.
type RetryPolicy struct {
	InitialInterval        string   `json:"initialInterval,omitempty"`
	BackoffCoefficient     float64  `json:"backoffCoefficient,omitempty"`
	MaximumInterval        string   `json:"maximumInterval,omitempty"`
	MaximumAttempts        int      `json:"maximumAttempts,omitempty"`
	Expiration             string   `json:"expiration,omitempty"` // overall budget across attempts
	NonRetryableErrorTypes []string `json:"nonRetryableErrorTypes,omitempty"`
}

// OnError actions.
const (
	OnErrorFail     = "fail"
	OnErrorContinue = "continue"
	OnErrorGoTo     = "goto"
)

// OnError routes a failed step: fail the run (the default), continue with the step's normal next
// step, or go to NextStepID. The error is saved in the step's result as error.
type OnError struct {
	Action     string `json:"action"`
	NextStepID string `json:"nextStepId,omitempty"`
}

// Problem codes. Every FieldError has one; they are stable, so clients can branch on them while
// the messages are written for people and may change.
const (
	CodeRequired          = "required"           // a required value is missing or empty
	CodeInvalidType       = "invalid_type"       // a JSON value of the wrong type
	CodeInvalidValue      = "invalid_value"      // a value out of range, of a bad format, or not one of the allowed values
	CodeNotAllowed        = "not_allowed"        // a field that this step type does not take
	CodeUnknownStepType   = "unknown_step_type"  // stepType is neither a known type nor app.action
	CodeNotSupported      = "not_supported"      // a feature that exists but is not available here
	CodeDuplicateID       = "duplicate_id"       // two steps with the same id
	CodeDanglingReference = "dangling_reference" // a reference to a step id that does not exist
	CodeInvalidReference  = "invalid_reference"  // a reference to a step in another block
	CodeUnreachableStep   = "unreachable_step"   // no path from the entry step leads to this step
	CodeConflict          = "conflict"           // fields that cannot be used together
	CodeDeprecated        = "deprecated"         // a connector version deprecated (a warning) or past its deprecation date
	CodeExpressionSyntax  = "expression_syntax"  // a {{ }} template or expression that does not compile
	CodeUnknownFunction   = "unknown_function"   // an expression calls a function that does not exist
	CodeUnknownVariable   = "unknown_variable"   // an expression reads a variable that does not exist
	CodeLimitExceeded     = "limit_exceeded"     // an expression longer or larger than the limits
	CodeEvaluation        = "evaluation_error"   // an expression failed at run time (ExprError only)
)

// FieldError names one problem by JSON path, e.g. "definition.steps[1].inputs.url", with a
// stable code (one of the Code constants) and a message a person understands.
type FieldError struct {
	Path    string `json:"path"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

func (e FieldError) Error() string {
	if e.Path == "" {
		return e.Message
	}
	return e.Path + ": " + e.Message
}

// ValidationError lists every problem found (not just the first); Error() gives a readable
// one-line summary starting with the first path, e.g.
// `definition.name: is required (and 2 more problems)`.
type ValidationError struct {
	Errors []FieldError
}

func (e *ValidationError) Error() string {
	switch len(e.Errors) {
	case 0:
		return "invalid definition"
	case 1:
		return e.Errors[0].Error()
	case 2:
		return e.Errors[0].Error() + " (and 1 more problem)"
	}
	return fmt.Sprintf("%s (and %d more problems)", e.Errors[0].Error(), len(e.Errors)-1)
}

// Has reports whether one of the problems is at path with the given message; the gateway uses it
// to map problems to 8x8 error codes (e.g. "definition.name", "is required" to 5001).
func (e *ValidationError) Has(path, message string) bool {
	for _, fe := range e.Errors {
		if fe.Path == path && fe.Message == message {
			return true
		}
	}
	return false
}

// HasCode reports whether one of the problems is at path with the given code.
func (e *ValidationError) HasCode(path, code string) bool {
	for _, fe := range e.Errors {
		if fe.Path == path && fe.Code == code {
			return true
		}
	}
	return false
}

// ErrMalformed is wrapped by the error Parse returns when its input is not JSON.
var ErrMalformed = errors.New("malformed JSON")

// Messages shared by decoding and validation.
const (
	msgRequired = "is required"
)

// Parse decodes and validates a definition document. Syntax errors wrap ErrMalformed and say where
// (byte offset / line). Type mismatches (e.g. steps is a string) and semantic problems return
// *ValidationError. Unknown top-level fields are ignored (8x8 clients send extra fields such as
// accountId).
//
// Fields the server owns (accountId, id, version, createdAt, definition.id, definition.version)
// are ignored; status defaults to "disabled"; step types are returned in their canonical
// spelling.
func Parse(data []byte) (*Document, error) {
	var raw any
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, malformed(data, err)
	}
	var d decoder
	doc := d.document(raw)
	errs := d.errs
	for _, fe := range doc.validate() {
		if !d.covers(fe.Path) {
			errs = append(errs, fe)
		}
	}
	if len(errs) > 0 {
		sortErrors(errs)
		return nil, &ValidationError{Errors: errs}
	}
	return doc, nil
}

func malformed(data []byte, err error) error {
	var se *json.SyntaxError
	if !errors.As(err, &se) {
		return fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	// Offset counts the bytes read, the offending one included; at the end of the input there is
	// no offending byte.
	pos := min(int(se.Offset), len(data))
	if pos > 0 && pos <= len(data) && se.Error() != "unexpected end of JSON input" {
		pos--
	}
	line, col := 1, 1
	for _, c := range data[:pos] {
		if c == '\n' {
			line++
			col = 1
		} else {
			col++
		}
	}
	return fmt.Errorf("%w: %s at line %d, column %d (byte offset %d)", ErrMalformed, se.Error(), line, col, pos)
}

// decoder turns the generic JSON tree into a Document, collecting a FieldError for every value
// of the wrong type and for required values that are missing.
type decoder struct {
	errs  []FieldError
	count int // steps decoded so far
}

// Limits on the shape of a definition.
const (
	// MaxSteps is the most steps a definition may have, nested ones included.
	MaxSteps = 1000
	// MaxNesting is how deep do blocks may be nested.
	MaxNesting = 16
)

func (d *decoder) fail(path, msg string) {
	d.failCode(path, CodeInvalidType, msg)
}

func (d *decoder) failCode(path, code, msg string) {
	d.errs = append(d.errs, FieldError{Path: path, Code: code, Message: msg})
}

// covers reports whether a decoding error was already reported at path or at a parent of it, so
// that validation does not report the same value twice.
func (d *decoder) covers(path string) bool {
	for _, fe := range d.errs {
		p := fe.Path
		if p == "" || path == p || strings.HasPrefix(path, p+".") || strings.HasPrefix(path, p+"[") {
			return true
		}
	}
	return false
}

// str reads an optional string; null counts as absent.
func (d *decoder) str(obj map[string]any, key, path string) (string, bool) {
	v, ok := obj[key]
	if !ok || v == nil {
		return "", false
	}
	s, ok := v.(string)
	if !ok {
		d.fail(path, "must be a string")
		return "", false
	}
	return s, true
}

// object reads an optional object; null counts as absent.
func (d *decoder) object(obj map[string]any, key, path string) (map[string]any, bool) {
	v, ok := obj[key]
	if !ok || v == nil {
		return nil, false
	}
	m, ok := v.(map[string]any)
	if !ok {
		d.fail(path, "must be an object")
		return nil, false
	}
	return m, true
}

// array reads an optional array; null counts as absent.
func (d *decoder) array(obj map[string]any, key, path string) ([]any, bool) {
	v, ok := obj[key]
	if !ok || v == nil {
		return nil, false
	}
	a, ok := v.([]any)
	if !ok {
		d.fail(path, "must be an array")
		return nil, false
	}
	return a, true
}

func (d *decoder) document(raw any) *Document {
	doc := &Document{Status: StatusDisabled}
	root, ok := raw.(map[string]any)
	if !ok {
		d.fail("", "must be a JSON object")
		return doc
	}
	subKey := "subAccountId"
	if root[subKey] == nil && root["subaccountId"] != nil {
		subKey = "subaccountId" // the spelling of the 8x8 OpenAPI examples
	}
	doc.SubAccountID, _ = d.str(root, subKey, subKey)
	doc.Trigger, _ = d.str(root, "trigger", "trigger")
	if s, ok := d.str(root, "status", "status"); ok {
		doc.Status = s
	}
	doc.TriggerConnection, _ = d.str(root, "triggerConnection", "triggerConnection")
	doc.PollFrom, _ = d.str(root, "pollFrom", "pollFrom")
	doc.PollInterval, _ = d.str(root, "pollInterval", "pollInterval")
	if conds, ok := d.array(root, "conditions", "conditions"); ok {
		doc.Conditions = make([]string, 0, len(conds))
		for i, c := range conds {
			cs, isString := c.(string)
			if !isString {
				d.fail(pathIndex("conditions", i), "must be a string")
			}
			doc.Conditions = append(doc.Conditions, cs)
		}
	}
	doc.Apps = d.apps(root)
	doc.States = d.states(root)
	def, ok := d.object(root, "definition", "definition")
	if !ok {
		if !d.covers("definition") {
			d.failCode("definition", CodeRequired, msgRequired)
		}
		return doc
	}
	doc.Definition.Name, _ = d.str(def, "name", "definition.name")
	if steps, ok := d.array(def, "steps", "definition.steps"); ok {
		doc.Definition.Steps = d.steps(steps, "definition.steps", 0)
	}
	return doc
}

func (d *decoder) steps(raw []any, path string, depth int) []Step {
	steps := make([]Step, len(raw))
	for i, r := range raw {
		p := pathIndex(path, i)
		obj, ok := r.(map[string]any)
		if !ok {
			d.fail(p, "must be an object")
			continue
		}
		d.count++
		if d.count == MaxSteps+1 {
			d.failCode(p, CodeLimitExceeded, fmt.Sprintf("a definition may have at most %d steps, nested ones included", MaxSteps))
		}
		if d.count > MaxSteps {
			return steps[:i]
		}
		steps[i] = d.step(obj, p, depth)
	}
	return steps
}

func (d *decoder) step(obj map[string]any, path string, depth int) Step {
	var s Step
	s.ID, _ = d.str(obj, "id", PathKey(path, "id"))
	s.StepType, _ = d.str(obj, "stepType", PathKey(path, "stepType"))
	if c := CanonicalStepType(s.StepType); c != "" {
		s.StepType = c
	}
	s.Inputs, _ = d.object(obj, "inputs", PathKey(path, "inputs"))
	s.Outputs, _ = d.object(obj, "outputs", PathKey(path, "outputs"))
	s.NextStepID, _ = d.str(obj, "nextStepId", PathKey(path, "nextStepId"))
	if sel, ok := d.object(obj, "selectNextStep", PathKey(path, "selectNextStep")); ok {
		s.SelectNextStep = make(map[string]*string, len(sel))
		for _, k := range sortedKeys(sel) {
			switch v := sel[k].(type) {
			case nil:
				s.SelectNextStep[k] = nil
			case string:
				s.SelectNextStep[k] = &v
			default:
				d.fail(PathKey(PathKey(path, "selectNextStep"), k), "must be a string or null")
			}
		}
	}
	s.Connection, _ = d.str(obj, "connection", PathKey(path, "connection"))
	s.Timeout, _ = d.str(obj, "timeout", PathKey(path, "timeout"))
	if r, ok := d.object(obj, "retry", PathKey(path, "retry")); ok {
		s.Retry = d.retry(r, PathKey(path, "retry"))
	}
	if oe, ok := d.object(obj, "onError", PathKey(path, "onError")); ok {
		s.OnError = &OnError{}
		s.OnError.Action, _ = d.str(oe, "action", PathKey(PathKey(path, "onError"), "action"))
		if a := strings.ToLower(s.OnError.Action); a == OnErrorFail || a == OnErrorContinue || a == OnErrorGoTo {
			s.OnError.Action = a
		}
		s.OnError.NextStepID, _ = d.str(oe, "nextStepId", PathKey(PathKey(path, "onError"), "nextStepId"))
	}
	if blocks, ok := d.array(obj, "do", PathKey(path, "do")); ok && depth >= MaxNesting && len(blocks) > 0 {
		d.failCode(PathKey(path, "do"), CodeLimitExceeded, fmt.Sprintf("do blocks may be nested at most %d deep", MaxNesting))
	} else if ok {
		s.Do = make([][]Step, len(blocks))
		for j, b := range blocks {
			p := pathIndex(PathKey(path, "do"), j)
			arr, ok := b.([]any)
			if !ok {
				d.fail(p, "must be an array of steps")
				continue
			}
			s.Do[j] = d.steps(arr, p, depth+1)
		}
	}
	return s
}

func (d *decoder) retry(obj map[string]any, path string) *RetryPolicy {
	r := &RetryPolicy{}
	r.InitialInterval, _ = d.str(obj, "initialInterval", PathKey(path, "initialInterval"))
	r.MaximumInterval, _ = d.str(obj, "maximumInterval", PathKey(path, "maximumInterval"))
	r.Expiration, _ = d.str(obj, "expiration", PathKey(path, "expiration"))
	if v, ok := obj["backoffCoefficient"]; ok && v != nil {
		p := PathKey(path, "backoffCoefficient")
		f, isNumber := v.(float64)
		switch {
		case !isNumber:
			d.fail(p, "must be a number")
		case f < 1:
			d.failCode(p, CodeInvalidValue, "must be at least 1")
		default:
			r.BackoffCoefficient = f
		}
	}
	if v, ok := obj["maximumAttempts"]; ok && v != nil {
		p := PathKey(path, "maximumAttempts")
		f, isNumber := v.(float64)
		switch {
		case !isNumber || f != math.Trunc(f):
			d.fail(p, "must be an integer")
		case f < 0 || f > math.MaxInt32:
			d.failCode(p, CodeInvalidValue, fmt.Sprintf("must be from 0 (the default, 15) to %d", math.MaxInt32))
		default:
			r.MaximumAttempts = int(f)
		}
	}
	if types, ok := d.array(obj, "nonRetryableErrorTypes", PathKey(path, "nonRetryableErrorTypes")); ok {
		for i, t := range types {
			ts, isString := t.(string)
			if !isString {
				d.fail(pathIndex(PathKey(path, "nonRetryableErrorTypes"), i), "must be a string")
				continue
			}
			r.NonRetryableErrorTypes = append(r.NonRetryableErrorTypes, ts)
		}
	}
	return r
}

// pathKey appends an object key to a JSON path: a.b, or a["b c"] when the key is not a plain
// name.
// PathKey is key's path below base in the form every problem is reported
// in: base.key, or base["a b"] for a key that is not a plain name. Other
// packages that report problems inside a definition (a connector's input
// checks) write their paths with it.
func PathKey(base, key string) string {
	if !plainKey(key) {
		q, _ := json.Marshal(key)
		return base + "[" + string(q) + "]"
	}
	if base == "" {
		return key
	}
	return base + "." + key
}

func plainKey(key string) bool {
	if key == "" {
		return false
	}
	for _, c := range key {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '$') {
			return false
		}
	}
	return true
}

// pathIndex appends an array index to a JSON path.
func pathIndex(base string, i int) string {
	return base + "[" + strconv.Itoa(i) + "]"
}

// fieldOrder is the order in which problems with these keys are listed, so that a step's
// problems read in the order its fields are usually written. Other keys follow, sorted.
var fieldOrder = map[string]int{
	"subAccountId": 1, "subaccountId": 2, "trigger": 3, "status": 4, "definition": 5,
	"name": 6, "steps": 7,
	"id": 8, "stepType": 9, "connection": 10, "inputs": 11, "outputs": 12, "nextStepId": 13, "selectNextStep": 14,
	"do": 15, "retry": 16, "timeout": 17, "onError": 18,
	"url": 20, "method": 21, "headers": 22, "parameters": 23, "body": 24, "timeoutSeconds": 25,
	"action": 26, "initialInterval": 27, "backoffCoefficient": 28, "maximumInterval": 29, "maximumAttempts": 30,
	"expiration": 31, "nonRetryableErrorTypes": 32, "conditions": 33,
}

// sortErrors orders problems as their paths appear in a document: parents before children,
// array elements by index, keys by fieldOrder. Problems at the same path keep their order.
func sortErrors(errs []FieldError) {
	type keyed struct {
		segs []string
		fe   FieldError
	}
	ks := make([]keyed, len(errs))
	for i, fe := range errs {
		ks[i] = keyed{pathSegments(fe.Path), fe}
	}
	slices.SortStableFunc(ks, func(a, b keyed) int { return comparePaths(a.segs, b.segs) })
	for i := range ks {
		errs[i] = ks[i].fe
	}
}

func comparePaths(a, b []string) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		if c := compareSegments(a[i], b[i]); c != 0 {
			return c
		}
	}
	return cmp.Compare(len(a), len(b))
}

func compareSegments(a, b string) int {
	ai, aIndex := strings.CutPrefix(a, "#")
	bi, bIndex := strings.CutPrefix(b, "#")
	switch {
	case aIndex && bIndex:
		x, _ := strconv.Atoi(ai)
		y, _ := strconv.Atoi(bi)
		return cmp.Compare(x, y)
	case aIndex != bIndex:
		// An index sorts before a key; both at once only happen in odd Go-built documents.
		if aIndex {
			return -1
		}
		return 1
	}
	oa, oka := fieldOrder[a]
	ob, okb := fieldOrder[b]
	switch {
	case oka && okb:
		return cmp.Compare(oa, ob)
	case oka:
		return -1
	case okb:
		return 1
	}
	return strings.Compare(a, b)
}

// pathSegments splits a path made by pathKey and pathIndex into keys and indexes; indexes are
// returned as "#n".
func pathSegments(p string) []string {
	var segs []string
	for p != "" {
		switch p[0] {
		case '.':
			p = p[1:]
		case '[':
			end := strings.IndexByte(p, ']')
			if p[1] == '"' {
				// A quoted key: find the closing quote, then the bracket.
				var key string
				dec := json.NewDecoder(strings.NewReader(p[1:]))
				if err := dec.Decode(&key); err == nil {
					segs = append(segs, key)
					p = p[1+int(dec.InputOffset()):]
					p = strings.TrimPrefix(p, "]")
					continue
				}
			}
			if end < 0 {
				return append(segs, p)
			}
			segs = append(segs, "#"+p[1:end])
			p = p[end+1:]
		default:
			end := strings.IndexAny(p, ".[")
			if end < 0 {
				end = len(p)
			}
			segs = append(segs, p[:end])
			p = p[end:]
		}
	}
	return segs
}
