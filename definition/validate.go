package definition

import (
	"fmt"
	"math"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"time"

	"golang.org/x/net/http/httpguts"
)

// HTTP methods an HttpRequest step may use.
var httpMethods = []string{"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"}

// HttpRequest timeoutSeconds bounds.
const (
	MinHTTPTimeoutSeconds = 1
	MaxHTTPTimeoutSeconds = 300
)

// Validate checks a decoded document and compiles every {{ }} expression once (so syntax errors in
// expressions are reported with their path at create time). It returns nil or a
// *ValidationError listing every problem, each with a path, a code and a message. It does not
// modify d: step types are accepted in any case, and an empty status counts as the default,
// "disabled".
func (d *Document) Validate() error {
	if errs := d.validate(); len(errs) > 0 {
		sortErrors(errs)
		return &ValidationError{Errors: errs}
	}
	return nil
}

type validator struct {
	errs []FieldError
	ids  map[string]string // step id -> path of the step that declared it first
	// envAllowed is set while checking inputs that may hold {{env.NAME}}.
	envAllowed bool
}

func (v *validator) fail(path, code, format string, args ...any) {
	msg := format
	if len(args) > 0 {
		msg = fmt.Sprintf(format, args...)
	}
	v.errs = append(v.errs, FieldError{Path: path, Code: code, Message: msg})
}

func (d *Document) validate() []FieldError {
	v := &validator{ids: map[string]string{}}
	switch {
	case d.Trigger == TriggerHTTPRequest || d.Trigger == TriggerInboundSMS || d.Trigger == TriggerInboundChatApps:
	case d.Trigger == "":
		v.fail("trigger", CodeRequired, msgRequired)
	case IsAppTrigger(d.Trigger):
		if strings.TrimSpace(d.TriggerConnection) == "" {
			v.fail("triggerConnection", CodeRequired, "is required with an app trigger: the connection whose %s events start runs", d.Trigger)
		}
	default:
		v.fail("trigger", CodeInvalidValue, "must be one of %q, %q, %q or an app's trigger such as \"shopify.orders_create\", not %q",
			TriggerHTTPRequest, TriggerInboundSMS, TriggerInboundChatApps, d.Trigger)
	}
	if d.TriggerConnection != "" && !IsAppTrigger(d.Trigger) {
		v.fail("triggerConnection", CodeInvalidValue, "goes only with an app trigger (\"<app>.<trigger>\"), not %q", d.Trigger)
	}
	switch {
	case d.PollFrom != "" && d.PollFrom != PollFromOldest && d.PollFrom != PollFromNow:
		v.fail("pollFrom", CodeInvalidValue, "must be %q or %q, not %q", PollFromOldest, PollFromNow, d.PollFrom)
	case d.PollFrom != "" && !IsAppTrigger(d.Trigger):
		v.fail("pollFrom", CodeInvalidValue, "goes only with an app's polling trigger (\"<app>.<trigger>\"), not %q", d.Trigger)
	}
	if d.PollInterval != "" {
		every, err := ParseDuration(d.PollInterval)
		switch {
		case !IsAppTrigger(d.Trigger):
			v.fail("pollInterval", CodeInvalidValue, "goes only with an app's polling trigger (\"<app>.<trigger>\"), not %q", d.Trigger)
		case err != nil:
			v.fail("pollInterval", CodeInvalidValue, "%v", err)
		case every < MinPollInterval:
			v.fail("pollInterval", CodeInvalidValue, "must be at least %s, not %q", strings.TrimSuffix(MinPollInterval.String(), "0s"), d.PollInterval)
		}
	}
	switch d.Status {
	case "", StatusEnabled, StatusDisabled:
	default:
		v.fail("status", CodeInvalidValue, "must be %q or %q, not %q", StatusEnabled, StatusDisabled, d.Status)
	}
	for i, c := range d.Conditions {
		p := pathIndex("conditions", i)
		switch {
		case strings.TrimSpace(c) == "":
			v.fail(p, CodeRequired, "must not be empty")
		case !HasTemplate(c):
			v.fail(p, CodeInvalidValue, "must be a {{ }} expression, e.g. {{data.payload.content.text != ''}}")
		default:
			v.template(c, p)
		}
	}
	v.apps(d)
	v.states(d)
	if strings.TrimSpace(d.Definition.Name) == "" {
		v.fail("definition.name", CodeRequired, msgRequired)
	}
	switch {
	case d.Definition.Steps == nil:
		v.fail("definition.steps", CodeRequired, msgRequired)
	case len(d.Definition.Steps) == 0:
		v.fail("definition.steps", CodeRequired, "must contain at least one step")
	}
	if n := countSteps(d.Definition.Steps, 0); n > MaxSteps {
		v.fail("definition.steps", CodeLimitExceeded, "a definition may have at most %d steps, nested ones included; this one has %d", MaxSteps, n)
		return v.errs
	}
	v.collectIDs(d.Definition.Steps, "definition.steps", 0)
	v.block(d.Definition.Steps, "definition.steps", 0)
	return v.errs
}

