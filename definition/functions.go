package definition

import (
	"encoding/xml"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/expr-lang/expr/vm/runtime"
)

// The implementations of the functions exprFunctions declares (functions_table.go), and the
// readers of their arguments. Each is called with a number of arguments its parameters allow.

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
	n, err := normalize(args[0], m, 0)
	if err != nil {
		return nil, err
	}
	return marshalJSON(n)
}

// string(v): v formatted as in interpolation.
func fnString(m *meter, args []any) (any, error) {
	s, err := formatValue(args[0], m)
	if err != nil {
		return nil, err
	}
	return s, m.spend(len(s))
}

// concat(a, b, ...): the arrays joined into one.
func fnConcat(m *meter, args []any) (any, error) {
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

// substring(s, start, end = length), as JavaScript's: the characters from start up to, not
// including, end. Positions count characters; they are clamped to the string, and start > end
// swaps them.
func fnSubstring(m *meter, args []any) (any, error) {
	s, err := stringArg("substring", args, 0)
	if err != nil {
		return nil, err
	}
	if err := m.spend(len(s)); err != nil {
		return nil, err
	}
	runes := []rune(s)
	clamp := func(i int) (int, error) {
		f, ok := toFloat(args[i])
		if !ok {
			return 0, fmt.Errorf("substring: argument %d must be a number, not %s", i+1, typeName(args[i]))
		}
		switch {
		case math.IsNaN(f) || f < 0:
			return 0, nil
		case f > float64(len(runes)):
			return len(runes), nil
		}
		return int(f), nil
	}
	start, err := clamp(1)
	if err != nil {
		return nil, err
	}
	end := len(runes)
	if len(args) == 3 && args[2] != nil {
		if end, err = clamp(2); err != nil {
			return nil, err
		}
	}
	if start > end {
		start, end = end, start
	}
	return string(runes[start:end]), nil
}

// pad implements padStart and padEnd: s filled with pad (repeated, cut to fit) up to length
// characters.
func pad(m *meter, name string, args []any, atStart bool) (any, error) {
	s, ok := args[0].(string)
	if !ok {
		str, err := formatValue(args[0], m)
		if err != nil {
			return nil, err
		}
		s = str
	}
	length, err := intArg(name, args, 1)
	if err != nil {
		return nil, err
	}
	filler := " "
	if len(args) == 3 {
		if filler, err = stringArg(name, args, 2); err != nil {
			return nil, err
		}
	}
	n := utf8.RuneCountInString(s)
	if length <= n || filler == "" {
		return s, m.spend(len(s))
	}
	if length > MaxEvalCost {
		return nil, m.spend(MaxEvalCost + 1)
	}
	if err := m.spend(len(s) + (length-n)*utf8.RuneLen(utf8.RuneError)); err != nil {
		return nil, err
	}
	fill := []rune(strings.Repeat(filler, (length-n)/utf8.RuneCountInString(filler)+1))[:length-n]
	if atStart {
		return string(fill) + s, nil
	}
	return s + string(fill), nil
}

// padStart(s, length, pad = " "): s with pad added before it up to length characters.
func fnPadStart(m *meter, args []any) (any, error) { return pad(m, "padStart", args, true) }

// padEnd(s, length, pad = " "): s with pad added after it up to length characters.
func fnPadEnd(m *meter, args []any) (any, error) { return pad(m, "padEnd", args, false) }

// textOf is a string argument as it is, and any other value as
// interpolation formats it: what the encoding functions encode.
func textOf(m *meter, v any) (string, error) {
	if s, ok := v.(string); ok {
		return s, nil
	}
	return formatValue(v, m)
}

// xmlEscape(s): s as XML text, by encoding/xml's EscapeText, so that a tag's
// value cannot break the XML a Webhook step or a subscription writes
// around it.
func fnXMLEscape(m *meter, args []any) (any, error) {
	s, err := textOf(m, args[0])
	if err != nil {
		return nil, err
	}
	if err := m.spend(6 * len(s)); err != nil {
		return nil, err
	}
	var b strings.Builder
	if err := xml.EscapeText(&b, []byte(s)); err != nil {
		return nil, err
	}
	return b.String(), nil
}

// urlEncode(s): s encoded for a URL query value or path segment, as JavaScript's
// encodeURIComponent: everything but letters, digits and - _ . ! ~ * ' ( ) is percent-encoded.
func fnURLEncode(m *meter, args []any) (any, error) {
	s, err := textOf(m, args[0])
	if err != nil {
		return nil, err
	}
	if err := m.spend(3 * len(s)); err != nil {
		return nil, err
	}
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if isLetter(c) || c >= '0' && c <= '9' || strings.IndexByte("-_.!~*'()", c) >= 0 {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String(), nil
}

// toNumber(v): v as a number. Numbers are returned as they are, numeric strings ("42", " 3.5 ",
// "1e3") parsed, true and false give 1 and 0; anything else (empty or non-numeric text, null,
// arrays, objects) gives null.
func fnToNumber(m *meter, args []any) (any, error) {
	switch v := args[0].(type) {
	case bool:
		if v {
			return 1, nil
		}
		return 0, nil
	case string:
		if err := m.spend(len(v)); err != nil {
			return nil, err
		}
		t := strings.TrimSpace(v)
		if t == "" || len(t) > 400 || strings.ContainsAny(t, "_xXpPnN") {
			return nil, nil // also rules out hex, Inf and NaN spellings
		}
		f, err := strconv.ParseFloat(t, 64)
		if err != nil {
			return nil, nil
		}
		return f, nil
	}
	if f, ok := toFloat(args[0]); ok {
		return normalizeNumber(args[0], f), nil
	}
	return nil, nil
}

// normalizeNumber keeps int and float64 as they are and turns other Go numbers into float64.
func normalizeNumber(v any, f float64) any {
	switch v.(type) {
	case int, float64:
		return v
	}
	return f
}

// numberArg reads a numeric argument.
func numberArg(name string, args []any, i int) (float64, error) {
	f, ok := toFloat(args[i])
	if !ok {
		return 0, fmt.Errorf("%s: argument %d must be a number, not %s", name, i+1, typeName(args[i]))
	}
	return f, nil
}

// roundDecimal rounds x to digits decimals, half away from zero, on its shortest decimal
// representation, so that round(1.005, 2) is 1.01 as a person expects rather than 1.00 as
// binary floating point has it. It returns the decimal text.
func roundDecimal(x float64, digits int) string {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return strconv.FormatFloat(x, 'f', -1, 64)
	}
	s := strconv.FormatFloat(math.Abs(x), 'f', -1, 64)
	intPart, frac, _ := strings.Cut(s, ".")
	digitsText := intPart + frac
	point := len(intPart) // position of the decimal point in digitsText
	keep := point + digits
	neg := x < 0
	var out []byte
	switch {
	case keep >= len(digitsText):
		out = []byte(digitsText)
		for len(out) < keep {
			out = append(out, '0')
		}
	case keep < 0:
		out = []byte{'0'}
		keep = 1
		point = 1 - digits
		if point < 1 {
			point = 1
		}
		digitsText = "0"
	default:
		out = []byte(digitsText[:keep])
		if digitsText[keep] >= '5' {
			i := len(out) - 1
			for ; i >= 0; i-- {
				if out[i] == '9' {
					out[i] = '0'
					continue
				}
				out[i]++
				break
			}
			if i < 0 {
				out = append([]byte{'1'}, out...)
				point++
			}
		}
	}
	// out holds the kept digits; the integer part is the first point of them (padded with zeros
	// for negative digits).
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	if digits >= 0 {
		ip := string(out[:point])
		if ip == "" {
			ip = "0"
		}
		b.WriteString(ip)
		if digits > 0 {
			b.WriteByte('.')
			b.Write(out[point:])
		}
	} else {
		b.Write(out)
		for range -digits {
			b.WriteByte('0')
		}
	}
	res := b.String()
	if strings.Trim(res, "-0.") == "" {
		res = strings.TrimPrefix(res, "-")
	}
	return res
}

// round(x, digits = 0): x rounded to digits decimals (negative digits round to tens, hundreds,
// ...), halves away from zero.
func fnRound(m *meter, args []any) (any, error) {
	x, err := numberArg("round", args, 0)
	if err != nil {
		return nil, err
	}
	digits := 0
	if len(args) == 2 {
		if digits, err = intArg("round", args, 1); err != nil {
			return nil, err
		}
		if digits < -15 || digits > 15 {
			return nil, fmt.Errorf("round: digits must be from -15 to 15, not %d", digits)
		}
	}
	if err := m.spend(32); err != nil {
		return nil, err
	}
	if math.IsNaN(x) || math.IsInf(x, 0) || math.Abs(x) >= 1e21 {
		return x, nil
	}
	f, err := strconv.ParseFloat(roundDecimal(x, digits), 64)
	if err != nil {
		return nil, fmt.Errorf("round: %w", err)
	}
	return f, nil
}

// formatNumber(x, decimals = 0, thousandsSeparator = ",", decimalSeparator = "."): x rounded to
// decimals (as round does) and written with separators, e.g. formatNumber(1234.5, 2) is
// "1,234.50". No locale is consulted.
func fnFormatNumber(m *meter, args []any) (any, error) {
	const name = "formatNumber"
	x, err := numberArg(name, args, 0)
	if err != nil {
		return nil, err
	}
	decimals := 0
	if len(args) >= 2 && args[1] != nil {
		if decimals, err = intArg(name, args, 1); err != nil {
			return nil, err
		}
		if decimals < 0 || decimals > 20 {
			return nil, fmt.Errorf("%s: decimals must be from 0 to 20, not %d", name, decimals)
		}
	}
	thousands, point := ",", "."
	if len(args) >= 3 && args[2] != nil {
		if thousands, err = stringArg(name, args, 2); err != nil {
			return nil, err
		}
	}
	if len(args) == 4 && args[3] != nil {
		if point, err = stringArg(name, args, 3); err != nil {
			return nil, err
		}
	}
	if len(thousands) > 8 || len(point) > 8 {
		return nil, fmt.Errorf("%s: separators must be at most 8 bytes long", name)
	}
	if math.IsNaN(x) || math.IsInf(x, 0) || math.Abs(x) >= 1e21 {
		return formatScalar(x), nil
	}
	text := roundDecimal(x, decimals)
	if err := m.spend(4 * (len(text) + len(thousands)*len(text))); err != nil {
		return nil, err
	}
	neg := strings.HasPrefix(text, "-")
	text = strings.TrimPrefix(text, "-")
	intPart, frac, _ := strings.Cut(text, ".")
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, c := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteString(thousands)
		}
		b.WriteRune(c)
	}
	if frac != "" {
		b.WriteString(point)
		b.WriteString(frac)
	}
	return b.String(), nil
}

// empty reports whether a value counts as missing for default and coalesce: null or "".
func empty(v any) bool {
	if v == nil {
		return true
	}
	s, ok := v.(string)
	return ok && s == ""
}

// default(value, fallback): value, or fallback when value is null or "".
func fnDefault(m *meter, args []any) (any, error) {
	if empty(args[0]) {
		return args[1], m.spend(1)
	}
	return args[0], m.spend(1)
}

// coalesce(a, b, ...): the first argument that is neither null nor "", or null.
func fnCoalesce(m *meter, args []any) (any, error) {
	if err := m.spend(len(args)); err != nil {
		return nil, err
	}
	for _, a := range args {
		if !empty(a) {
			return a, nil
		}
	}
	return nil, nil
}
