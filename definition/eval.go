package definition

import (
	"container/list"
	"errors"
	"fmt"
	"math"
	"reflect"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/checker"
	"github.com/expr-lang/expr/compiler"
	"github.com/expr-lang/expr/conf"
	"github.com/expr-lang/expr/file"
	"github.com/expr-lang/expr/optimizer"
	"github.com/expr-lang/expr/parser"
	"github.com/expr-lang/expr/vm"
	"github.com/expr-lang/expr/vm/runtime"
)

// Limits on expressions. They keep evaluation bounded inside workflow code, where a hang or a huge
// allocation would stall a workflow task or take the worker down.
const (
	// MaxExpressionLength is the longest source, in bytes, of one {{ }} expression.
	MaxExpressionLength = 4096
	// MaxExpressionNodes is the largest syntax tree one expression may parse to.
	MaxExpressionNodes = 1000
	// MaxEvalCost is the work budget of one Render or RenderString call, shared by all the
	// expressions it evaluates. Loop iterations, values read, strings built and the size of the
	// rendered result are charged against it (roughly one unit per byte or element).
	MaxEvalCost = 5_000_000

	// vmMemoryBudget bounds the elements expr's VM itself allocates for ranges, array and map
	// literals in one evaluation.
	vmMemoryBudget = 200_000
	// maxDepth bounds the nesting of values produced by expressions.
	maxDepth = 256
	// cacheSize is how many compiled expressions are kept.
	cacheSize = 4096
)

// ErrLimit is wrapped by evaluation errors caused by one of the limits above, so callers can treat
// them as permanent failures rather than retry them.
var ErrLimit = errors.New("expression limit exceeded")

// Names the rewriter introduces. They contain a space, so expressions cannot spell them.
const (
	meterName = "junction meter"
	fnGet     = "junction get"
	fnAdd     = "junction add"
	fnCharge  = "junction charge"
	fnLoop    = "junction loop"
	fnTruthy  = "junction truthy"
	tmpPrefix = "junction tmp"
)

// evalEnv is the environment expressions run in. Data, Step and Steps are what the language
// exposes; Meter carries the per-render budget to the functions the rewriter inserts.
type evalEnv struct {
	Data  map[string]any `expr:"data"`
	Step  any            `expr:"step"`
	Steps map[string]any `expr:"steps"`
	Item  any            `expr:"item"`
	Index int            `expr:"index"`
	State map[string]any `expr:"state"`
	Meter *meter         `expr:"junction meter"`
}

// meter is the work budget of one render, and carries the render's clock and id source to the
// functions that need them. It is not safe for concurrent use; each render has its own.
type meter struct {
	left int64
	now  func() time.Time
	uuid func() string
}

func newMeter(env Env) *meter { return &meter{left: MaxEvalCost, now: env.Now, uuid: env.UUID} }

// compileError marks an error found while compiling an expression, as opposed to evaluating it.
type compileError struct{ err error }

func (e *compileError) Error() string { return e.err.Error() }
func (e *compileError) Unwrap() error { return e.err }

// Sentinels carried by compile errors, so that errorCode can classify them.
var (
	errUnknownFunction = errors.New("unknown function")
	errNotSupported    = errors.New("not supported")
)

func (m *meter) spend(n int) error {
	if n > 0 {
		m.left -= int64(n)
	}
	if m.left < 0 {
		return fmt.Errorf("%w: work budget of %d units used up", ErrLimit, MaxEvalCost)
	}
	return nil
}

// disabledBuiltins read the clock or the host's time-zone database, so their results would
// differ between a workflow's first run and its replay. now() is replaced by a function that
// reads Env.Now (workflow time inside workflows); parseDate and formatDate replace date.
var disabledBuiltins = map[string]string{
	"date":     "it depends on the host's time zone; use parseDate, formatDate or now()",
	"timezone": "it depends on the host's time-zone database; pass a time zone to formatDate or isTimeOfDayBetween",
}

