package declarative

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/junction-run/junction/definition"
)

// Templates are package definition's {{ }} templates. The definition
// language exposes data, step, steps, item, index and state; an app's
// templates read input, connection and env instead (a paginated search's
// page too; a polling trigger's: cursor, page, connection and env). So each expression is rewritten
// before definition compiles or renders it: the top-level names input,
// connection and env become data.input, data.connection and data.env, and
// the action renders with data = {input, connection, env}. The language's
// own variables (data, steps, ...) are refused, since an app has no run to
// read them from.

// templateVars are the variables one kind of template reads, and how a
// problem says so.
type templateVars struct {
	names map[string]bool
	says  string
}

// The variables of an action's templates, a paginated search's and a
// poll's.
var (
	actionVars = templateVars{names: map[string]bool{"input": true, "connection": true, "env": true},
		says: "templates read input, connection and env"}
	searchVars = templateVars{names: map[string]bool{"input": true, "page": true, "connection": true, "env": true},
		says: "a paginated search's templates read input, page, connection and env"}
	pollVars = templateVars{names: map[string]bool{"cursor": true, "page": true, "connection": true, "env": true},
		says: "a poll's templates read cursor, page, connection and env"}
)

// The variables of a trigger's subscribe request (the webhook URL
// Junction gives the app), and of its renew and unsubscribe requests (the
// subscription too).
var (
	subscribeVars = templateVars{names: map[string]bool{"connection": true, "env": true, "webhook": true},
		says: "a subscribe request's templates read connection, env and webhook"}
	subscriptionVars = templateVars{names: map[string]bool{"connection": true, "env": true, "webhook": true, "subscription": true},
		says: "a renew or unsubscribe request's templates read connection, env, webhook and subscription"}
)

// appVars are the variables any of an app's templates read.
var appVars = map[string]bool{"input": true, "connection": true, "env": true, "cursor": true, "page": true, "webhook": true, "subscription": true}

// runVars are the definition language's variables, which mean nothing in
// an app.
var runVars = map[string]bool{"data": true, "step": true, "steps": true, "item": true, "index": true, "state": true}

// tmpl is one template string, rewritten for definition.
type tmpl struct {
	src  string // as the app wrote it
	expr string // rewritten; the same as src when it holds no template
}

// ref is one read of an app variable: the variable, and the name read in
// it when the template names one (connection.workspace, env["X"]).
type ref struct {
	root, name string // "input", "connection", "env", ...; "" for the variable as a whole
}

// splitTemplate is definition's own split, so an app's templates end
// where the definition language's do.
var splitTemplate = definition.SplitTemplate

