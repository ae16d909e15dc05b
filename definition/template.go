package definition

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/expr-lang/expr/file"
)

// Env is what expressions can see. Field names as the language exposes them: data, step, steps,
// item, index.
type Env struct {
	Data  map[string]any // the workflow context: trigger payload plus values saved by outputs
	Step  any            // the current step's result (for outputs)
	Steps map[string]any // results of earlier steps by step id
	Item  any            // inside a ForEach body: the current element (item)
	Index int            // inside a ForEach body: its 0-based position (index)
	// State holds the states the run reads (state.account, state.user), by
	// scope; nil makes state.* null.
	State map[string]any
	// There is no field for env: environment variables never reach the workflow (see
	// RenderKeepingEnv).

	// Now gives the time for now(); inside a workflow it is workflow.Now, so replays see the same
	// time. Nil makes now() an error.
	Now func() time.Time
	// UUID gives a new id for uuid(); inside a workflow it is a recorded side effect, so replays
	// see the same id. Nil makes uuid() an error.
	UUID func() string
}

// ExprError reports a problem with one {{ }} expression: a malformed template, a compile error or
// an evaluation error.
type ExprError struct {
	Path   string // where the string sits inside the value given to Render; "" for the root
	Expr   string // the expression between {{ and }}, trimmed; "" for template syntax errors
	Column int    // 1-based position of the problem inside Expr, in characters; 0 when unknown
	Msg    string // what is wrong, one line
	Err    error  // the underlying error, if any (errors.Is(err, ErrLimit) works through it)
	// Code classifies the problem with the FieldError codes: CodeExpressionSyntax,
	// CodeUnknownFunction, CodeUnknownVariable, CodeNotSupported, CodeLimitExceeded for what
	// compiling finds, CodeEvaluation (or CodeLimitExceeded) for what evaluating finds.
	Code string
}

func (e *ExprError) Error() string {
	var b strings.Builder
	if e.Path != "" {
		b.WriteString(e.Path)
		b.WriteString(": ")
	}
	if e.Expr != "" {
		b.WriteString("{{")
		b.WriteString(abbreviate(e.Expr, 80))
		b.WriteString("}}: ")
	}
	b.WriteString(e.Msg)
	if e.Column > 0 {
		fmt.Fprintf(&b, " (column %d)", e.Column)
	}
	return b.String()
}

func (e *ExprError) Unwrap() error { return e.Err }

// describe is the message without the path, as Validate puts it in a FieldError.
func (e *ExprError) describe() string {
	c := *e
	c.Path = ""
	return c.Error()
}

func exprError(src string, err error) *ExprError {
	e := &ExprError{Expr: src, Msg: err.Error(), Err: err, Code: errorCode(err)}
	var fe *file.Error
	if errors.As(err, &fe) {
		e.Msg = firstLine(fe.Message)
		e.Err = fe.Prev
		e.Column = fe.From + 1
	}
	return e
}

// errorCode classifies a compile or evaluation error.
func errorCode(err error) string {
	var ce *compileError
	compiled := errors.As(err, &ce)
	var fe *file.Error
	switch {
	case errors.Is(err, ErrLimit):
		return CodeLimitExceeded
	case errors.Is(err, errUnknownFunction):
		return CodeUnknownFunction
	case errors.Is(err, errNotSupported):
		return CodeNotSupported
	case compiled && errors.As(err, &fe) && strings.HasPrefix(fe.Message, "unknown name "):
		return CodeUnknownVariable
	case compiled:
		return CodeExpressionSyntax
	}
	return CodeEvaluation
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

func abbreviate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !isRuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }

// segment is a piece of a template: literal text or the source of one expression.
type segment struct {
	text string
	expr bool
}

// TemplatePart is literal text, or one {{ }} expression's source (trimmed,
// without its braces), of a template.
type TemplatePart struct {
	Text string
	Expr bool
}