// boolPredicates are the builtins whose predicate is used as a condition.
var boolPredicates = map[string]bool{
	"all": true, "none": true, "any": true, "one": true, "filter": true, "count": true,
	"find": true, "findIndex": true, "findLast": true, "findLastIndex": true,
}

var exprOptions = sync.OnceValue(func() []expr.Option {
	opts := []expr.Option{expr.Env(evalEnv{}), expr.MaxNodes(MaxExpressionNodes)}
	for name := range disabledBuiltins {
		opts = append(opts, expr.DisableBuiltin(name))
	}
	internal := map[string]func(*meter, []any) (any, error){
		fnGet: fnGetImpl, fnAdd: fnAddImpl, fnCharge: fnChargeImpl, fnLoop: fnLoopImpl,
		fnTruthy: func(_ *meter, args []any) (any, error) { return Truthy(args[0]), nil },
	}
	for name, fn := range internal {
		opts = append(opts, expr.Function(name, withMeter(name, fn)))
	}
	for name, fn := range meteredFuncs {
		opts = append(opts, expr.Function(name, withMeter(name, fn)))
	}
	return opts
})

// withMeter adapts a function that takes the meter as its first argument, which the rewriter
// always passes.
func withMeter(name string, fn func(*meter, []any) (any, error)) func(...any) (any, error) {
	return func(args ...any) (any, error) {
		if len(args) == 0 {
			return nil, fmt.Errorf("%s: missing meter", name)
		}
		m, ok := args[0].(*meter)
		if !ok || m == nil {
			return nil, fmt.Errorf("%s: missing meter", name)
		}
		return fn(m, args[1:])
	}
}

// program is a compiled expression.
type program struct {
	src string
	p   *vm.Program
}

// compileCache is a bounded LRU of compiled expressions keyed by source. Programs are immutable
// and safe to share between goroutines.
type compileCache struct {
	mu    sync.Mutex
	ll    *list.List
	items map[string]*list.Element
}

var cache = &compileCache{ll: list.New(), items: map[string]*list.Element{}}

func (c *compileCache) get(src string) (*program, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.items[src]; ok {
		c.ll.MoveToFront(e)
		return e.Value.(*program), true
	}
	return nil, false
}

func (c *compileCache) put(p *program) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.items[p.src]; ok {
		c.ll.MoveToFront(e)
		return
	}
	c.items[p.src] = c.ll.PushFront(p)
	for c.ll.Len() > cacheSize {
		last := c.ll.Back()
		c.ll.Remove(last)
		delete(c.items, last.Value.(*program).src)
	}
}

// compile compiles one expression (the text between {{ and }}, already trimmed). Its errors
// are *compileError.
func compile(src string) (*program, error) {
	p, err := compileUncached(src)
	if err != nil {
		return nil, &compileError{err}
	}
	return p, nil
}

func compileUncached(src string) (*program, error) {
	if p, ok := cache.get(src); ok {
		return p, nil
	}
	if len(src) > MaxExpressionLength {
		return nil, fmt.Errorf("%w: expression is %d bytes long, the limit is %d", ErrLimit, len(src), MaxExpressionLength)
	}
	cfg := conf.CreateNew()
	for _, opt := range exprOptions() {
		opt(cfg)
	}
	for name := range cfg.Disabled {
		delete(cfg.Builtins, name)
	}
	tree, err := parser.ParseWithConfig(jsOperators(src), cfg)
	if err != nil {
		if strings.Contains(err.Error(), "maximum allowed nodes") {
			return nil, fmt.Errorf("%w: expression has more than %d syntax nodes", ErrLimit, MaxExpressionNodes)
		}
		return nil, err
	}
	var rw rewriter
	if tree.Node, err = rw.rewrite(tree.Node); err != nil {
		return nil, err
	}
	if _, err := checker.Check(tree, cfg); err != nil {
		return nil, err
	}
	if err := optimizer.Optimize(&tree.Node, cfg); err != nil {
		return nil, err
	}
	p, err := compiler.Compile(tree, cfg)
	if err != nil {
		return nil, err
	}
	prog := &program{src: src, p: p}
	cache.put(prog)
	return prog, nil
}