// collectIDs records every step id, nested ones included, and reports duplicates: ids are unique
// across the whole document.
func (v *validator) collectIDs(steps []Step, path string, depth int) {
	for i, s := range steps {
		p := pathIndex(path, i)
		if strings.TrimSpace(s.ID) != "" {
			if first, dup := v.ids[s.ID]; dup {
				v.fail(PathKey(p, "id"), CodeDuplicateID, "duplicate step id %q (also used by %s)", s.ID, first)
			} else {
				v.ids[s.ID] = p
			}
		}
		if depth >= MaxNesting {
			continue // reported by do
		}
		for j, block := range s.Do {
			v.collectIDs(block, pathIndex(PathKey(p, "do"), j), depth+1)
		}
	}
}

// block validates one list of steps: the definition's steps or one do block. Steps of a list
// route only to steps of the same list, and every step must be reachable from the list's first
// step.
func (v *validator) block(steps []Step, path string, depth int) {
	local := map[string]int{} // id -> index of its first step in this list
	for i, s := range steps {
		if _, dup := local[s.ID]; s.ID != "" && !dup {
			local[s.ID] = i
		}
	}
	for i := range steps {
		v.step(&steps[i], pathIndex(path, i), local, depth)
	}
	if len(steps) == 0 {
		return
	}
	reached := make([]bool, len(steps))
	queue := []int{0}
	reached[0] = true
	for len(queue) > 0 {
		s := &steps[queue[0]]
		queue = queue[1:]
		for _, target := range routes(s) {
			if j, ok := local[target]; ok && !reached[j] {
				reached[j] = true
				queue = append(queue, j)
			}
		}
	}
	entry := steps[0].ID
	for i, s := range steps {
		if reached[i] || s.ID == "" || local[s.ID] != i {
			continue // an id-less or duplicate step is reported as such
		}
		where := "the first step"
		if entry != "" {
			where = fmt.Sprintf("the first step %q", entry)
		}
		v.fail(pathIndex(path, i), CodeUnreachableStep,
			"step %q is unreachable: no nextStepId, selectNextStep or onError leads to it from %s", s.ID, where)
	}
}

// routes lists the step ids a step may continue with.
func routes(s *Step) []string {
	var out []string
	if s.NextStepID != "" {
		out = append(out, s.NextStepID)
	}
	out = append(out, sortedKeys(s.SelectNextStep)...)
	if s.OnError != nil && s.OnError.NextStepID != "" {
		out = append(out, s.OnError.NextStepID)
	}
	return out
}

// ref checks a reference to a step id from a step of a list whose ids are local.
func (v *validator) ref(target, path string, local map[string]int) {
	if _, ok := local[target]; ok {
		return
	}
	if where, ok := v.ids[target]; ok {
		v.fail(path, CodeInvalidReference,
			"refers to step %q at %s, outside this list of steps; a step can only go to a step of the same list (nested do blocks are lists of their own)", target, where)
		return
	}
	v.fail(path, CodeDanglingReference, "refers to unknown step %q", target)
}