// SplitTemplate splits s into literal text and expressions as Render reads
// it: an expression ends at the first "}}" outside quotes and outside
// braces of its own. For those who rewrite templates before rendering them
// (a declarative app's, whose variables are renamed).
func SplitTemplate(s string) ([]TemplatePart, error) {
	segs, err := parseTemplate(s)
	if err != nil {
		return nil, err
	}
	parts := make([]TemplatePart, len(segs))
	for i, seg := range segs {
		parts[i] = TemplatePart{Text: seg.text, Expr: seg.expr}
	}
	return parts, nil
}

// HasTemplate reports whether s contains a {{ }} expression, i.e. whether Render treats it as a
// template rather than as literal text.
func HasTemplate(s string) bool { return strings.Contains(s, "{{") }

// parseTemplate splits a string containing "{{" into literal text and expressions. An expression
// ends at the first "}}" that is outside quotes and not closing a { } of its own, so
// {{ {a: {b: 1}} }} and {{ 'x}}' }} work. Unclosed "{{", a stray "}}" and empty expressions
// are errors.
func parseTemplate(s string) ([]segment, error) {
	var segs []segment
	i := 0
	for i < len(s) {
		start := strings.Index(s[i:], "{{")
		if start < 0 {
			start = len(s)
		} else {
			start += i
		}
		if lit := s[i:start]; lit != "" {
			if j := strings.Index(lit, "}}"); j >= 0 {
				return nil, &ExprError{Msg: fmt.Sprintf("unexpected }} without a matching {{ at offset %d", i+j), Code: CodeExpressionSyntax}
			}
			segs = append(segs, segment{text: lit})
		}
		if start == len(s) {
			break
		}
		end, err := exprEnd(s, start+2)
		if err != nil {
			return nil, err
		}
		src := strings.TrimSpace(s[start+2 : end])
		if src == "" {
			return nil, &ExprError{Msg: fmt.Sprintf("empty expression {{}} at offset %d", start), Code: CodeExpressionSyntax}
		}
		segs = append(segs, segment{text: src, expr: true})
		i = end + 2
	}
	return segs, nil
}

// exprEnd returns the offset of the "}}" closing the expression starting at from.
func exprEnd(s string, from int) (int, error) {
	depth := 0
	var quote byte
	for i := from; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0:
			if c == '\\' && quote != '`' {
				i++
			} else if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"' || c == '`':
			quote = c
		case c == '}' && depth == 0 && i+1 < len(s) && s[i+1] == '}':
			return i, nil
		case c == '{':
			depth++
		case c == '}':
			depth--
		}
	}
	return 0, &ExprError{Msg: fmt.Sprintf("unclosed {{ at offset %d", from-2), Code: CodeExpressionSyntax}
}

// single reports whether a template is exactly one expression, surrounding spaces allowed.
func single(segs []segment) (string, bool) {
	var src string
	n := 0
	for _, s := range segs {
		if s.expr {
			src = s.text
			n++
		} else if strings.TrimSpace(s.text) != "" {
			return "", false
		}
	}
	return src, n == 1
}

// CheckTemplate reports whether every {{ }} expression in s is well formed and compiles. A string
// without "{{" is literal text and always passes. The error is an *ExprError. {{env.NAME}} is
// refused here: it is valid only in the inputs of the steps whose activity fills it in, which
// Validate knows.
func CheckTemplate(s string) error {
	return checkTemplateEnv(s, false)
}

// Render returns v with every {{ expr }} evaluated: it walks maps and slices recursively (map keys
// in sorted order so evaluation order is deterministic); a string that is exactly one {{ expr }}
// (surrounding spaces allowed) yields the expression's value with its own type (number, bool,
// object...); a string mixing text and expressions yields a string with each value formatted
// (objects/arrays as JSON, nil as empty). Errors are *ExprError and name the path inside v and
// the expression.
//
// The result is a fresh value made of JSON types (map[string]any, []any, string, bool, nil and Go
// numbers); v and env are not modified. All expressions of one call share the MaxEvalCost budget.
func Render(v any, env Env) (any, error) {
	return renderValue(v, env, newMeter(env), "", 0)
}

// RenderString is Render for one string.
func RenderString(s string, env Env) (any, error) {
	return renderString(s, env, newMeter(env), "")
}