// run evaluates a compiled expression.
func (p *program) run(env Env, m *meter) (any, error) {
	machine := vm.VM{MemoryBudget: vmMemoryBudget}
	out, err := machine.Run(p.p, evalEnv{Data: env.Data, Step: env.Step, Steps: env.Steps,
		Item: env.Item, Index: env.Index, State: env.State, Meter: m})
	if err != nil {
		var fe *file.Error
		if errors.As(err, &fe) && strings.Contains(fe.Message, "memory budget exceeded") && !errors.Is(err, ErrLimit) {
			fe.Wrap(fmt.Errorf("%w: %s", ErrLimit, fe.Message))
		}
		return nil, err
	}
	return out, nil
}

// jsOperators rewrites JavaScript's strict equality operators to expr's, outside string
// literals. "===" becomes "== " so that columns in error messages stay right.
func jsOperators(src string) string {
	if !strings.Contains(src, "==") {
		return src
	}
	b := []byte(src)
	var quote byte
	for i := 0; i < len(b); i++ {
		c := b[i]
		switch {
		case quote != 0:
			if c == '\\' && quote != '`' {
				i++
			} else if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"' || c == '`':
			quote = c
		case (c == '=' || c == '!') && i+2 < len(b) && b[i+1] == '=' && b[i+2] == '=':
			b[i+2] = ' '
			i += 2
		}
	}
	return string(b)
}

// rewriter turns a parsed expression into one with JavaScript-like semantics and metered
// evaluation:
//   - member access (a.b, a['b'], a[0]) is nil-safe and supports .length;
//   - + concatenates when either side is a string;
//   - !, &&, ||, ?: and predicates use JavaScript truthiness, and && / || return an operand;
//   - null and undefined are nil;
//   - every value read, loop iteration and builtin result is charged to the meter.
type rewriter struct {
	tmp int // temporary variables introduced so far
}

