package definition

import (
	"fmt"
	"net/url"
	"strings"
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
// *ValidationError listing every problem. It does not modify d: step types are accepted in any
// case, and an empty status counts as the default, "disabled".
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
}

func (v *validator) fail(path, format string, args ...any) {
	msg := format
	if len(args) > 0 {
		msg = fmt.Sprintf(format, args...)
	}
	v.errs = append(v.errs, FieldError{Path: path, Message: msg})
}

func (d *Document) validate() []FieldError {
	v := &validator{ids: map[string]string{}}
	switch d.Trigger {
	case TriggerHTTPRequest, TriggerInboundSMS, TriggerInboundChatApps:
	case "":
		v.fail("trigger", msgRequired)
	default:
		v.fail("trigger", "must be one of %q, %q or %q, not %q",
			TriggerHTTPRequest, TriggerInboundSMS, TriggerInboundChatApps, d.Trigger)
	}
	switch d.Status {
	case "", StatusEnabled, StatusDisabled:
	default:
		v.fail("status", "must be %q or %q, not %q", StatusEnabled, StatusDisabled, d.Status)
	}
	if strings.TrimSpace(d.Definition.Name) == "" {
		v.fail("definition.name", msgRequired)
	}
	switch {
	case d.Definition.Steps == nil:
		v.fail("definition.steps", msgRequired)
	case len(d.Definition.Steps) == 0:
		v.fail("definition.steps", "must contain at least one step")
	}
	v.collectIDs(d.Definition.Steps, "definition.steps")
	v.steps(d.Definition.Steps, "definition.steps")
	return v.errs
}

// collectIDs records every step id, nested ones included, and reports duplicates.
func (v *validator) collectIDs(steps []Step, path string) {
	for i, s := range steps {
		p := pathIndex(path, i)
		if strings.TrimSpace(s.ID) != "" {
			if first, dup := v.ids[s.ID]; dup {
				v.fail(pathKey(p, "id"), "duplicate step id %q (also used by %s)", s.ID, first)
			} else {
				v.ids[s.ID] = p
			}
		}
		for j, block := range s.Do {
			v.collectIDs(block, pathIndex(pathKey(p, "do"), j))
		}
	}
}

func (v *validator) steps(steps []Step, path string) {
	for i := range steps {
		v.step(&steps[i], pathIndex(path, i))
	}
}

func (v *validator) step(s *Step, path string) {
	if strings.TrimSpace(s.ID) == "" {
		v.fail(pathKey(path, "id"), msgRequired)
	}
	typePath := pathKey(path, "stepType")
	info, known := stepTypes[strings.ToLower(s.StepType)]
	switch {
	case s.StepType == "":
		v.fail(typePath, msgRequired)
	case !known:
		v.fail(typePath, "unknown step type %q", s.StepType)
	case !info.supported:
		v.fail(typePath, "step type %q is not supported yet", info.name)
	case info.name == StepHTTPRequest:
		v.httpRequest(s.Inputs, pathKey(path, "inputs"))
	}

	v.templates(s.Inputs, pathKey(path, "inputs"))
	v.templates(s.Outputs, pathKey(path, "outputs"))
	for _, k := range sortedKeys(s.Outputs) {
		if strings.TrimSpace(k) == "" {
			v.fail(pathKey(pathKey(path, "outputs"), k), "key must not be empty")
		}
	}

	if s.NextStepID != "" {
		p := pathKey(path, "nextStepId")
		if len(s.SelectNextStep) > 0 {
			v.fail(p, "cannot be used together with selectNextStep")
		}
		if _, ok := v.ids[s.NextStepID]; !ok {
			v.fail(p, "refers to unknown step %q", s.NextStepID)
		}
	}
	selPath := pathKey(path, "selectNextStep")
	for _, k := range sortedKeys(s.SelectNextStep) {
		p := pathKey(selPath, k)
		if _, ok := v.ids[k]; !ok {
			v.fail(p, "refers to unknown step %q", k)
		}
		if cond := s.SelectNextStep[k]; cond != nil {
			v.template(*cond, p)
		}
	}

	nonEmpty := 0
	for _, block := range s.Do {
		nonEmpty += len(block)
	}
	if nonEmpty > 0 && !strings.EqualFold(s.StepType, StepIf) {
		v.fail(pathKey(path, "do"), "is only allowed on %s steps", StepIf)
	}
	for j, block := range s.Do {
		v.steps(block, pathIndex(pathKey(path, "do"), j))
	}
}