func (v *validator) step(s *Step, path string, local map[string]int, depth int) {
	if strings.TrimSpace(s.ID) == "" {
		v.fail(PathKey(path, "id"), CodeRequired, msgRequired)
	}
	typePath := PathKey(path, "stepType")
	spec := specFor(s.StepType)
	connector := spec == nil && IsConnectorAction(s.StepType)
	switch {
	case s.StepType == "":
		v.fail(typePath, CodeRequired, msgRequired)
	case spec == nil && !connector:
		if strings.Contains(s.StepType, ".") {
			v.fail(typePath, CodeUnknownStepType, "unknown step type %q: a connector action is written app.action in lower case, e.g. shopify.update_order", s.StepType)
		} else {
			v.fail(typePath, CodeUnknownStepType, "unknown step type %q", s.StepType)
		}
	}
	inputsPath := PathKey(path, "inputs")
	if spec != nil {
		v.inputs(spec, s.Inputs, inputsPath)
	}

	if s.Connection != "" {
		p := PathKey(path, "connection")
		switch {
		case spec != nil && !spec.Connection:
			v.fail(p, CodeNotAllowed, "is only used by connector actions and the 8x8 messaging steps, not by %s steps", spec.Type)
		case strings.TrimSpace(s.Connection) == "":
			v.fail(p, CodeRequired, "must name a connection")
		case HasTemplate(s.Connection):
			v.fail(p, CodeInvalidValue, "must be a connection name, not an expression")
		}
	}

	// {{env.NAME}} only where an activity fills it in: the inputs of HTTP and connector calls.
	v.envAllowed = s.StepType == StepHTTPRequest || strings.EqualFold(s.StepType, StepWebhook) || connector
	v.templates(s.Inputs, inputsPath)
	v.envAllowed = false
	v.templates(s.Outputs, PathKey(path, "outputs"))
	for _, k := range sortedKeys(s.Outputs) {
		if strings.TrimSpace(k) == "" {
			v.fail(PathKey(PathKey(path, "outputs"), k), CodeInvalidValue, "key must not be empty")
		}
	}

	if s.NextStepID != "" {
		p := PathKey(path, "nextStepId")
		if len(s.SelectNextStep) > 0 {
			v.fail(p, CodeConflict, "cannot be used together with selectNextStep")
		}
		v.ref(s.NextStepID, p, local)
	}
	selPath := PathKey(path, "selectNextStep")
	if spec != nil && spec.NeedsSelect && len(s.SelectNextStep) == 0 {
		v.fail(selPath, CodeRequired, "is required: a %s step routes through selectNextStep, a map of step id to condition", spec.Type)
	}
	defaults := 0
	for _, k := range sortedKeys(s.SelectNextStep) {
		p := PathKey(selPath, k)
		v.ref(k, p, local)
		cond := s.SelectNextStep[k]
		switch {
		case cond == nil:
			defaults++
			if defaults == 2 {
				v.fail(p, CodeConflict, "only one branch may be the default (null)")
			}
		case !HasTemplate(*cond):
			v.fail(p, CodeInvalidValue, "must be a {{ }} expression or null (the default branch)")
		default:
			v.template(*cond, p)
		}
	}

	v.do(s, spec, path, depth)
	v.retry(s, spec, connector, path)
	v.onError(s, path, local)
}

// do checks a step's nested blocks against what its type expects and validates them.
func (v *validator) do(s *Step, spec *stepSpec, path string, depth int) {
	doPath := PathKey(path, "do")
	if depth >= MaxNesting && len(s.Do) > 0 {
		v.fail(doPath, CodeLimitExceeded, "do blocks may be nested at most %d deep", MaxNesting)
		return
	}
	shape := doNone
	if spec != nil {
		shape = spec.Do
	}
	nonEmpty := 0
	for _, block := range s.Do {
		if len(block) > 0 {
			nonEmpty++
		}
	}
	switch shape {
	case doNone:
		if nonEmpty > 0 {
			v.fail(doPath, CodeNotAllowed, "is only allowed on %s, %s and %s steps", StepIf, StepForEach, StepParallel)
		}
	case doBlocks:
		if nonEmpty == 0 {
			v.fail(doPath, CodeRequired, "is required: an %s step runs the steps of its do blocks, e.g. \"do\": [[{...}, {...}]]", spec.Type)
		}
	case doBody:
		switch {
		case nonEmpty == 0:
			v.fail(doPath, CodeRequired, "is required: a %s step runs its do block, the loop body, for every item", spec.Type)
		case len(s.Do) > 1:
			v.fail(doPath, CodeInvalidValue, "must hold exactly one block (the loop body), not %d", len(s.Do))
		}
	case doBranches:
		if len(s.Do) < 2 {
			v.fail(doPath, CodeInvalidValue, "must hold at least two blocks, one per branch; for one block use its steps directly")
		}
	}
	for j, block := range s.Do {
		p := pathIndex(doPath, j)
		if shape != doNone && len(block) == 0 {
			v.fail(p, CodeRequired, "must contain at least one step")
		}
		v.block(block, p, depth+1)
	}
}