func (r *rewriter) rewrite(n ast.Node) (ast.Node, error) {
	switch n := n.(type) {
	case *ast.NilNode, *ast.IntegerNode, *ast.FloatNode, *ast.BoolNode, *ast.StringNode,
		*ast.BytesNode, *ast.ConstantNode:
		return n, nil

	case *ast.IdentifierNode:
		switch n.Value {
		case "null", "undefined":
			return at(n, &ast.NilNode{}), nil
		case "$env":
			return nil, nodeErrorWith(n, errNotSupported, "$env is not available; use data, step, steps, item, index or env")
		case "env":
			// Values of env exist only inside activities (see RenderKeepingEnv), so no
			// expression can compute with one.
			return nil, nodeErrorWith(n, errNotSupported, "env can only stand alone, as {{env.NAME}} with NAME in UPPER_SNAKE_CASE, in the inputs of HttpRequest and connector steps")
		}
		return r.call(n, fnCharge, n), nil

	case *ast.PointerNode:
		return r.call(n, fnCharge, n), nil

	case *ast.UnaryNode:
		inner, err := r.rewrite(n.Node)
		if err != nil {
			return nil, err
		}
		if n.Operator == "!" || n.Operator == "not" {
			inner = r.call(n, fnTruthy, inner)
		}
		n.Node = inner
		return n, nil

	case *ast.BinaryNode:
		left, err := r.rewrite(n.Left)
		if err != nil {
			return nil, err
		}
		right, err := r.rewrite(n.Right)
		if err != nil {
			return nil, err
		}
		switch n.Operator {
		case "+":
			return r.call(n, fnAdd, left, right), nil
		case "||", "or", "&&", "and":
			// let t = left; truthy(t) ? t : right   (for ||; && swaps the branches)
			r.tmp++
			name := fmt.Sprintf("%s%d", tmpPrefix, r.tmp)
			cond := &ast.ConditionalNode{Ternary: true, Cond: r.call(n, fnTruthy, ident(n, name))}
			if n.Operator == "||" || n.Operator == "or" {
				cond.Exp1, cond.Exp2 = ident(n, name), right
			} else {
				cond.Exp1, cond.Exp2 = right, ident(n, name)
			}
			return at(n, &ast.VariableDeclaratorNode{Name: name, Value: left, Expr: at(n, cond)}), nil
		}
		n.Left, n.Right = left, right
		return n, nil

	case *ast.ChainNode:
		// Every member access is already nil-safe, so ?. needs no chain.
		return r.rewrite(n.Node)

	case *ast.MemberNode:
		if n.Method {
			return nil, nodeErrorWith(n, errNotSupported, "method calls are not supported")
		}
		obj, err := r.rewrite(n.Node)
		if err != nil {
			return nil, err
		}
		prop := n.Property
		if _, literal := prop.(*ast.StringNode); !literal {
			if prop, err = r.rewrite(prop); err != nil {
				return nil, err
			}
		}
		return r.call(n, fnGet, obj, prop), nil

	case *ast.SliceNode:
		var err error
		if n.Node, err = r.rewrite(n.Node); err != nil {
			return nil, err
		}
		if n.From != nil {
			if n.From, err = r.rewrite(n.From); err != nil {
				return nil, err
			}
		}
		if n.To != nil {
			if n.To, err = r.rewrite(n.To); err != nil {
				return nil, err
			}
		}
		return n, nil

	case *ast.CallNode:
		callee, ok := n.Callee.(*ast.IdentifierNode)
		if !ok {
			if m, isMember := n.Callee.(*ast.MemberNode); isMember && m.Method {
				return nil, nodeErrorWith(n, errNotSupported, "method calls are not supported; use a function such as upper(x)")
			}
			return nil, nodeErrorWith(n, errNotSupported, "unsupported call")
		}
		if _, ok := meteredFuncs[callee.Value]; !ok {
			if why, disabled := disabledBuiltins[callee.Value]; disabled {
				return nil, nodeErrorWith(n, errNotSupported, "function %s is not available: %s", callee.Value, why)
			}
			return nil, nodeErrorWith(n, errUnknownFunction, "unknown function %s", callee.Value)
		}
		if a := funcArity[callee.Value]; len(n.Arguments) < a[0] || a[1] >= 0 && len(n.Arguments) > a[1] {
			return nil, nodeErrorWith(n, nil, "%s", arityMessage(callee.Value, a, len(n.Arguments)))
		}
		args, err := r.rewriteAll(n.Arguments)
		if err != nil {
			return nil, err
		}
		n.Arguments = append([]ast.Node{ident(n, meterName)}, args...)
		return n, nil

	case *ast.BuiltinNode:
		var pred *ast.PredicateNode
		for _, a := range n.Arguments {
			if p, ok := a.(*ast.PredicateNode); ok {
				pred = p
			}
		}
		var cost int
		if pred != nil {
			cost = 1 + countNodes(pred.Node)
		}
		for i, a := range n.Arguments {
			if p, ok := a.(*ast.PredicateNode); ok {
				body, err := r.rewrite(p.Node)
				if err != nil {
					return nil, err
				}
				if boolPredicates[n.Name] {
					body = r.call(p, fnTruthy, body)
				}
				p.Node = body
				continue
			}
			arg, err := r.rewrite(a)
			if err != nil {
				return nil, err
			}
			if i == 0 && pred != nil {
				arg = r.call(a, fnLoop, arg, at(a, &ast.IntegerNode{Value: cost}))
			}
			n.Arguments[i] = arg
		}
		return r.call(n, fnCharge, n), nil

	case *ast.VariableDeclaratorNode:
		if err := r.rewriteEach(&n.Value, &n.Expr); err != nil {
			return nil, err
		}
		return n, nil

	case *ast.SequenceNode:
		nodes, err := r.rewriteAll(n.Nodes)
		n.Nodes = nodes
		return n, err

	case *ast.ConditionalNode:
		if err := r.rewriteEach(&n.Cond, &n.Exp1, &n.Exp2); err != nil {
			return nil, err
		}
		n.Cond = r.call(n, fnTruthy, n.Cond)
		return n, nil

	case *ast.ArrayNode:
		nodes, err := r.rewriteAll(n.Nodes)
		n.Nodes = nodes
		return n, err

	case *ast.MapNode:
		pairs, err := r.rewriteAll(n.Pairs)
		n.Pairs = pairs
		return n, err

	case *ast.PairNode:
		var err error
		if _, literal := n.Key.(*ast.StringNode); !literal {
			if n.Key, err = r.rewrite(n.Key); err != nil {
				return nil, err
			}
		}
		if n.Value, err = r.rewrite(n.Value); err != nil {
			return nil, err
		}
		return n, nil
	}
	return nil, nodeErrorWith(n, errNotSupported, "unsupported expression (%T)", n)
}

