package definition

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// Environment variables ({{env.NAME}}) are values an account sets per app version, some of them
// secret. They must never enter a workflow history, so the workflow does not know them: it
// renders every other expression of a step's inputs and leaves each {{env.NAME}} in place, and
// the activity that makes the call fills them in (ApplyEnv). Only the plain form {{env.NAME}}
// exists, on its own between the braces: an expression that computed with a value would need
// the value in the workflow.
//
// The activity must fill in only references the definition wrote, never text that merely looks
// like one: an event field holding "{{env.API_KEY}}" and copied into a request body by
// {{data.note}} would otherwise make the activity send the key wherever the body goes. So the
// workflow records where each reference stands and what surrounds it (EnvSlot), with text from
// data as literal parts, and ApplyEnv rebuilds exactly those strings from their parts.

// envRef matches the source of an expression that is exactly one environment variable.
var envRef = regexp.MustCompile(`^env\.([A-Z][A-Z0-9_]*)$`)

// EnvRefName returns NAME when the expression source (the text between {{ and }}, trimmed) is
// exactly env.NAME with NAME in UPPER_SNAKE_CASE.
func EnvRefName(src string) (string, bool) {
	m := envRef.FindStringSubmatch(src)
	if m == nil {
		return "", false
	}
	return m[1], true
}

// EnvRefText is how a reference reads in rendered inputs and step logs: "{{env.NAME}}".
func EnvRefText(name string) string { return "{{env." + name + "}}" }

// EnvSlot is one string of a step's rendered inputs that holds environment variable
// references: where it is and what it is made of. It travels to the activity, which rebuilds
// the string with the values. It holds names, never values.
type EnvSlot struct {
	// Pointer is the JSON pointer (RFC 6901) of the string in the rendered inputs, e.g.
	// "/headers/Authorization".
	Pointer string `json:"pointer"`
	// Parts are the string's pieces in order: literal text (from the definition or rendered
	// from data) and references.
	Parts []EnvPart `json:"parts"`
}

// EnvPart is literal text or one reference.
type EnvPart struct {
	Text string `json:"text,omitempty"`
	Env  string `json:"env,omitempty"`
}

// EnvNames lists the variables the slots reference, each once, in order of appearance.
func EnvNames(slots []EnvSlot) []string {
	var names []string
	seen := map[string]bool{}
	for _, s := range slots {
		for _, p := range s.Parts {
			if p.Env != "" && !seen[p.Env] {
				seen[p.Env] = true
				names = append(names, p.Env)
			}
		}
	}
	return names
}

// RenderKeepingEnv is Render for a step's inputs that may reference environment variables: it
// evaluates every other expression, leaves each {{env.NAME}} as that text, and returns where
// the references are. Strings without a reference render exactly as Render renders them. Only
// JSON values are walked (what a parsed definition holds); other values render as Render does.
func RenderKeepingEnv(v any, env Env) (any, []EnvSlot, error) {
	r := envRenderer{env: env, m: newMeter(env)}
	out, err := r.value(v, "", "", 0)
	if err != nil {
		return nil, nil, err
	}
	return out, r.slots, nil
}

type envRenderer struct {
	env   Env
	m     *meter
	slots []EnvSlot
}

func (r *envRenderer) value(v any, path, pointer string, depth int) (any, error) {
	if depth > maxDepth {
		return nil, &ExprError{Path: path, Msg: "value is nested too deeply", Err: ErrLimit, Code: CodeLimitExceeded}
	}
	switch v := v.(type) {
	case string:
		return r.str(v, path, pointer)
	case map[string]any:
		out := make(map[string]any, len(v))
		for _, k := range sortedKeys(v) {
			rv, err := r.value(v[k], PathKey(path, k), pointer+"/"+escapePointer(k), depth+1)
			if err != nil {
				return nil, err
			}
			out[k] = rv
		}
		return out, nil
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			rv, err := r.value(e, pathIndex(path, i), pointer+"/"+strconv.Itoa(i), depth+1)
			if err != nil {
				return nil, err
			}
			out[i] = rv
		}
		return out, nil
	}
	return renderValue(v, r.env, r.m, path, depth)
}

