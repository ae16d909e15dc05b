package httpconn

import (
	"encoding/json"
	"math"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// jsonPath is a compiled JSONPath: the subset of RFC 9535 documented in the
// package comment.
type jsonPath struct {
	segs []jpSegment
	// definite paths (names and indexes only) select at most one value.
	definite bool
}

// jpSegment is one step: ".name", "[…]", or "..name" / "..[…]" when
// descendant.
type jpSegment struct {
	descendant bool
	sels       []jpSelector
}

type jpSelKind uint8

const (
	jpName jpSelKind = iota
	jpWildcard
	jpIndex
	jpSlice
	jpFilter
)

type jpSelector struct {
	kind   jpSelKind
	name   string
	index  int
	slice  [3]*int // start, end, step
	filter jpExpr
}

// jpParser reads a JSONPath from src.
type jpParser struct{ scanner }

// parseJSONPath compiles a path that starts with "$".
func parseJSONPath(src string) (*jsonPath, error) {
	p := &jpParser{scanner{lang: "JSON path", src: strings.TrimSpace(src)}}
	if !p.eat("$") {
		return nil, p.errorf("a JSON path starts with $")
	}
	segs, err := p.segments()
	if err != nil {
		return nil, err
	}
	if p.i < len(p.src) {
		return nil, p.errorf("unexpected %q", p.rest())
	}
	return &jsonPath{segs: segs, definite: definite(segs)}, nil
}

func definite(segs []jpSegment) bool {
	for _, s := range segs {
		if s.descendant || len(s.sels) != 1 || (s.sels[0].kind != jpName && s.sels[0].kind != jpIndex) {
			return false
		}
	}
	return true
}

// segments reads segments until the next character cannot start one.
func (p *jpParser) segments() ([]jpSegment, error) {
	var segs []jpSegment
	for {
		switch {
		case p.eat(".."):
			seg := jpSegment{descendant: true}
			switch {
			case p.peek() == '[':
				sels, err := p.bracket()
				if err != nil {
					return nil, err
				}
				seg.sels = sels
			case p.eat("*"):
				seg.sels = []jpSelector{{kind: jpWildcard}}
			default:
				name, err := p.dotName()
				if err != nil {
					return nil, err
				}
				seg.sels = []jpSelector{{kind: jpName, name: name}}
			}
			segs = append(segs, seg)
		case p.eat("."):
			if p.eat("*") {
				segs = append(segs, jpSegment{sels: []jpSelector{{kind: jpWildcard}}})
				continue
			}
			name, err := p.dotName()
			if err != nil {
				return nil, err
			}
			segs = append(segs, jpSegment{sels: []jpSelector{{kind: jpName, name: name}}})
		case p.peek() == '[':
			sels, err := p.bracket()
			if err != nil {
				return nil, err
			}
			segs = append(segs, jpSegment{sels: sels})
		default:
			return segs, nil
		}
	}
}

// dotName reads the name after "." : letters, digits, "_", "-" and any
// non-ASCII character. Other names need brackets: $['odd key'].
func (p *jpParser) dotName() (string, error) {
	start := p.i
	for p.i < len(p.src) {
		r, size := utf8.DecodeRuneInString(p.src[p.i:])
		if r == '_' || r == '-' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r > 0x7f {
			p.i += size
			continue
		}
		break
	}
	if p.i == start {
		return "", p.errorf("expected a member name; use ['…'] for names with other characters")
	}
	return p.src[start:p.i], nil
}

// bracket reads "[sel, sel, …]".
func (p *jpParser) bracket() ([]jpSelector, error) {
	p.eat("[")
	var sels []jpSelector
	for {
		p.space()
		sel, err := p.selector()
		if err != nil {
			return nil, err
		}
		sels = append(sels, sel)
		p.space()
		if p.eat("]") {
			return sels, nil
		}
		if !p.eat(",") {
			return nil, p.errorf("expected , or ]")
		}
	}
}

func (p *jpParser) selector() (jpSelector, error) {
	c := p.peek()
	switch {
	case c == '\'' || c == '"':
		s, err := p.quoted()
		return jpSelector{kind: jpName, name: s}, err
	case c == '*':
		p.i++
		return jpSelector{kind: jpWildcard}, nil
	case c == '?':
		p.i++
		p.space()
		e, err := p.orExpr()
		return jpSelector{kind: jpFilter, filter: e}, err
	case c == '-' || c == ':' || c >= '0' && c <= '9':
		var parts [3]*int
		n := 0
		for {
			p.space()
			if c := p.peek(); c == '-' || c >= '0' && c <= '9' {
				v, err := p.integer()
				if err != nil {
					return jpSelector{}, err
				}
				parts[n] = &v
			}
			p.space()
			if n == 2 || !p.eat(":") {
				break
			}
			n++
		}
		if n == 0 {
			return jpSelector{kind: jpIndex, index: *parts[0]}, nil
		}
		return jpSelector{kind: jpSlice, slice: parts}, nil
	}
	return jpSelector{}, p.errorf("expected a name in quotes, an index, a slice, * or a ?filter")
}

func (p *jpParser) integer() (int, error) {
	start := p.i
	p.eat("-")
	for p.i < len(p.src) && p.src[p.i] >= '0' && p.src[p.i] <= '9' {
		p.i++
	}
	v, err := strconv.Atoi(p.src[start:p.i])
	if err != nil {
		return 0, p.errorf("bad integer %q", p.src[start:p.i])
	}
	return v, nil
}

// quoted reads a '…' or "…" string with JSON's escapes (and \').
func (p *jpParser) quoted() (string, error) {
	q := p.src[p.i]
	p.i++
	var b strings.Builder
	for p.i < len(p.src) {
		c := p.src[p.i]
		switch {
		case c == q:
			p.i++
			return b.String(), nil
		case c == '\\':
			if p.i+1 >= len(p.src) {
				return "", p.errorf("unfinished escape")
			}
			e := p.src[p.i+1]
			p.i += 2
			switch e {
			case '\\', '/', '\'', '"':
				b.WriteByte(e)
			case 'b':
				b.WriteByte('\b')
			case 'f':
				b.WriteByte('\f')
			case 'n':
				b.WriteByte('\n')
			case 'r':
				b.WriteByte('\r')
			case 't':
				b.WriteByte('\t')
			case 'u':
				if p.i+4 > len(p.src) {
					return "", p.errorf("bad \\u escape")
				}
				v, err := strconv.ParseUint(p.src[p.i:p.i+4], 16, 32)
				if err != nil {
					return "", p.errorf("bad \\u escape")
				}
				b.WriteRune(rune(v))
				p.i += 4
			default:
				return "", p.errorf("unknown escape \\%c", e)
			}
		default:
			b.WriteByte(c)
			p.i++
		}
	}
	return "", p.errorf("unterminated string")
}

// Filter expressions: ?<expr> or ?(<expr>), where <expr> combines with
// ||, && and ! comparisons (==, !=, <, <=, >, >=) between singular
// queries (@.a, @['b'][0], $.c) and literals ('s', "s", 1.5, true, false,
// null), and existence tests (@.a, @..b, @[*]).

type jpExpr interface {
	test(node any, run *jpRun) bool
}

type jpOr []jpExpr
type jpAnd []jpExpr
type jpNot struct{ e jpExpr }
type jpExists struct {
	relative bool
	segs     []jpSegment
}
type jpCompare struct {
	op          string
	left, right jpOperand
}

// jpOperand is a literal, or a singular query from @ or $.
type jpOperand struct {
	query    bool
	relative bool
	segs     []jpSegment
	literal  any
}

func (e jpOr) test(node any, run *jpRun) bool {
	for _, x := range e {
		if x.test(node, run) {
			return true
		}
	}
	return false
}

func (e jpAnd) test(node any, run *jpRun) bool {
	for _, x := range e {
		if !x.test(node, run) {
			return false
		}
	}
	return true
}

func (e jpNot) test(node any, run *jpRun) bool { return !e.e.test(node, run) }

func (e jpExists) test(node any, run *jpRun) bool {
	start := run.root
	if e.relative {
		start = node
	}
	return len(evalSegments(e.segs, start, run)) > 0
}

// nothing stands for an operand query that selected no value.
type nothing struct{}

func (o jpOperand) value(node any, run *jpRun) any {
	if !o.query {
		return o.literal
	}
	start := run.root
	if o.relative {
		start = node
	}
	got := evalSegments(o.segs, start, run)
	if len(got) == 0 {
		return nothing{}
	}
	return got[0]
}

func (e jpCompare) test(node any, run *jpRun) bool {
	l, r := e.left.value(node, run), e.right.value(node, run)
	switch e.op {
	case "==":
		return jpEqual(l, r)
	case "!=":
		return !jpEqual(l, r)
	case "<":
		return jpLess(l, r)
	case "<=":
		return jpLess(l, r) || jpEqual(l, r)
	case ">":
		return jpLess(r, l)
	case ">=":
		return jpLess(r, l) || jpEqual(l, r)
	}
	return false
}

func jpEqual(a, b any) bool {
	a, b = jpNumber(a), jpNumber(b)
	if af, ok := a.(float64); ok {
		bf, ok := b.(float64)
		return ok && af == bf
	}
	return reflect.DeepEqual(a, b)
}

func jpLess(a, b any) bool {
	a, b = jpNumber(a), jpNumber(b)
	switch x := a.(type) {
	case float64:
		y, ok := b.(float64)
		return ok && x < y
	case string:
		y, ok := b.(string)
		return ok && x < y
	}
	return false
}

// jpNumber compares a number of a document decoded with UseNumber as the
// float64 a literal is.
func jpNumber(v any) any {
	if n, ok := v.(json.Number); ok {
		if f, err := n.Float64(); err == nil {
			return f
		}
	}
	return v
}

func (p *jpParser) orExpr() (jpExpr, error) {
	return chain(func() (jpExpr, error) { p.space(); return p.andExpr() },
		func() bool { p.space(); return p.eat("||") },
		func(or jpOr) jpExpr { return or })
}

func (p *jpParser) andExpr() (jpExpr, error) {
	return chain(func() (jpExpr, error) { p.space(); return p.unary() },
		func() bool { p.space(); return p.eat("&&") },
		func(and jpAnd) jpExpr { return and })
}

func (p *jpParser) unary() (jpExpr, error) {
	p.space()
	if p.peek() == '!' && !strings.HasPrefix(p.src[p.i:], "!=") {
		p.i++
		e, err := p.unary()
		return jpNot{e}, err
	}
	if p.eat("(") {
		e, err := p.orExpr()
		if err != nil {
			return nil, err
		}
		p.space()
		if !p.eat(")") {
			return nil, p.errorf("expected )")
		}
		return e, nil
	}
	left, err := p.operand()
	if err != nil {
		return nil, err
	}
	p.space()
	for _, op := range []string{"==", "!=", "<=", ">=", "<", ">"} {
		if !p.eat(op) {
			continue
		}
		p.space()
		right, err := p.operand()
		if err != nil {
			return nil, err
		}
		for _, o := range []jpOperand{left, right} {
			if o.query && !definite(o.segs) {
				return nil, p.errorf("a comparison needs single-value queries (names and indexes only)")
			}
		}
		return jpCompare{op: op, left: left, right: right}, nil
	}
	if !left.query {
		return nil, p.errorf("a literal alone is not a test; compare it with a query")
	}
	return jpExists{relative: left.relative, segs: left.segs}, nil
}

func (p *jpParser) operand() (jpOperand, error) {
	p.space()
	c := p.peek()
	switch {
	case c == '@' || c == '$':
		p.i++
		segs, err := p.segments()
		return jpOperand{query: true, relative: c == '@', segs: segs}, err
	case c == '\'' || c == '"':
		s, err := p.quoted()
		return jpOperand{literal: s}, err
	case c == '-' || c >= '0' && c <= '9':
		start := p.i
		for p.i < len(p.src) && strings.IndexByte("+-.eE0123456789", p.src[p.i]) >= 0 {
			p.i++
		}
		f, err := strconv.ParseFloat(p.src[start:p.i], 64)
		if err != nil || math.IsInf(f, 0) {
			return jpOperand{}, p.errorf("bad number %q", p.src[start:p.i])
		}
		return jpOperand{literal: f}, nil
	case p.eat("true"):
		return jpOperand{literal: true}, nil
	case p.eat("false"):
		return jpOperand{literal: false}, nil
	case p.eat("null"):
		return jpOperand{literal: nil}, nil
	}
	return jpOperand{}, p.errorf("expected @, $, a string, a number, true, false or null")
}

// JSONPath is a compiled JSONPath, the one Request.Extract runs, for
// callers that read a document they decoded themselves: a declarative
// app's poll decodes answers with json.Decoder.UseNumber so that an item
// keeps every digit of a 64-bit id, and filters compare such numbers as
// numbers.
type JSONPath struct{ p *jsonPath }

// CompileJSONPath compiles a path that starts with "$".
func CompileJSONPath(src string) (*JSONPath, error) {
	p, err := parseJSONPath(src)
	if err != nil {
		return nil, err
	}
	return &JSONPath{p: p}, nil
}

// Eval applies the path to a decoded JSON document, as Extract does: a
// definite path (names and indexes only) gives the value, or nil when
// absent; any other gives the list of values found. A path that needs more
// than MaxExtractWork on doc is an error.
func (jp *JSONPath) Eval(doc any) (any, error) { return jp.p.eval(doc) }

// jpRun is one evaluation: the document $ stands for, and the work it
// may still do.
type jpRun struct {
	root   any
	budget *workBudget
}

// eval applies the path to a decoded JSON document. A definite path gives
// the value or nil when absent; any other gives a list of the values found,
// empty when none. A path that needs more than MaxExtractWork on doc is an
// error.
func (jp *jsonPath) eval(doc any) (any, error) {
	return evaluate(func(b *workBudget) any {
		got := evalSegments(jp.segs, doc, &jpRun{root: doc, budget: b})
		if jp.definite {
			if len(got) == 0 {
				return nil
			}
			return got[0]
		}
		if got == nil {
			got = []any{}
		}
		return got
	})
}

func evalSegments(segs []jpSegment, start any, run *jpRun) []any {
	nodes := []any{start}
	for _, seg := range segs {
		var next []any
		for _, n := range nodes {
			if seg.descendant {
				for _, d := range descendants(n, nil, run.budget) {
					next = applySelectors(seg.sels, d, run, next)
				}
			} else {
				next = applySelectors(seg.sels, n, run, next)
			}
		}
		nodes = next
		if len(nodes) == 0 {
			return nil
		}
	}
	return nodes
}

// descendants lists n and everything inside it, depth first, object
// members in key order.
func descendants(n any, out []any, b *workBudget) []any {
	b.spend(1)
	out = append(out, n)
	for _, c := range children(n) {
		out = descendants(c, out, b)
	}
	return out
}

// children lists an array's items or an object's member values in key
// order (decoded objects have no order of their own).
func children(n any) []any {
	switch v := n.(type) {
	case []any:
		return v
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		out := make([]any, len(keys))
		for i, k := range keys {
			out[i] = v[k]
		}
		return out
	}
	return nil
}

func applySelectors(sels []jpSelector, n any, run *jpRun, out []any) []any {
	before := len(out)
	defer func() { run.budget.spend(1 + len(out) - before) }()
	for _, s := range sels {
		switch s.kind {
		case jpName:
			if m, ok := n.(map[string]any); ok {
				if v, ok := m[s.name]; ok {
					out = append(out, v)
				}
			}
		case jpWildcard:
			out = append(out, children(n)...)
		case jpIndex:
			if a, ok := n.([]any); ok {
				i := s.index
				if i < 0 {
					i += len(a)
				}
				if i >= 0 && i < len(a) {
					out = append(out, a[i])
				}
			}
		case jpSlice:
			if a, ok := n.([]any); ok {
				out = appendSlice(out, a, s.slice)
			}
		case jpFilter:
			for _, c := range children(n) {
				run.budget.spend(1)
				if s.filter.test(c, run) {
					out = append(out, c)
				}
			}
		}
	}
	return out
}

// appendSlice applies start:end:step with RFC 9535's semantics.
func appendSlice(out, a []any, parts [3]*int) []any {
	n := len(a)
	step := 1
	if parts[2] != nil {
		step = *parts[2]
	}
	if step == 0 {
		return out
	}
	norm := func(i int) int {
		if i < 0 {
			return i + n
		}
		return i
	}
	clamp := func(i, lo, hi int) int { return max(lo, min(i, hi)) }
	if step > 0 {
		start, end := 0, n
		if parts[0] != nil {
			start = clamp(norm(*parts[0]), 0, n)
		}
		if parts[1] != nil {
			end = clamp(norm(*parts[1]), 0, n)
		}
		// i+step may overflow for a huge step: compare with what is left.
		for i := start; i < end; i += step {
			out = append(out, a[i])
			if step >= end-i {
				break
			}
		}
		return out
	}
	start, end := n-1, -1
	if parts[0] != nil {
		start = clamp(norm(*parts[0]), -1, n-1)
	}
	if parts[1] != nil {
		end = clamp(norm(*parts[1]), -1, n-1)
	}
	for i := start; i > end; i += step {
		out = append(out, a[i])
		if step <= end-i {
			break
		}
	}
	return out
}