func (r *rewriter) rewriteAll(nodes []ast.Node) ([]ast.Node, error) {
	for i, n := range nodes {
		var err error
		if nodes[i], err = r.rewrite(n); err != nil {
			return nil, err
		}
	}
	return nodes, nil
}

// rewriteEach rewrites, in order, the nodes the fields of a node hold,
// putting each rewritten node in its field, and stops at the first error.
func (r *rewriter) rewriteEach(fields ...*ast.Node) error {
	for _, f := range fields {
		var err error
		if *f, err = r.rewrite(*f); err != nil {
			return err
		}
	}
	return nil
}

// call builds fn(meter, args...) located where from is.
func (r *rewriter) call(from ast.Node, fn string, args ...ast.Node) ast.Node {
	args = append([]ast.Node{ident(from, meterName)}, args...)
	return at(from, &ast.CallNode{Callee: ident(from, fn), Arguments: args})
}

func ident(from ast.Node, name string) ast.Node { return at(from, &ast.IdentifierNode{Value: name}) }

func at(from, n ast.Node) ast.Node {
	n.SetLocation(from.Location())
	return n
}

// nodeErrorWith reports a problem at n; sentinel classifies it (see errorCode).
func nodeErrorWith(n ast.Node, sentinel error, format string, args ...any) error {
	return &file.Error{Location: n.Location(), Message: fmt.Sprintf(format, args...), Prev: sentinel}
}

type nodeCounter int

func (c *nodeCounter) Visit(*ast.Node) { *c++ }

func countNodes(n ast.Node) int {
	var c nodeCounter
	ast.Walk(&n, &c)
	return int(c)
}

// fnGetImpl is nil-safe member access: get(meter, object, key).
func fnGetImpl(m *meter, args []any) (any, error) {
	out := member(args[0], args[1])
	return out, m.spend(1 + shallowSize(out))
}

func member(obj, key any) any {
	switch o := obj.(type) {
	case nil:
		return nil
	case map[string]any:
		return o[keyString(key)]
	case []any:
		if key == "length" {
			return len(o)
		}
		if i, ok := arrayIndex(key, len(o)); ok {
			return o[i]
		}
		return nil
	case string:
		if key == "length" {
			return utf8.RuneCountInString(o)
		}
		if i, ok := arrayIndex(key, len(o)); ok {
			k := 0
			for _, r := range o {
				if k == i {
					return string(r)
				}
				k++
			}
		}
		return nil
	}
	v := reflect.ValueOf(obj)
	switch v.Kind() {
	case reflect.Map:
		if v.Type().Key().Kind() != reflect.String {
			return nil
		}
		e := v.MapIndex(reflect.ValueOf(keyString(key)).Convert(v.Type().Key()))
		if !e.IsValid() {
			return nil
		}
		return e.Interface()
	case reflect.Slice, reflect.Array:
		if key == "length" {
			return v.Len()
		}
		if i, ok := arrayIndex(key, v.Len()); ok {
			return v.Index(i).Interface()
		}
	}
	return nil
}

// keyString converts a property to the string JavaScript would use as an object key.
func keyString(key any) string {
	if s, ok := key.(string); ok {
		return s
	}
	return formatScalar(key)
}