// countSteps counts steps, nested ones included, up to MaxSteps+1 and MaxNesting levels.
func countSteps(steps []Step, depth int) int {
	n := len(steps)
	for _, s := range steps {
		if n > MaxSteps || depth >= MaxNesting {
			break
		}
		for _, block := range s.Do {
			n += countSteps(block, depth+1)
		}
	}
	return n
}

// activity reports whether a step calls something outside the workflow, so that retry and
// timeout apply to it.
func activity(spec *stepSpec, connector bool) bool {
	return connector || spec != nil && (spec.Connection || spec.Type == StepHTTPRequest)
}

func (v *validator) retry(s *Step, spec *stepSpec, connector bool, path string) {
	if (s.Retry != nil || s.Timeout != "") && spec != nil && !activity(spec, connector) {
		if s.Retry != nil {
			v.fail(PathKey(path, "retry"), CodeNotAllowed, "is only used by steps that call something (HttpRequest, SMS, ChatAppsMessage, connector actions), not by %s steps", spec.Type)
		}
		if s.Timeout != "" {
			v.fail(PathKey(path, "timeout"), CodeNotAllowed, "is only used by steps that call something (HttpRequest, SMS, ChatAppsMessage, connector actions), not by %s steps", spec.Type)
		}
		return
	}
	if s.Timeout != "" {
		v.positiveDuration(s.Timeout, PathKey(path, "timeout"))
	}
	r := s.Retry
	if r == nil {
		return
	}
	rp := PathKey(path, "retry")
	initial := v.positiveDuration(r.InitialInterval, PathKey(rp, "initialInterval"))
	maximum := v.positiveDuration(r.MaximumInterval, PathKey(rp, "maximumInterval"))
	v.positiveDuration(r.Expiration, PathKey(rp, "expiration"))
	if initial > 0 && maximum > 0 && maximum < initial {
		v.fail(PathKey(rp, "maximumInterval"), CodeConflict, "must not be shorter than initialInterval")
	}
	if r.BackoffCoefficient != 0 && !(r.BackoffCoefficient >= 1) {
		v.fail(PathKey(rp, "backoffCoefficient"), CodeInvalidValue, "must be at least 1")
	}
	if r.MaximumAttempts < 0 {
		v.fail(PathKey(rp, "maximumAttempts"), CodeInvalidValue, "must be from 0 (the default, 15) to %d", math.MaxInt32)
	}
	for i, t := range r.NonRetryableErrorTypes {
		if strings.TrimSpace(t) == "" {
			v.fail(pathIndex(PathKey(rp, "nonRetryableErrorTypes"), i), CodeInvalidValue, "must not be empty")
		}
	}
}

// positiveDuration checks an optional duration field and returns its value (0 when absent or
// invalid).
func (v *validator) positiveDuration(s, path string) time.Duration {
	if s == "" {
		return 0
	}
	d, err := ParseDuration(s)
	switch {
	case err != nil:
		v.fail(path, CodeInvalidValue, "%s", err.Error())
		return 0
	case d <= 0:
		v.fail(path, CodeInvalidValue, "must be longer than zero")
		return 0
	}
	return d
}