// templates checks every string inside an inputs or outputs value.
func (v *validator) templates(val any, path string) {
	switch val := val.(type) {
	case string:
		v.template(val, path)
	case map[string]any:
		for _, k := range sortedKeys(val) {
			v.templates(val[k], pathKey(path, k))
		}
	case []any:
		for i, e := range val {
			v.templates(e, pathIndex(path, i))
		}
	case map[string]string:
		for _, k := range sortedKeys(val) {
			v.template(val[k], pathKey(path, k))
		}
	case []string:
		for i, e := range val {
			v.template(e, pathIndex(path, i))
		}
	}
}

func (v *validator) template(s, path string) {
	if err := CheckTemplate(s); err != nil {
		if ee, ok := err.(*ExprError); ok {
			v.fail(path, "invalid expression: %s", ee.describe())
			return
		}
		v.fail(path, "invalid expression: %v", err)
	}
}

// httpRequest checks the inputs of an HttpRequest step. Values that contain {{ }} are checked by
// templates and, for their type, only at run time.
func (v *validator) httpRequest(in map[string]any, path string) {
	urlPath := pathKey(path, "url")
	switch u := in["url"].(type) {
	case nil:
		v.fail(urlPath, msgRequired)
	case string:
		switch {
		case strings.TrimSpace(u) == "":
			v.fail(urlPath, msgRequired)
		case HasTemplate(u):
		case !absoluteHTTPURL(u):
			v.fail(urlPath, "must be an absolute http or https URL")
		}
	default:
		v.fail(urlPath, "must be a string")
	}

	methodPath := pathKey(path, "method")
	switch m := in["method"].(type) {
	case nil:
		v.fail(methodPath, msgRequired)
	case string:
		switch {
		case strings.TrimSpace(m) == "":
			v.fail(methodPath, msgRequired)
		case HasTemplate(m):
		case !isHTTPMethod(m):
			v.fail(methodPath, "must be one of %s, not %q", strings.Join(httpMethods, ", "), m)
		}
	default:
		v.fail(methodPath, "must be a string")
	}

	if h, ok := in["headers"]; ok && h != nil {
		hp := pathKey(path, "headers")
		switch h := h.(type) {
		case map[string]any:
			for _, name := range sortedKeys(h) {
				p := pathKey(hp, name)
				if !validHeaderName(name) {
					v.fail(p, "is not a valid HTTP header name")
				}
				switch val := h[name].(type) {
				case string:
					if !HasTemplate(val) && strings.ContainsAny(val, "\r\n") {
						v.fail(p, "must not contain line breaks")
					}
				default:
					v.fail(p, "must be a string")
				}
			}
		case map[string]string:
			for _, name := range sortedKeys(h) {
				if !validHeaderName(name) {
					v.fail(pathKey(hp, name), "is not a valid HTTP header name")
				}
			}
		default:
			v.fail(hp, "must be an object")
		}
	}

	if p, ok := in["parameters"]; ok && p != nil {
		switch p.(type) {
		case map[string]any, map[string]string:
		default:
			v.fail(pathKey(path, "parameters"), "must be an object")
		}
	}

	if t, ok := in["timeoutSeconds"]; ok && t != nil {
		tp := pathKey(path, "timeoutSeconds")
		if s, isString := t.(string); isString && HasTemplate(s) {
			return
		}
		f, isNumber := toFloat(t)
		if !isNumber || f < MinHTTPTimeoutSeconds || f > MaxHTTPTimeoutSeconds {
			v.fail(tp, "must be a number from %d to %d", MinHTTPTimeoutSeconds, MaxHTTPTimeoutSeconds)
		}
	}
}

func absoluteHTTPURL(s string) bool {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return false
	}
	scheme := strings.ToLower(u.Scheme)
	return scheme == "http" || scheme == "https"
}

func isHTTPMethod(m string) bool {
	for _, h := range httpMethods {
		if strings.EqualFold(m, h) {
			return true
		}
	}
	return false
}

// validHeaderName reports whether name is an RFC 9110 token.
func validHeaderName(name string) bool {
	if name == "" {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0:
		default:
			return false
		}
	}
	return true
}