// arrayIndex converts a property to an index into an array of length n.
func arrayIndex(key any, n int) (int, bool) {
	var i int
	switch k := key.(type) {
	case string:
		if k == "" || len(k) > 18 {
			return 0, false
		}
		for _, c := range k {
			if c < '0' || c > '9' {
				return 0, false
			}
			i = i*10 + int(c-'0')
		}
	default:
		f, ok := toFloat(key)
		if !ok || f != math.Trunc(f) || f < 0 || f >= float64(n) {
			return 0, false
		}
		i = int(f)
	}
	return i, i >= 0 && i < n
}

// fnAddImpl is +: string concatenation when either side is a string (values formatted as in
// interpolation), number or duration addition otherwise.
func fnAddImpl(m *meter, args []any) (any, error) {
	a, b := args[0], args[1]
	_, as := a.(string)
	_, bs := b.(string)
	if as || bs {
		sa, err := formatValue(a, m)
		if err != nil {
			return nil, err
		}
		sb, err := formatValue(b, m)
		if err != nil {
			return nil, err
		}
		if err := m.spend(len(sa) + len(sb)); err != nil {
			return nil, err
		}
		return sa + sb, nil
	}
	_, an := toFloat(a)
	_, bn := toFloat(b)
	if !an || !bn {
		return nil, fmt.Errorf("cannot add %s and %s", typeName(a), typeName(b))
	}
	if err := m.spend(1); err != nil {
		return nil, err
	}
	return runtime.Add(a, b), nil
}

// fnChargeImpl charges a value read or produced and returns it unchanged.
func fnChargeImpl(m *meter, args []any) (any, error) {
	return args[0], m.spend(1 + shallowSize(args[0]))
}

// fnLoopImpl charges a loop over a collection before a predicate builtin iterates it.
func fnLoopImpl(m *meter, args []any) (any, error) {
	n := shallowSize(args[0])
	cost, _ := args[1].(int)
	if cost > 0 && n > MaxEvalCost/cost {
		return nil, m.spend(MaxEvalCost + 1)
	}
	return args[0], m.spend(n * cost)
}

// shallowSize is the length of a string, array or object, and 0 for anything else.
func shallowSize(v any) int {
	switch v := v.(type) {
	case nil, bool, int, float64:
		return 0
	case string:
		return len(v)
	case []any:
		return len(v)
	case map[string]any:
		return len(v)
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.String, reflect.Slice, reflect.Array, reflect.Map:
		return rv.Len()
	}
	return 0
}

// Truthy reports whether v counts as true in a condition, with JavaScript's rules: nil, false,
// 0, NaN and "" are false; everything else, including empty arrays and objects, is true.
func Truthy(v any) bool {
	switch v := v.(type) {
	case nil:
		return false
	case bool:
		return v
	case string:
		return v != ""
	}
	if f, ok := toFloat(v); ok {
		return f != 0 && !math.IsNaN(f)
	}
	rv := reflect.ValueOf(v)
	if (rv.Kind() == reflect.Pointer || rv.Kind() == reflect.Interface) && rv.IsNil() {
		return false
	}
	return true
}

// toFloat converts any Go number to float64.
func toFloat(v any) (float64, bool) {
	switch v := v.(type) {
	case float64:
		return v, true
	case int:
		return float64(v), true
	case bool, string, nil:
		return 0, false
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return float64(rv.Int()), true
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return float64(rv.Uint()), true
	case reflect.Float32, reflect.Float64:
		return rv.Float(), true
	}
	return 0, false
}

// typeName names a value's type the way the language talks about it.
func typeName(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "string"
	case bool:
		return "boolean"
	}
	if _, ok := toFloat(v); ok {
		return "number"
	}
	switch reflect.ValueOf(v).Kind() {
	case reflect.Slice, reflect.Array:
		return "array"
	case reflect.Map:
		return "object"
	}
	return fmt.Sprintf("%T", v)
}