func isIdentStart(c byte) bool {
	return c == '_' || c == '$' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

func isIdentPart(c byte) bool { return isIdentStart(c) || c >= '0' && c <= '9' }

func nextNonSpace(s string, i int) byte {
	for ; i < len(s); i++ {
		if s[i] != ' ' && s[i] != '\t' && s[i] != '\n' && s[i] != '\r' {
			return s[i]
		}
	}
	return 0
}

// rewriteExpr rewrites one expression's top-level variables of vars (input,
// connection and env for an action) to data.input, data.connection and
// data.env, and returns every read of one, with the name read when it is written as
// connection.x, env.X or connection["x"]. problems are names the template
// cannot read.
func rewriteExpr(src string, vars templateVars) (out string, refs []ref, problems []string) {
	var b strings.Builder
	var stack []byte // open brackets
	var prev byte    // last significant character written
	for i := 0; i < len(src); {
		c := src[i]
		switch {
		case c == '\'' || c == '"' || c == '`':
			j := i + 1
			for j < len(src) && src[j] != c {
				if src[j] == '\\' && c != '`' {
					j++
				}
				j++
			}
			j = min(j+1, len(src))
			b.WriteString(src[i:j])
			prev, i = c, j
		case c >= '0' && c <= '9':
			j := i
			for j < len(src) && (isIdentPart(src[j]) || src[j] == '.' && j+1 < len(src) && src[j+1] >= '0' && src[j+1] <= '9') {
				j++
			}
			b.WriteString(src[i:j])
			prev, i = '0', j
		case isIdentStart(c):
			j := i
			for j < len(src) && isIdentPart(src[j]) {
				j++
			}
			name := src[i:j]
			next := nextNonSpace(src, j)
			member := prev == '.'
			call := next == '('
			key := len(stack) > 0 && stack[len(stack)-1] == '{' && (prev == '{' || prev == ',') && next == ':'
			if !member && !call && !key {
				switch {
				case vars.names[name]:
					b.WriteString("data.")
					r, _ := readName(src[j:])
					refs = append(refs, ref{root: name, name: r})
				case runVars[name]:
					problems = append(problems, fmt.Sprintf("%s is not available in an app: %s", name, vars.says))
				case appVars[name]:
					problems = append(problems, fmt.Sprintf("%s is not available here: %s", name, vars.says))
				}
			}
			b.WriteString(name)
			prev, i = 'a', j
		default:
			switch c {
			case '(', '[', '{':
				stack = append(stack, c)
			case ')', ']', '}':
				if len(stack) > 0 {
					stack = stack[:len(stack)-1]
				}
			}
			b.WriteByte(c)
			if c != ' ' && c != '\t' && c != '\n' && c != '\r' {
				prev = c
			}
			i++
		}
	}
	return b.String(), refs, problems
}

// readName reads the name after a variable: ".name" or `["name"]`.
func readName(rest string) (string, bool) {
	if strings.HasPrefix(rest, "?.") {
		rest = rest[1:]
	}
	if strings.HasPrefix(rest, ".") {
		j := 1
		for j < len(rest) && isIdentPart(rest[j]) {
			j++
		}
		return rest[1:j], j > 1
	}
	if strings.HasPrefix(rest, "[") && len(rest) > 2 && (rest[1] == '"' || rest[1] == '\'') {
		if end := strings.IndexByte(rest[2:], rest[1]); end >= 0 && strings.HasPrefix(rest[2+end+1:], "]") {
			return rest[2 : 2+end], true
		}
	}
	return "", false
}

// templateProblem is what is wrong with one template string.
type templateProblem struct {
	code, msg string
}

// compileTemplate rewrites s for vars and checks that it compiles with
// definition's CheckTemplate. It returns every problem found.
func compileTemplate(s string, vars templateVars) (tmpl, []ref, []templateProblem) {
	t := tmpl{src: s, expr: s}
	if !definition.HasTemplate(s) {
		if strings.Contains(s, "}}") {
			return t, nil, []templateProblem{{definition.CodeExpressionSyntax, "unexpected }} without a matching {{"}}
		}
		return t, nil, nil
	}
	segs, err := splitTemplate(s)
	if err != nil {
		return t, nil, []templateProblem{{definition.CodeExpressionSyntax, err.Error()}}
	}
	var b strings.Builder
	var refs []ref
	var problems []templateProblem
	for _, seg := range segs {
		if !seg.Expr {
			b.WriteString(seg.Text)
			continue
		}
		out, r, bad := rewriteExpr(seg.Text, vars)
		refs = append(refs, r...)
		for _, msg := range bad {
			problems = append(problems, templateProblem{definition.CodeUnknownVariable, "{{" + seg.Text + "}}: " + msg})
		}
		b.WriteString("{{" + out + "}}")
	}
	t.expr = b.String()
	if len(problems) == 0 {
		if err := definition.CheckTemplate(t.expr); err != nil {
			problems = append(problems, exprProblem(err))
		}
	}
	return t, refs, problems
}

// exprProblem describes a definition error in the app's own terms: the
// expression as the app wrote it, without data.
func exprProblem(err error) templateProblem {
	var msg, code string
	if e, ok := err.(*definition.ExprError); ok {
		code, msg = e.Code, e.Msg
		if e.Expr != "" {
			msg = "{{" + unrewrite(e.Expr) + "}}: " + msg
		}
	} else {
		code, msg = definition.CodeExpressionSyntax, err.Error()
	}
	if code == "" {
		code = definition.CodeExpressionSyntax
	}
	return templateProblem{code, unrewrite(msg)}
}

func unrewrite(s string) string {
	for v := range appVars {
		s = strings.ReplaceAll(s, "data."+v, v)
	}
	return s
}

// compileValue rewrites every string of a JSON value (a body) and reports
// problems by their path below at.
func compileValue(v any, at string, vars templateVars, report func(at string, p templateProblem), refs *[]ref) any {
	switch x := v.(type) {
	case string:
		t, r, problems := compileTemplate(x, vars)
		*refs = append(*refs, r...)
		for _, p := range problems {
			report(at, p)
		}
		return t.expr
	case map[string]any:
		out := make(map[string]any, len(x))
		// In key order, so that problems are reported in the same order
		// every time.
		for _, k := range slices.Sorted(maps.Keys(x)) {
			out[k] = compileValue(x[k], definition.PathKey(at, k), vars, report, refs)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = compileValue(e, at+"["+strconv.Itoa(i)+"]", vars, report, refs)
		}
		return out
	}
	return v
}

// text formats a rendered value for a URL, a header or a query parameter:
// strings as they are, null as "", other values as JSON.
func text(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}
