package definition

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Trigger and status values (8x8).
const (
	TriggerHTTPRequest     = "http_request"
	TriggerInboundSMS      = "inbound_sms"
	TriggerInboundChatApps = "inbound_chat_apps"

	StatusEnabled  = "enabled"
	StatusDisabled = "disabled"
)

// Step types known from the 8x8 documentation, in their canonical spelling. Only
// StepHTTPRequest is supported so far; Validate rejects the others as not supported yet.
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
)

// stepTypes maps the lower-case spelling of every known step type to its canonical spelling and
// whether it is supported.
var stepTypes = func() map[string]stepTypeInfo {
	m := map[string]stepTypeInfo{}
	for _, t := range []string{StepHTTPRequest, StepSMS, StepChatAppsMessage, StepWait, StepBranch,
		StepIf, StepWaitForReply, StepVoiceMessage, StepWaitForDTMF, StepSendToConverse} {
		m[strings.ToLower(t)] = stepTypeInfo{name: t, supported: t == StepHTTPRequest}
	}
	return m
}()

type stepTypeInfo struct {
	name      string
	supported bool
}

// CanonicalStepType returns the canonical spelling of a known step type, matched
// case-insensitively (8x8 examples contain "branch" as well as "Branch"), or "" if the type is
// unknown.
func CanonicalStepType(stepType string) string {
	return stepTypes[strings.ToLower(stepType)].name
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
	// Output-only mirrors of the schema form (set by server).
	ID        string `json:"id,omitempty"`
	Version   int    `json:"version,omitempty"`
	CreatedAt string `json:"createdAt,omitempty"`
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

// FieldError names one problem by JSON path, e.g. "definition.steps[1].inputs.url".
type FieldError struct {
	Path    string `json:"path"`
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
	errs []FieldError
}

func (d *decoder) fail(path, msg string) {
	d.errs = append(d.errs, FieldError{Path: path, Message: msg})
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
	def, ok := d.object(root, "definition", "definition")
	if !ok {
		if !d.covers("definition") {
			d.fail("definition", msgRequired)
		}
		return doc
	}
	doc.Definition.Name, _ = d.str(def, "name", "definition.name")
	if steps, ok := d.array(def, "steps", "definition.steps"); ok {
		doc.Definition.Steps = d.steps(steps, "definition.steps")
	}
	return doc
}

func (d *decoder) steps(raw []any, path string) []Step {
	steps := make([]Step, len(raw))
	for i, r := range raw {
		p := pathIndex(path, i)
		obj, ok := r.(map[string]any)
		if !ok {
			d.fail(p, "must be an object")
			continue
		}
		steps[i] = d.step(obj, p)
	}
	return steps
}

func (d *decoder) step(obj map[string]any, path string) Step {
	var s Step
	s.ID, _ = d.str(obj, "id", pathKey(path, "id"))
	s.StepType, _ = d.str(obj, "stepType", pathKey(path, "stepType"))
	if c := CanonicalStepType(s.StepType); c != "" {
		s.StepType = c
	}
	s.Inputs, _ = d.object(obj, "inputs", pathKey(path, "inputs"))
	s.Outputs, _ = d.object(obj, "outputs", pathKey(path, "outputs"))
	s.NextStepID, _ = d.str(obj, "nextStepId", pathKey(path, "nextStepId"))
	if sel, ok := d.object(obj, "selectNextStep", pathKey(path, "selectNextStep")); ok {
		s.SelectNextStep = make(map[string]*string, len(sel))
		for _, k := range sortedKeys(sel) {
			switch v := sel[k].(type) {
			case nil:
				s.SelectNextStep[k] = nil
			case string:
				s.SelectNextStep[k] = &v
			default:
				d.fail(pathKey(pathKey(path, "selectNextStep"), k), "must be a string or null")
			}
		}
	}
	if blocks, ok := d.array(obj, "do", pathKey(path, "do")); ok {
		s.Do = make([][]Step, len(blocks))
		for j, b := range blocks {
			p := pathIndex(pathKey(path, "do"), j)
			arr, ok := b.([]any)
			if !ok {
				d.fail(p, "must be an array of steps")
				continue
			}
			s.Do[j] = d.steps(arr, p)
		}
	}
	return s
}

// pathKey appends an object key to a JSON path: a.b, or a["b c"] when the key is not a plain
// name.
func pathKey(base, key string) string {
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
	"id": 8, "stepType": 9, "inputs": 10, "outputs": 11, "nextStepId": 12, "selectNextStep": 13, "do": 14,
	"url": 15, "method": 16, "headers": 17, "parameters": 18, "body": 19, "timeoutSeconds": 20,
}

// sortErrors orders problems as their paths appear in a document: parents before children,
// array elements by index, keys by fieldOrder. Problems at the same path keep their order.
func sortErrors(errs []FieldError) {
	slices.SortStableFunc(errs, func(a, b FieldError) int {
		return comparePaths(pathSegments(a.Path), pathSegments(b.Path))
	})
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
