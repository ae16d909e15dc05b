package definition

import (
	"fmt"
	"math"
	"reflect"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/expr-lang/expr/vm/runtime"
)

// meteredFuncs replace expr builtins whose output can be much larger than their input (so they
// must check the budget before allocating) or whose result order comes from Go map iteration
// (so it would differ between runs), and add the 8x8 helpers that need no clock or time-zone
// database. The rewriter passes the meter as the first argument; args are what the expression
// passed.
var meteredFuncs = map[string]func(m *meter, args []any) (any, error){
	"repeat":         fnRepeat,
	"replace":        fnReplace,
	"join":           fnJoin,
	"toJSON":         fnToJSON,
	"string":         fnString,
	"concat":         fnConcat,
	"flatten":        fnFlatten,
	"keys":           fnKeys,
	"values":         fnValues,
	"toPairs":        fnToPairs,
	"uniq":           fnUniq,
	"stringContains": fnStringContains,
}

func arity(name string, args []any, min, max int) error {
	if len(args) < min || len(args) > max {
		if min == max {
			return fmt.Errorf("%s expects %d arguments, got %d", name, min, len(args))
		}
		return fmt.Errorf("%s expects %d to %d arguments, got %d", name, min, max, len(args))
	}
	return nil
}

func stringArg(name string, args []any, i int) (string, error) {
	s, ok := args[i].(string)
	if !ok {
		return "", fmt.Errorf("%s: argument %d must be a string, not %s", name, i+1, typeName(args[i]))
	}
	return s, nil
}

func intArg(name string, args []any, i int) (int, error) {
	f, ok := toFloat(args[i])
	if !ok || f != math.Trunc(f) || math.Abs(f) > 1<<53 {
		return 0, fmt.Errorf("%s: argument %d must be an integer, not %s", name, i+1, typeName(args[i]))
	}
	return int(f), nil
}

func arrayArg(name string, args []any, i int) (reflect.Value, error) {
	v := reflect.ValueOf(args[i])
	if (v.Kind() != reflect.Slice && v.Kind() != reflect.Array) || v.Type().Elem().Kind() == reflect.Uint8 {
		return reflect.Value{}, fmt.Errorf("%s: argument %d must be an array, not %s", name, i+1, typeName(args[i]))
	}
	return v, nil
}

func mapArg(name string, args []any, i int) (reflect.Value, error) {
	v := reflect.ValueOf(args[i])
	if v.Kind() != reflect.Map {
		return reflect.Value{}, fmt.Errorf("%s: argument %d must be an object, not %s", name, i+1, typeName(args[i]))
	}
	return v, nil
}

// repeat(s, n): s repeated n times.
func fnRepeat(m *meter, args []any) (any, error) {
	if err := arity("repeat", args, 2, 2); err != nil {
		return nil, err
	}
	s, err := stringArg("repeat", args, 0)
	if err != nil {
		return nil, err
	}
	n, err := intArg("repeat", args, 1)
	if err != nil {
		return nil, err
	}
	if n < 0 {
		return nil, fmt.Errorf("repeat: count must not be negative, got %d", n)
	}
	if len(s) > 0 && n > MaxEvalCost/len(s) {
		return nil, m.spend(MaxEvalCost + 1)
	}
	if err := m.spend(len(s) * n); err != nil {
		return nil, err
	}
	return strings.Repeat(s, n), nil
}

// replace(s, old, new): s with every old replaced by new.
func fnReplace(m *meter, args []any) (any, error) {
	if err := arity("replace", args, 3, 3); err != nil {
		return nil, err
	}
	var strs [3]string
	for i := range strs {
		var err error
		if strs[i], err = stringArg("replace", args, i); err != nil {
			return nil, err
		}
	}
	s, old, repl := strs[0], strs[1], strs[2]
	n := 0
	if old == "" {
		n = utf8.RuneCountInString(s) + 1
	} else {
		n = strings.Count(s, old)
	}
	if err := m.spend(len(s)); err != nil {
		return nil, err
	}
	if grow := len(repl) - len(old); grow > 0 {
		if n > MaxEvalCost/grow {
			return nil, m.spend(MaxEvalCost + 1)
		}
		if err := m.spend(n * grow); err != nil {
			return nil, err
		}
	}
	return strings.ReplaceAll(s, old, repl), nil
}

// join(array, separator = ""): the elements formatted as in interpolation, separated.
func fnJoin(m *meter, args []any) (any, error) {
	if err := arity("join", args, 1, 2); err != nil {
		return nil, err
	}
	arr, err := arrayArg("join", args, 0)
	if err != nil {
		return nil, err
	}
	sep := ""
	if len(args) == 2 {
		if sep, err = stringArg("join", args, 1); err != nil {
			return nil, err
		}
	}
	var b strings.Builder
	for i := range arr.Len() {
		s, err := formatValue(arr.Index(i).Interface(), m)
		if err != nil {
			return nil, err
		}
		if i > 0 {
			s = sep + s
		}
		if err := m.spend(len(s)); err != nil {
			return nil, err
		}
		b.WriteString(s)
	}
	return b.String(), nil
}

// toJSON(v): v as compact JSON, object keys sorted.
func fnToJSON(m *meter, args []any) (any, error) {
	if err := arity("toJSON", args, 1, 1); err != nil {
		return nil, err
	}
	n, err := normalize(args[0], m, 0)
	if err != nil {
		return nil, err
	}
	return marshalJSON(n)
}