func (v *validator) onError(s *Step, path string, local map[string]int) {
	oe := s.OnError
	if oe == nil {
		return
	}
	p := PathKey(path, "onError")
	action := strings.ToLower(oe.Action)
	switch action {
	case OnErrorFail, OnErrorContinue, OnErrorGoTo:
	case "":
		v.fail(PathKey(p, "action"), CodeRequired, "is required: one of %q, %q or %q", OnErrorFail, OnErrorContinue, OnErrorGoTo)
	default:
		v.fail(PathKey(p, "action"), CodeInvalidValue, "must be one of %q, %q or %q, not %q", OnErrorFail, OnErrorContinue, OnErrorGoTo, oe.Action)
	}
	np := PathKey(p, "nextStepId")
	switch {
	case action == OnErrorGoTo && oe.NextStepID == "":
		v.fail(np, CodeRequired, "is required when action is %q", OnErrorGoTo)
	case oe.NextStepID != "" && action != OnErrorGoTo && action != "":
		v.fail(np, CodeConflict, "is only used with action %q", OnErrorGoTo)
	case oe.NextStepID != "":
		v.ref(oe.NextStepID, np, local)
	}
}

// templates checks every string inside an inputs or outputs value.
func (v *validator) templates(val any, path string) {
	switch val := val.(type) {
	case string:
		v.template(val, path)
	case map[string]any:
		for _, k := range sortedKeys(val) {
			v.templates(val[k], PathKey(path, k))
		}
	case []any:
		for i, e := range val {
			v.templates(e, pathIndex(path, i))
		}
	case map[string]string:
		for _, k := range sortedKeys(val) {
			v.template(val[k], PathKey(path, k))
		}
	case []string:
		for i, e := range val {
			v.template(e, pathIndex(path, i))
		}
	}
}

func (v *validator) template(s, path string) {
	if err := checkTemplateEnv(s, v.envAllowed); err != nil {
		if ee, ok := err.(*ExprError); ok {
			v.fail(path, ee.Code, "invalid expression: %s", ee.describe())
			return
		}
		v.fail(path, CodeExpressionSyntax, "invalid expression: %v", err)
	}
}

// inputs checks a step's inputs against its specification. Values containing {{ }} are checked
// by templates and, for their type, only at run time.
func (v *validator) inputs(spec *stepSpec, in map[string]any, path string) {
	if spec.Lenient {
		return
	}
	if spec.AnyInputs {
		if len(in) == 0 {
			v.fail(path, CodeRequired, "must set at least one variable: each input name becomes data.<name>")
		}
		for _, k := range sortedKeys(in) {
			if !identifier(k) {
				v.fail(PathKey(path, k), CodeInvalidValue, "is not a valid variable name: use letters, digits and _, not starting with a digit")
			}
		}
		return
	}
	known := map[string]bool{}
	for _, f := range spec.Inputs {
		known[f.Name] = true
		name := f.Name
		val, present := in[name]
		if (!present || val == nil) && f.Alias != "" {
			if a, ok := in[f.Alias]; ok && a != nil {
				name, val, present = f.Alias, a, true
				known[f.Alias] = true
			}
		}
		p := PathKey(path, name)
		if !present || val == nil {
			if f.Required && !(spec.Type == StepWait && f.Name == "duration" && in["minutes"] != nil) {
				v.fail(p, CodeRequired, msgRequired)
			}
			continue
		}
		v.value(f, val, p)
	}
	if spec.Type == StepWait && in["duration"] != nil && in["minutes"] != nil {
		v.fail(PathKey(path, "minutes"), CodeConflict, "cannot be used together with duration")
	}
	if spec.Type == StepHTTPRequest || spec.Type == StepWebhook || spec.Type == StepRespond {
		v.httpHeaders(in["headers"], PathKey(path, "headers"))
	}
	if spec.Type == StepWebhook {
		v.webhook(in, path)
	}
	if !spec.OpenInputs {
		for _, k := range sortedKeys(in) {
			if !known[k] {
				v.fail(PathKey(path, k), CodeNotAllowed, "is not an input of %s steps", spec.Type)
			}
		}
	}
}

// value checks one present input against its specification.
func (v *validator) value(f fieldSpec, val any, p string) {
	if s, ok := val.(string); ok && HasTemplate(s) {
		return // checked by templates; its value is known only at run time (see CheckRendered)
	}
	v.literal(f, val, p)
}