func renderValue(v any, env Env, m *meter, path string, depth int) (any, error) {
	if depth > maxDepth {
		return nil, &ExprError{Path: path, Msg: "value is nested too deeply", Err: ErrLimit, Code: CodeLimitExceeded}
	}
	switch v := v.(type) {
	case string:
		return renderString(v, env, m, path)
	case map[string]any:
		out := make(map[string]any, len(v))
		for _, k := range sortedKeys(v) {
			r, err := renderValue(v[k], env, m, PathKey(path, k), depth+1)
			if err != nil {
				return nil, err
			}
			out[k] = r
		}
		return out, nil
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			r, err := renderValue(e, env, m, pathIndex(path, i), depth+1)
			if err != nil {
				return nil, err
			}
			out[i] = r
		}
		return out, nil
	case nil, bool, float64, int:
		return v, nil
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Map:
		if rv.Type().Key().Kind() != reflect.String {
			break
		}
		keys := rv.MapKeys()
		slices.SortFunc(keys, func(a, b reflect.Value) int { return strings.Compare(a.String(), b.String()) })
		out := make(map[string]any, len(keys))
		for _, k := range keys {
			r, err := renderValue(rv.MapIndex(k).Interface(), env, m, PathKey(path, k.String()), depth+1)
			if err != nil {
				return nil, err
			}
			out[k.String()] = r
		}
		return out, nil
	case reflect.Slice, reflect.Array:
		if rv.Type().Elem().Kind() == reflect.Uint8 {
			break
		}
		out := make([]any, rv.Len())
		for i := range out {
			r, err := renderValue(rv.Index(i).Interface(), env, m, pathIndex(path, i), depth+1)
			if err != nil {
				return nil, err
			}
			out[i] = r
		}
		return out, nil
	}
	out, err := normalize(v, m, depth)
	if err != nil {
		return nil, &ExprError{Path: path, Msg: err.Error(), Err: err, Code: errorCode(err)}
	}
	return out, nil
}

func renderString(s string, env Env, m *meter, path string) (any, error) {
	if !HasTemplate(s) {
		return s, nil
	}
	segs, err := parseTemplate(s)
	if err != nil {
		err.(*ExprError).Path = path
		return nil, err
	}
	if src, ok := single(segs); ok {
		v, err := eval(src, env, m)
		if err == nil {
			v, err = normalize(v, m, 0)
		}
		if err != nil {
			return nil, withPath(exprError(src, err), path)
		}
		return v, nil
	}
	var b strings.Builder
	for _, seg := range segs {
		if !seg.expr {
			b.WriteString(seg.text)
			continue
		}
		v, err := eval(seg.text, env, m)
		if err != nil {
			return nil, withPath(exprError(seg.text, err), path)
		}
		str, err := formatValue(v, m)
		if err == nil {
			err = m.spend(len(str))
		}
		if err != nil {
			return nil, withPath(exprError(seg.text, err), path)
		}
		b.WriteString(str)
	}
	return b.String(), nil
}

func withPath(e *ExprError, path string) *ExprError {
	e.Path = path
	return e
}

func eval(src string, env Env, m *meter) (any, error) {
	p, err := compile(src)
	if err != nil {
		return nil, err
	}
	return p.run(env, m)
}

// formatValue formats a value for string interpolation and concatenation: nil as "", strings as
// they are, numbers as JavaScript prints them, objects and arrays as compact JSON.
func formatValue(v any, m *meter) (string, error) {
	switch v := v.(type) {
	case nil:
		return "", nil
	case string:
		return v, nil
	case bool:
		return strconv.FormatBool(v), nil
	}
	if _, ok := toFloat(v); ok {
		return formatScalar(v), nil
	}
	n, err := normalize(v, m, 0)
	if err != nil {
		return "", err
	}
	return marshalJSON(n)
}

