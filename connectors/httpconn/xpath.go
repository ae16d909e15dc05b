package httpconn

import (
	"math"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// xpathExpr is a compiled XPath: the XPath 1.0 subset documented in the
// package comment.
type xpathExpr struct {
	path *xpPath
	// count wraps the path in count(…).
	count bool
}

type xpAxis uint8

const (
	axisChild xpAxis = iota
	axisDescendantOrSelf
	axisAttribute
	axisSelf
	axisParent
)

type xpTest uint8

const (
	testName xpTest = iota // an element or attribute name, or * for any
	testText               // text()
	testNode               // node()
)

type xpStep struct {
	axis  xpAxis
	test  xpTest
	name  string // local name, or "*"
	preds []xpPred
}

// xpPath is a location path: absolute ("/a/b", "//c") or, inside a
// predicate, relative ("b/@c", ".", "text()").
type xpPath struct {
	absolute bool
	steps    []xpStep
}

type xpParser struct{ scanner }

// parseXPath compiles an absolute path, or count(path).
func parseXPath(src string) (*xpathExpr, error) {
	p := &xpParser{scanner{lang: "XPath", src: strings.TrimSpace(src)}}
	x := &xpathExpr{}
	if p.eat("count(") {
		x.count = true
	}
	if p.peek() != '/' {
		return nil, p.errorf("an XPath starts with / (or is count(/…))")
	}
	path, err := p.path()
	if err != nil {
		return nil, err
	}
	x.path = path
	p.space()
	if x.count && !p.eat(")") {
		return nil, p.errorf("expected ) closing count(")
	}
	if p.i < len(p.src) {
		return nil, p.errorf("unexpected %q", p.rest())
	}
	return x, nil
}

// path reads steps separated by "/" or "//"; a leading "/" makes it
// absolute.
func (p *xpParser) path() (*xpPath, error) {
	path := &xpPath{}
	switch {
	case p.eat("//"):
		path.absolute = true
		path.steps = append(path.steps, xpStep{axis: axisDescendantOrSelf, test: testNode})
	case p.eat("/"):
		path.absolute = true
		// "/" alone is the document.
		if !p.startsStep() {
			return path, nil
		}
	}
	for {
		step, err := p.step()
		if err != nil {
			return nil, err
		}
		path.steps = append(path.steps, step)
		switch {
		case p.eat("//"):
			path.steps = append(path.steps, xpStep{axis: axisDescendantOrSelf, test: testNode})
		case p.eat("/"):
		default:
			return path, nil
		}
	}
}

func (p *xpParser) startsStep() bool {
	c := p.peek()
	return c == '@' || c == '.' || c == '*' || c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c > 0x7f
}

func (p *xpParser) step() (xpStep, error) {
	switch {
	case p.eat(".."):
		return xpStep{axis: axisParent, test: testNode}, nil
	case p.eat("."):
		return xpStep{axis: axisSelf, test: testNode}, nil
	}
	step := xpStep{axis: axisChild}
	if p.eat("@") {
		step.axis = axisAttribute
	}
	switch {
	case p.eat("text()"):
		if step.axis == axisAttribute {
			return step, p.errorf("@text() is not a node test")
		}
		step.test = testText
	case p.eat("node()"):
		step.test = testNode
	case p.eat("*"):
		step.test, step.name = testName, "*"
	default:
		name, err := p.name()
		if err != nil {
			return step, err
		}
		if p.eat("::") {
			return step, p.errorf("axes (%s::) are not supported; use /, //, @, . and ..", name)
		}
		if p.peek() == '(' {
			return step, p.errorf("function %s() is not supported here", name)
		}
		step.test, step.name = testName, name
	}
	for {
		p.space()
		if !p.eat("[") {
			return step, nil
		}
		pred, err := p.orExpr()
		if err != nil {
			return step, err
		}
		p.space()
		if !p.eat("]") {
			return step, p.errorf("expected ]")
		}
		step.preds = append(step.preds, pred)
	}
}

// name reads a QName and returns its local part: namespaces are ignored,
// so "soap:Body" matches any element whose local name is Body, and
// "soap:*" any element.
func (p *xpParser) name() (string, error) {
	start := p.i
	for p.i < len(p.src) {
		r, size := utf8.DecodeRuneInString(p.src[p.i:])
		if r == '_' || r == '-' || r == '.' || r == ':' && !strings.HasPrefix(p.src[p.i:], "::") ||
			r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r > 0x7f {
			p.i += size
			continue
		}
		if r == '*' && p.i > start && p.src[p.i-1] == ':' {
			p.i++
			return "*", nil
		}
		break
	}
	if p.i == start {
		return "", p.errorf("expected a name")
	}
	qname := p.src[start:p.i]
	if _, local, ok := strings.Cut(qname, ":"); ok {
		return local, nil
	}
	return qname, nil
}

// Predicates: [n] (position), [last()], and tests that combine with "and",
// "or" and not(…) comparisons (=, !=, <, <=, >, >=) between relative paths
// (@id, sku, item/@sku, text(), .), numbers, 'strings', "strings",
// position() and last(); a path alone tests that it selects something.

type xpPred interface {
	eval(c xpContext) xpValue
}

// xpContext is where a predicate is evaluated: a node, its position
// (1-based) among the step's candidates, and their number.
type xpContext struct {
	node      *xnode
	pos, size int
	budget    *workBudget
}

// xpValue is one of XPath 1.0's types: []*xnode, string, float64 or bool.
type xpValue any

type xpOr []xpPred
type xpAnd []xpPred
type xpNotFn struct{ e xpPred }
type xpLiteral struct{ v xpValue }
type xpPosition struct{}
type xpLast struct{}
type xpPathExpr struct{ path *xpPath }
type xpCompare struct {
	op          string
	left, right xpPred
}

func (e xpOr) eval(c xpContext) xpValue {
	for _, x := range e {
		if toBool(x.eval(c)) {
			return true
		}
	}
	return false
}

func (e xpAnd) eval(c xpContext) xpValue {
	for _, x := range e {
		if !toBool(x.eval(c)) {
			return false
		}
	}
	return true
}

func (e xpNotFn) eval(c xpContext) xpValue    { return !toBool(e.e.eval(c)) }
func (e xpLiteral) eval(xpContext) xpValue    { return e.v }
func (xpPosition) eval(c xpContext) xpValue   { return float64(c.pos) }
func (xpLast) eval(c xpContext) xpValue       { return float64(c.size) }
func (e xpPathExpr) eval(c xpContext) xpValue { return e.path.eval(c.node, c.budget) }
func (e xpCompare) eval(c xpContext) xpValue {
	return compareValues(e.op, e.left.eval(c), e.right.eval(c))
}

func toBool(v xpValue) bool {
	switch x := v.(type) {
	case bool:
		return x
	case float64:
		return x != 0 && !math.IsNaN(x)
	case string:
		return x != ""
	case []*xnode:
		return len(x) > 0
	}
	return false
}

func toNumber(v xpValue) float64 {
	switch x := v.(type) {
	case float64:
		return x
	case bool:
		if x {
			return 1
		}
		return 0
	case string:
		f, err := strconv.ParseFloat(strings.TrimSpace(x), 64)
		if err != nil {
			return math.NaN()
		}
		return f
	case []*xnode:
		if len(x) == 0 {
			return math.NaN()
		}
		return toNumber(textOf(x[0]))
	}
	return math.NaN()
}

func toString(v xpValue) string {
	switch x := v.(type) {
	case string:
		return x
	case bool:
		return strconv.FormatBool(x)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case []*xnode:
		if len(x) == 0 {
			return ""
		}
		return textOf(x[0])
	}
	return ""
}

// compareValues follows XPath 1.0: a comparison with a node-set is true
// when it holds for some node of it.
func compareValues(op string, l, r xpValue) bool {
	if ln, ok := l.([]*xnode); ok {
		for _, n := range ln {
			if compareValues(op, textOf(n), r) {
				return true
			}
		}
		return false
	}
	if rn, ok := r.([]*xnode); ok {
		for _, n := range rn {
			if compareValues(op, l, textOf(n)) {
				return true
			}
		}
		return false
	}
	switch op {
	case "=", "!=":
		var eq bool
		_, lb := l.(bool)
		_, rb := r.(bool)
		_, lf := l.(float64)
		_, rf := r.(float64)
		switch {
		case lb || rb:
			eq = toBool(l) == toBool(r)
		case lf || rf:
			eq = toNumber(l) == toNumber(r)
		default:
			eq = toString(l) == toString(r)
		}
		return eq == (op == "=")
	case "<":
		return toNumber(l) < toNumber(r)
	case "<=":
		return toNumber(l) <= toNumber(r)
	case ">":
		return toNumber(l) > toNumber(r)
	case ">=":
		return toNumber(l) >= toNumber(r)
	}
	return false
}

func (p *xpParser) orExpr() (xpPred, error) {
	return chain(p.andExpr,
		func() bool { p.space(); return p.eatWord("or") },
		func(or xpOr) xpPred { return or })
}

func (p *xpParser) andExpr() (xpPred, error) {
	return chain(p.compareExpr,
		func() bool { p.space(); return p.eatWord("and") },
		func(and xpAnd) xpPred { return and })
}

// eatWord eats an operator name followed by a space or "(".
func (p *xpParser) eatWord(w string) bool {
	if !strings.HasPrefix(p.src[p.i:], w) {
		return false
	}
	if next := p.i + len(w); next < len(p.src) && strings.IndexByte(" \t\n\r(", p.src[next]) < 0 {
		return false
	}
	p.i += len(w)
	return true
}

func (p *xpParser) compareExpr() (xpPred, error) {
	left, err := p.primary()
	if err != nil {
		return nil, err
	}
	p.space()
	for _, op := range []string{"!=", "<=", ">=", "=", "<", ">"} {
		if p.eat(op) {
			right, err := p.primary()
			if err != nil {
				return nil, err
			}
			return xpCompare{op: op, left: left, right: right}, nil
		}
	}
	return left, nil
}

func (p *xpParser) primary() (xpPred, error) {
	p.space()
	c := p.peek()
	switch {
	case c == '\'' || c == '"':
		end := strings.IndexByte(p.src[p.i+1:], c)
		if end < 0 {
			return nil, p.errorf("unterminated string")
		}
		s := p.src[p.i+1 : p.i+1+end]
		p.i += end + 2
		return xpLiteral{s}, nil
	case c == '-' || c >= '0' && c <= '9':
		start := p.i
		p.eat("-")
		for p.i < len(p.src) && (p.src[p.i] == '.' || p.src[p.i] >= '0' && p.src[p.i] <= '9') {
			p.i++
		}
		f, err := strconv.ParseFloat(p.src[start:p.i], 64)
		if err != nil {
			return nil, p.errorf("bad number %q", p.src[start:p.i])
		}
		return xpLiteral{f}, nil
	case p.eat("last()"):
		return xpLast{}, nil
	case p.eat("position()"):
		return xpPosition{}, nil
	case p.eat("true()"):
		return xpLiteral{true}, nil
	case p.eat("false()"):
		return xpLiteral{false}, nil
	case p.eat("not("):
		e, err := p.orExpr()
		if err != nil {
			return nil, err
		}
		p.space()
		if !p.eat(")") {
			return nil, p.errorf("expected ) closing not(")
		}
		return xpNotFn{e}, nil
	case p.eat("("):
		e, err := p.orExpr()
		if err != nil {
			return nil, err
		}
		p.space()
		if !p.eat(")") {
			return nil, p.errorf("expected )")
		}
		return e, nil
	case c == '/' || p.startsStep():
		path, err := p.path()
		if err != nil {
			return nil, err
		}
		return xpPathExpr{path}, nil
	}
	return nil, p.errorf("expected a path, a number, a string, last(), position() or not(…)")
}

// eval applies the path from ctx (ignored when absolute) and returns the
// nodes selected, in document order without duplicates.
func (path *xpPath) eval(ctx *xnode, b *workBudget) []*xnode {
	if path.absolute {
		for ctx.parent != nil {
			ctx = ctx.parent
		}
	}
	nodes := []*xnode{ctx}
	for _, step := range path.steps {
		seen := map[*xnode]bool{}
		var next []*xnode
		for _, n := range nodes {
			for _, m := range step.apply(n, b) {
				if !seen[m] {
					seen[m] = true
					next = append(next, m)
				}
			}
		}
		sort.Slice(next, func(i, j int) bool { return next[i].order < next[j].order })
		nodes = next
		if len(nodes) == 0 {
			return nil
		}
	}
	return nodes
}

// apply selects the step's nodes from n, then filters them through each
// predicate in turn, positions counted among the survivors so far.
func (s xpStep) apply(n *xnode, b *workBudget) []*xnode {
	var cand []*xnode
	switch s.axis {
	case axisChild:
		cand = n.children
	case axisAttribute:
		cand = n.attrs
	case axisSelf:
		cand = []*xnode{n}
	case axisParent:
		if n.parent != nil {
			cand = []*xnode{n.parent}
		}
	case axisDescendantOrSelf:
		var walk func(*xnode)
		walk = func(m *xnode) {
			b.spend(1)
			cand = append(cand, m)
			for _, c := range m.children {
				walk(c)
			}
		}
		walk(n)
	}
	b.spend(1 + len(cand))
	var out []*xnode
	for _, c := range cand {
		if s.matches(c) {
			out = append(out, c)
		}
	}
	for _, pred := range s.preds {
		var kept []*xnode
		for i, c := range out {
			b.spend(1)
			v := pred.eval(xpContext{node: c, pos: i + 1, size: len(out), budget: b})
			if f, ok := v.(float64); ok {
				if f == float64(i+1) {
					kept = append(kept, c)
				}
			} else if toBool(v) {
				kept = append(kept, c)
			}
		}
		out = kept
	}
	return out
}

func (s xpStep) matches(n *xnode) bool {
	switch s.test {
	case testText:
		return n.kind == xText
	case testNode:
		return true
	}
	want := xElement
	if s.axis == axisAttribute {
		want = xAttr
	}
	return n.kind == want && (s.name == "*" || s.name == n.name)
}

// eval applies the expression to a parsed document: count(…) gives an int;
// a path gives nil when it selects nothing, the node's value when it
// selects one, and a list of values when it selects more. An attribute or
// text node's value is its text; an element's is its text when it has
// neither attributes nor child elements, and otherwise the map that
// Response.Body uses for it.
//
// A path that needs more than MaxExtractWork on doc is an error.
func (x *xpathExpr) eval(doc *xnode) (any, error) {
	return evaluate(func(b *workBudget) any {
		nodes := x.path.eval(doc, b)
		if x.count {
			return len(nodes)
		}
		switch len(nodes) {
		case 0:
			return nil
		case 1:
			return nodeValue(nodes[0])
		}
		out := make([]any, len(nodes))
		for i, n := range nodes {
			out[i] = nodeValue(n)
		}
		return out
	})
}

func nodeValue(n *xnode) any {
	switch n.kind {
	case xElement:
		return elementValue(n)
	case xDocument:
		return xmlMapForm(n)
	}
	return n.value
}