// string(v): v formatted as in interpolation.
func fnString(m *meter, args []any) (any, error) {
	if err := arity("string", args, 1, 1); err != nil {
		return nil, err
	}
	s, err := formatValue(args[0], m)
	if err != nil {
		return nil, err
	}
	return s, m.spend(len(s))
}

// concat(a, b, ...): the arrays joined into one.
func fnConcat(m *meter, args []any) (any, error) {
	if len(args) == 0 {
		return nil, fmt.Errorf("concat expects at least 1 argument")
	}
	total := 0
	arrs := make([]reflect.Value, len(args))
	for i := range args {
		a, err := arrayArg("concat", args, i)
		if err != nil {
			return nil, err
		}
		arrs[i] = a
		total += a.Len()
	}
	if err := m.spend(total); err != nil {
		return nil, err
	}
	out := make([]any, 0, total)
	for _, a := range arrs {
		for i := range a.Len() {
			out = append(out, a.Index(i).Interface())
		}
	}
	return out, nil
}

// flatten(array): nested arrays flattened into one.
func fnFlatten(m *meter, args []any) (any, error) {
	if err := arity("flatten", args, 1, 1); err != nil {
		return nil, err
	}
	arr, err := arrayArg("flatten", args, 0)
	if err != nil {
		return nil, err
	}
	var out []any
	var walk func(v reflect.Value, depth int) error
	walk = func(v reflect.Value, depth int) error {
		if depth > maxDepth {
			return fmt.Errorf("%w: flatten: array is nested more than %d levels deep", ErrLimit, maxDepth)
		}
		if err := m.spend(v.Len()); err != nil {
			return err
		}
		for i := range v.Len() {
			e := reflect.ValueOf(v.Index(i).Interface())
			if (e.Kind() == reflect.Slice || e.Kind() == reflect.Array) && e.Type().Elem().Kind() != reflect.Uint8 {
				if err := walk(e, depth+1); err != nil {
					return err
				}
				continue
			}
			out = append(out, v.Index(i).Interface())
		}
		return nil
	}
	if err := walk(arr, 0); err != nil {
		return nil, err
	}
	if out == nil {
		out = []any{}
	}
	return out, nil
}

// sortedMapKeys returns an object's keys sorted by their string form.
func sortedMapKeys(m *meter, name string, args []any) (reflect.Value, []reflect.Value, error) {
	if err := arity(name, args, 1, 1); err != nil {
		return reflect.Value{}, nil, err
	}
	v, err := mapArg(name, args, 0)
	if err != nil {
		return reflect.Value{}, nil, err
	}
	if err := m.spend(v.Len()); err != nil {
		return reflect.Value{}, nil, err
	}
	keys := v.MapKeys()
	slices.SortFunc(keys, func(a, b reflect.Value) int {
		return strings.Compare(keyString(a.Interface()), keyString(b.Interface()))
	})
	return v, keys, nil
}

// keys(object): the keys, sorted.
func fnKeys(m *meter, args []any) (any, error) {
	_, keys, err := sortedMapKeys(m, "keys", args)
	if err != nil {
		return nil, err
	}
	out := make([]any, len(keys))
	for i, k := range keys {
		out[i] = k.Interface()
	}
	return out, nil
}

// values(object): the values, in the order of the sorted keys.
func fnValues(m *meter, args []any) (any, error) {
	v, keys, err := sortedMapKeys(m, "values", args)
	if err != nil {
		return nil, err
	}
	out := make([]any, len(keys))
	for i, k := range keys {
		out[i] = v.MapIndex(k).Interface()
	}
	return out, nil
}

// toPairs(object): [key, value] pairs, sorted by key.
func fnToPairs(m *meter, args []any) (any, error) {
	v, keys, err := sortedMapKeys(m, "toPairs", args)
	if err != nil {
		return nil, err
	}
	out := make([]any, len(keys))
	for i, k := range keys {
		out[i] = []any{k.Interface(), v.MapIndex(k).Interface()}
	}
	return out, nil
}

// uniq(array): the array without repeated elements, first occurrences kept.
func fnUniq(m *meter, args []any) (any, error) {
	if err := arity("uniq", args, 1, 1); err != nil {
		return nil, err
	}
	arr, err := arrayArg("uniq", args, 0)
	if err != nil {
		return nil, err
	}
	out := []any{}
	for i := range arr.Len() {
		e := arr.Index(i).Interface()
		// expr's uniq compares each element with every kept one; charge for that.
		if err := m.spend(1 + len(out)); err != nil {
			return nil, err
		}
		if !slices.ContainsFunc(out, func(o any) bool { return runtime.Equal(o, e) }) {
			out = append(out, e)
		}
	}
	return out, nil
}

// stringContains(source, value, ignoreCase = false), as in the 8x8 Automation API: whether value
// occurs in source. A source that is not a string (such as a missing field) contains nothing.
func fnStringContains(m *meter, args []any) (any, error) {
	if err := arity("stringContains", args, 2, 3); err != nil {
		return nil, err
	}
	value, err := stringArg("stringContains", args, 1)
	if err != nil {
		return nil, err
	}
	ignoreCase := false
	if len(args) == 3 {
		b, ok := args[2].(bool)
		if !ok {
			return nil, fmt.Errorf("stringContains: argument 3 must be a boolean, not %s", typeName(args[2]))
		}
		ignoreCase = b
	}
	source, ok := args[0].(string)
	if !ok {
		return false, nil
	}
	if err := m.spend(len(source)); err != nil {
		return nil, err
	}
	if ignoreCase {
		return strings.Contains(strings.ToLower(source), strings.ToLower(value)), nil
	}
	return strings.Contains(source, value), nil
}