// literal checks a value (not an expression) against its specification.
func (v *validator) literal(f fieldSpec, val any, p string) {
	str, isString := val.(string)
	needString := func() bool {
		if !isString {
			v.fail(p, CodeInvalidType, "must be a string")
			return false
		}
		if str == "" && f.Empty {
			return false // a value of its own, nothing more to check
		}
		if strings.TrimSpace(str) == "" {
			if f.Required {
				v.fail(p, CodeRequired, msgRequired)
			} else {
				v.fail(p, CodeInvalidValue, "must not be empty")
			}
			return false
		}
		return true
	}
	switch f.Kind {
	case kindString:
		if !needString() {
			return
		}
		if len(f.Enum) > 0 && !slices.ContainsFunc(f.Enum, func(e string) bool { return strings.EqualFold(e, str) }) {
			v.fail(p, CodeInvalidValue, "must be one of %s, not %q", strings.Join(f.Enum, ", "), str)
		}
		if f.Name == "country" && !(len(str) == 2 && isLetter(str[0]) && isLetter(str[1])) {
			v.fail(p, CodeInvalidValue, "must be a two-letter ISO country code such as SG, not %q", str)
		}
	case kindURL:
		if needString() && !absoluteHTTPURL(str) {
			v.fail(p, CodeInvalidValue, "must be an absolute http or https URL")
		}
	case kindTimestamp:
		if !needString() {
			return
		}
		if _, err := parseTime(str, nil); err != nil {
			v.fail(p, CodeInvalidValue, "must be an ISO 8601 date and time such as 2024-05-01T09:00:00Z")
		}
	case kindDuration:
		d, err := durationValue(val)
		switch {
		case err != nil:
			if _, isNumber := toFloat(val); !isString && !isNumber {
				v.fail(p, CodeInvalidType, "%s", err.Error())
			} else {
				v.fail(p, CodeInvalidValue, "%s", err.Error())
			}
		case d < 0:
			v.fail(p, CodeInvalidValue, "must not be negative")
		case f.Max > 0 && d > time.Duration(f.Max*float64(24*time.Hour)):
			v.fail(p, CodeInvalidValue, "must be at most %v days", f.Max)
		}
	case kindNumber, kindInteger:
		n, ok := toFloat(val)
		switch {
		case !ok:
			v.fail(p, CodeInvalidType, "must be a number")
		case f.Kind == kindInteger && n != math.Trunc(n):
			v.fail(p, CodeInvalidValue, "must be a whole number")
		case (f.Min != 0 || f.Max != 0) && (n < f.Min || n > f.Max || math.IsNaN(n)):
			v.fail(p, CodeInvalidValue, "must be a number from %v to %v", f.Min, f.Max)
		}
	case kindBoolean:
		if _, ok := val.(bool); !ok {
			v.fail(p, CodeInvalidType, "must be true or false")
		}
	case kindObject:
		if !isObject(val) {
			v.fail(p, CodeInvalidType, "must be an object")
		}
	case kindStringMap:
		if !isObject(val) {
			v.fail(p, CodeInvalidType, "must be an object")
			return
		}
		if m, ok := val.(map[string]any); ok {
			for _, k := range sortedKeys(m) {
				if _, ok := m[k].(string); !ok {
					v.fail(PathKey(p, k), CodeInvalidType, "must be a string")
				}
			}
		}
	case kindArray:
		if !isArray(val) {
			v.fail(p, CodeInvalidType, "must be an array")
		}
	case kindItems:
		switch {
		case isArray(val):
		case isString:
			v.fail(p, CodeInvalidValue, "must be an array or a {{ }} expression that yields one, e.g. {{data.order.line_items}}")
		default:
			v.fail(p, CodeInvalidType, "must be an array or a {{ }} expression that yields one")
		}
	case kindExpression:
		switch {
		case isString:
			v.fail(p, CodeInvalidValue, "must be a {{ }} expression, e.g. {{data.count > 3}}")
		default:
			if _, ok := val.(bool); !ok {
				v.fail(p, CodeInvalidType, "must be a {{ }} expression")
			}
		}
	}
}

// httpHeaders checks header names and literal header values.
func (v *validator) httpHeaders(h any, hp string) {
	switch h := h.(type) {
	case map[string]any:
		for _, name := range sortedKeys(h) {
			p := PathKey(hp, name)
			if !httpguts.ValidHeaderFieldName(name) {
				v.fail(p, CodeInvalidValue, "is not a valid HTTP header name")
			}
			if val, ok := h[name].(string); ok && !HasTemplate(val) && strings.ContainsAny(val, "\r\n") {
				v.fail(p, CodeInvalidValue, "must not contain line breaks")
			}
		}
	case map[string]string:
		for _, name := range sortedKeys(h) {
			if !httpguts.ValidHeaderFieldName(name) {
				v.fail(PathKey(hp, name), CodeInvalidValue, "is not a valid HTTP header name")
			}
		}
	}
}