func (r *envRenderer) str(s, path, pointer string) (any, error) {
	if !HasTemplate(s) {
		return s, nil
	}
	segs, err := parseTemplate(s)
	if err != nil {
		err.(*ExprError).Path = path
		return nil, err
	}
	hasRef := false
	for _, seg := range segs {
		if _, ok := EnvRefName(seg.text); seg.expr && ok {
			hasRef = true
		}
	}
	if !hasRef {
		return renderString(s, r.env, r.m, path)
	}
	// Mixed text: every expression but the references is formatted into text, as
	// renderString does, and recorded as a literal part.
	var b strings.Builder
	var parts []EnvPart
	text := func(t string) {
		b.WriteString(t)
		if n := len(parts); n > 0 && parts[n-1].Env == "" {
			parts[n-1].Text += t
			return
		}
		parts = append(parts, EnvPart{Text: t})
	}
	for _, seg := range segs {
		if !seg.expr {
			text(seg.text)
			continue
		}
		if name, ok := EnvRefName(seg.text); ok {
			b.WriteString(EnvRefText(name))
			parts = append(parts, EnvPart{Env: name})
			continue
		}
		v, err := eval(seg.text, r.env, r.m)
		if err != nil {
			return nil, withPath(exprError(seg.text, err), path)
		}
		str, err := formatValue(v, r.m)
		if err == nil {
			err = r.m.spend(len(str))
		}
		if err != nil {
			return nil, withPath(exprError(seg.text, err), path)
		}
		text(str)
	}
	r.slots = append(r.slots, EnvSlot{Pointer: pointer, Parts: parts})
	return b.String(), nil
}

// ApplyEnv returns v with every slot's string rebuilt from its parts, each reference replaced by
// lookup's value. A variable lookup does not know is an error naming it; so is a slot whose
// pointer does not lead to a string (inputs changed after rendering). v is not modified.
func ApplyEnv(v any, slots []EnvSlot, lookup func(name string) (string, bool)) (any, error) {
	for _, s := range slots {
		var b strings.Builder
		for _, p := range s.Parts {
			if p.Env == "" {
				b.WriteString(p.Text)
				continue
			}
			val, ok := lookup(p.Env)
			if !ok {
				return nil, fmt.Errorf("environment variable %s is not set", p.Env)
			}
			b.WriteString(val)
		}
		var err error
		if v, err = setPointer(v, s.Pointer, b.String()); err != nil {
			return nil, err
		}
	}
	return v, nil
}

// setPointer returns v with the string at pointer replaced, copying the maps and slices on the
// way so that v itself is not modified.
func setPointer(v any, pointer, value string) (any, error) {
	if pointer == "" {
		if _, ok := v.(string); !ok {
			return nil, fmt.Errorf("input %q is not a string", pointer)
		}
		return value, nil
	}
	if !strings.HasPrefix(pointer, "/") {
		return nil, fmt.Errorf("input %q: not a JSON pointer", pointer)
	}
	head, rest, deeper := strings.Cut(pointer[1:], "/")
	if deeper {
		rest = "/" + rest
	}
	key := unescapePointer(head)
	switch c := v.(type) {
	case map[string]any:
		child, ok := c[key]
		if !ok {
			return nil, fmt.Errorf("input %q: no %q", pointer, key)
		}
		nv, err := setPointer(child, rest, value)
		if err != nil {
			return nil, err
		}
		out := make(map[string]any, len(c))
		for k, e := range c {
			out[k] = e
		}
		out[key] = nv
		return out, nil
	case []any:
		i, err := strconv.Atoi(key)
		if err != nil || i < 0 || i >= len(c) {
			return nil, fmt.Errorf("input %q: no element %q", pointer, key)
		}
		nv, err := setPointer(c[i], rest, value)
		if err != nil {
			return nil, err
		}
		out := append([]any(nil), c...)
		out[i] = nv
		return out, nil
	}
	return nil, fmt.Errorf("input %q: not an object or array", pointer)
}

func escapePointer(k string) string {
	return strings.ReplaceAll(strings.ReplaceAll(k, "~", "~0"), "/", "~1")
}

func unescapePointer(k string) string {
	return strings.ReplaceAll(strings.ReplaceAll(k, "~1", "/"), "~0", "~")
}

// checkTemplateEnv is CheckTemplate that also accepts {{env.NAME}} references when allowed.
func checkTemplateEnv(s string, allowEnv bool) error {
	if !HasTemplate(s) {
		return nil
	}
	segs, err := parseTemplate(s)
	if err != nil {
		return err
	}
	for _, seg := range segs {
		if !seg.expr {
			continue
		}
		if _, ok := EnvRefName(seg.text); ok {
			if !allowEnv {
				return &ExprError{Expr: seg.text, Code: CodeNotSupported,
					Msg: "environment variables exist only in the inputs of HttpRequest and connector steps, where the activity fills them in"}
			}
			continue
		}
		if _, err := compile(seg.text); err != nil {
			return exprError(seg.text, err)
		}
	}
	return nil
}