// formatScalar formats a number (or any other scalar) the way JavaScript's String() does.
func formatScalar(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case string:
		return v
	case bool:
		return strconv.FormatBool(v)
	case int:
		return strconv.Itoa(v)
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.FormatInt(rv.Int(), 10)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return strconv.FormatUint(rv.Uint(), 10)
	case reflect.Float32, reflect.Float64:
		f := rv.Float()
		switch {
		case math.IsNaN(f):
			return "NaN"
		case math.IsInf(f, 1):
			return "Infinity"
		case math.IsInf(f, -1):
			return "-Infinity"
		}
		// encoding/json formats floats the way ECMAScript does.
		b, _ := json.Marshal(f)
		return string(b)
	}
	return fmt.Sprint(v)
}

func marshalJSON(v any) (string, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return "", err
	}
	return strings.TrimSuffix(buf.String(), "\n"), nil
}

// normalize copies a value produced by an expression into JSON types, charging its size to the
// meter: objects become map[string]any, arrays []any, numbers stay Go numbers (NaN and infinities
// become nil, as in JSON.stringify). Other values are an error.
func normalize(v any, m *meter, depth int) (any, error) {
	if depth > maxDepth {
		return nil, fmt.Errorf("%w: value is nested more than %d levels deep", ErrLimit, maxDepth)
	}
	switch v := v.(type) {
	case nil, bool:
		return v, m.spend(1)
	case string:
		return v, m.spend(1 + len(v))
	case int:
		return v, m.spend(1)
	case float64:
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, m.spend(1)
		}
		return v, m.spend(1)
	case map[string]any:
		if err := m.spend(1 + len(v)); err != nil {
			return nil, err
		}
		out := make(map[string]any, len(v))
		for _, k := range sortedKeys(v) {
			n, err := normalize(v[k], m, depth+1)
			if err != nil {
				return nil, err
			}
			if err := m.spend(len(k)); err != nil {
				return nil, err
			}
			out[k] = n
		}
		return out, nil
	case []any:
		if err := m.spend(1 + len(v)); err != nil {
			return nil, err
		}
		out := make([]any, len(v))
		for i, e := range v {
			n, err := normalize(e, m, depth+1)
			if err != nil {
				return nil, err
			}
			out[i] = n
		}
		return out, nil
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return rv.Int(), m.spend(1)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return rv.Uint(), m.spend(1)
	case reflect.Float32, reflect.Float64:
		return normalize(rv.Float(), m, depth)
	case reflect.Bool:
		return rv.Bool(), m.spend(1)
	case reflect.String:
		return normalize(rv.String(), m, depth)
	case reflect.Slice, reflect.Array:
		if rv.Type().Elem().Kind() == reflect.Uint8 {
			return normalize(string(rv.Bytes()), m, depth)
		}
		if err := m.spend(1 + rv.Len()); err != nil {
			return nil, err
		}
		out := make([]any, rv.Len())
		for i := range out {
			n, err := normalize(rv.Index(i).Interface(), m, depth+1)
			if err != nil {
				return nil, err
			}
			out[i] = n
		}
		return out, nil
	case reflect.Map:
		if err := m.spend(1 + rv.Len()); err != nil {
			return nil, err
		}
		// Sorted, so that evaluation order and (for keys that format alike) the winner are
		// deterministic.
		keys := rv.MapKeys()
		slices.SortFunc(keys, func(a, b reflect.Value) int {
			if c := strings.Compare(keyString(a.Interface()), keyString(b.Interface())); c != 0 {
				return c
			}
			return strings.Compare(fmt.Sprintf("%T", a.Interface()), fmt.Sprintf("%T", b.Interface()))
		})
		out := make(map[string]any, rv.Len())
		for _, key := range keys {
			k := keyString(key.Interface())
			n, err := normalize(rv.MapIndex(key).Interface(), m, depth+1)
			if err != nil {
				return nil, err
			}
			if err := m.spend(len(k)); err != nil {
				return nil, err
			}
			out[k] = n
		}
		return out, nil
	case reflect.Pointer, reflect.Interface:
		if rv.IsNil() {
			return nil, m.spend(1)
		}
	}
	return nil, fmt.Errorf("a value of type %T cannot be represented as JSON", v)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