func isObject(v any) bool {
	if _, ok := v.(map[string]any); ok {
		return true
	}
	rv := reflect.ValueOf(v)
	return rv.Kind() == reflect.Map && rv.Type().Key().Kind() == reflect.String
}

func isArray(v any) bool {
	if _, ok := v.([]any); ok {
		return true
	}
	rv := reflect.ValueOf(v)
	return (rv.Kind() == reflect.Slice || rv.Kind() == reflect.Array) && rv.Type().Elem().Kind() != reflect.Uint8
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// identifier reports whether s can name a variable in an expression: [A-Za-z_][A-Za-z0-9_]*.
func identifier(s string) bool {
	if s == "" || !(isLetter(s[0]) || s[0] == '_') {
		return false
	}
	for i := 1; i < len(s); i++ {
		c := s[i]
		if !(isLetter(c) || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

func absoluteHTTPURL(s string) bool {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return false
	}
	scheme := strings.ToLower(u.Scheme)
	return scheme == "http" || scheme == "https"
}

// webhook checks what a Webhook step's inputs hold beyond their kinds:
// its auth, its retry schedule, and no body on GET.
func (v *validator) webhook(in map[string]any, path string) {
	if m, ok := in["method"].(string); ok && strings.EqualFold(m, "GET") && in["body"] != nil {
		v.fail(PathKey(path, "body"), CodeNotAllowed, "GET sends no body: use POST, PUT or PATCH, or put the values in the URL")
	}
	if auth, ok := in["auth"].(map[string]any); ok {
		ap := PathKey(path, "auth")
		kind, _ := auth["type"].(string)
		need := map[string][]string{"none": nil, "basic": {"username", "password"}, "bearer": {"token"}, "connection": {"connection"}}
		fields, known := need[strings.ToLower(kind)]
		switch {
		case HasTemplate(kind):
			v.fail(PathKey(ap, "type"), CodeInvalidValue, "must be none, basic, bearer or connection, not an expression")
		case !known:
			v.fail(PathKey(ap, "type"), CodeInvalidValue, "must be none, basic, bearer or connection")
		}
		for _, f := range fields {
			if s, _ := auth[f].(string); strings.TrimSpace(s) == "" {
				v.fail(PathKey(ap, f), CodeRequired, "is required with auth type %s", kind)
			}
		}
		for _, k := range sortedKeys(auth) {
			if k != "type" && !slices.Contains(fields, k) {
				v.fail(PathKey(ap, k), CodeNotAllowed, "is not used by auth type %s", kind)
			}
		}
	}
	if retry, ok := in["retry"].(map[string]any); ok {
		rp := PathKey(path, "retry")
		for _, k := range sortedKeys(retry) {
			if k != "schedule" {
				v.fail(PathKey(rp, k), CodeNotAllowed, "is not a field of retry: give schedule, a list of delays")
			}
		}
		list, isList := retry["schedule"].([]any)
		if !isList {
			v.fail(PathKey(rp, "schedule"), CodeRequired, "must be a list of delays (\"30m\", \"PT1H\")")
			return
		}
		if len(list) > MaxWebhookRetries {
			v.fail(PathKey(rp, "schedule"), CodeLimitExceeded, "holds %d delays, more than %d", len(list), MaxWebhookRetries)
		}
		for i, d := range list {
			p := fmt.Sprintf("%s[%d]", PathKey(rp, "schedule"), i)
			s, _ := d.(string)
			dur, err := ParseDuration(s)
			if err != nil || dur < time.Second || dur > 24*time.Hour {
				v.fail(p, CodeInvalidValue, "must be a delay from 1s to 24h (\"30m\", \"PT1H\")")
			}
		}
	}
}

// MaxWebhookRetries bounds a Webhook step's schedule (outbound.MaxRetries).
const MaxWebhookRetries = 100
